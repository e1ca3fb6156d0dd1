"""Celery task for Bulk Data exports: takes the job's id, calls export.export_build."""

import logging

from celery import shared_task

from . import export

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_export(job_id: str) -> None:
    try:
        export.export_build(job_id)
    except Exception:
        # The client polling the status URL is told it failed, rather than waiting forever.
        logger.exception("FHIR export %s failed", job_id)
        export.export_fail(job_id)
        raise
