"""Reads for reminders: who wants which email, the digest figures, a patient's message log."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, QuerySet

from apps.accounts.models import CareTeamMembership, NotificationPreference, User
from apps.assignments.models import overdue_q
from apps.caregivers.models import CaregiverLink
from apps.questions.models import Question

from .emails import DigestCounts
from .models import Notification
from .rules import QuietHours


def wants_email_q(*, kind: str, prefix: str = "") -> Q:
    """Users (reached through `prefix`) who have not turned off emails of `kind`.

    No NotificationPreference row means the defaults: everything on.
    """
    prefs = f"{prefix}notification_prefs"
    return Q(**{f"{prefs}__isnull": True}) | Q(
        **{f"{prefs}__{kind}": True, f"{prefs}__unsubscribed_all_at__isnull": True}
    )


def _preferences_of(user: User) -> NotificationPreference | None:
    try:
        return user.notification_prefs
    except NotificationPreference.DoesNotExist:
        return None


def wants_email(*, user: User, kind: str) -> bool:
    prefs = _preferences_of(user)
    if prefs is None:
        return True
    return prefs.unsubscribed_all_at is None and bool(getattr(prefs, kind))


def quiet_hours_of(*, user: User) -> QuietHours:
    prefs = _preferences_of(user)
    if prefs is None:
        return QuietHours.of(None, None)
    return QuietHours.of(prefs.quiet_start, prefs.quiet_end)


def notification_preferences_get(*, user: User) -> NotificationPreference:
    """The person's preferences, or an unsaved row holding the defaults."""
    prefs = _preferences_of(user)
    if prefs is not None:
        return prefs
    defaults = QuietHours.of(None, None)
    return NotificationPreference(user=user, quiet_start=defaults.start, quiet_end=defaults.end)


def notification_list_for_patient(*, patient: User, limit: int = 50) -> QuerySet[Notification]:
    """The latest messages sent (or held back) to one patient, newest first.

    The caller has already checked that the viewer may see this patient (for example with
    apps.accounts.selectors.patient_get_for_user) and records the view in the audit trail.
    """
    return (
        Notification.objects.filter(recipient=patient)
        .select_related("assignment__module")
        .order_by("-created_at", "-id")[:limit]
    )


def notification_list_for_patients_caregivers(
    *, patient: User, limit: int = 50
) -> QuerySet[Notification]:
    """The latest reminders about this patient's reading sent (or held back) to their
    caregivers, newest first, ended links included (they are history). Same caller duties as
    notification_list_for_patient. Found by recipient first (its index), then narrowed to this
    patient's assignments, since a caregiver may help several patients."""
    caregiver_ids = CaregiverLink.objects.filter(patient=patient, caregiver__isnull=False).values(
        "caregiver_id"
    )
    return (
        Notification.objects.filter(recipient_id__in=caregiver_ids, assignment__patient=patient)
        .select_related("assignment__module", "recipient")
        .order_by("-created_at", "-id")[:limit]
    )


def digest_counts_for_clinicians(
    *, today_by_clinician: dict[int, date], now: datetime
) -> dict[int, DigestCounts]:
    """What each clinician's daily summary would say, in three grouped queries (plus one per
    distinct local date for the overdue count), however many clinicians are asked about.

    - open questions: questions from their patients still waiting for an answer;
    - overdue patients: patients with open reading past its due date (clinician's calendar);
    - failed checks: comprehension checks with a wrong answer in the last 24 hours.
    """
    clinician_ids = list(today_by_clinician)
    if not clinician_ids:
        return {}
    memberships = CareTeamMembership.objects.filter(clinician_id__in=clinician_ids)

    open_questions = dict(
        memberships.values("clinician_id")
        .annotate(
            n=Count(
                "patient__questions",
                filter=Q(
                    patient__questions__status=Question.Status.OPEN,
                    patient__questions__withdrawn_at__isnull=True,
                ),
                distinct=True,
            )
        )
        .values_list("clinician_id", "n")
    )

    ids_by_day: dict[date, list[int]] = defaultdict(list)
    for clinician_id, day in today_by_clinician.items():
        ids_by_day[day].append(clinician_id)
    overdue_patients: dict[int, int] = {}
    for day, ids in ids_by_day.items():
        overdue_patients.update(
            memberships.filter(clinician_id__in=ids)
            .values("clinician_id")
            .annotate(
                n=Count(
                    "patient_id",
                    filter=overdue_q(today=day, prefix="patient__assignments__"),
                    distinct=True,
                )
            )
            .values_list("clinician_id", "n")
        )

    failed_checks = dict(
        memberships.values("clinician_id")
        .annotate(
            n=Count(
                "patient__assignments__attempts",
                filter=Q(
                    patient__assignments__attempts__submitted_at__gte=now - timedelta(days=1),
                    patient__assignments__attempts__score__lt=F(
                        "patient__assignments__attempts__total"
                    ),
                ),
                distinct=True,
            )
        )
        .values_list("clinician_id", "n")
    )

    return {
        clinician_id: DigestCounts(
            open_questions=open_questions.get(clinician_id, 0),
            overdue_patients=overdue_patients.get(clinician_id, 0),
            failed_checks=failed_checks.get(clinician_id, 0),
        )
        for clinician_id in clinician_ids
    }
