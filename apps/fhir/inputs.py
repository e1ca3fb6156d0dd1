"""Reading a Task an EHR POSTs to assign a module (docs/fhir.md, "Creating a Task").

Only the shape is checked here: which elements, which codes, which references. Every rule
about assigning (the care team, a published module, one open assignment per module, the
date, the note) is the assignment service's, so the API, the web and FHIR give the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from apps.library.models import ModuleVersion

from . import codes
from .protocol import invalid, reference_number
from .resources import version_is_current

# Every element of an R4 Task. Others are refused (a misspelt element would be lost).
TASK_ELEMENTS = frozenset(
    {
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "instantiatesCanonical",
        "instantiatesUri", "basedOn", "groupIdentifier", "partOf", "status", "statusReason",
        "businessStatus", "intent", "priority", "code", "description", "focus", "for",
        "encounter", "executionPeriod", "authoredOn", "lastModified", "requester",
        "performerType", "owner", "location", "reasonCode", "reasonReference", "insurance",
        "note", "relevantHistory", "restriction", "input", "output",
    }
)  # fmt: skip
_DATE_OR_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$"
)


@dataclass(frozen=True)
class TaskRequest:
    patient_id: int
    module_id: int
    due_on: date | None
    note: str


def _reference_id(value, *, kind: str, expression: str, base: str) -> int:
    """The id in a Reference to `kind` (relative, or absolute on this server)."""
    text = value.get("reference") if isinstance(value, dict) else None
    if isinstance(text, str) and text.startswith(base + "/"):
        text = text[len(base) + 1 :]
    number = reference_number(text, kind=kind) if isinstance(text, str) else None
    if number is None:
        raise invalid(
            _(
                '%(expression)s must refer to a %(kind)s on this server, like {"reference": '
                '"%(kind)s/123"}.'
            )
            % {"expression": expression, "kind": kind},
            expression=expression,
        )
    return number


def _require_code(body: dict, name: str, expected: str) -> None:
    value = body.get(name)
    if value is None:
        raise invalid(
            _("Task.%(name)s is required: give “%(code)s”.") % {"name": name, "code": expected},
            expression=f"Task.{name}",
            code="required",
        )
    if value != expected:
        raise invalid(
            _("Task.%(name)s must be “%(code)s” for a new Task.")
            % {"name": name, "code": expected},
            expression=f"Task.{name}",
            code="code-invalid",
        )


def _check_code(code) -> None:
    """Task.code, when given, must be SDOHCC review-material."""
    if code is None:
        return
    codings = code.get("coding") if isinstance(code, dict) else None
    if not isinstance(codings, list) or not all(isinstance(c, dict) for c in codings):
        raise invalid(
            _("Give Task.code as a CodeableConcept with a coding."), expression="Task.code"
        )
    if not any(
        c.get("system") == codes.SDOHCC_TASK_CODES and c.get("code") == codes.REVIEW_MATERIAL
        for c in codings
    ):
        raise invalid(
            _("This server only takes Tasks with the code %(code)s from %(system)s.")
            % {"code": codes.REVIEW_MATERIAL, "system": codes.SDOHCC_TASK_CODES},
            expression="Task.code",
            code="code-invalid",
        )


def _due_on(restriction) -> date | None:
    if restriction is None:
        return None
    period = restriction.get("period", {}) if isinstance(restriction, dict) else None
    end = period.get("end") if isinstance(period, dict) else ""
    if end is None:
        return None
    match = _DATE_OR_DATETIME.match(end) if isinstance(end, str) else None
    if match:
        try:
            return date.fromisoformat(match[1])
        except ValueError:
            pass
    raise invalid(
        _("Give the date to read by in Task.restriction.period.end as YYYY-MM-DD."),
        expression="Task.restriction.period.end",
    )


def _note(notes) -> str:
    if notes is None:
        return ""
    if not isinstance(notes, list) or not all(
        isinstance(n, dict) and isinstance(n.get("text"), str) for n in notes
    ):
        raise invalid(
            _("Give Task.note as a list of annotations, each with a text."), expression="Task.note"
        )
    return "\n".join(n["text"] for n in notes)


def published_module_id(version_id: int) -> int:
    """The module of a published DocumentReference (its current version), or a 400."""
    version = ModuleVersion.objects.select_related("module").filter(pk=version_id).first()
    if version is None:
        raise invalid(
            _(
                "There is no DocumentReference/%(id)s. Use one from DocumentReference?status=current."
            )
            % {"id": version_id},
            expression="Task.focus",
        )
    if not version_is_current(version, version.module):
        raise invalid(
            _(
                "DocumentReference/%(id)s is not the published version of this reading. Use one "
                "from DocumentReference?status=current."
            )
            % {"id": version_id},
            expression="Task.focus",
            code="business-rule",
        )
    return version.module_id


def task_request(body, *, requester_id: int, base: str) -> TaskRequest:
    """What the POSTed Task asks for; raises FhirError (an OperationOutcome) when its shape
    is wrong. The patient is not looked up here: the view scopes it (404 outside the team)."""
    if not isinstance(body, dict):
        raise invalid(_("Send one Task resource as a JSON object."))
    if body.get("resourceType") != "Task":
        raise invalid(
            _("This address takes a Task. The body is a “%(kind)s”.")
            % {
                "kind": str(body.get("resourceType", ""))[:64]
                or _("resource without a resourceType")
            },
            expression="resourceType",
        )
    unknown = sorted(str(name)[:64] for name in body if name not in TASK_ELEMENTS)
    if unknown:
        raise invalid(
            _("A Task has no element called “%(name)s”.") % {"name": unknown[0]},
            expression=f"Task.{unknown[0]}",
            code="structure",
        )
    if body.get("modifierExtension"):
        raise invalid(
            _("This server does not understand modifier extensions, so it cannot take this Task."),
            expression="Task.modifierExtension",
            code="not-supported",
        )
    _require_code(body, "status", "requested")
    _require_code(body, "intent", "order")
    _check_code(body.get("code"))
    if body.get("focus") is None:
        raise invalid(
            _("Task.focus is required: the DocumentReference of the reading to assign."),
            expression="Task.focus",
            code="required",
        )
    version_id = _reference_id(
        body["focus"], kind="DocumentReference", expression="Task.focus", base=base
    )
    if body.get("for") is None:
        raise invalid(
            _("Task.for is required: the Patient who should read it."),
            expression="Task.for",
            code="required",
        )
    patient_id = _reference_id(body["for"], kind="Patient", expression="Task.for", base=base)
    if body.get("owner") is not None and (
        _reference_id(body["owner"], kind="Patient", expression="Task.owner", base=base)
        != patient_id
    ):
        raise invalid(
            _("Task.owner must be the same Patient as Task.for."), expression="Task.owner"
        )
    if body.get("requester") is not None and (
        _reference_id(
            body["requester"], kind="Practitioner", expression="Task.requester", base=base
        )
        != requester_id
    ):
        raise invalid(
            _("Task.requester must be you (Practitioner/%(id)s), or left out.")
            % {"id": requester_id},
            expression="Task.requester",
        )
    due_on = _due_on(body.get("restriction"))
    note = _note(body.get("note"))
    return TaskRequest(
        patient_id=patient_id,
        module_id=published_module_id(version_id),
        due_on=due_on,
        note=note,
    )
