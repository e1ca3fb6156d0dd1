"""Reads of the audit trail, scoped to the person asking."""

from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent

# Plain words for the actions other apps record. Unknown actions fall back to their verb,
# then to a general sentence, so a new action never shows a patient a code.
_ACTION_WORDS = {
    "patient.view": _("Looked at your record"),
    "patient.list": _("Saw you in their list of patients"),
    "patient_list.view": _("Saw you in their list of patients"),
    "patient_list.export": _("Downloaded their list of patients, which includes you"),
    "module_results.view": _("Looked at results for something you were given to read"),
    "module_results.export": _("Downloaded results for something you were given to read"),
    "patient.update": _("Changed your details"),
    "careteam.create": _("Added you to their care team"),
    "careteam.delete": _("Left your care team"),
    "assignment.create": _("Gave you something to read"),
    "assignment.view": _("Looked at your reading"),
    "assignment.list": _("Looked at your reading list"),
    "assignment.update": _("Changed something you were given to read"),
    "assignment.cancel": _("Cancelled something you were given to read"),
    "assignment.reread": _("Asked you to read something again"),
    "assignment.reread_request": _("Asked you to read something again"),
    "progress.view": _("Looked at how far you have read"),
    "check.view": _("Looked at your answers to the questions after reading"),
    "checkattempt.view": _("Looked at your answers to the questions after reading"),
    "question.view": _("Read your question"),
    "question.list": _("Looked at your questions"),
    "question.inbox_view": _("Looked at your questions"),
    "question.reply": _("Replied to your question"),
    "question.close": _("Closed your question"),
    "question.reopen": _("Reopened your question"),
    "reply.create": _("Replied to your question"),
    "notification.view": _("Looked at the messages sent to you"),
    "notification.list": _("Looked at the messages sent to you"),
    "record.export": _("Downloaded your information"),
    "treatment.update": _("Changed the treatment name on your wallet card"),
    "treatment.view": _("Looked at the treatment name on your wallet card"),
    "wallet_card.view": _("Looked at your wallet card"),
    "caregiver.invite": _("Invited someone to help you read"),
    "caregiver.accept": _("Accepted your invitation to help you read"),
    "caregiver.confirm": _("Let a helper read with you"),
    "caregiver.update": _("Changed what a helper may do"),
    "caregiver.end": _("Ended a helper's access"),
    "caregiver.view": _("Looked at who helps you read"),
    "caregiver.reading_list": _("Your helper looked at your reading list"),
    "caregiver.reading_view": _("Your helper read something you were given"),
}
_VERB_WORDS = {
    "view": _("Looked at your information"),
    "list": _("Looked at your information"),
    "create": _("Added to your information"),
    "update": _("Changed your information"),
    "cancel": _("Cancelled something in your information"),
    "delete": _("Removed something from your information"),
    "export": _("Downloaded your information"),
}
_FALLBACK_WORDS = _("Looked at or changed your information")


def action_describe(action: str) -> str:
    """What `action` means, in words a patient understands."""
    if action in _ACTION_WORDS:
        return str(_ACTION_WORDS[action])
    verb = action.rsplit(".", 1)[-1]
    return str(_VERB_WORDS.get(verb, _FALLBACK_WORDS))


def access_list_for_patient(*, patient: User) -> QuerySet[AuditEvent]:
    """Who else looked at or changed this patient's information, newest first."""
    return (
        AuditEvent.objects.filter(subject_patient=patient, actor__isnull=False)
        .exclude(actor=patient)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def access_groups_for_patient(*, patient: User) -> QuerySet:
    """Who looked at or changed this patient's information, one row per person and day.

    The day is the patient's own calendar day (their time zone). Rows are dicts with
    actor_id, actor__name, actor__role, day, times and last; newest day first. The same
    ORM query runs on SQLite and PostgreSQL.
    """
    return (
        access_list_for_patient(patient=patient)
        .annotate(day=TruncDate("at", tzinfo=patient.tzinfo))
        .values("actor_id", "actor__name", "actor__role", "day")
        .annotate(times=Count("id"), last=Max("at"))
        .order_by("-day", "-last", "actor_id")
    )


def access_group_details(*, patient: User, groups: list[dict]) -> dict[tuple, list[dict]]:
    """For the groups on one page: what each person did that day, how often, first and last.

    One query, whatever the number of groups. Keyed by (actor_id, day); each value is a
    list of dicts with action, channel, description, times, first and last.
    """
    if not groups:
        return {}
    wanted = Q()
    for group in groups:
        wanted |= Q(actor_id=group["actor_id"], day=group["day"])
    rows = (
        access_list_for_patient(patient=patient)
        .annotate(day=TruncDate("at", tzinfo=patient.tzinfo))
        .filter(wanted)
        .values("actor_id", "day", "action", "channel")
        .annotate(times=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("actor_id", "day", "-last")
    )
    details: dict[tuple, list[dict]] = {}
    for row in rows:
        row["description"] = action_describe(row["action"])
        details.setdefault((row["actor_id"], row["day"]), []).append(row)
    return details
