"""API for caregivers: a patient's helpers, listed, invited, changed, confirmed and ended; and
whom a caregiver reads for (GET /api/v1/me/).

Thin, like the web pages: scoping comes from selectors.links_for_user / link_get_for_user
(404 outside one's own) and every rule from services (who may invite for whom, consent,
what an ended link may do), which audit each change with channel "api". A caregiver gets 403
on all of it: they never see who else helps a patient.
"""

import django_filters
from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import security
from apps.accounts.api import MeSerializer as AccountMeSerializer
from apps.accounts.roles import IsPatient, IsPatientOrAdmin, IsPatientOrStaff, PortalViewMixin
from apps.accounts.selectors import patient_get_for_user
from apps.core.drf import IdField, IdFilter

from . import selectors, services
from .models import CaregiverLink

Status = CaregiverLink.Status

WAITING_FOR_PATIENT = "patient_confirmation"
WAITING_FOR_CAREGIVER = "caregiver_acceptance"


def waiting_for(link: CaregiverLink) -> str | None:
    """What a pending link waits for: the patient's consent (a clinician invited), then the
    caregiver accepting the emailed invitation."""
    if link.status != Status.PENDING:
        return None
    if link.patient_confirmed_at is None:
        return WAITING_FOR_PATIENT
    return WAITING_FOR_CAREGIVER


# --- Serializers ------------------------------------------------------------------------------


class CaregiverLinkSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    patient_name = serializers.CharField(source="patient.name", read_only=True)
    caregiver = serializers.IntegerField(
        source="caregiver_id",
        read_only=True,
        allow_null=True,
        help_text="The caregiver's account id; null until they accept the invitation.",
    )
    invited_by = serializers.IntegerField(source="invited_by_id", read_only=True)
    invited_by_name = serializers.CharField(source="invited_by.name", read_only=True)
    waiting_for = serializers.SerializerMethodField(
        help_text=(
            f"For a pending link: `{WAITING_FOR_PATIENT}` (a clinician invited; the patient "
            f"must confirm with POST .../confirm/ before anything is emailed) or "
            f"`{WAITING_FOR_CAREGIVER}` (the invitation is emailed; the caregiver has not "
            "accepted yet). Null once active or ended."
        )
    )

    class Meta:
        model = CaregiverLink
        fields = [
            "id",
            "patient",
            "patient_name",
            "name",
            "email",
            "status",
            "waiting_for",
            "can_ask_questions",
            "receives_reminders",
            "caregiver",
            "invited_by",
            "invited_by_name",
            "created_at",
            "patient_confirmed_at",
            "accepted_at",
            "activated_at",
            "ended_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[WAITING_FOR_PATIENT, WAITING_FOR_CAREGIVER], allow_null=True
        )
    )
    def get_waiting_for(self, link) -> str | None:
        return waiting_for(link)


def _may_ask_field(**kwargs) -> serializers.BooleanField:
    return serializers.BooleanField(
        help_text="They may ask the care team questions on the patient's behalf.", **kwargs
    )


def _reminders_field(**kwargs) -> serializers.BooleanField:
    return serializers.BooleanField(
        help_text="They get the patient's reading reminders by email too.", **kwargs
    )


class CaregiverInviteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150, help_text="The helper's name.")
    email = serializers.EmailField(
        max_length=254, help_text="Where the one-time invitation link is sent."
    )
    can_ask_questions = _may_ask_field(default=False)
    receives_reminders = _reminders_field(default=False)
    patient = IdField(
        required=False,
        help_text=(
            "Clinicians and admins: the patient (GET /api/v1/patients/). Patients leave it "
            "out (or send their own id): they invite for themselves only."
        ),
    )


class CaregiverUpdateSerializer(serializers.Serializer):
    can_ask_questions = _may_ask_field(required=False)
    receives_reminders = _reminders_field(required=False)


class CaregiverLinkFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="Only this patient's caregivers.")
    status = django_filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = CaregiverLink
        fields = ["patient", "status"]


LINK_EXAMPLE = {
    "id": 5,
    "patient": 12,
    "patient_name": "Pat Jones",
    "name": "Alex Jones",
    "email": "alex@example.com",
    "status": "active",
    "waiting_for": None,
    "can_ask_questions": True,
    "receives_reminders": False,
    "caregiver": 40,
    "invited_by": 12,
    "invited_by_name": "Pat Jones",
    "created_at": "2026-11-18T09:00:00Z",
    "patient_confirmed_at": "2026-11-18T09:00:00Z",
    "accepted_at": "2026-11-18T19:30:00Z",
    "activated_at": "2026-11-18T19:30:00Z",
    "ended_at": None,
}
INVITED_BY_CLINICIAN_EXAMPLE = {
    **LINK_EXAMPLE,
    "status": "pending",
    "waiting_for": WAITING_FOR_PATIENT,
    "caregiver": None,
    "invited_by": 3,
    "invited_by_name": "Dr Dana Lee",
    "patient_confirmed_at": None,
    "accepted_at": None,
    "activated_at": None,
}
LINK_ID_PARAMETER = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Caregiver link id."
)


