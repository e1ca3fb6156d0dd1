"""Emails to the people who look after the library: reviewers and editors.

Like every portal email they say only that something is waiting and where to log in:
no module titles and nothing a patient said.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User

SUBJECTS = {
    "review_requested": _("A module is waiting for your review"),
    "review_decided": _("Your module has been reviewed"),
    "review_schedule": _("Modules are due for their clinical review"),
}


def send_staff_email(*, recipient: User, template: str, extra: dict | None = None) -> None:
    """One plain-text email from templates/library/email/<template>.txt."""
    with translation.override(recipient.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "portal_name": settings.PORTAL_NAME,
            "admin_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("admin:index"),
            **(extra or {}),
        }
        subject = str(SUBJECTS[template])
        body = render_to_string(f"library/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
