"""Composing reminder emails. They say only that something is waiting, never what.

An email can be read over a shoulder, on a shared family computer or on a lock screen, so
no template gets a module, a question, a reply, a diagnosis or a medicine: the context
built here holds nothing but links and, for the clinician digest, counts.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

from .models import Notification

UNSUBSCRIBE_SALT = "apps.reminders.unsubscribe"

# Template name (under reminders/email/) -> subject. Reply notices read differently for the
# patient (their care team answered) and for clinicians (a patient wrote more).
SUBJECTS = {
    "due_soon": _("A reminder from your patient portal"),
    "overdue": _("Something is waiting for you in your patient portal"),
    "not_started": _("You have something new to read in your portal"),
    "reply_to_patient": _("Your care team replied"),
    "reply_to_care_team": _("A patient sent a new message"),
    "new_question": _("A patient sent a new question"),
    "digest": _("Your daily portal summary"),
    # To a caregiver, about someone they help: never that person's name, never the reading.
    "caregiver_due_soon": _("Reading is due soon for someone you help"),
    "caregiver_overdue": _("Reading is waiting for someone you help"),
    "caregiver_not_started": _("There is new reading for someone you help"),
}
CAREGIVER_TEMPLATES = {
    Notification.Kind.DUE_SOON: "caregiver_due_soon",
    Notification.Kind.OVERDUE: "caregiver_overdue",
    Notification.Kind.NOT_STARTED: "caregiver_not_started",
}


@dataclass(frozen=True)
class DigestCounts:
    open_questions: int = 0
    overdue_patients: int = 0
    failed_checks: int = 0

    def __bool__(self) -> bool:
        return bool(self.open_questions or self.overdue_patients or self.failed_checks)


def template_for(notification: Notification) -> str:
    if notification.recipient.role == User.Role.CAREGIVER:
        return CAREGIVER_TEMPLATES[notification.kind]
    if notification.kind == Notification.Kind.REPLY:
        if notification.recipient.role == User.Role.PATIENT:
            return "reply_to_patient"
        return "reply_to_care_team"
    return notification.kind


def unsubscribe_token(*, user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)


def user_id_from_unsubscribe_token(token: str) -> int | None:
    """The user a token was made for, or None when it was altered or made with another key."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    return user_id if isinstance(user_id, int) else None


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def email_context(*, recipient: User, digest: DigestCounts | None = None) -> dict:
    is_caregiver = recipient.role == User.Role.CAREGIVER
    context = {
        "portal_name": settings.PORTAL_NAME,
        # A caregiver chooses on the site whose reading to look at; the email never says.
        "login_url": _absolute(reverse("caregivers:choose") if is_caregiver else "/"),
        "preferences_url": _absolute(reverse("reminders:preferences")),
        "unsubscribe_url": _absolute(
            reverse(
                "reminders:unsubscribe", kwargs={"token": unsubscribe_token(user_id=recipient.pk)}
            )
        ),
        "care_team_phone": settings.CARE_TEAM_PHONE,
        "is_patient": recipient.role == User.Role.PATIENT,
        "is_caregiver": is_caregiver,
        "LANGUAGE_CODE": translation.get_language(),
    }
    if digest is not None:
        context["digest"] = digest
    return context


def render_email(*, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) for one template under reminders/email/."""
    subject = str(SUBJECTS[template])
    text = render_to_string(f"reminders/email/{template}.txt", context)
    html = render_to_string(f"reminders/email/{template}.html", context)
    return subject, text, html


def build_email(
    *, notification: Notification, digest: DigestCounts | None = None
) -> EmailMultiAlternatives:
    """The message for one Notification, in the recipient's language, with RFC 8058
    one-click unsubscribe headers so mail apps can offer "Unsubscribe" themselves."""
    recipient = notification.recipient
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        context = email_context(recipient=recipient, digest=digest)
        subject, text, html = render_email(template=template_for(notification), context=context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
