from django.contrib import admin

from apps.audit.services import audit_log
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The message log, read-only: rows are written by the sweep and the delivery task."""

    list_display = [
        "created_at",
        "recipient",
        "kind",
        "sequence",
        "status",
        "skip_reason",
        "attempts",
        "interrupted_sends",
        "send_after",
        "sent_at",
    ]
    list_filter = [
        "status",
        "kind",
        "skip_reason",
        "channel",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["recipient"]
    search_fields = ["recipient__email"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = [
        "recipient",
        "kind",
        "sequence",
        "assignment",
        "question",
        "reply",
        "digest_date",
        "channel",
        "status",
        "skip_reason",
        "attempts",
        "interrupted_sends",
        "created_at",
        "send_after",
        "enqueued_at",
        "last_attempt_at",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        audit_log(actor=request.user, action="notification.list", patient=None, request=request)
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notification = self.get_object(request, object_id)
        if (
            request.method == "GET"
            and notification is not None
            and self.has_view_permission(request, notification)
        ):
            recipient = notification.recipient
            audit_log(
                actor=request.user,
                action="notification.view",
                patient=recipient if recipient.is_patient else None,
                obj=notification,
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context=extra_context)
