"""Role checks for API actions, and the base every portal viewset builds on.

A wrong role gets 403 before any object is looked up; an object outside the caller's scope
gets 404 from the selectors. Role checks are added on top of the default permission classes
(REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]) rather than replacing them, so site-wide
requirements configured there keep applying to every action.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from apps.audit.services import audit_log, audit_patients_seen


class IsPatient(BasePermission):
    message = _("Only patients can do this: it is about your own reading.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_patient)


class IsStaffRole(BasePermission):
    """Clinicians and admins: the people who may see other people's health information."""

    message = _("Only clinicians and admins can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_role)


class IsPatientOrStaff(BasePermission):
    """Patients (for themselves) and their care team; caregivers and anyone else get 403."""

    message = _("Only patients and their care team can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_patient or user.is_staff_role))


class IsPatientOrAdmin(BasePermission):
    message = _("Only the patient, or an admin at the patient's request, can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_patient or user.is_portal_admin))


class IsReader(BasePermission):
    """Patients, and caregivers reading for a patient (which patient: the selectors decide)."""

    message = _("Only patients and the people helping them read can do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_patient or user.is_caregiver))


class PortalViewMixin:
    """`action_roles` maps a viewset action (or an HTTP method, lower case, on an APIView)
    to the role permissions it needs in addition to the defaults."""

    action_roles: dict[str, tuple[type[BasePermission], ...]] = {}

    def get_permissions(self):
        permissions = super().get_permissions()
        action = getattr(self, "action", None) or self.request.method.lower()
        return [*permissions, *(permission() for permission in self.action_roles.get(action, ()))]

    @property
    def idempotency_key(self) -> str | None:
        """The Idempotency-Key header (apps.core.drf.IDEMPOTENCY_KEY_PARAMETER), checked by the service."""
        return self.request.headers.get("Idempotency-Key")

    def validated(self, serializer_class) -> dict:
        """The request body checked for shape and types (400 per field); rules stay in services."""
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def audit(self, *, action: str, patient, obj=None) -> None:
        """Record someone other than the patient viewing or changing one patient's information."""
        audit_log(
            actor=self.request.user,
            action=action,
            patient=patient,
            obj=obj,
            request=self.request,
            channel="api",
        )

    # Lists: `list_audit_action` names the event written, one row per patient on the page
    # (in one INSERT, whatever the page size), as the web lists do. Patients' own lists are
    # not recorded.
    list_audit_action: str | None = None
    page_rows: list | None = None

    def list_patient_id(self, row) -> int:
        return row.patient_id

    def paginate_queryset(self, queryset):
        self.page_rows = super().paginate_queryset(queryset)
        return self.page_rows

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.list_audit_action and (request.user.is_staff_role or request.user.is_caregiver):
            audit_patients_seen(
                actor=request.user,
                action=self.list_audit_action,
                patient_ids=[self.list_patient_id(row) for row in self.page_rows or []],
                request=request,
                channel="api",
            )
        return response
