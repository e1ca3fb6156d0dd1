from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.accounts.admin_mixins import ReadOnlyAdminMixin
from apps.accounts.security import log_security_event

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


# allauth registers these two with defaults that do not fit here: its session admin shows
# session keys, searches a `username` field this User model does not have, and deleting a
# session row there would leave the browser logged in. Both are re-registered so that an admin can end a session or
# reset a lost authenticator app, and nothing else.


class UserSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Where people are logged in: the device, the address and when, never the session key.

    A key works as a cookie or an X-Session-Token, so whoever reads it can act as that person
    and skip their second factor. "End this session" (the action, and a button on each
    session's page) logs that browser or app out.
    """

    list_display = ["user", "device", "ip", "last_seen_at", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "ip"]
    ordering = ["-last_seen_at"]
    fields = ["user", "device", "ip", "created_at", "last_seen_at"]
    readonly_fields = fields
    actions = ["end_sessions"]

    @admin.display(description=_("device"))
    def device(self, obj: UserSession) -> str:
        return obj.user_agent or "-"

    @admin.action(description=_("End these sessions: the person must log in again there"))
    def end_sessions(self, request, queryset) -> None:
        ended = 0
        for user_session in queryset.select_related("user"):
            log_security_event("session_ended_by_admin", request=request, user=user_session.user)
            user_session.end()
            ended += 1
        self.message_user(request, _("Ended %d session(s).") % ended, messages.SUCCESS)


class AuthenticatorAdmin(admin.ModelAdmin):
    """Deleting a person's authenticator app is how an admin helps someone who lost their
    phone: they set up a new one at their next login. Secrets are never shown."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _reregister(model, model_admin) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


_reregister(UserSession, UserSessionAdmin)
_reregister(Authenticator, AuthenticatorAdmin)
