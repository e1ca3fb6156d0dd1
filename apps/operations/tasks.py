"""Scheduled by beat (migration 0002): take no arguments, call a service."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat() -> None:
    services.heartbeat_record()


@shared_task(acks_late=True, ignore_result=True)
def retention() -> dict:
    report = services.retention_run()
    logger.info("Retention: %s", report.as_dict())
    return report.as_dict()
