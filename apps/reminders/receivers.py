"""Receivers for apps.questions.signals, which are sent after the question or reply commits.

The sender uses send_robust, which would swallow an error silently: log it here so a notice
that could not be created shows up in the logs.
"""

import logging

from . import services

logger = logging.getLogger(__name__)


def on_question_asked(sender, *, question_id: int, **kwargs) -> None:
    try:
        services.notify_question_asked(question_id=question_id)
    except Exception:
        logger.exception("Could not create new-question notices for question %s", question_id)
        raise


def on_reply_posted(sender, *, reply_id: int, **kwargs) -> None:
    try:
        services.notify_reply_posted(reply_id=reply_id)
    except Exception:
        logger.exception("Could not create reply notices for reply %s", reply_id)
        raise
