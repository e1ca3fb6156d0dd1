"""Scoped reads of caregiver links. Whose reading a caregiver may see is decided here only.

A caregiver reaches a patient through an ACTIVE link and nothing else: a pending or ended link
gives nothing, and every lookup by id answers 404 outside the asker's own links.
"""

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.accounts.selectors import in_care_team

from .models import CaregiverLink

# The patient a caregiver chose to read for, kept in their session. It is only a choice: every
# request checks it against an active link again (CaregiverMiddleware).
SESSION_KEY = "caregiver_patient_id"

Status = CaregiverLink.Status


def _as_id(value) -> int:
    try:
        link_id = int(value)
    except (TypeError, ValueError):
        raise Http404("No such link.") from None
    if not 1 <= link_id < 2**63:
        # Beyond what the database's id column holds: a query would fail, not miss.
        raise Http404("No such link.")
    return link_id


def active_links_for_caregiver(*, caregiver: User) -> QuerySet[CaregiverLink]:
    """The patients this caregiver may read for now (active links to active patients)."""
    if not caregiver.is_authenticated or not caregiver.is_caregiver:
        return CaregiverLink.objects.none()
    return (
        CaregiverLink.objects.filter(
            caregiver=caregiver,
            status=Status.ACTIVE,
            patient__is_active=True,
            patient__role=User.Role.PATIENT,
        )
        .select_related("patient")
        .order_by("patient__name", "patient_id")
    )


def active_link_for_caregiver(*, caregiver: User, patient_id) -> CaregiverLink | None:
    """The caregiver's active link to that patient, or None."""
    try:
        patient_id = int(patient_id)
    except (TypeError, ValueError):
        return None
    return active_links_for_caregiver(caregiver=caregiver).filter(patient_id=patient_id).first()


def active_link_get_for_caregiver(*, caregiver: User, patient_id) -> CaregiverLink:
    """As active_link_for_caregiver, or 404 (never say whether that patient exists)."""
    link = active_link_for_caregiver(caregiver=caregiver, patient_id=patient_id)
    if link is None:
        raise Http404("No such patient.")
    return link


def active_link_get_by_id_for_caregiver(*, caregiver: User, link_id) -> CaregiverLink:
    """One of the caregiver's own active links, by its id, or 404."""
    try:
        return active_links_for_caregiver(caregiver=caregiver).get(pk=_as_id(link_id))
    except CaregiverLink.DoesNotExist:
        raise Http404("No such link.") from None


def links_for_patient(*, patient: User) -> QuerySet[CaregiverLink]:
    """Everyone the patient invited or let in, newest first, ended ones included (history)."""
    return (
        CaregiverLink.objects.filter(patient=patient)
        .select_related("caregiver", "invited_by")
        .order_by("status", "-created_at", "-id")
    )


def open_links_for_patient(*, patient: User) -> QuerySet[CaregiverLink]:
    return links_for_patient(patient=patient).exclude(status=Status.ENDED)


def link_get_for_patient(*, patient: User, link_id) -> CaregiverLink:
    """One of the patient's own caregiver links, or 404."""
    try:
        return links_for_patient(patient=patient).get(pk=_as_id(link_id))
    except CaregiverLink.DoesNotExist:
        raise Http404("No such link.") from None


def links_for_user(*, user: User) -> QuerySet[CaregiverLink]:
    """The caregiver links a person may see: a patient their own (history included), a
    clinician those of their care team's patients, an admin everyone's. A caregiver sees none:
    they never learn who else helps a patient."""
    links = CaregiverLink.objects.select_related("patient", "caregiver", "invited_by")
    if user.is_portal_admin:
        return links
    if user.is_patient:
        return links.filter(patient=user)
    if user.is_clinician:
        return links.filter(in_care_team(clinician_id=user.pk), User.patients_q("patient__"))
    return links.none()


def link_get_for_user(*, user: User, link_id) -> CaregiverLink:
    """One link in links_for_user, or 404 (never say whether it exists for someone else)."""
    try:
        return links_for_user(user=user).get(pk=_as_id(link_id))
    except CaregiverLink.DoesNotExist:
        raise Http404("No such link.") from None


def names_waiting_for_patient(*, patient: User) -> list[str]:
    """Helpers a clinician invited for this patient whom the patient has not confirmed yet,
    newest first: only their names, for the notice on the patient's home (one plain query on
    the link table, since the page asks on every visit)."""
    return list(
        CaregiverLink.objects.filter(
            patient=patient, status=Status.PENDING, patient_confirmed_at__isnull=True
        )
        .order_by("-created_at", "-id")
        .values_list("name", flat=True)
    )


def active_caregivers_for_patient(*, patient_id) -> QuerySet[CaregiverLink]:
    """The patient's active caregivers, for the care team's patient page and for reminders."""
    return (
        CaregiverLink.objects.filter(patient_id=patient_id, status=Status.ACTIVE)
        .select_related("caregiver")
        .order_by("caregiver__name", "id")
    )


def links_receiving_reminders() -> QuerySet[CaregiverLink]:
    """Links whose caregiver gets the patient's reading reminders now: active, allowed by the
    patient (receives_reminders), with an active caregiver and an active patient. The reminder
    sweep narrows this to its patients and the delivery task checks it again before sending,
    so ending the link or turning the choice off stops reminders already queued."""
    return CaregiverLink.objects.filter(
        status=Status.ACTIVE,
        receives_reminders=True,
        caregiver__is_active=True,
        caregiver__role=User.Role.CAREGIVER,
        patient__is_active=True,
        patient__role=User.Role.PATIENT,
    )
