from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, for portal admins to read. Nobody adds, changes or deletes rows here.

    The permission methods return False for superusers too: Django would otherwise give a
    superuser every permission regardless of the model.
    """

    list_display = ["at", "actor_link", "action", "patient_link", "object_type", "channel", "ip"]
    list_select_related = ["actor", "subject_patient"]
    # Only people who appear in the trail are offered, so the lists stay short.
    list_filter = [
        ("subject_patient", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "channel",
        "action",
    ]
    search_fields = ["actor__email", "actor__name", "subject_patient__email", "action"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    list_per_page = 100
    # Counting a large append-only table on every page view is slow and tells nobody anything.
    show_full_result_count = False
    readonly_fields = [
        "at",
        "actor",
        "action",
        "subject_patient",
        "object_type",
        "object_id",
        "channel",
        "ip",
    ]
    fields = readonly_fields

    def has_module_permission(self, request) -> bool:
        return self._is_portal_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_portal_admin(request)

    @staticmethod
    def _is_portal_admin(request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.is_portal_admin

    @admin.display(description=_("who"), ordering="actor__email")
    def actor_link(self, event: AuditEvent):
        if event.actor_id is None:
            return "-"
        return self._filter_link("actor__id__exact", event.actor_id, event.actor)

    @admin.display(description=_("patient"), ordering="subject_patient__email")
    def patient_link(self, event: AuditEvent):
        if event.subject_patient_id is None:
            return "-"
        return self._filter_link(
            "subject_patient__id__exact", event.subject_patient_id, event.subject_patient
        )

    @staticmethod
    def _filter_link(lookup: str, pk: int, person):
        url = reverse("admin:audit_auditevent_changelist") + f"?{lookup}={pk}"
        return format_html('<a href="{}">{}</a>', url, person.email)
