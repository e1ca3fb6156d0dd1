"""What "My reading" says about each reading, worked out in Python for the template to place.

The wording depends on the status, the dates and the patient's calendar: easier to read and
test here than as a dozen nested template conditions.
"""

from datetime import date, tzinfo
from typing import NotRequired, TypedDict

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Assignment

Status = Assignment.Status


def long_date(day: date) -> str:
    """The day of the week and the date, both in the active language's own format (its
    DATE_FORMAT, e.g. "Jan. 20, 2027" or "20 de enero de 2027"); the order of the two is
    the translators' choice."""
    return _("%(weekday)s, %(date)s") % {
        "weekday": date_format(day, "l"),
        "date": date_format(day, "DATE_FORMAT"),
    }


class ReadingItem(TypedDict):
    url: str
    title: str
    language: str
    summary: str
    status_label: str
    status_tag: str
    updated_label: str
    minutes: str
    progress: str
    when: str
    when_today: str
    overdue: bool
    note: str
    note_from: str
    # Set by the view when the note was given with several readings (notes.shared_notes).
    shared_note: NotRequired[object]
    button: str
    done: bool
    # "Also for the person who helps you", when it was assigned for the caregiver too.
    for_caregiver: str


def reading_item(
    assignment: Assignment, *, today: date, zone: tzinfo, for_caregiver_reader: bool = False
) -> ReadingItem:
    """One item of "My reading". `assignment.reading` is the module the patient reads
    (with_reading_modules); `is_reread` is set by the view. `for_caregiver_reader`: a
    caregiver is looking at the list."""
    module = assignment.reading
    status = assignment.status
    url = reverse("assignments:reading_start", kwargs={"assignment_id": assignment.pk})
    shown = status if status in (Status.ASSIGNED, Status.IN_PROGRESS) else Status.COMPLETED
    status_label = str(Assignment.PATIENT_STATUS_WORDS[shown])
    if shown == Status.ASSIGNED:
        status_tag, button = "portal-status-new", _("Start reading")
    elif shown == Status.IN_PROGRESS:
        status_tag, button = "govuk-tag--yellow", _("Carry on reading")
    else:
        status_tag, button = "govuk-tag--green", _("Read again")
    minutes = ngettext(
        "About %(minutes)s minute to read.",
        "About %(minutes)s minutes to read.",
        module.estimated_minutes,
    ) % {"minutes": module.estimated_minutes}
    progress = ""
    if status == Status.IN_PROGRESS:
        progress = _("You have read %(read)s of %(total)s sections.") % {
            "read": assignment.sections_viewed,
            "total": module.current_version.section_count,
        }
    when, when_today = "", ""
    if status == Status.COMPLETED:
        day = long_date(timezone.localtime(assignment.completed_at, zone).date())
        when = _("You finished this on %(day)s.") % {"day": day}
    elif assignment.is_overdue(today):
        when = _(
            "Your care team hoped you could read this by %(day)s. That is fine: you can still "
            "read it whenever you feel ready."
        ) % {"day": long_date(assignment.due_on)}
    elif assignment.due_on:
        when = _("Please read this by %(day)s.") % {"day": long_date(assignment.due_on)}
        if assignment.due_on == today:
            when_today = _("That is today.")
    note_from = ""
    if assignment.note:
        note_from = _("A note from %(name)s:") % {"name": assignment.assigned_by.name}
    return ReadingItem(
        url=url,
        title=module.title,
        language=module.language,
        summary=module.summary,
        status_label=status_label,
        status_tag=status_tag,
        updated_label=_("Updated since you read it") if assignment.is_reread else "",
        minutes=minutes,
        progress=progress,
        when=when,
        when_today=when_today,
        overdue=assignment.is_overdue(today),
        note=assignment.note,
        note_from=note_from,
        button=button,
        done=status == Status.COMPLETED,
        for_caregiver=(
            ""
            if not assignment.for_caregiver
            else _("Also for you, as their caregiver")
            if for_caregiver_reader
            else _("Also for the person who helps you")
        ),
    )
