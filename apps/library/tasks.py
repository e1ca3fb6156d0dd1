"""Celery tasks for the library's review work: short, take ids, call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def notify_review_requested(review_id: int) -> None:
    """Tell the named reviewer that a draft waits for them."""
    from . import services

    services.review_notify_requested(review_id=review_id)


@shared_task(acks_late=True, ignore_result=True)
def notify_review_decided(review_id: int) -> None:
    """Tell the editor who asked that the reviewer approved or asked for changes."""
    from . import services

    services.review_notify_decided(review_id=review_id)


@shared_task(acks_late=True, ignore_result=True)
def remind_editors_of_due_reviews() -> int:
    """Beat, monthly: editors hear how many modules are due or overdue for review."""
    from . import services

    sent = services.review_schedule_remind()
    logger.info("Review schedule reminder sent to %d editors", sent)
    return sent
