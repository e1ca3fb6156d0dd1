from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import PortalTabularInline, ReadOnlyAdminMixin

from . import services
from .models import CareTeamMembership, Invitation, NotificationPreference, User
from .security import log_security_event


class CareTeamInline(PortalTabularInline):
    model = CareTeamMembership
    fk_name = "patient"
    extra = 0
    autocomplete_fields = ["clinician"]
    # When the link was made is a record, not an input (and its split date and time boxes
    # have no labels of their own).
    readonly_fields = ["created_at"]
    verbose_name = _("clinician caring for this patient")
    verbose_name_plural = _("care team")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "preferred_language"]
    search_fields = ["email", "name"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [CareTeamInline]
    actions = ["deactivate"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("name", "role", "timezone", "preferred_language", "text_size")}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "role", "password1", "password2"),
            },
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their history must stay.
        return False

    @admin.action(description=_("Deactivate: stop these accounts logging in (history stays)"))
    def deactivate(self, request, queryset):
        for user in queryset:
            services.user_deactivate(user=user)
        self.message_user(
            request, _("Deactivated %d account(s).") % queryset.count(), messages.SUCCESS
        )


@admin.register(CareTeamMembership)
class CareTeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["clinician", "patient", "created_at"]
    list_select_related = ["clinician", "patient"]
    autocomplete_fields = ["clinician", "patient"]
    search_fields = ["clinician__email", "patient__email", "patient__name"]
    # When a link was made is a record, not something to edit.
    readonly_fields = ["created_at"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "name",
        "kind",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_select_related = ["invited_by"]
    search_fields = ["email", "name"]
    # Timestamps are the invitation's record: the portal sets them, nobody edits them here.
    readonly_fields = [
        "kind",
        "token_hash",
        "accepted_user",
        "created_at",
        "last_sent_at",
        "accepted_at",
        "revoked_at",
    ]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "due_soon", "overdue", "not_started", "reply", "new_question", "digest"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


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
