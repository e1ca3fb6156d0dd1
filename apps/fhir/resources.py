"""The portal's records as FHIR R4 resources: plain dicts, built from loaded model objects.

Nothing here queries the database except where a docstring says so; the views load what each
builder needs. References are relative ("Patient/12"); Bundle entries carry absolute fullUrls.
The mapping and its reasons are in docs/fhir.md.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.urls import reverse

from apps.accounts.models import User
from apps.assignments.grading import mark_answers
from apps.assignments.models import Assignment, CheckAttempt
from apps.library.models import Module, ModuleVersion
from apps.questions.models import Question, Reply

from . import codes


def instant(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _compact(resource: dict) -> dict:
    """Leave out elements without a value: FHIR has no empty elements or nulls."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def reference(kind: str, pk, display: str | None = None) -> dict:
    return _compact({"reference": f"{kind}/{pk}", "display": display})


def _language(code: str) -> dict:
    return {"coding": [{"system": codes.BCP47, "code": code}]}


# --- People -----------------------------------------------------------------------------------


def _person(kind: str, user: User) -> dict:
    return _compact(
        {
            "resourceType": kind,
            "id": str(user.pk),
            "identifier": [
                {"use": "usual", "system": codes.user_identifier_system(), "value": str(user.pk)}
            ],
            "active": user.is_active,
            "name": [{"text": user.name}] if user.name else None,
            "telecom": [{"system": "email", "value": user.email, "use": "home"}],
        }
    )


def patient(user: User) -> dict:
    resource = _person("Patient", user)
    resource["communication"] = [
        {"language": _language(user.preferred_language), "preferred": True}
    ]
    return resource


def practitioner(user: User) -> dict:
    resource = _person("Practitioner", user)
    resource["telecom"][0]["use"] = "work"
    return resource


# --- Reading material -------------------------------------------------------------------------


def version_is_current(version: ModuleVersion, module: Module) -> bool:
    return module.current_version_id == version.pk and module.status != Module.Status.RETIRED


def _markdown_of(version: ModuleVersion) -> str:
    parts = [f"# {version.snapshot.get('title', '')}"]
    for section in version.sections:
        parts.append(f"## {section.get('title', '')}\n\n{section.get('body_markdown', '')}")
    return "\n\n".join(parts) + "\n"


def document_reference(
    version: ModuleVersion, *, previous_id: int | None, reading_url: str
) -> dict:
    """One published module version. `version.module` must be loaded; `previous_id` is the
    version it replaced (None for a first version); `reading_url` is the patients' page."""
    module = version.module
    snapshot = version.snapshot or {}
    title = snapshot.get("title") or module.title
    language = snapshot.get("language") or module.language
    text = _markdown_of(version).encode()
    return _compact(
        {
            "resourceType": "DocumentReference",
            "id": str(version.pk),
            "meta": {"lastUpdated": instant(version.published_at)},
            "language": language,
            "extension": [
                {"url": codes.DOCUMENT_VERSION_EXTENSION, "valueString": str(version.number)}
            ],
            "masterIdentifier": {
                "system": codes.module_version_identifier_system(),
                "value": f"{module.slug}/{version.number}",
            },
            "identifier": [{"system": codes.module_identifier_system(), "value": module.slug}],
            "status": "current" if version_is_current(version, module) else "superseded",
            "docStatus": "final",
            "type": {"text": "Patient education material"},
            "date": instant(version.published_at),
            "description": title,
            "relatesTo": (
                [{"code": "replaces", "target": reference("DocumentReference", previous_id)}]
                if previous_id
                else None
            ),
            "content": [
                {
                    "attachment": {
                        "contentType": "text/html",
                        "language": language,
                        "url": reading_url,
                        "title": title,
                    }
                },
                {
                    "attachment": {
                        "contentType": "text/markdown",
                        "language": language,
                        "data": base64.b64encode(text).decode(),
                        "size": len(text),
                        "hash": base64.b64encode(hashlib.sha1(text).digest()).decode(),  # noqa: S324 - FHIR's Attachment.hash is SHA-1
                        "title": title,
                        "creation": instant(version.published_at),
                    }
                },
            ],
        }
    )


