"""API for people: which patients may I see, and the account fields of "who am I" (the
/api/v1/me/ view is apps.caregivers.api.MeView: a caregiver also learns whom they read for)."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from apps.accounts.roles import IsStaffRole, PortalViewMixin

from . import selectors
from .models import User


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "timezone", "preferred_language", "text_size"]
        read_only_fields = fields


class PatientSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "name", "email", "timezone", "preferred_language", "is_active"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="My patients",
        description=(
            "Clinicians: the patients in their care team. Admins: every patient. Patients "
            "get 403. Use a patient's `id` as `patient` when assigning reading or filtering "
            "assignments."
        ),
        tags=["patients"],
        examples=[
            OpenApiExample(
                "A patient in the care team",
                value={
                    "id": 12,
                    "name": "Pat Jones",
                    "email": "patient@example.com",
                    "timezone": "America/New_York",
                    "preferred_language": "en",
                    "is_active": True,
                },
                response_only=True,
            )
        ],
    )
)
class PatientViewSet(PortalViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PatientSerializer
    action_roles = {"list": (IsStaffRole,)}
    ordering_fields = ["name", "email", "id"]
    ordering = ["name", "id"]
    list_audit_action = "patient_list.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return selectors.patient_list_for_user(user=self.request.user)

    def list_patient_id(self, row) -> int:
        return row.pk
