from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from apps.core.admin_mixins import ReadOnlyAdminMixin

from . import services
from .models import CaregiverLink


@admin.register(CaregiverLink)
class CaregiverLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Shown, never edited: consent is the patient's to give. An admin may only end a link
    (for example when the patient asks the clinic to), and that is audited like the patient's."""

    list_display = [
        "patient",
        "caregiver",
        "email",
        "status",
        "can_ask_questions",
        "receives_reminders",
        "created_at",
        "ended_at",
    ]
    list_filter = ["status"]
    list_select_related = ["patient", "caregiver"]
    search_fields = ["email", "patient__email", "caregiver__email"]
    actions = ["end_access"]

    @admin.action(description=_("End the access of the selected caregivers now"))
    def end_access(self, request, queryset):
        for link in queryset.exclude(status=CaregiverLink.Status.ENDED):
            services.caregiver_end(link=link, actor=request.user, request=request)
        messages.success(request, _("Done."))
