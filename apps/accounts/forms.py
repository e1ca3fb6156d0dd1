from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User
from .time_zones import time_zone_choices


class InvitationForm(forms.Form):
    name = forms.CharField(
        label=_("Patient's full name"),
        max_length=150,
        error_messages={"required": _("Enter the patient's name.")},
    )
    email = forms.EmailField(
        label=_("Patient's email address"),
        max_length=254,
        error_messages={
            "required": _("Enter the patient's email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the patient's name."))
        return name


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. A short sentence is easy to remember."),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type your password again.")},
    )

    def __init__(self, *args, email: str = "", name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._user_stub = User(email=email, name=name)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same. Please try again."))
        elif p1:
            try:
                password_validation.validate_password(p1, self._user_stub)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_(
            "Reminders and dates are shown in this time zone. The common ones where you "
            "live are at the top of the list."
        ),
        error_messages={
            "required": _("Choose your time zone from the list."),
            "invalid_choice": _(
                "We do not know that time zone. Choose your time zone from the list."
            ),
        },
        # static/js/time_zone_search.js adds a search box above the list with these words;
        # without JavaScript the list works as it is (typing jumps to a zone).
        widget=forms.Select(
            attrs={
                "data-time-zone": "",
                "data-search-label": _("Search the list of time zones"),
                "data-search-hint": _("For example, a city such as Chicago or Madrid."),
                "data-search-found": _("Time zones found: %(count)s"),
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = time_zone_choices(self.instance.timezone)

    class Meta:
        model = User
        fields = ["name", "timezone", "preferred_language", "text_size"]
        labels = {
            "name": _("Your name"),
            "timezone": _("Your time zone"),
            "preferred_language": _("Language of the portal and your reading"),
            "text_size": _("Text size"),
        }


class TextSizeForm(forms.Form):
    """The text-size buttons in the header: one choice, saved on the person's account."""

    text_size = forms.ChoiceField(
        choices=User.TextSize.choices,
        error_messages={
            "required": _("Choose one of the text sizes shown."),
            "invalid_choice": _("Choose one of the text sizes shown."),
        },
    )


def add_validation_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the field is on the form,
    at the top of the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
