"""Bad input, table-driven: every wrong request is a 4xx OperationOutcome that says what is
wrong, never a 500, and nothing is assigned."""

import json

import pytest
from django.conf import settings

from apps.assignments.models import Assignment
from apps.fhir import codes

from .conftest import MEDIA_TYPE, outcome

pytestmark = pytest.mark.django_db


def good(world, people) -> dict:
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": codes.SDOHCC_TASK_CODES, "code": "review-material"}]},
        "focus": {
            "reference": f"DocumentReference/{world['unassigned_module'].current_version_id}"
        },
        "for": {"reference": f"Patient/{people['patient'].pk}"},
    }


# (name, change to the good Task, expected status, expected expression or None)
BAD_TASKS = [
    ("wrong resourceType", {"resourceType": "ServiceRequest"}, 400, "resourceType"),
    ("no resourceType", {"resourceType": None}, 400, "resourceType"),
    ("unknown element", {"colour": "blue"}, 400, "Task.colour"),
    (
        "modifier extension",
        {"modifierExtension": [{"url": "http://x", "valueBoolean": True}]},
        400,
        "Task.modifierExtension",
    ),
    ("status missing", {"status": None}, 400, "Task.status"),
    ("status not requested", {"status": "completed"}, 400, "Task.status"),
    ("unknown intent", {"intent": "wish"}, 400, "Task.intent"),
    (
        "unknown code",
        {"code": {"coding": [{"system": codes.SDOHCC_TASK_CODES, "code": "make-contact"}]}},
        400,
        "Task.code",
    ),
    (
        "code from another system",
        {"code": {"coding": [{"system": "http://loinc.org", "code": "review-material"}]}},
        400,
        "Task.code",
    ),
    ("code not a CodeableConcept", {"code": "review-material"}, 400, "Task.code"),
    ("focus missing", {"focus": None}, 400, "Task.focus"),
    ("focus a string", {"focus": "DocumentReference/1"}, 400, "Task.focus"),
    ("focus the wrong type", {"focus": {"reference": "Patient/1"}}, 400, "Task.focus"),
    ("focus not an id", {"focus": {"reference": "DocumentReference/abc"}}, 400, "Task.focus"),
    ("focus huge id", {"focus": {"reference": f"DocumentReference/{2**70}"}}, 400, "Task.focus"),
    (
        "focus on another server",
        {"focus": {"reference": "http://other.example/fhir/DocumentReference/1"}},
        400,
        "Task.focus",
    ),
    ("for missing", {"for": None}, 400, "Task.for"),
    ("for the wrong type", {"for": {"reference": "Practitioner/1"}}, 400, "Task.for"),
    ("for huge id", {"for": {"reference": f"Patient/{2**70}"}}, 400, "Task.for"),
    ("for a number", {"for": {"reference": 12}}, 400, "Task.for"),
    ("owner another patient", {"owner": {"reference": "Patient/999999"}}, 400, "Task.owner"),
    (
        "date not a date",
        {"restriction": {"period": {"end": "soon"}}},
        400,
        "Task.restriction.period.end",
    ),
    (
        "date impossible",
        {"restriction": {"period": {"end": "2026-02-30"}}},
        400,
        "Task.restriction.period.end",
    ),
    (
        "date a number",
        {"restriction": {"period": {"end": 20261201}}},
        400,
        "Task.restriction.period.end",
    ),
    ("restriction a list", {"restriction": []}, 400, "Task.restriction.period.end"),
    ("note a string", {"note": "read it"}, 400, "Task.note"),
    ("note without text", {"note": [{"author": "me"}]}, 400, "Task.note"),
]


@pytest.mark.parametrize(
    ("name", "change", "status", "expression"), BAD_TASKS, ids=[t[0] for t in BAD_TASKS]
)
def test_bad_task_bodies(fhir, world, people, name, change, status, expression):
    body = {k: v for k, v in (good(world, people) | change).items() if v is not None}
    issue = outcome(fhir("clinician").post("Task", body), status)
    if expression:
        assert issue["expression"] == [expression], issue
    assert not Assignment.objects.filter(module=world["unassigned_module"]).exists()