# --- Views ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        operation_id="caregivers_list",
        summary="List caregivers",
        description=(
            "Patients: everyone they invited or let read with them, ended ones included "
            "(history). Clinicians: the caregivers of their care team's patients (narrow to "
            "one with `patient`). Admins: all. Caregivers get 403: they never see who else "
            "helps. Newest first unless `ordering` says otherwise."
        ),
        examples=[OpenApiExample("An active caregiver", value=LINK_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        operation_id="caregivers_retrieve",
        summary="One caregiver link",
        description=(
            "Who, what they may do, and where the invitation stands. Outside your scope it is "
            "404. Staff reads are recorded in the patient's audit trail."
        ),
        parameters=[LINK_ID_PARAMETER],
        examples=[OpenApiExample("An active caregiver", value=LINK_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        operation_id="caregivers_invite",
        summary="Invite a caregiver",
        description=(
            "A patient invites someone to read alongside them: the one-time link (hashed, "
            "expiring) is emailed at once. A clinician (for a patient of their care team, "
            "`patient`) or an admin may invite too; that invitation waits until the patient "
            "confirms it (`waiting_for: patient_confirmation`) and nothing is emailed before. "
            "A `patient` outside your scope is 404. Inviting someone already invited or "
            "helping is a 400 on `email`. Audited. Too many invitations in an hour: 429."
        ),
        request=CaregiverInviteSerializer,
        responses={201: CaregiverLinkSerializer},
        examples=[
            OpenApiExample(
                "A patient invites",
                value={
                    "name": "Alex Jones",
                    "email": "alex@example.com",
                    "can_ask_questions": True,
                    "receives_reminders": False,
                },
                request_only=True,
            ),
            OpenApiExample(
                "A clinician invites for a patient",
                value={"name": "Alex Jones", "email": "alex@example.com", "patient": 12},
                request_only=True,
            ),
            OpenApiExample(
                "Waiting for the patient",
                value=INVITED_BY_CLINICIAN_EXAMPLE,
                response_only=True,
                status_codes=["201"],
            ),
        ],
    ),
    partial_update=extend_schema(
        operation_id="caregivers_update",
        summary="Change what a caregiver may do",
        description=(
            "The patient only: send `can_ask_questions` and/or `receives_reminders`. It "
            "applies from the caregiver's next request. An ended link is a 400 (invite them "
            "again instead). Audited."
        ),
        parameters=[LINK_ID_PARAMETER],
        request=CaregiverUpdateSerializer,
        responses={200: CaregiverLinkSerializer},
        examples=[
            OpenApiExample(
                "No more questions",
                value={"can_ask_questions": False},
                request_only=True,
            )
        ],
    ),
    destroy=extend_schema(
        operation_id="caregivers_end",
        summary="End a caregiver's access",
        description=(
            "The patient (or an admin, at the patient's request) ends the access at once, or "
            "withdraws an invitation not accepted yet. The caregiver's next request for this "
            "patient is a 404; when it was their last patient, their sessions end too. "
            "Nothing is deleted: the link stays as history with `status: ended`. Audited."
        ),
        parameters=[LINK_ID_PARAMETER],
        responses={204: None},
    ),
)
class CaregiverViewSet(PortalViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CaregiverLinkSerializer
    filterset_class = CaregiverLinkFilter
    ordering_fields = ["created_at", "status", "id"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    list_audit_action = "caregiver.view"
    body_id_actions = {"create"}  # a `patient` outside one's scope: 404 (apps.api.schema)
    action_roles = {
        "list": (IsPatientOrStaff,),
        "retrieve": (IsPatientOrStaff,),
        "create": (IsPatientOrStaff,),
        "partial_update": (IsPatient,),
        "destroy": (IsPatientOrAdmin,),
        "confirm": (IsPatient,),
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CaregiverLink.objects.none()
        return selectors.links_for_user(user=self.request.user)

    def get_object(self) -> CaregiverLink:
        return selectors.link_get_for_user(user=self.request.user, link_id=self.kwargs["pk"])

    def link_response(self, link: CaregiverLink, *, status_code=status.HTTP_200_OK):
        link = selectors.link_get_for_user(user=self.request.user, link_id=link.pk)
        return Response(CaregiverLinkSerializer(link).data, status=status_code)

    def retrieve(self, request, pk=None):
        link = self.get_object()
        self.audit(action="caregiver.view", patient=link.patient_id, obj=link)
        return Response(CaregiverLinkSerializer(link).data)

    def invited_for(self, patient_id: int | None):
        """Whom the invitation is for: a patient themself (another id is 404: nobody grants
        access to someone else's record), or a patient in a staff member's scope."""
        user = self.request.user
        if user.is_patient and not user.is_portal_admin:
            if patient_id not in (None, user.pk):
                raise Http404("No such patient.")
            return user
        if patient_id is None:
            raise exceptions.ValidationError(
                {"patient": [_("Give the id of the patient the invitation is for.")]}
            )
        return patient_get_for_user(user=user, patient_id=patient_id)

    def create(self, request):
        data = self.validated(CaregiverInviteSerializer)
        patient = self.invited_for(data.get("patient"))
        if security.invitation_rate_limit_exceeded(user=request.user):
            raise exceptions.Throttled(wait=settings.INVITATION_RATE_LIMIT[1])
        link = services.caregiver_invite(
            patient=patient,
            invited_by=request.user,
            email=data["email"],
            name=data["name"],
            can_ask_questions=data["can_ask_questions"],
            receives_reminders=data["receives_reminders"],
            request=request,
            channel="api",
        )
        return self.link_response(link, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        link = self.get_object()
        data = self.validated(CaregiverUpdateSerializer)
        link = services.caregiver_update(
            link=link,
            actor=request.user,
            can_ask_questions=data.get("can_ask_questions", link.can_ask_questions),
            receives_reminders=data.get("receives_reminders", link.receives_reminders),
            request=request,
            channel="api",
        )
        return self.link_response(link)

    def destroy(self, request, pk=None):
        services.caregiver_end(
            link=self.get_object(), actor=request.user, request=request, channel="api"
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="caregivers_confirm",
        summary="Agree to a caregiver my clinician invited",
        description=(
            "The patient only, for an invitation a clinician sent "
            f"(`waiting_for: {WAITING_FOR_PATIENT}`): the invitation is then emailed to the "
            "caregiver. Anything else (already confirmed, active, ended) is a 400. Takes no "
            "body. Audited."
        ),
        parameters=[LINK_ID_PARAMETER],
        request=None,
        responses={200: CaregiverLinkSerializer},
        examples=[
            OpenApiExample(
                "Confirmed",
                value={
                    **INVITED_BY_CLINICIAN_EXAMPLE,
                    "waiting_for": WAITING_FOR_CAREGIVER,
                    "patient_confirmed_at": "2026-11-19T08:00:00Z",
                },
                response_only=True,
            ),
            OpenApiExample(
                "Nothing to confirm",
                value={"non_field_errors": ["There is nothing to confirm for this person."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def confirm(self, request, pk=None):
        link = services.caregiver_confirm(
            link=self.get_object(), patient=request.user, request=request, channel="api"
        )
        return self.link_response(link)


# --- Who am I, and whom do I read for ---------------------------------------------------------


class ReadingForSerializer(serializers.Serializer):
    patient = serializers.IntegerField(source="patient_id")
    patient_name = serializers.CharField(source="patient.name")
    can_ask_questions = serializers.BooleanField(
        help_text="The patient lets you ask their care team questions for them."
    )
    receives_reminders = serializers.BooleanField(
        help_text="You get the patient's reading reminders by email too."
    )


class MeSerializer(AccountMeSerializer):
    reading_for = serializers.SerializerMethodField(
        help_text=(
            "For a caregiver: the patients whose reading they may see now (active links), "
            "with what each allows. Use `patient` as the `patient` filter or field on the "
            "other endpoints. Empty for everyone else."
        )
    )

    class Meta(AccountMeSerializer.Meta):
        fields = [*AccountMeSerializer.Meta.fields, "reading_for"]
        read_only_fields = fields

    @extend_schema_field(ReadingForSerializer(many=True))
    def get_reading_for(self, user):
        if not user.is_caregiver:
            return []
        links = selectors.active_links_for_caregiver(caregiver=user)
        return ReadingForSerializer(links, many=True).data


ME_PATIENT_EXAMPLE = {
    "id": 12,
    "email": "patient@example.com",
    "name": "Pat Jones",
    "role": "patient",
    "timezone": "America/New_York",
    "preferred_language": "en",
    "text_size": "standard",
    "reading_for": [],
}


class MeView(APIView):
    """The logged-in person; for a caregiver, whom they read for."""

    @extend_schema(
        operation_id="me_retrieve",
        responses=MeSerializer,
        summary="Who am I",
        description=(
            "The account the request is authenticated as: its role decides what the other "
            "endpoints return. A good first call after logging in. A caregiver also learns "
            "whom they read for (`reading_for`): the patients who gave them access now."
        ),
        tags=["me"],
        examples=[
            OpenApiExample("A patient", value=ME_PATIENT_EXAMPLE, response_only=True),
            OpenApiExample(
                "A caregiver",
                value={
                    **ME_PATIENT_EXAMPLE,
                    "id": 40,
                    "email": "alex@example.com",
                    "name": "Alex Jones",
                    "role": "caregiver",
                    "reading_for": [
                        {
                            "patient": 12,
                            "patient_name": "Pat Jones",
                            "can_ask_questions": True,
                            "receives_reminders": False,
                        }
                    ],
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)
