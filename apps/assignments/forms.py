from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.selectors import patient_list_for_user
from apps.library.models import Module
from apps.library.selectors import with_published_facts

from .dashboards import DASHBOARD_FILTERS, DASHBOARD_SORTS
from .selectors import module_list_assignable
from .services import NOTE_MAX_LENGTH, TREATMENT_NAME_MAX_LENGTH


class PatientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.name} ({obj.email})"


class ModuleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Module) -> str:
        return obj.title


class AssignForm(forms.Form):
    """One or many published modules to one or many patients of the clinician's care team."""

    modules = ModuleChoiceField(
        queryset=Module.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Reading to assign"),
        help_text=_("Select all that apply."),
        error_messages={
            "required": _("Choose at least one reading."),
            "invalid_choice": _("Choose readings from the list."),
            "invalid_pk_value": _("Choose readings from the list."),
        },
    )
    patients = PatientChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Patients"),
        help_text=_("Select all that apply."),
        error_messages={
            "required": _("Choose at least one patient."),
            "invalid_choice": _("Choose patients from your care team."),
            "invalid_pk_value": _("Choose patients from your care team."),
        },
    )
    due_on = forms.DateField(
        required=False,
        label=_("Read by (optional)"),
        help_text=_("Today or later. Leave empty for no date."),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 03/31/2027.")},
    )
    note = forms.CharField(
        required=False,
        label=_("Note for the patient (optional)"),
        help_text=_("Up to 500 characters. The patient sees this note with the reading."),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "The note can be at most %(limit_value)d characters. It has %(show_value)d."
            )
        },
    )

    for_caregiver = forms.BooleanField(
        required=False,
        label=_("Also for their caregiver"),
        help_text=_(
            "Readings with notes for caregivers then speak to the person who looks after the "
            "patient (“If you look after someone who…”), and the patient sees those notes too. "
            "You can tick this for a patient with no caregiver yet: the notes are ready when "
            "they add one."
        ),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Each choice shows what the library page says of it (_module_choice_hint.html).
        self.fields["modules"].queryset = with_published_facts(
            module_list_assignable().only("pk", "title", "language")
        )
        self.fields["patients"].queryset = (
            patient_list_for_user(user=user).only("pk", "name", "email").order_by("name", "id")
        )


class DashboardForm(forms.Form):
    """Search, filters and sort order of "My patients". Bad values fall back to the defaults."""

    q = forms.CharField(required=False, max_length=100, label=_("Search by name or email"))
    show = forms.MultipleChoiceField(
        required=False,
        label=_("Show only patients who"),
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("overdue", _("have overdue reading")),
            ("open_questions", _("have questions waiting for an answer")),
            ("not_started", _("have reading not started yet")),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[
            ("name", _("Name")),
            ("recent_activity", _("Most recent activity")),
            ("least_activity", _("Least recent activity")),
            ("overdue", _("Most overdue")),
        ],
    )

    def values(self) -> tuple[str, list[str], str]:
        if not self.is_valid():
            return "", [], "name"
        show = [value for value in self.cleaned_data["show"] if value in DASHBOARD_FILTERS]
        sort = self.cleaned_data["sort"] if self.cleaned_data["sort"] in DASHBOARD_SORTS else "name"
        return self.cleaned_data["q"], show, sort


class CheckForm(forms.Form):
    """The comprehension check of one version: one radio group per question, or a group of
    checkboxes for a "choose all that apply" question."""

    def __init__(self, *args, checks: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = checks
        for number, check in enumerate(checks, start=1):
            multiple = bool(check.get("correct_indexes"))
            field_class = forms.TypedMultipleChoiceField if multiple else forms.TypedChoiceField
            self.fields[self.field_name(check)] = field_class(
                label=check["prompt"],
                choices=[(str(index), choice) for index, choice in enumerate(check["choices"])],
                coerce=int,
                widget=forms.CheckboxSelectMultiple if multiple else forms.RadioSelect,
                help_text=_("Choose all that apply.") if multiple else "",
                error_messages={
                    "required": _("Choose an answer to question %(number)d.") % {"number": number},
                    "invalid_choice": _("Choose one of the answers to question %(number)d.")
                    % {"number": number},
                },
            )

    @staticmethod
    def field_name(check: dict) -> str:
        return f"q{check['position']}"

    def answers(self) -> list[int | list[int]]:
        answers = []
        for check in self.checks:
            chosen = self.cleaned_data[self.field_name(check)]
            answers.append(sorted(chosen) if isinstance(chosen, list) else chosen)
        return answers


class TreatmentForm(forms.Form):
    """The treatment name on the patient's wallet card. services.treatment_set checks it."""

    treatment_name = forms.CharField(
        required=False,
        strip=True,
        label=_("Treatment name on the wallet card (optional)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Worked out per form, in the language of the request.
        self.fields["treatment_name"].help_text = _(
            "The drug or treatment the patient is having, for example pembrolizumab (Keytruda). "
            "Up to %(limit)d characters, plain text. Leave empty to show no name."
        ) % {"limit": TREATMENT_NAME_MAX_LENGTH}


class WalletCardForm(forms.Form):
    """The patient's choice for their card: without their name unless they ask for it."""

    with_name = forms.BooleanField(
        required=False,
        label=_("Put my name on the card"),
        help_text=_("Leave this off if you would rather keep your name private."),
    )