RAW_BODIES = [
    ("not JSON", "{not json", MEDIA_TYPE, 400),
    ("JSON but a list", "[1, 2]", MEDIA_TYPE, 400),
    ("JSON but a string", '"Task"', MEDIA_TYPE, 400),
    ("empty", "", MEDIA_TYPE, 400),
    ("nested too deeply", "[" * 5000 + "]" * 5000, MEDIA_TYPE, 400),
    ("a NUL character", json.dumps({"resourceType": "Task\x00"}), MEDIA_TYPE, 400),
    ("plain text", "resourceType=Task", "text/plain", 415),
    ("a form", "resourceType=Task", "application/x-www-form-urlencoded", 415),
    ("XML", "<Task xmlns='http://hl7.org/fhir'/>", "application/fhir+xml", 415),
]


@pytest.mark.parametrize(
    ("name", "raw", "content_type", "status"), RAW_BODIES, ids=[b[0] for b in RAW_BODIES]
)
def test_bad_bodies(fhir, people, name, raw, content_type, status):
    outcome(fhir("clinician").post("Task", raw, content_type=content_type), status)


def test_a_huge_body_is_refused_before_it_is_read(fhir, world, people):
    body = good(world, people) | {
        "note": [{"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}]
    }
    issue = outcome(fhir("clinician").post("Task", body), 400)
    assert "too large" in issue["details"]["text"]
    assert not Assignment.objects.filter(module=world["unassigned_module"]).exists()


BAD_SEARCHES = [
    ("Task", {"colour": "blue"}, 400),
    ("Task", {"status": "done"}, 400),
    ("Task", {"status": "requested,nonsense"}, 400),
    ("Task", {"patient": "Practitioner/1"}, 400),
    ("Task", {"patient": "abc"}, 400),
    ("Task", {"patient": str(2**70)}, 400),
    ("Task", {"_lastUpdated": "gtyesterday"}, 400),
    ("Task", {"_lastUpdated": "xx2026-01-01"}, 400),
    ("Task", {"_lastUpdated": "gt2026-13-45"}, 400),
    ("Task", {"_count": "0"}, 400),
    ("Task", {"_count": "1000"}, 400),
    ("Task", {"_count": "ten"}, 400),
    ("Task", {"page": "-1"}, 400),
    ("Task", {"_format": "xml"}, 400),
    ("Task", {"status": ""}, 400),
    ("Communication", {"patient": "Patient/x"}, 400),
    ("DocumentReference", {"status": "draft"}, 400),
    ("DocumentReference", {"language": "klingon"}, 400),
    ("DocumentReference", {"subject": "Patient/1"}, 400),
    ("Patient", {"name": "Pat"}, 400),
    ("QuestionnaireResponse", {"patient": "Group/1"}, 400),
    ("Patient/1/$everything", {"_since": "2026-01-01"}, 400),
]


@pytest.mark.parametrize(
    ("path", "query", "status"), BAD_SEARCHES, ids=[f"{s[0]}?{s[1]}" for s in BAD_SEARCHES]
)
def test_bad_searches(fhir, people, path, query, status):
    if path.startswith("Patient/1"):
        path = f"Patient/{people['patient'].pk}/$everything"
    outcome(fhir("clinician").get(path, **query), status)


def test_a_repeated_parameter_is_refused(fhir, people):
    response = fhir("clinician").client.get("/fhir/r4/Task?status=requested&status=completed")
    assert "once" in outcome(response, 400)["details"]["text"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/fhir/r4/Observation", 404),
        ("get", "/fhir/r4/Task/", 404),
        ("post", "/fhir/r4/Observation", 404),
        ("get", "/fhir/r4/Task/1/_history", 404),
        ("put", "/fhir/r4/Task/1", 405),
        ("delete", "/fhir/r4/Task/1", 405),
        ("post", "/fhir/r4/Patient", 405),
        ("patch", "/fhir/r4/metadata", 405),
    ],
)
def test_unknown_addresses_and_methods(fhir, people, method, path, status):
    response = getattr(fhir("clinician").client, method)(path)
    outcome(response, status)


def test_asking_for_xml_only_is_a_406(fhir, people):
    response = fhir("clinician").client.get("/fhir/r4/Task", HTTP_ACCEPT="application/fhir+xml")
    outcome(response, 406)


def test_writes_are_throttled_with_an_outcome(fhir, settings, world, people):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "writes": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    clinician = fhir("clinician")
    clinician.post("Task", good(world, people))
    response = clinician.post("Task", good(world, people))
    issue = outcome(response, 429)
    assert issue["code"] == "throttled"
    assert issue["details"]["text"].startswith("Too many changes in a short time.")
    assert response["Retry-After"]
