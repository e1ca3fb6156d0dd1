"""CSV exports for clinicians: the patient list and one module's results.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return) as a
formula, so a patient named "=HYPERLINK(...)" could attack whoever opens the file. Such cells
get a leading apostrophe, which spreadsheets show as plain text.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User

from .dashboards import AssignmentSummary

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(*, filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return timezone.localtime(value, zone) if value is not None else None


def patient_rows(patients: Iterable[User], *, zone: ZoneInfo):
    """Rows of the "My patients" export, in the viewer's time zone."""
    header = [
        _("Name"),
        _("Email"),
        _("New"),
        _("In progress"),
        _("Done"),
        _("Overdue"),
        _("Last activity"),
        _("Check answers need a look"),
        _("Questions waiting"),
    ]
    rows = (
        [
            patient.name,
            patient.email,
            patient.assigned_count,
            patient.in_progress_count,
            patient.completed_count,
            patient.overdue_count,
            _local(patient.last_activity, zone),
            patient.failed_check_count > 0,
            patient.has_open_questions,
        ]
        for patient in patients
    )
    return header, rows


def module_result_rows(summaries: Iterable[AssignmentSummary], *, zone: ZoneInfo):
    header = [
        _("Name"),
        _("Email"),
        _("Status"),
        _("Assigned"),
        _("Read by"),
        _("Overdue"),
        _("Sections opened"),
        _("Sections"),
        _("Finished"),
        _("Version read"),
        _("Check score"),
        _("Check questions"),
        _("Questions missed"),
    ]

    def row(summary: AssignmentSummary):
        assignment = summary.assignment
        attempt = summary.latest_attempt
        version = summary.version_read
        return [
            assignment.patient.name,
            assignment.patient.email,
            assignment.get_status_display(),
            _local(assignment.assigned_at, zone),
            assignment.due_on,
            summary.is_overdue,
            summary.sections_viewed,
            summary.sections_total,
            _local(assignment.completed_at, zone),
            version.number if version is not None else None,
            attempt.score if attempt else None,
            attempt.total if attempt else None,
            " | ".join(answer.prompt for answer in summary.missed),
        ]

    return header, (row(summary) for summary in summaries)
