"""The module endpoints (/api/v1/modules/): library's serializers, scoped by assignments.

A patient reads only the modules their care team assigned to them, which is an assignments
rule, so the viewset lives here rather than in apps/library/api.py.
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets

from apps.accounts.roles import PortalViewMixin
from apps.library.api import (
    MODULE_EXAMPLE,
    ModuleDetailSerializer,
    ModuleFilter,
    ModuleSerializer,
)
from apps.library.models import Module

from . import selectors


@extend_schema_view(
    list=extend_schema(
        summary="List reading modules",
        description=(
            "Published modules. Patients see only the ones their care team assigned to "
            "them (cancelled assignments excepted); caregivers the ones assigned to the "
            "patients they read for now; clinicians and admins see the whole library, to "
            "choose what to assign."
        ),
        examples=[OpenApiExample("A module", value=MODULE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Read a module",
        description=(
            "The current published version: sections with sanitised HTML, and the "
            "comprehension check questions. Patients get the questions without the right "
            "answers or explanations; they see those after answering (caregivers likewise). "
            "A module a patient was not given is 404, and to a caregiver one not given to a "
            "patient they read for."
        ),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The module's slug.")
        ],
        examples=[
            OpenApiExample(
                "As a patient reads it",
                value={
                    **MODULE_EXAMPLE,
                    "sources": [
                        {
                            "name": "National Cancer Institute: Immunotherapy side effects",
                            "url": "https://www.cancer.gov/about-cancer/treatment/side-effects",
                            "checked": "2026-09-15",
                        }
                    ],
                    "last_reviewed": "2026-09-15",
                    "demo": False,
                    "review": {
                        "name": "Dr Ana Ruiz",
                        "role": "Clinician",
                        "reviewed_on": "2026-09-15",
                        "next_review": "2027-09-15",
                    },
                    "sections": [
                        {
                            "position": 1,
                            "title": "Why side effects happen",
                            "html": "<p>Immunotherapy wakes up your immune system.</p>",
                            "reading_grade": 5.9,
                            "caregiver_note": None,
                        }
                    ],
                    "checks": [
                        {
                            "position": 1,
                            "prompt": "When should you call the 24-hour line?",
                            "choices": ["Never", "For any new rash or diarrhoea", "Next week"],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    ),
)
class ModuleViewSet(
    PortalViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    lookup_field = "slug"
    # Only what a slug can hold: anything else (a NUL byte, which PostgreSQL cannot compare
    # with text) matches no endpoint and gets the API's JSON 404 instead of reaching the query.
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_class = ModuleFilter
    ordering_fields = ["title", "slug"]
    ordering = ["title", "id"]

    def get_serializer_class(self):
        return ModuleDetailSerializer if self.action == "retrieve" else ModuleSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user if self.request else None
        context["with_answers"] = bool(user and user.is_authenticated and user.is_staff_role)
        return context

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Module.objects.none()
        return selectors.module_list_for_user(user=self.request.user)

    def get_object(self):
        module = selectors.module_get_for_user(user=self.request.user, slug=self.kwargs["slug"])
        self.check_object_permissions(self.request, module)
        return module
