"""Numbers about a whole care team that pages read on every request, kept in the cache.

"My patients" shows how many patients a team has, the staff API list how many assignments, and
the menu badge how many questions wait. Counting them costs time in proportion to the team, so
a large team's pages were slower than a small one's (docs/performance.md). As Zulip does, each
number is kept in the default cache and forgotten, once the change has committed, by whatever
changes it:

- a care-team link made or removed, or a person's role changed: every number of the clinicians
  concerned (receivers below);
- an assignment made: "assignments" (apps.assignments);
- a question asked, answered, closed or withdrawn: "open_questions" (apps.questions).

A scope is a clinician's id, or ALL for an admin (every patient). The numbers also expire after
COUNT_TIMEOUT seconds, which bounds how long a change made some other way (a raw UPDATE, a
Redis outage, when each process counts in its own memory) can go unseen.
"""

from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction

from .models import CareTeamMembership, User

COUNT_TIMEOUT = 300
ALL = "all"
KINDS = ("patients", "assignments", "open_questions")


def _key(kind: str, scope) -> str:
    return f"team-count:{kind}:{scope}"


def scope_of(user: User):
    """The scope of a user's team numbers: ALL for an admin, else their own id."""
    return ALL if user.is_portal_admin else user.pk


def team_count(*, kind: str, scope, count: Callable[[], int]) -> int:
    """The cached number, or `count()` (then kept) when there is none."""
    key = _key(kind, scope)
    value = cache.get(key)
    if value is None:
        value = count()
        cache.set(key, value, COUNT_TIMEOUT)
    return value


def forget_team_counts(*, clinician_ids: Iterable[int], kinds: Iterable[str] = KINDS) -> None:
    """Forget the numbers of these clinicians and of the admins' scope: now, and again once
    the current transaction commits, since a page served in between may have counted the
    rows as they were before the change and kept that number."""
    scopes = {*clinician_ids, ALL}
    keys = [_key(kind, scope) for kind in kinds for scope in scopes]
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def forget_for_patients(*, patient_ids: Iterable[int], kinds: Iterable[str] = KINDS) -> None:
    """forget_team_counts for every clinician caring for any of these patients."""
    clinicians = CareTeamMembership.objects.filter(patient_id__in=list(patient_ids))
    forget_team_counts(
        clinician_ids=set(clinicians.values_list("clinician_id", flat=True)), kinds=kinds
    )


# --- Receivers (connected in AccountsConfig.ready) ---------------------------------------------


def on_membership_changed(sender, instance: CareTeamMembership, **kwargs) -> None:
    forget_team_counts(clinician_ids=[instance.clinician_id])


def on_user_saved(sender, instance: User, created: bool, update_fields=None, **kwargs) -> None:
    """A saved person may have changed role (the numbers count patients only); a new patient
    is one more for the admins. Saves that name their fields and leave the role alone (a
    login's time stamp) cost nothing."""
    if update_fields is not None and "role" not in update_fields:
        return
    if created:
        if instance.is_patient:
            forget_team_counts(clinician_ids=())
        return
    forget_for_patients(patient_ids=[instance.pk])


def on_user_deleted(sender, instance: User, **kwargs) -> None:
    """The admins' numbers (a clinician's lose the patient with the care-team link)."""
    forget_team_counts(clinician_ids=())
