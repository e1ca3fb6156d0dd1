"""Account emails (invitations, password resets, allauth's security notices) go out through
the Celery worker, which tries again while the mail server is down, instead of being sent
inside the web request, where a mail server that is down was a 500 after the change was saved.

A message is attached to QueuedEmailBackend (`message.connection`), Django's hook for sending
one message another way; every other email keeps settings.EMAIL_BACKEND. The worker sends
with settings.EMAIL_BACKEND (tasks.send_account_email).
"""

import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def message_as_dict(message: EmailMessage) -> dict:
    """What a Celery task can carry (JSON): these emails are text with HTML alternatives."""
    return {
        "subject": str(message.subject),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "content_subtype": message.content_subtype,
    }


def message_from_dict(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    message.content_subtype = data["content_subtype"]
    return message


def send_now(data: dict) -> None:
    """Send with settings.EMAIL_BACKEND; the mail server's errors reach the caller."""
    message_from_dict(data).send()


def _hand_to_worker(data: dict) -> None:
    from .tasks import send_account_email

    try:
        send_account_email.delay(data)
    except OperationalError:  # what Celery raises when it cannot reach the broker
        logger.warning("Broker unreachable: sending an account email from the web process")
        try:
            send_now(data)
        except Exception:
            # Both down: the person can ask again (a new reset link, a resent invitation).
            logger.exception("Could not send an account email: broker and mail server down")


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message for the worker once the current transaction commits, so an
    invitation rolled back sends nothing and a saved one is never held up by the mail server."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            data = message_as_dict(message)
            transaction.on_commit(lambda data=data: _hand_to_worker(data))
        return len(email_messages)
