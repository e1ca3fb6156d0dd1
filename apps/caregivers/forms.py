from django import forms
from django.utils.translation import gettext_lazy as _


class PermissionsForm(forms.Form):
    can_ask_questions = forms.BooleanField(
        label=_("They may ask my care team questions for me"), required=False
    )
    receives_reminders = forms.BooleanField(
        label=_("They get my reading reminders by email too"), required=False
    )


class InviteForm(PermissionsForm):
    name = forms.CharField(
        label=_("Their name"),
        max_length=150,
        error_messages={"required": _("Enter the name of the person who helps you.")},
    )
    email = forms.EmailField(
        label=_("Their email address"),
        max_length=254,
        error_messages={
            "required": _("Enter their email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )
    field_order = ["name", "email", "can_ask_questions", "receives_reminders"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name of the person who helps you."))
        return name


class ChooseForm(forms.Form):
    patient = forms.IntegerField(
        error_messages={
            "required": _("Choose whose reading to look at."),
            "invalid": _("Choose whose reading to look at."),
        }
    )
