"""Scoped reads of people. Every lookup of a patient by a staff member goes through here."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from .models import CareTeamMembership, Invitation, User


def patient_list_for_user(*, user: User) -> QuerySet[User]:
    """Patients the user may see: a clinician's care team, every patient for an admin."""
    if user.is_portal_admin:
        return User.objects.filter(User.patients_q())
    if user.is_clinician:
        return team_patients(clinician_id=user.pk)
    return User.objects.none()


def team_patients(*, clinician_id) -> QuerySet[User]:
    """A clinician's care team, by the clinician's id."""
    return User.objects.filter(User.patients_q(), care_team_links__clinician_id=clinician_id)


def in_care_team(*, clinician_id, patient_field: str = "patient_id") -> Exists:
    """The one care-team test for rows about a patient (assignments, questions): EXISTS on the
    care-team link, so a count starts from those rows rather than from every team patient."""
    return Exists(
        CareTeamMembership.objects.filter(
            clinician_id=clinician_id, patient=OuterRef(patient_field)
        )
    )


def patient_get_for_user(*, user: User, patient_id) -> User:
    """One patient in the user's scope, or 404 (never reveal that it exists)."""
    try:
        return patient_list_for_user(user=user).get(pk=int(patient_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient.") from None


def user_can_see_patient(*, user: User, patient_id: int) -> bool:
    if user.is_portal_admin or user.pk == patient_id:
        return True
    if not user.is_clinician:
        return False
    return CareTeamMembership.objects.filter(clinician=user, patient_id=patient_id).exists()


def care_team_for_patient(*, patient: User) -> QuerySet[User]:
    return User.objects.filter(care_team_patients_links__patient=patient, is_active=True)


def invitation_list_pending(*, user: User) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, kind=Invitation.Kind.PATIENT
    )
    if not user.is_portal_admin:
        invitations = invitations.filter(invited_by=user)
    return invitations.select_related("invited_by").order_by("-created_at")


def invitation_get_for_user(*, user: User, invitation_id) -> Invitation:
    try:
        return invitation_list_pending(user=user).get(pk=int(invitation_id))
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None
