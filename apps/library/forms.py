"""Admin forms for editors: lists typed one item per line instead of as JSON."""

import datetime
import re

from django import forms
from django.contrib.admin.helpers import ActionForm
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from . import selectors
from .models import CheckQuestion, Module


class LinesField(forms.Field):
    """A list of strings, edited as one item per line."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})
    joined_with = "\n"

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return self.joined_with.join(str(item) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class IndexListField(LinesField):
    """Choice numbers (counting from 0), edited as “0, 2”; empty means none."""

    widget = forms.TextInput(attrs={"size": 20})
    joined_with = ", "

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        parts = [part for part in re.split(r"[\s,]+", value or "") if part]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(
                _("Write the numbers of the right choices, like 0, 2."), code="invalid"
            )
        return [int(part) for part in parts]


class SourcesField(LinesField):
    """Sources as {"name", "url", "checked"}, edited one per line as “name | URL | date”."""

    SEPARATOR = " | "

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(
                self.SEPARATOR.join([item["name"], item["url"], item["checked"]])
                if isinstance(item, dict)
                else str(item)
                for item in value
            )
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        sources = []
        validate_url = URLValidator(schemes=["https", "http"])
        for number, line in enumerate(super().to_python(value), start=1):
            parts = [part.strip() for part in line.split("|")]
            problem = _(
                "Line %(number)d: write the source as “name | https://web address | YYYY-MM-DD” "
                "(the date you checked it)."
            ) % {"number": number}
            if len(parts) != 3 or not parts[0]:
                raise forms.ValidationError(problem, code="invalid")
            name, url, checked = parts
            try:
                validate_url(url)
                checked_on = datetime.date.fromisoformat(checked)
            except (forms.ValidationError, ValueError):
                raise forms.ValidationError(problem, code="invalid") from None
            sources.append({"name": name, "url": url, "checked": checked_on.isoformat()})
        return sources


class ModuleAdminForm(forms.ModelForm):
    sources = SourcesField(
        required=False,
        label=_("Sources"),
        help_text=_(
            "Public sources this module is based on, one per line, as "
            "“name | https://web address | date checked (YYYY-MM-DD)”."
        ),
    )

    class Meta:
        model = Module
        fields = [
            "title",
            "slug",
            "topic",
            "language",
            "summary",
            "estimated_minutes",
            "sources",
            "last_reviewed",
            "translation_of",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A view-only user's form has no editable fields at all.
        if "translation_of" in self.fields:
            others = Module.objects.order_by("title")
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            self.fields["translation_of"].queryset = others


class CheckQuestionAdminForm(forms.ModelForm):
    choices = LinesField(
        label=_("Choices"), help_text=_("3 or 4 choices, one per line, in the order shown.")
    )
    correct_indexes = IndexListField(
        required=False,
        label=_("Right choices (choose all that apply)"),
        help_text=_(
            "Only for a question where more than one choice is right: their numbers, like 0, 2. "
            "Leave empty when one choice is right."
        ),
    )

    class Meta:
        model = CheckQuestion
        fields = [
            "position",
            "prompt",
            "choices",
            "correct_index",
            "correct_indexes",
            "explanation",
        ]
        labels = {"correct_index": _("Correct choice")}
        help_texts = {
            "correct_index": _("Counting from 0: 0 is the first choice, 1 the second, and so on.")
        }


class LibraryActionForm(ActionForm):
    """The admin's action bar, with the reviewer used by “Send to review”."""

    reviewer = forms.ModelChoiceField(
        queryset=selectors.reviewer_list(),
        required=False,
        label=_("Reviewer (for “Send to review”):"),
        empty_label=_("choose a reviewer"),
    )


class ReviewRequestForm(forms.Form):
    """An editor sends the draft to a named reviewer."""

    reviewer = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Reviewer"),
        help_text=_("A clinician with the reviewer permission who did not write this draft."),
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        label=_("Note for the reviewer (optional)"),
        help_text=_("What changed and why. Kept with the review."),
    )

    def __init__(self, *args, writers: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = selectors.reviewer_list(exclude=writers)


class ReviewDecisionForm(forms.Form):
    """The reviewer approves the draft or asks for changes, with a comment."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (REQUEST_CHANGES, _("Ask for changes"))],
        widget=forms.RadioSelect,
        label=_("Your decision"),
    )
    comment = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        label=_("Comment"),
        help_text=_("Needed when you ask for changes. Kept with the version."),
    )
