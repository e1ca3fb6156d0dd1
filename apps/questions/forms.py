"""Forms for the question pages. They only collect input: the rules (length, whose reading,
which part) live in services.py and come back as errors on these fields."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.assignments.models import Assignment

from .models import Question
from .selectors import INBOX_ALL
from .services import IDEMPOTENCY_KEY_REUSED


def _message_box(label):
    # No max_length here on purpose: a browser-enforced maxlength silently cuts pasted text.
    # The counter warns while typing and the service refuses an over-long text, keeping it.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
    )


def _new_idempotency_key() -> str:
    return uuid.uuid4().hex


class SendOnceForm(forms.Form):
    """A hidden token, new each time the form is shown: a double click, or the browser sending
    the form again, delivers one message (services.clean_idempotency_key)."""

    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=_new_idempotency_key
    )

    def renew_idempotency_key(self) -> None:
        """After "already sent with different text": the kept text goes out as a new message."""
        self.data = self.data.copy()
        self.data[self.add_prefix("idempotency_key")] = _new_idempotency_key()


class QuestionForm(SendOnceForm):
    assignment = forms.TypedChoiceField(
        label=_("What is your question about?"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"data-question-subject": ""}),
        error_messages={
            "invalid_choice": _(
                "Choose one of your reading modules from the list, or a general question."
            )
        },
    )
    section_position = forms.TypedChoiceField(
        label=_("Which part of the module?"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={
            "invalid_choice": _("Choose a part of the module from the list, or the whole module.")
        },
    )
    body = _message_box(_("Your question"))

    def __init__(self, *args, assignments: list[Assignment], sections: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        # Kept even with nothing to choose, so a posted id that is not the patient's own is
        # refused rather than quietly turned into a general question.
        self.fields["assignment"].choices = [
            ("", _("A general question for my care team")),
            *[(assignment.pk, assignment.module.title) for assignment in assignments],
        ]
        if sections:
            self.fields["section_position"].choices = [
                ("", _("The whole module, not one part")),
                *[
                    (section["position"], f"{section['position']}. {section['title']}")
                    for section in sections
                ],
            ]
        else:
            del self.fields["section_position"]


class ReplyForm(SendOnceForm):
    body = _message_box(_("Your reply"))


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*Question.Status.choices, (INBOX_ALL, _("All"))],
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    patient = forms.TypedChoiceField(
        label=_("Patient"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of your patients from the list.")},
    )
    module = forms.TypedChoiceField(
        label=_("Module"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a module from the list.")},
    )

    def __init__(self, *args, patients: list[tuple[int, str]], modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].choices = [("", _("All my patients")), *patients]
        self.fields["module"].choices = [("", _("All modules")), *modules]

    def filters(self) -> dict:
        """The filters to apply; a value that did not validate is left out, not guessed."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "status": cleaned.get("status") or Question.Status.OPEN,
            "patient_id": cleaned.get("patient"),
            "module_id": cleaned.get("module"),
        }


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names, the rest at the top."""
    if isinstance(form, SendOnceForm) and any(
        e.code == IDEMPOTENCY_KEY_REUSED for e in getattr(error, "error_list", [])
    ):
        form.renew_idempotency_key()
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
