"""Writes for accounts: invitations and care teams."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .emails import QueuedEmailBackend
from .models import CareTeamMembership, Invitation, User


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash_token(token)


def _send_invitation_email(*, invitation: Invitation, token: str) -> None:
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", kwargs={"token": token}
    )
    context = {
        "name": invitation.name,
        "link": link,
        "expires_at": invitation.expires_at,
        "portal_name": settings.PORTAL_NAME,
        "care_team_phone": settings.CARE_TEAM_PHONE,
    }
    message = EmailMultiAlternatives(
        subject=_("Your care team invited you to the patient portal"),
        body=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        # Through the worker, which tries again while the mail server is down: the invitation
        # is saved either way, and the page never fails because of the mail server.
        connection=QueuedEmailBackend(),
    )
    message.attach_alternative(
        render_to_string("accounts/email/invitation.html", context), "text/html"
    )
    message.send()


def _queue_email(*, subject: str, body: str, to: list[str]) -> None:
    """A plain-text email through the worker, which retries while the mail server is down."""
    EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        connection=QueuedEmailBackend(),
    ).send()


def _send_existing_account_notice(*, invitation: Invitation) -> None:
    """The invited address already has an account: remind that person how to log in."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    context = {
        "portal_name": settings.PORTAL_NAME,
        "login_link": base + reverse("account_login"),
        "reset_link": base + reverse("account_reset_password"),
        "care_team_phone": settings.CARE_TEAM_PHONE,
    }
    _queue_email(
        subject=_("You already have an account on the patient portal"),
        body=render_to_string("accounts/email/invitation_existing_account.txt", context),
        to=[invitation.email],
    )


def _tell_admins_of_existing_account(*, invitation: Invitation, account: User) -> None:
    """The clinician may need this person in their care team: only an admin can add them."""
    admins = list(
        User.objects.filter(role=User.Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not admins:
        return
    context = {
        "portal_name": settings.PORTAL_NAME,
        "clinician_email": invitation.invited_by.email,
        "email": invitation.email,
        "admin_link": settings.PORTAL_BASE_URL.rstrip("/")
        + reverse("admin:accounts_user_change", args=[account.pk]),
    }
    _queue_email(
        subject=_("A clinician invited someone who already has an account"),
        body=render_to_string("accounts/email/invitation_existing_account_admin.txt", context),
        to=admins,
    )


def _send_invitation(*, invitation: Invitation, token: str) -> None:
    """The invitation link, or, when the address already has an account, a reminder to log in.

    Either way the clinician sees the same thing, so the form cannot be used to find out
    whether someone is a patient here.
    """
    if User.objects.filter(email__iexact=invitation.email).exists():
        _send_existing_account_notice(invitation=invitation)
    else:
        _send_invitation_email(invitation=invitation, token=token)


def _invitation_new(
    *, kind: str, invited_by: User, email: str, name: str
) -> tuple[Invitation, str]:
    """A new invitation row and its token; only the token's hash is stored."""
    token, token_hash = _new_token()
    now = timezone.now()
    invitation = Invitation.objects.create(
        kind=kind,
        email=email.strip().lower(),
        name=name.strip(),
        invited_by=invited_by,
        token_hash=token_hash,
        created_at=now,
        last_sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    return invitation, token


def invitation_create(*, invited_by: User, email: str, name: str) -> Invitation:
    """Invite a new patient. Raises ValidationError with a message a clinician can act on.

    An address that already has an account gets the same answer as a new one; that person is
    reminded how to log in and the admins are told, privately (_send_invitation).
    """
    email = email.strip().lower()
    try:
        with transaction.atomic():
            invitation, token = _invitation_new(
                kind=Invitation.Kind.PATIENT, invited_by=invited_by, email=email, name=name
            )
    except IntegrityError:
        raise ValidationError(
            {
                "email": _(
                    "This person already has an invitation waiting. You can resend it "
                    "from the list below."
                )
            }
        ) from None
    account = User.objects.filter(email__iexact=email).first()
    if account is not None:
        transaction.on_commit(
            lambda: _tell_admins_of_existing_account(invitation=invitation, account=account)
        )
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, token=token))
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Send a fresh link: the old one stops working and the expiry starts again."""
    token, token_hash = _new_token()
    now = timezone.now()
    invitation.token_hash = token_hash
    invitation.last_sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "last_sent_at", "expires_at", "send_count"])
    transaction.on_commit(lambda: _send_invitation(invitation=invitation, token=token))
    return invitation


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired. The message says which, kindly."""


def invitation_get_by_token(*, token: str, kind: str = Invitation.Kind.PATIENT) -> Invitation:
    """The pending invitation of that kind behind a token: a caregiver's link never opens a
    patient account, nor the other way round (they are unknown to each other's page)."""
    invitation = Invitation.objects.filter(token_hash=_hash_token(token), kind=kind).first()
    if invitation is None:
        raise InvitationInvalid(
            _("This link is not valid. Please ask your care team for a new one.")
        )
    if invitation.accepted_at is not None:
        raise InvitationInvalid(
            _("This link has already been used. You can log in with your email and password.")
        )
    if invitation.revoked_at is not None:
        raise InvitationInvalid(_("This invitation was withdrawn. Please contact your care team."))
    if invitation.is_expired:
        raise InvitationInvalid(
            _("This link has expired. Please ask your care team to send a new one.")
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Create the patient account and care-team link. One use only, even if clicked twice."""
    invitation = invitation_get_by_token(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationInvalid(_("This link has already been used."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid(_("An account with this email already exists. Please log in."))
    user = User.objects.create_user(
        email=invitation.email,
        password=password,
        name=invitation.name,
        role=User.Role.PATIENT,
    )
    CareTeamMembership.objects.create(clinician=invitation.invited_by, patient=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


def caregiver_invitation_issue(
    *, invited_by: User, email: str, name: str
) -> tuple[Invitation, str]:
    """A one-time, expiring caregiver invitation and its token (only its hash is kept).

    The caregivers app owns what the invitation grants (CaregiverLink) and sends the email.
    """
    return _invitation_new(
        kind=Invitation.Kind.CAREGIVER, invited_by=invited_by, email=email, name=name
    )


def caregiver_invitation_redeem(*, token: str) -> Invitation:
    """Lock and use up a caregiver invitation (call inside a transaction); one use only."""
    invitation = invitation_get_by_token(token=token, kind=Invitation.Kind.CAREGIVER)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationInvalid(_("This link has already been used."))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return invitation


def care_team_add(*, clinician: User, patient: User) -> CareTeamMembership:
    membership, _created = CareTeamMembership.objects.get_or_create(
        clinician=clinician, patient=patient
    )
    return membership


@transaction.atomic
def user_deactivate(*, user: User) -> User:
    """Stop a person logging in at once; their history stays."""
    from allauth.usersessions.models import UserSession

    user.is_active = False
    user.save(update_fields=["is_active"])
    # Django's backend already refuses inactive users on every request; ending the
    # sessions as well removes them from the active-session list.
    for session in UserSession.objects.filter(user=user):
        session.end()
    return user


def user_set_text_size(*, user: User, text_size: str) -> User:
    """Remember how large a person wants the text, on every device they use."""
    if text_size not in User.TextSize.values:
        raise ValidationError({"text_size": _("Choose one of the text sizes shown.")})
    user.text_size = text_size
    user.save(update_fields=["text_size"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """The UI language, and the language of the modules picked for this person."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"preferred_language": _("Choose one of the languages shown.")})
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user
