"""Write to the audit trail. Call it wherever someone other than the patient views or changes
that patient's information, on the web and in the API."""

import functools
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from apps.core.requests import client_ip

from .models import AuditEvent

security_logger = logging.getLogger("portal.security")


def audit_log(
    *,
    actor: User,
    action: str,
    patient: User | int | None,
    obj=None,
    request=None,
    channel: str = "web",
    including_own: bool = False,
) -> AuditEvent | None:
    """Record `actor` doing `action` (e.g. "patient.view", "assignment.create") on `patient`.

    A patient looking at their own information is not recorded: the trail is about access
    by others. `including_own` records the patient's own act too, for changes of who may see
    their information (a caregiver's access given, changed or ended). Returns the event, or
    None when nothing needed recording.
    """
    patient_id = patient.pk if isinstance(patient, models.Model) else patient
    own = actor is not None and patient_id is not None and actor.pk == patient_id
    if own and not including_own:
        return None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        subject_patient_id=patient_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        channel=channel,
        ip=client_ip(request),
    )


def audit_patients_seen(
    *,
    actor: User,
    action: str,
    patient_ids: Iterable[int],
    obj=None,
    request=None,
    channel: str = "web",
) -> None:
    """Record that `actor` saw the named patients on a list or in an export, in one INSERT."""
    audit_log_many(
        actor=actor,
        action=action,
        entries=[(patient_id, obj) for patient_id in patient_ids],
        request=request,
        channel=channel,
    )


def audit_log_many(
    *,
    actor: User,
    action: str,
    entries: Iterable[tuple[int, object | None]],
    request=None,
    channel: str = "web",
) -> None:
    """Record many (patient id, object) views or changes by one actor in a single INSERT.

    The same rows audit_log writes, for lists, exports and bulk actions: seeing or assigning
    to a thousand patients must not cost a thousand queries. The actor's own rows are skipped.
    The rows share one time: they are one view or one action.
    """
    seen = set()
    rows = []  # (patient id, object type, object id)
    for patient_id, obj in entries:
        key = (patient_id, obj.pk if obj is not None else None)
        if patient_id == actor.pk or key in seen:
            continue
        seen.add(key)
        if obj is None:
            rows.append((patient_id, "", ""))
        else:
            rows.append((patient_id, obj._meta.label_lower, str(obj.pk)))
    if not rows:
        return
    at = timezone.now()
    ip = client_ip(request)
    if connection.vendor == "postgresql":
        _insert_unnested(actor=actor, action=action, rows=rows, channel=channel, at=at, ip=ip)
        return
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action=action,
            subject_patient_id=patient_id,
            object_type=object_type,
            object_id=object_id,
            channel=channel,
            at=at,
            ip=ip,
        )
        for patient_id, object_type, object_id in rows
    )


# (field, SQL type) in the order of the INSERT. The patient varies from row to row; so may
# the object; the rest is one value for the whole statement.
_COLUMNS = (
    ("actor", "bigint"),
    ("action", "text"),
    ("subject_patient", "bigint"),
    ("object_type", "text"),
    ("object_id", "text"),
    ("channel", "text"),
    ("at", "timestamptz"),
    ("ip", "inet"),
)


@functools.cache
def _unnest_sql(*, objects_vary: bool) -> str:
    """INSERT ... SELECT with one array per column that varies (the patients, and the objects
    when they differ) and a single value for each column that does not."""
    varying = {"subject_patient"} | ({"object_type", "object_id"} if objects_vary else set())
    meta = AuditEvent._meta
    quote = connection.ops.quote_name
    return "INSERT INTO {table} ({columns}) SELECT {values}".format(  # noqa: S608 - model names only
        table=quote(meta.db_table),
        columns=", ".join(quote(meta.get_field(name).column) for name, _kind in _COLUMNS),
        values=", ".join(
            f"unnest(%s::{kind}[])" if name in varying else f"%s::{kind}" for name, kind in _COLUMNS
        ),
    )


def _insert_unnested(*, actor, action, rows, channel, at, ip) -> None:
    """The same rows as bulk_create, as one INSERT ... SELECT unnest(...) without RETURNING,
    built straight from the values (no model instance per row).

    A clinician's list writes one row per patient shown on every page view; building and
    sending them this way costs a fraction of the ORM's bulk path, and sending the values
    that every row shares once rather than as arrays saves most of the rest
    (docs/performance.md).
    """
    patient_ids, object_types, object_ids = (list(column) for column in zip(*rows, strict=True))
    objects_vary = len(set(zip(object_types, object_ids, strict=True))) > 1
    objects = [object_types, object_ids] if objects_vary else [object_types[0], object_ids[0]]
    params = [actor.pk, action, patient_ids, *objects, channel, at, ip]
    with connection.cursor() as cursor:
        cursor.execute(_unnest_sql(objects_vary=objects_vary), params)


@dataclass(frozen=True)
class ArchiveReport:
    rows: int
    path: Path | None
    sha256: str


AUDIT_ARCHIVE_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "subject_patient_id",
    "object_type",
    "object_id",
    "channel",
    "ip",
)


def audit_archive(*, before: datetime, directory: Path) -> ArchiveReport:
    """Move audit rows older than `before` to a gzip JSON-lines file in `directory`.

    The file is written and synced to disk first; only then, in one transaction, are the
    same rows deleted (the only delete the append-only trigger allows, see migration 0006),
    and a security-log line records the file, its row count and its SHA-256. Refuses a
    cut-off less than AUDIT_RETENTION_DAYS ago: the trail is kept at least that long.
    """
    oldest_allowed = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > oldest_allowed:
        raise ValueError(
            f"Audit rows are kept {settings.AUDIT_RETENTION_DAYS} days: the cut-off must be "
            f"{oldest_allowed:%Y-%m-%d} or earlier."
        )
    with transaction.atomic():
        rows = AuditEvent.objects.filter(at__lt=before).order_by("at", "id")
        ids = list(rows.values_list("id", flat=True))
        if not ids:
            return ArchiveReport(rows=0, path=None, sha256="")
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"audit-before-{before:%Y%m%dT%H%M%S}-{len(ids)}.jsonl.gz"
        with gzip.open(path, "wt", encoding="utf-8") as archive:
            for row in rows.values(*AUDIT_ARCHIVE_FIELDS).iterator(chunk_size=2000):
                archive.write(json.dumps(row, cls=DjangoJSONEncoder, sort_keys=True) + "\n")
        digest = hashlib.sha256()
        with path.open("rb") as written:
            os.fsync(written.fileno())
            for block in iter(lambda: written.read(1 << 20), b""):
                digest.update(block)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL portal.audit_archive = 'on'")
        # The model refuses deletes everywhere else; this is the one place that may.
        deleted, _ = models.QuerySet.delete(AuditEvent.objects.filter(id__in=ids))
    security_logger.warning(
        "event=audit_archive rows=%s file=%s sha256=%s", deleted, path.name, digest.hexdigest()
    )
    return ArchiveReport(rows=deleted, path=path, sha256=digest.hexdigest())
