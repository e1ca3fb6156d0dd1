"""Write to the audit trail. Call it wherever someone other than the patient views or changes
that patient's information, on the web and in the API."""

from collections.abc import Iterable

from django.db import connection

from apps.accounts.models import User

from .models import AuditEvent


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    actor: User,
    action: str,
    patient: User | int | None,
    obj=None,
    request=None,
    channel: str = "web",
) -> AuditEvent | None:
    """Record `actor` doing `action` (e.g. "patient.view", "assignment.create") on `patient`.

    A patient looking at their own information is not recorded: the trail is about access
    by others. Returns the event, or None when nothing needed recording.
    """
    patient_id = patient.pk if isinstance(patient, User) else patient
    if actor is not None and patient_id is not None and actor.pk == patient_id:
        return None
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        subject_patient_id=patient_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        channel=channel,
        ip=_client_ip(request),
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
    """
    ip = _client_ip(request)
    seen = set()
    events = []
    for patient_id, obj in entries:
        key = (patient_id, obj.pk if obj is not None else None)
        if patient_id == actor.pk or key in seen:
            continue
        seen.add(key)
        events.append(
            AuditEvent(
                actor=actor,
                action=action,
                subject_patient_id=patient_id,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                channel=channel,
                ip=ip,
            )
        )
    if events and connection.vendor == "postgresql":
        _insert_unnested(events)
    else:
        AuditEvent.objects.bulk_create(events)


def _insert_unnested(events: list[AuditEvent]) -> None:
    """The same rows as bulk_create, as one INSERT ... SELECT unnest(...) without RETURNING.

    A clinician's list writes one row per patient shown on every page view; building and
    sending them this way costs a fraction of the ORM's bulk path (docs/performance.md).
    """
    meta = AuditEvent._meta
    fields = [
        (meta.get_field("actor"), "bigint"),
        (meta.get_field("action"), "text"),
        (meta.get_field("subject_patient"), "bigint"),
        (meta.get_field("object_type"), "text"),
        (meta.get_field("object_id"), "text"),
        (meta.get_field("channel"), "text"),
        (meta.get_field("at"), "timestamptz"),
        (meta.get_field("ip"), "inet"),
    ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) SELECT {values}".format(  # noqa: S608 - model names only
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field, _kind in fields),
        values=", ".join(f"unnest(%s::{kind}[])" for _field, kind in fields),
    )
    params = [[getattr(event, field.attname) for event in events] for field, _kind in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
