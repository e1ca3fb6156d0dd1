"""Assignments in the admin, read-only: so a portal admin can answer “who was given what”.

Clinicians assign and cancel reading in the portal itself, where the rules live
(services.py); nothing is added, changed or deleted here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.audit.services import audit_log
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import Assignment


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A record to read, for portal admins only (not for content editors)."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_portal_admin and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_portal_admin and super().has_view_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        # Reading patients' records in the admin is access like any other.
        audit_log(
            actor=request.user, action=f"{self.opts.model_name}.list", patient=None, request=request
        )
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and self.has_view_permission(request, obj):
            audit_log(
                actor=request.user,
                action=f"{self.opts.model_name}.view",
                patient=obj.patient_id,
                obj=obj,
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context=extra_context)


class CareTeamClinicianFilter(admin.SimpleListFilter):
    """Rows of the patients in one clinician's care team."""

    title = _("clinician (care team)")
    parameter_name = "clinician"
    patient_path = "patient"

    def lookups(self, request, model_admin):
        clinicians = User.objects.filter(role=User.Role.CLINICIAN).order_by("name", "email")
        return [(str(user.pk), user.get_full_name() or user.email) for user in clinicians]

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        return queryset.filter(
            **{f"{self.patient_path}__care_team_links__clinician_id": int(self.value())}
        )


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = [
        "assigned_at",
        "patient",
        "module",
        "status",
        "due_on",
        "assigned_by",
        "completed_at",
    ]
    list_select_related = ["patient", "module", "assigned_by"]
    list_filter = [
        "status",
        ("module", admin.RelatedOnlyFieldListFilter),
        ("assigned_by", admin.RelatedOnlyFieldListFilter),
        CareTeamClinicianFilter,
    ]
    search_fields = ["patient__email", "patient__name", "module__title"]
    date_hierarchy = "assigned_at"
    ordering = ["-assigned_at", "-id"]
    fields = [
        "patient",
        "module",
        "status",
        "assigned_by",
        "assigned_at",
        "due_on",
        "note",
        "for_caregiver",
        "started_at",
        "completed_at",
        "completed_version",
        "cancelled_at",
        "cancelled_by",
    ]
    readonly_fields = fields
