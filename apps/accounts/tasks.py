"""Celery tasks for accounts: send an account email, trying again while the mail server is down."""

import logging
import smtplib

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from .emails import send_now

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 15
RETRY_BACKOFF_MAX_SECONDS = 600
# About 40 minutes of tries with the backoff above.
MAX_RETRIES = 8


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_account_email(self, message: dict) -> None:
    """Send one account email (emails.message_as_dict). A mail server that is down or refuses
    for now is tried again with exponential backoff; after MAX_RETRIES the failure is logged
    and the person can ask again (a new reset link, a resent invitation)."""
    try:
        send_now(message)
    except (smtplib.SMTPException, OSError) as error:
        if self.request.retries >= MAX_RETRIES:
            logger.error(
                "Gave up sending an account email after %d tries: %s", MAX_RETRIES + 1, error
            )
            return
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(exc=error, countdown=countdown, max_retries=MAX_RETRIES) from None
