from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CareTeamMembership, Invitation, NotificationPreference, User


class CareTeamInline(admin.TabularInline):
    model = CareTeamMembership
    fk_name = "patient"
    extra = 0
    autocomplete_fields = ["clinician"]
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
