"""Writes for caregivers: invite, accept, confirm, change and end. Each one atomic, each
change of who may see a patient's information written to the audit trail."""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import services as account_services
from apps.accounts.emails import QueuedEmailBackend
from apps.accounts.models import CareTeamMembership, Invitation, User
from apps.accounts.services import InvitationInvalid
from apps.audit.services import audit_log

from .models import CaregiverLink

Status = CaregiverLink.Status


def _may_invite_for(*, invited_by: User, patient: User) -> bool:
    """The patient themself, a clinician of their care team, or an admin."""
    if not patient.is_patient or not patient.is_active:
        return False
    if invited_by.pk == patient.pk or invited_by.is_portal_admin:
        return True
    return (
        invited_by.is_clinician
        and CareTeamMembership.objects.filter(clinician=invited_by, patient=patient).exists()
    )


def _send_invitation_email(*, link: CaregiverLink, token: str) -> None:
    """The link goes to the address typed, whether or not it has an account here: the person
    who sent it sees the same answer either way (accepting asks an existing account to log in)."""
    context = {
        "name": link.name,
        "patient_name": link.patient.name,
        "link": settings.PORTAL_BASE_URL.rstrip("/")
        + reverse("caregivers:accept", kwargs={"token": token}),
        "expires_at": link.invitation.expires_at,
        "portal_name": settings.PORTAL_NAME,
    }
    EmailMultiAlternatives(
        subject=_("You are invited to help someone with their reading"),
        body=render_to_string("caregivers/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[link.email],
        connection=QueuedEmailBackend(),
    ).send()


@transaction.atomic
def caregiver_invite(
    *,
    patient: User,
    invited_by: User,
    email: str,
    name: str,
    can_ask_questions: bool = False,
    receives_reminders: bool = False,
    request=None,
    channel: str = "web",
) -> CaregiverLink:
    """Invite someone to read alongside `patient`. Raises ValidationError with a message the
    person inviting can act on.

    A patient's own invitation needs no more consent; one sent by a clinician waits for the
    patient to confirm it (caregiver_confirm) as well as for the caregiver to accept it.
    """
    if not _may_invite_for(invited_by=invited_by, patient=patient):
        raise ValidationError(_("You cannot invite a helper for this person."))
    email = email.strip().lower()
    if email == patient.email.lower():
        raise ValidationError(
            {"email": _("This is the patient's own email address. Enter the helper's address.")}
        )
    now = timezone.now()
    by_patient = invited_by.pk == patient.pk
    try:
        with transaction.atomic():
            link = CaregiverLink.objects.create(
                patient=patient,
                email=email,
                name=name.strip(),
                invited_by=invited_by,
                can_ask_questions=can_ask_questions,
                receives_reminders=receives_reminders,
                patient_confirmed_at=now if by_patient else None,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            {"email": _("This person is already invited or already helps. See the list.")}
        ) from None
    if by_patient:
        _issue_invitation(link=link, invited_by=invited_by)
    audit_log(
        actor=invited_by,
        action="caregiver.invite",
        patient=patient,
        obj=link,
        request=request,
        channel=channel,
        including_own=True,
    )
    return link


def _issue_invitation(*, link: CaregiverLink, invited_by: User) -> None:
    """The one-time link, sent once the patient has agreed (never before: the email names the
    patient to the person invited)."""
    invitation, token = account_services.caregiver_invitation_issue(
        invited_by=invited_by, email=link.email, name=link.name
    )
    link.invitation = invitation
    link.save(update_fields=["invitation"])
    transaction.on_commit(lambda: _send_invitation_email(link=link, token=token))


class AcceptRefused(Exception):
    """The invitation is fine but cannot be accepted this way; the message says what to do."""


def link_for_token(*, token: str) -> CaregiverLink:
    """The open link behind a caregiver invitation token, or InvitationInvalid."""
    invitation = account_services.invitation_get_by_token(
        token=token, kind=Invitation.Kind.CAREGIVER
    )
    link = (
        CaregiverLink.objects.filter(invitation=invitation, status=Status.PENDING)
        .select_related("patient", "invitation")
        .first()
    )
    if link is None:
        raise InvitationInvalid(_("This invitation was withdrawn."))
    return link


def _activate_if_ready(link: CaregiverLink, *, now) -> None:
    if link.caregiver_id is not None and link.patient_confirmed_at is not None:
        link.status = Status.ACTIVE
        link.activated_at = now


@transaction.atomic
def caregiver_accept(
    *, token: str, user: User | None = None, password: str = "", name: str = ""
) -> tuple[User, CaregiverLink]:
    """Accept a caregiver invitation, once.

    With no account for the invited address, a caregiver account is made with `password`.
    An existing account must be logged in (`user`) with the invited address and be a caregiver
    account; the link is then added to it. Patients and staff keep their own accounts apart.
    """
    link = link_for_token(token=token)
    existing = User.objects.filter(email__iexact=link.email).first()
    if existing is not None:
        if user is None or not user.is_authenticated or user.pk != existing.pk:
            raise AcceptRefused(
                _("You already have an account. Log in with %(email)s, then open the link again.")
                % {"email": link.email}
            )
        if not existing.is_caregiver:
            raise AcceptRefused(
                _(
                    "This email address belongs to an account that cannot read for someone "
                    "else. Ask for the invitation to be sent to another email address."
                )
            )
        caregiver = existing
    else:
        if user is not None and user.is_authenticated:
            raise AcceptRefused(
                _("This invitation is for %(email)s. Log out, then open the link again.")
                % {"email": link.email}
            )
        caregiver = User.objects.create_user(
            email=link.email,
            password=password,
            name=name.strip() or link.name,
            role=User.Role.CAREGIVER,
        )
    account_services.caregiver_invitation_redeem(token=token)
    link = CaregiverLink.objects.select_for_update().get(pk=link.pk)
    if link.status != Status.PENDING:
        raise InvitationInvalid(_("This invitation was withdrawn."))
    now = timezone.now()
    link.caregiver = caregiver
    link.accepted_at = now
    _activate_if_ready(link, now=now)
    try:
        with transaction.atomic():
            link.save(update_fields=["caregiver", "accepted_at", "status", "activated_at"])
    except IntegrityError:
        raise AcceptRefused(_("You cannot read for yourself.")) from None
    Invitation.objects.filter(pk=link.invitation_id).update(accepted_user=caregiver)
    audit_log(actor=caregiver, action="caregiver.accept", patient=link.patient_id, obj=link)
    return caregiver, link


@transaction.atomic
def caregiver_confirm(
    *, link: CaregiverLink, patient: User, request=None, channel: str = "web"
) -> CaregiverLink:
    """The patient agrees to a helper their clinician invited."""
    link = CaregiverLink.objects.select_for_update().get(pk=link.pk, patient=patient)
    if link.status != Status.PENDING or link.patient_confirmed_at is not None:
        raise ValidationError(_("There is nothing to confirm for this person."))
    now = timezone.now()
    link.patient_confirmed_at = now
    _activate_if_ready(link, now=now)
    link.save(update_fields=["patient_confirmed_at", "status", "activated_at"])
    if link.invitation_id is None:
        _issue_invitation(link=link, invited_by=link.invited_by)
    audit_log(
        actor=patient,
        action="caregiver.confirm",
        patient=patient,
        obj=link,
        request=request,
        channel=channel,
        including_own=True,
    )
    return link


@transaction.atomic
def caregiver_update(
    *,
    link: CaregiverLink,
    actor: User,
    can_ask_questions: bool,
    receives_reminders: bool,
    request=None,
    channel: str = "web",
) -> CaregiverLink:
    """Change what a helper may do; it applies from their next request."""
    link = CaregiverLink.objects.select_for_update().get(pk=link.pk)
    if link.status == Status.ENDED:
        raise ValidationError(_("This helper's access has ended. Invite them again if you wish."))
    link.can_ask_questions = can_ask_questions
    link.receives_reminders = receives_reminders
    link.save(update_fields=["can_ask_questions", "receives_reminders"])
    audit_log(
        actor=actor,
        action="caregiver.update",
        patient=link.patient_id,
        obj=link,
        request=request,
        channel=channel,
        including_own=True,
    )
    return link


@transaction.atomic
def caregiver_end(
    *, link: CaregiverLink, actor: User, request=None, channel="web"
) -> CaregiverLink:
    """End a helper's access at once (or withdraw an invitation not yet accepted).

    Every request of a caregiver checks for an active link, so the next one is refused; when
    this was their last patient, their sessions end too (they have nothing left to see).
    """
    link = CaregiverLink.objects.select_for_update().get(pk=link.pk)
    if link.status == Status.ENDED:
        return link
    now = timezone.now()
    link.status = Status.ENDED
    link.ended_at = now
    link.ended_by = actor
    link.save(update_fields=["status", "ended_at", "ended_by"])
    if link.invitation_id is not None:
        Invitation.objects.filter(
            pk=link.invitation_id, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
    if (
        link.caregiver_id is not None
        and not CaregiverLink.objects.filter(
            caregiver_id=link.caregiver_id, status=Status.ACTIVE
        ).exists()
    ):
        for session in UserSession.objects.filter(user_id=link.caregiver_id):
            session.end()
    audit_log(
        actor=actor,
        action="caregiver.end",
        patient=link.patient_id,
        obj=link,
        request=request,
        channel=channel,
        including_own=True,
    )
    return link
