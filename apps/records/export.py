"""Everything the portal holds about one patient, for the patient to download (right of access).

A read-only view across the apps: it imports their models directly rather than going
through their selectors, because it needs every row (cancelled and withdrawn ones too) and
nothing else may depend on it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from apps.accounts.models import NotificationPreference, User
from apps.accounts.selectors import care_team_for_patient
from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from apps.audit.selectors import access_list_for_patient, action_describe
from apps.questions.models import Question, Reply
from apps.reminders.models import Notification

EXPORT_FORMAT_VERSION = 1


def _when(value: datetime | date | None, tz) -> datetime | date | None:
    # Times are given in the patient's own time zone, in the file and on the page.
    if isinstance(value, datetime):
        return timezone.localtime(value, tz).replace(microsecond=0)
    return value


def _clock(value) -> str:
    # An unsaved default row holds the "21:00" string; a saved one holds a time.
    return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)


def _section_title(version, position: int) -> str:
    for section in (version.snapshot or {}).get("sections", []) if version else []:
        if section.get("position") == position:
            return section.get("title", "")
    return ""


def _profile(patient: User, tz) -> dict[str, Any]:
    return {
        "name": patient.name,
        "email": patient.email,
        "role": patient.get_role_display(),
        "time_zone": patient.timezone,
        "language": patient.get_preferred_language_display(),
        "text_size": patient.get_text_size_display(),
        "joined": _when(patient.date_joined, tz),
        "last_login": _when(patient.last_login, tz),
    }


def _preferences(patient: User) -> dict[str, Any]:
    prefs = NotificationPreference.objects.filter(user=patient).first()
    if prefs is None:
        prefs = NotificationPreference(user=patient)
    return {
        "reading_due_soon": prefs.due_soon,
        "reading_overdue": prefs.overdue,
        "reading_not_started": prefs.not_started,
        "reply_to_my_question": prefs.reply,
        "quiet_hours_start": _clock(prefs.quiet_start),
        "quiet_hours_end": _clock(prefs.quiet_end),
        "unsubscribed_from_all": prefs.unsubscribed_all_at is not None,
    }


def _assignments(patient: User, tz) -> list[dict[str, Any]]:
    assignments = (
        Assignment.objects.filter(patient=patient)
        .select_related("module", "assigned_by", "completed_version")
        .prefetch_related(
            Prefetch(
                "progress",
                queryset=SectionProgress.objects.select_related("version").order_by("position"),
            ),
            Prefetch(
                "attempts",
                queryset=CheckAttempt.objects.select_related("version").order_by("submitted_at"),
            ),
        )
        .order_by("assigned_at", "id")
    )
    return [
        {
            "reading": assignment.module.title,
            "status": assignment.get_status_display(),
            "given_by": assignment.assigned_by.name,
            "given_on": _when(assignment.assigned_at, tz),
            "due_on": _when(assignment.due_on, tz),
            "note_from_care_team": assignment.note,
            "started": _when(assignment.started_at, tz),
            "completed": _when(assignment.completed_at, tz),
            "completed_version": (
                assignment.completed_version.number if assignment.completed_version else None
            ),
            "cancelled": _when(assignment.cancelled_at, tz),
            "sections_read": [
                {
                    "section": progress.position,
                    "title": _section_title(progress.version, progress.position),
                    "first_read": _when(progress.first_viewed_at, tz),
                }
                for progress in assignment.progress.all()
            ],
            "check_answers": [
                {
                    "submitted": _when(attempt.submitted_at, tz),
                    "version": attempt.version.number,
                    "score": attempt.score,
                    "out_of": attempt.total,
                    "answers": attempt.answers,
                }
                for attempt in assignment.attempts.all()
            ],
        }
        for assignment in assignments
    ]


def _questions(patient: User, tz) -> list[dict[str, Any]]:
    questions = (
        Question.objects.filter(patient=patient)
        .select_related("module")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("author").order_by("created_at", "id"),
            )
        )
        .order_by("created_at", "id")
    )
    return [
        {
            "asked": _when(question.created_at, tz),
            "question": question.body,
            "status": question.get_status_display(),
            "about_reading": question.module.title if question.module else None,
            "about_section": question.section_title or None,
            "withdrawn": _when(question.withdrawn_at, tz),
            "replies": [
                {
                    "from": reply.author.name,
                    "reply": reply.body,
                    "sent": _when(reply.created_at, tz),
                }
                for reply in question.replies.all()
            ],
        }
        for question in questions
    ]


def _notifications(patient: User, tz) -> list[dict[str, Any]]:
    notifications = Notification.objects.filter(recipient=patient).order_by("created_at", "id")
    return [
        {
            "kind": notification.get_kind_display(),
            "by": notification.channel,
            "status": notification.get_status_display(),
            "created": _when(notification.created_at, tz),
            "sent": _when(notification.sent_at, tz),
        }
        for notification in notifications
    ]


def _record_access(patient: User, tz) -> list[dict[str, Any]]:
    return [
        {
            "when": _when(event.at, tz),
            "who": event.actor.name,
            "role": event.actor.get_role_display(),
            "what": action_describe(event.action),
            "action": event.action,
            "through": event.channel,
        }
        for event in access_list_for_patient(patient=patient)
    ]


def patient_record_build(*, patient: User) -> dict[str, Any]:
    """Every piece of the patient's own information, as plain data (times in their time zone).

    Serialise with DjangoJSONEncoder: dates and times become ISO 8601 strings.
    """
    tz = patient.tzinfo
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "portal": settings.PORTAL_NAME,
        "created": _when(timezone.now(), tz),
        "time_zone": patient.timezone,
        "profile": _profile(patient, tz),
        "email_preferences": _preferences(patient),
        "care_team": [
            {"name": member.name, "role": member.get_role_display()}
            for member in care_team_for_patient(patient=patient).order_by("name")
        ],
        "reading": _assignments(patient, tz),
        "questions": _questions(patient, tz),
        "messages_sent_to_you": _notifications(patient, tz),
        "who_viewed_your_record": _record_access(patient, tz),
    }