def questionnaire(version: ModuleVersion) -> dict:
    """The comprehension check of one published version (choices coded by their position)."""
    module = version.module
    items = []
    for check in version.checks:
        items.append(
            _compact(
                {
                    "linkId": str(check["position"]),
                    "text": check["prompt"],
                    "type": "choice",
                    "required": True,
                    "repeats": bool(check.get("correct_indexes")),
                    "answerOption": [
                        {"valueCoding": {"code": str(index), "display": choice}}
                        for index, choice in enumerate(check.get("choices", []))
                    ],
                }
            )
        )
    return _compact(
        {
            "resourceType": "Questionnaire",
            "id": str(version.pk),
            "meta": {"lastUpdated": instant(version.published_at)},
            "language": module.language,
            "url": codes.questionnaire_url(version.pk),
            "version": str(version.number),
            "title": (version.snapshot or {}).get("title") or module.title,
            "status": "active" if version_is_current(version, module) else "retired",
            "subjectType": ["Patient"],
            "date": instant(version.published_at),
            "item": items,
        }
    )


def questionnaire_response(attempt: CheckAttempt, *, patient_id: int) -> dict:
    """One submission of the check; `attempt.version` must be loaded. Each item says whether
    the answer was right (the portal's check-answer-correct extension)."""
    version = attempt.version
    items = []
    for marked in mark_answers(checks=version.checks, answers=attempt.answers):
        chosen = marked.chosen_indexes or (
            (marked.chosen_index,) if marked.chosen_index is not None else ()
        )
        items.append(
            _compact(
                {
                    "extension": [
                        {"url": codes.answer_correct_extension(), "valueBoolean": marked.is_correct}
                    ],
                    "linkId": str(marked.position),
                    "text": marked.prompt,
                    "answer": [
                        {"valueCoding": {"code": str(index), "display": marked.choices[index]}}
                        for index in chosen
                        if 0 <= index < len(marked.choices)
                    ],
                }
            )
        )
    return _compact(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(attempt.pk),
            "meta": {"lastUpdated": instant(attempt.submitted_at)},
            "questionnaire": codes.questionnaire_url(version.pk),
            "status": "completed",
            "subject": reference("Patient", patient_id),
            "authored": instant(attempt.submitted_at),
            "author": reference("Patient", patient_id),
            "source": reference("Patient", patient_id),
            "item": items,
        }
    )


# --- Tasks ------------------------------------------------------------------------------------


def task_last_updated(assignment: Assignment) -> datetime:
    """The latest of assigning, reading activity, finishing and cancelling (the same rule as
    selectors.LAST_UPDATED, which searches by it)."""
    moments = [
        assignment.assigned_at,
        assignment.last_activity_at,
        assignment.completed_at,
        assignment.cancelled_at,
    ]
    return max(moment for moment in moments if moment is not None)


def _output(code: str, **value) -> dict:
    return {"type": {"coding": [{"system": codes.task_output_system(), "code": code}]}, **value}


def task(
    assignment: Assignment,
    *,
    sections_read: int,
    attempt_ids: Sequence[int] = (),
    reading_url: str,
) -> dict:
    """One assignment, `assignment.module` loaded. Its focus is the version it is about: the
    one read, once finished, else the module's current one. `attempt_ids` are its check
    submissions, newest first."""
    outputs = [_output("sections-read", valueInteger=sections_read)]
    if assignment.status == Assignment.Status.COMPLETED and assignment.completed_version_id:
        outputs.append(
            _output(
                "version-read",
                valueReference=reference("DocumentReference", assignment.completed_version_id),
            )
        )
    outputs.extend(
        _output("check-answers", valueReference=reference("QuestionnaireResponse", pk))
        for pk in attempt_ids
    )
    focus_id = assignment.module.current_version_id
    if assignment.status == Assignment.Status.COMPLETED and assignment.completed_version_id:
        focus_id = assignment.completed_version_id
    return _compact(
        {
            "resourceType": "Task",
            "id": str(assignment.pk),
            "meta": {"lastUpdated": instant(task_last_updated(assignment))},
            "status": codes.TASK_STATUS[assignment.status],
            "intent": "order",
            "code": {
                "coding": [
                    {
                        "system": codes.SDOHCC_TASK_CODES,
                        "code": codes.REVIEW_MATERIAL,
                        "display": codes.REVIEW_MATERIAL_DISPLAY,
                    }
                ]
            },
            "focus": (
                reference("DocumentReference", focus_id, assignment.module.title)
                if focus_id
                else None
            ),
            "for": reference("Patient", assignment.patient_id),
            "owner": reference("Patient", assignment.patient_id),
            "requester": reference("Practitioner", assignment.assigned_by_id),
            "authoredOn": instant(assignment.assigned_at),
            "lastModified": instant(task_last_updated(assignment)),
            "executionPeriod": _compact(
                {
                    "start": instant(assignment.started_at),
                    "end": instant(assignment.completed_at or assignment.cancelled_at),
                }
            ),
            "restriction": (
                {"period": {"end": assignment.due_on.isoformat()}} if assignment.due_on else None
            ),
            "note": [{"text": assignment.note}] if assignment.note else None,
            "input": [
                {
                    "type": {
                        "coding": [{"system": codes.task_input_system(), "code": "reading-page"}]
                    },
                    "valueUrl": reading_url,
                }
            ],
            "output": outputs,
        }
    )


