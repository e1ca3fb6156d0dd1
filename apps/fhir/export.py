"""Bulk Data `$export` of a care team's Tasks, Communications and QuestionnaireResponses.

The request makes a job and queues its build on the worker (after the commit); the worker
builds the resources as the requester would see them (the same scopes and Builder as the
views), writes them as NDJSON files of at most FILE_ROWS lines, and records in the audit
trail every patient the export includes. The client polls the job's status URL, then fetches
the files with the same login.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import audit_patients_seen

from . import scopes
from .building import Builder
from .models import ExportFile, ExportJob

EXPORT_TYPES = ("Task", "Communication", "QuestionnaireResponse")
FILE_ROWS = 1000


def export_start(
    *, user: User, types: list[str], since, request_url: str, site_url: str
) -> ExportJob:
    """A new job; the caller queues tasks.build_export for it once this is committed."""
    return ExportJob.objects.create(
        requested_by=user, types=types, since=since, request_url=request_url, site_url=site_url
    )


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rows(kind: str, user: User, builder: Builder, since) -> Iterator[tuple[int, dict]]:
    """(patient id, resource) for every resource of `kind` the user may see."""
    if kind == "Task":
        tasks = scopes.tasks(user=user)
        if since is not None:
            tasks = tasks.filter(last_updated__gte=since)
        for chunk in _chunks(tasks.iterator(chunk_size=FILE_ROWS), FILE_ROWS):
            yield from zip((a.patient_id for a in chunk), builder.tasks(chunk), strict=True)
    elif kind == "QuestionnaireResponse":
        attempts = scopes.attempts(user=user).order_by("submitted_at", "id")
        if since is not None:
            attempts = attempts.filter(submitted_at__gte=since)
        for chunk in _chunks(attempts.iterator(chunk_size=FILE_ROWS), FILE_ROWS):
            patients = (attempt.assignment.patient_id for attempt in chunk)
            yield from zip(patients, builder.responses(chunk), strict=True)
    elif kind == "Communication":
        questions = scopes.questions_listed(user=user).order_by("created_at", "id")
        replies = scopes.replies(user=user).order_by("created_at", "id")
        if since is not None:
            questions = questions.filter(last_activity_at__gte=since)
            replies = replies.filter(created_at__gte=since)
        for chunk in _chunks(questions.iterator(chunk_size=FILE_ROWS), FILE_ROWS):
            patients = (q.patient_id for q in chunk)
            yield from zip(patients, builder.communications(chunk, []), strict=True)
        for chunk in _chunks(replies.iterator(chunk_size=FILE_ROWS), FILE_ROWS):
            patients = (r.question.patient_id for r in chunk)
            yield from zip(patients, builder.communications([], chunk), strict=True)


def export_build(job_id) -> ExportJob | None:
    """Build a job's files (again from scratch if a worker died half-way)."""
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status != ExportJob.Status.ACCEPTED:
        return job
    user = job.requested_by
    builder = Builder(user=user, site_url=job.site_url)
    job.transaction_time = timezone.now()
    patients: set[int] = set()
    with transaction.atomic():
        job.files.all().delete()
        for kind in job.types:
            for chunk in _chunks(_rows(kind, user, builder, job.since), FILE_ROWS):
                patients.update(patient_id for patient_id, _resource in chunk)
                ExportFile.objects.create(
                    job=job,
                    resource_type=kind,
                    count=len(chunk),
                    content="".join(
                        json.dumps(resource, separators=(",", ":")) + "\n"
                        for _patient, resource in chunk
                    ),
                )
        job.status = ExportJob.Status.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "transaction_time"])
        audit_patients_seen(
            actor=user, action="record.export", patient_ids=sorted(patients), channel="fhir"
        )
    return job


def export_fail(job_id) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.ACCEPTED).update(
        status=ExportJob.Status.FAILED, finished_at=timezone.now()
    )
