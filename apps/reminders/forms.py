from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import NotificationPreference, User

from .services import kinds_for

PATIENT_LABELS = {
    "due_soon": _("When reading is due in the next few days"),
    "overdue": _("When reading is past its due date"),
    "not_started": _("When I have not opened new reading after a few days"),
    "reply": _("When my care team answers my question"),
}
CAREGIVER_LABELS = {
    "due_soon": _("When reading for someone I help is due in the next few days"),
    "overdue": _("When reading for someone I help is past its due date"),
    "not_started": _("When someone I help has not opened new reading after a few days"),
}
STAFF_LABELS = {
    "new_question": _("When one of my patients asks a new question"),
    "reply": _("When a patient writes more in a question thread"),
    "digest": _("A summary each morning (only on days with something to report)"),
}
TIME_ERRORS = {
    "required": _("Enter a time, like 21:00."),
    "invalid": _("Enter a time in hours and minutes, like 21:00."),
}


class NotificationPreferenceForm(forms.ModelForm):
    """The emails a person wants. Which boxes appear depends on their role."""

    all_off = forms.BooleanField(
        required=False,
        label=_("Stop all emails from the portal"),
        help_text=_("You can still read everything when you log in."),
    )

    class Meta:
        model = NotificationPreference
        fields = [
            "due_soon",
            "overdue",
            "not_started",
            "reply",
            "new_question",
            "digest",
            "quiet_start",
            "quiet_end",
        ]
        labels = {
            "quiet_start": _("No emails after"),
            "quiet_end": _("Until"),
        }
        help_texts = {
            "quiet_start": _("Your time, 24-hour clock, for example 21:00."),
            "quiet_end": _(
                "Emails due in these hours wait until this time. "
                "Use the same time in both boxes to get emails at any hour."
            ),
        }
        widgets = {
            "quiet_start": forms.TimeInput(format="%H:%M"),
            "quiet_end": forms.TimeInput(format="%H:%M"),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds_for(user=user)
        labels = {
            User.Role.PATIENT: PATIENT_LABELS,
            User.Role.CAREGIVER: CAREGIVER_LABELS,
        }.get(user.role, STAFF_LABELS)
        for name in ("due_soon", "overdue", "not_started", "reply", "new_question", "digest"):
            if name in self.kinds:
                self.fields[name].label = labels[name]
            else:
                del self.fields[name]
        for name in ("quiet_start", "quiet_end"):
            self.fields[name].error_messages.update(TIME_ERRORS)
            self.fields[name].input_formats = ["%H:%M", "%H.%M", "%H:%M:%S"]
        self.fields["all_off"].initial = self.instance.unsubscribed_all_at is not None

    @property
    def kind_fields(self):
        return [self[name] for name in self.kinds]
