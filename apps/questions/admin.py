"""Questions in the admin, read-only, for portal admins: the care team answers in the portal."""

from django.contrib import admin

from apps.assignments.admin import CareTeamClinicianFilter, ReadOnlyAdmin
from apps.core.admin_mixins import PortalTabularInline

from .models import Question, Reply


class ReplyInline(PortalTabularInline):
    model = Reply
    extra = 0
    fields = ["created_at", "author", "body"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "patient", "module", "status", "last_activity_at"]
    list_select_related = ["patient", "module"]
    list_filter = [
        "status",
        ("module", admin.RelatedOnlyFieldListFilter),
        CareTeamClinicianFilter,
    ]
    search_fields = ["patient__email", "patient__name"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "patient",
        "module",
        "version",
        "assignment",
        "section_title",
        "body",
        "status",
        "created_at",
        "last_activity_at",
        "withdrawn_at",
    ]
    readonly_fields = fields
    inlines = [ReplyInline]
