"""What the list pages say about each row, worked out in Python rather than in the template.

"My reading" lists every reading a patient has, and each item had a dozen template tags
(translations with dates and counts, links, status choices); "My patients" shows 25 rows of
eight cells. Rendering those tags was most of each page's cost: about half a millisecond per
reading and a tenth per patient row (docs/performance.md). The same words, from the same
translation catalogue, cost a fraction of that here; the templates only place them.
"""

import functools
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from html import escape
from typing import TypedDict

from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from apps.accounts.models import User
from portal import reversing

from .models import Assignment

Status = Assignment.Status

# Day names and month names come from the active language, as the template's date filter did.
LONG_DATE = "l j F Y"


@functools.lru_cache(maxsize=4096)
def _formatted(value: date | datetime, pattern: str, language: str) -> str:
    return date_format(value, pattern)


def formatted(value: date | datetime, pattern: str) -> str:
    """date_format(value, pattern) in the active language, for a date or a local (naive)
    time. The same days come back on every page (due dates, today), and formatting one took
    about 30 µs: remembered per language. Aware times are refused: two equal instants in
    different zones are equal keys, but not the same day on the page."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        raise ValueError("Give the local time, without its zone.")
    return _formatted(value, pattern, get_language())


# Rows are plain dicts (typed): the template engine looks a name up as a key first and only
# then as an attribute, so a dict answers at the first try (about 10 % of a row's rendering).


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
    button: str
    done: bool


def reading_item(assignment: Assignment, *, today: date, zone: tzinfo) -> ReadingItem:
    """One item of "My reading". `assignment.reading` is the module the patient reads
    (with_reading_modules); `is_overdue` and `is_reread` are set by the view."""
    module = assignment.reading
    status = assignment.status
    url = reversing.with_ids("assignments:reading_start", assignment.pk)
    if status == Status.ASSIGNED:
        status_label, status_tag, button = _("New"), "portal-status-new", _("Start reading")
    elif status == Status.IN_PROGRESS:
        status_label, status_tag, button = _("Started"), "govuk-tag--yellow", _("Carry on reading")
    else:
        status_label, status_tag, button = _("Done"), "govuk-tag--green", _("Read again")
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
        day = formatted(timezone.localtime(assignment.completed_at, zone).date(), LONG_DATE)
        when = _("You finished this on %(day)s.") % {"day": day}
    elif assignment.is_overdue:
        when = _(
            "Your care team hoped you could read this by %(day)s. That is fine: you can still "
            "read it whenever you feel ready."
        ) % {"day": formatted(assignment.due_on, LONG_DATE)}
    elif assignment.due_on:
        when = _("Please read this by %(day)s.") % {"day": formatted(assignment.due_on, LONG_DATE)}
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
        overdue=bool(assignment.is_overdue) and status != Status.COMPLETED,
        note=assignment.note,
        note_from=note_from,
        button=button,
        done=status == Status.COMPLETED,
    )


# The markup of one "My reading" item, as the template wrote it (whitespace included: the
# space between the two tags shows). Built with str.format for the reason the patient rows
# are: a template variable per value, a dozen an item, was most of the page's own rendering.
# Every text value is escaped in reading_items_html, and the note keeps its line breaks as
# linebreaksbr writes them.
_READING_ITEM = (
    '      <li class="portal-reading-item">\n'
    '        <h3 class="govuk-heading-s govuk-!-margin-bottom-2" lang="{language}">\n'
    '          <a class="govuk-link" href="{url}">{title}</a>\n'
    "        </h3>\n"
    '        <p class="govuk-body govuk-!-margin-bottom-2">\n'
    '          <strong class="govuk-tag {status_tag}">{status_label}</strong>\n'
    "          {updated}\n"
    "        </p>\n"
    "        {summary}\n"
    '        <p class="govuk-body govuk-!-margin-bottom-2">{minutes}{progress}</p>\n'
    "        {when}\n"
    "        {note}\n"
    '        <a class="govuk-button{secondary} govuk-!-margin-bottom-0" data-module="govuk-button" '
    'href="{url}">{button}<span class="govuk-visually-hidden">: {title}</span></a>\n'
    "      </li>\n"
)
_READING_NOTE = (
    "\n"
    '        <div class="govuk-inset-text govuk-!-margin-top-2 govuk-!-margin-bottom-3">\n'
    '          <p class="govuk-body govuk-!-margin-bottom-1"><strong>{note_from}</strong></p>\n'
    '          <p class="govuk-body govuk-!-margin-bottom-0">{note}</p>\n'
    "        </div>\n"
    "        "
)


def reading_items_html(items: Iterable[ReadingItem]) -> SafeString:
    """The <li> items of one group of "My reading", escaped, for the template to place."""
    html = []
    for item in items:
        e = conditional_escape
        when = ""
        if item["when"]:
            today = f" <strong>{e(item['when_today'])}</strong>" if item["when_today"] else ""
            overdue = " portal-overdue-kind" if item["overdue"] else ""
            when = f'<p class="govuk-body{overdue}">{e(item["when"])}{today}</p>'
        note = ""
        if item["note"]:
            note = _READING_NOTE.format(
                note_from=e(item["note_from"]), note=linebreaksbr(item["note"], autoescape=True)
            )
        html.append(
            _READING_ITEM.format(
                language=e(item["language"]),
                url=e(item["url"]),
                title=e(item["title"]),
                status_tag=e(item["status_tag"]),
                status_label=e(item["status_label"]),
                updated=(
                    f'<strong class="govuk-tag govuk-tag--grey">{e(item["updated_label"])}</strong>'
                    if item["updated_label"]
                    else ""
                ),
                summary=f'<p class="govuk-body">{e(item["summary"])}</p>'
                if item["summary"]
                else "",
                minutes=e(item["minutes"]),
                progress=f" {e(item['progress'])}" if item["progress"] else "",
                when=when,
                note=note,
                secondary=" govuk-button--secondary" if item["done"] else "",
                button=e(item["button"]),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


# Clinicians read activity to the minute.
ACTIVITY_MOMENT = "j M Y, H:i"


# A GOV.UK tag, as the rows' "Needs a look" cell shows them.
_TAG = '<strong class="govuk-tag govuk-tag--{colour}">{text}</strong>'


@functools.cache
def _row_words(language: str) -> dict:
    """The words of "My patients" rows in one language, looked up once per process: 25 rows
    asked the catalogue about fifty times a page. `language` is the active one."""
    return {
        "select": _("Select %(name)s"),
        "none_yet": _("None yet"),
        "months": {number: str(name).title() for number, name in MONTHS_3.items()},
        "failed_tag": _TAG.format(colour="orange", text=escape(_("Check answers missed"))),
        "question_tag": _TAG.format(colour="blue", text=escape(_("Question waiting"))),
    }


def activity_moment(value: datetime, *, months: dict[int, str] | None = None) -> str:
    """A local (naive) time as date_format(value, ACTIVITY_MOMENT) writes it ("3 Mar 2026,
    09:05" in the active language), written out directly: each row of "My patients" has its
    own minute, so remembering formatted values does not help, and Django's formatter took
    about 30 µs a row. Tests compare the two in every language over a year of times."""
    if timezone.is_aware(value):
        raise ValueError("Give the local time, without its zone.")
    month = (months or _row_words(get_language())["months"])[value.month]
    return f"{value.day} {month} {value.year:04d}, {value.hour:02d}:{value.minute:02d}"


class PatientRow(TypedDict):
    pk: int
    url: str
    name: str
    email: str
    select_label: str
    assigned_count: int
    in_progress_count: int
    completed_count: int
    overdue_count: int
    last_activity: str
    failed_check_count: int
    has_open_questions: bool


def patient_rows(patients: Iterable[User], *, zone: tzinfo) -> list[PatientRow]:
    """The rows of "My patients" for these patients, in the active language."""
    words = _row_words(get_language())
    return [patient_row(patient, zone=zone, words=words) for patient in patients]


def patient_row(patient: User, *, zone: tzinfo, words: dict | None = None) -> PatientRow:
    """One row of "My patients". `patient` carries the dashboard counts (selectors.
    DASHBOARD_COUNTS) and `has_open_questions`; times are shown in the clinician's `zone`."""
    last = patient.last_activity
    words = words or _row_words(get_language())
    return PatientRow(
        pk=patient.pk,
        url=reversing.with_ids("assignments:patient_detail", patient.pk),
        name=patient.name,
        email=patient.email,
        select_label=words["select"] % {"name": patient.name},
        assigned_count=patient.assigned_count,
        in_progress_count=patient.in_progress_count,
        completed_count=patient.completed_count,
        overdue_count=patient.overdue_count,
        last_activity=(
            activity_moment(
                timezone.localtime(last, zone).replace(tzinfo=None), months=words["months"]
            )
            if last
            else words["none_yet"]
        ),
        failed_check_count=patient.failed_check_count,
        has_open_questions=bool(patient.has_open_questions),
    )


# The markup of one "My patients" row (GOV.UK Frontend's small checkbox and table classes).
# Built here with str.format: through the template engine, 25 rows of a dozen variables were
# the largest part of the page's rendering (docs/performance.md, item 27). Every text value is
# escaped in patient_rows_html; the numbers are ints.
_PATIENT_ROW = (
    '<tr class="govuk-table__row">\n'
    '<td class="govuk-table__cell">'
    '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
    '<div class="govuk-checkboxes__item">'
    '<input class="govuk-checkboxes__input" id="select-{pk}" name="patient" type="checkbox" '
    'value="{pk}">'
    '<label class="govuk-label govuk-checkboxes__label" for="select-{pk}">'
    '<span class="govuk-visually-hidden">{select_label}</span></label>'
    "</div></div></td>\n"
    '<th scope="row" class="govuk-table__header"><a class="govuk-link" href="{url}">{name}</a>'
    '<br><span class="govuk-body-s portal-counter">{email}</span></th>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{assigned_count}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{in_progress_count}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{completed_count}</td>\n'
    '<td class="govuk-table__cell govuk-table__cell--numeric">{overdue}</td>\n'
    '<td class="govuk-table__cell">{last_activity}</td>\n'
    '<td class="govuk-table__cell">{tags}</td>\n'
    "</tr>\n"
)


def patient_rows_html(rows: Iterable[PatientRow]) -> SafeString:
    """The table rows of "My patients", escaped, for the template to place."""
    words = _row_words(get_language())
    failed_tag, question_tag = words["failed_tag"], words["question_tag"]
    html = []
    for row in rows:
        overdue = row["overdue_count"]
        tags = [
            failed_tag if row["failed_check_count"] else "",
            question_tag if row["has_open_questions"] else "",
        ]
        html.append(
            _PATIENT_ROW.format(
                pk=int(row["pk"]),
                select_label=escape(row["select_label"]),
                url=escape(row["url"]),
                name=escape(row["name"]),
                email=escape(row["email"]),
                assigned_count=int(row["assigned_count"]),
                in_progress_count=int(row["in_progress_count"]),
                completed_count=int(row["completed_count"]),
                overdue=f"<strong>{int(overdue)}</strong>" if overdue else "0",
                last_activity=escape(row["last_activity"]),
                tags=" ".join(tag for tag in tags if tag),
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped or an int
