"""Bulk Data exports (FHIR Bulk Data Access, `$export`): one job per request, its NDJSON files
kept in the database so that any web process can serve them (docs/fhir.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportJob(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    # Not a counter: the status URL names the job, and only its requester may poll it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    request_url = models.CharField(max_length=2000)
    site_url = models.CharField(max_length=500)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    created_at = models.DateTimeField(default=timezone.now)
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Export {self.pk}"


class ExportFile(models.Model):
    """One NDJSON file of an export: up to FILE_ROWS resources of one type."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    count = models.PositiveIntegerField()
    content = models.TextField()

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.resource_type} ({self.count})"