# --- Questions --------------------------------------------------------------------------------


def _about(question: Question, *, visible_task_ids: set[int]) -> list[dict] | None:
    about = []
    if question.assignment_id and question.assignment_id in visible_task_ids:
        about.append(reference("Task", question.assignment_id))
    if question.version_id:
        about.append(reference("DocumentReference", question.version_id))
    return about or None


def question_id(question_pk: int) -> str:
    return f"q-{question_pk}"


def reply_id(reply_pk: int) -> str:
    return f"r-{reply_pk}"


def communication_for_question(question: Question, *, visible_task_ids: set[int]) -> dict:
    withdrawn = question.withdrawn_at is not None
    return _compact(
        {
            "resourceType": "Communication",
            "id": question_id(question.pk),
            "meta": {"lastUpdated": instant(question.last_activity_at)},
            "status": "stopped" if withdrawn else "completed",
            "statusReason": {"text": "Withdrawn by the patient"} if withdrawn else None,
            "subject": reference("Patient", question.patient_id),
            "topic": {"text": question.section_title} if question.section_title else None,
            "about": _about(question, visible_task_ids=visible_task_ids),
            "sent": instant(question.created_at),
            "sender": reference("Patient", question.patient_id),
            "payload": [{"contentString": question.body}],
        }
    )


def communication_for_reply(reply: Reply, *, visible_task_ids: set[int]) -> dict:
    """A reply; `reply.question` and `reply.author` must be loaded."""
    question = reply.question
    author = reply.author
    by_patient = author.pk == question.patient_id
    return _compact(
        {
            "resourceType": "Communication",
            "id": reply_id(reply.pk),
            "meta": {"lastUpdated": instant(reply.created_at)},
            "inResponseTo": [reference("Communication", question_id(question.pk))],
            "status": "completed",
            "subject": reference("Patient", question.patient_id),
            "about": _about(question, visible_task_ids=visible_task_ids),
            "sent": instant(reply.created_at),
            "sender": reference("Patient" if by_patient else "Practitioner", author.pk),
            "recipient": None if by_patient else [reference("Patient", question.patient_id)],
            "payload": [{"contentString": reply.body}],
        }
    )


# --- Bundles and outcomes ---------------------------------------------------------------------


def bundle(
    *,
    entries: Iterable[tuple[str, dict]],
    total: int | None,
    links: dict[str, str],
    kind: str = "searchset",
) -> dict:
    """`entries` are (fullUrl, resource) pairs; `links` relation -> URL."""
    rows = []
    for full_url, resource in entries:
        row = {"fullUrl": full_url, "resource": resource}
        if kind == "searchset":
            row["search"] = {"mode": "match"}
        rows.append(row)
    return _compact(
        {
            "resourceType": "Bundle",
            "type": kind,
            "total": total,
            "link": [{"relation": relation, "url": url} for relation, url in links.items()],
            "entry": rows,
        }
    )


def operation_outcome(issues: Sequence[dict]) -> dict:
    """issues: dicts of severity, code, text and optionally expression (a list)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            _compact(
                {
                    "severity": issue.get("severity", "error"),
                    "code": issue.get("code", "processing"),
                    "details": {"text": str(issue["text"])},
                    "expression": issue.get("expression"),
                }
            )
            for issue in issues
        ],
    }


def reading_list_url() -> str:
    return reverse("assignments:my_reading")


def reading_start_url(assignment_id: int) -> str:
    return reverse("assignments:reading_start", args=[assignment_id])
