"""An EHR assigns a module by POSTing a Task (docs/fhir.md): the assignment service's rules
and messages, OperationOutcome errors, and the round trip to the patient's reading."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.fhir import codes
from tests.library.factories import publish_version

from .conftest import fhir_json, outcome

pytestmark = pytest.mark.django_db


def task_body(*, version_id, patient_id, **extra) -> dict:
    body = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": codes.SDOHCC_TASK_CODES, "code": "review-material"}]},
        "focus": {"reference": f"DocumentReference/{version_id}"},
        "for": {"reference": f"Patient/{patient_id}"},
    }
    body.update(extra)
    return body


@pytest.fixture
def new_task(people, world):
    """A valid Task assigning the unassigned module to the clinician's patient."""
    return task_body(
        version_id=world["unassigned_module"].current_version_id,
        patient_id=people["patient"].pk,
    )


def test_create_task_assigns_the_module(fhir, people, world, new_task):
    due = timezone.localdate() + timedelta(days=5)
    new_task |= {
        "restriction": {"period": {"end": due.isoformat()}},
        "note": [{"text": "Please read before your infusion."}],
        "owner": {"reference": f"Patient/{people['patient'].pk}"},
        "requester": {"reference": f"Practitioner/{people['clinician'].pk}"},
    }
    response = fhir("clinician").post("Task", new_task)
    body = fhir_json(response, 201)
    assignment = Assignment.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver/fhir/r4/Task/{assignment.pk}"
    assert assignment.module == world["unassigned_module"]
    assert assignment.patient == people["patient"]
    assert assignment.assigned_by == people["clinician"]
    assert assignment.due_on == due
    assert assignment.note == "Please read before your infusion."
    assert body["status"] == "requested"
    assert body["restriction"] == {"period": {"end": due.isoformat()}}
    event = AuditEvent.objects.get(action="assignment.create", object_id=str(assignment.pk))
    assert (event.actor, event.channel) == (people["clinician"], "fhir")


def test_a_datetime_read_by_date_keeps_its_date(fhir, people, new_task):
    due = timezone.localdate() + timedelta(days=2)
    new_task["restriction"] = {"period": {"end": f"{due.isoformat()}T17:00:00-05:00"}}
    body = fhir_json(fhir("clinician").post("Task", new_task), 201)
    assert Assignment.objects.get(pk=body["id"]).due_on == due


def test_plain_json_is_accepted_too(fhir, new_task):
    fhir_json(fhir("clinician").post("Task", new_task, content_type="application/json"), 201)


def test_a_duplicate_is_refused_with_the_apis_message(fhir, api_as, people, world, new_task):
    fhir_json(fhir("clinician").post("Task", new_task), 201)
    issue = outcome(fhir("clinician").post("Task", new_task), 400)
    api = api_as("clinician").post(
        "/api/v1/assignments/",
        {"patient": people["patient"].pk, "module": world["unassigned_module"].slug},
        format="json",
    )
    assert api.status_code == 400
    assert issue["details"]["text"] == api.json()["module"][0]
    assert (issue["code"], issue["expression"]) == ("duplicate", ["Task.focus"])
    assert Assignment.objects.filter(module=world["unassigned_module"]).count() == 1


def test_a_past_date_is_refused_with_the_apis_message(fhir, api_as, people, world, new_task):
    past = (timezone.localdate() - timedelta(days=3)).isoformat()
    new_task["restriction"] = {"period": {"end": past}}
    issue = outcome(fhir("clinician").post("Task", new_task), 400)
    api = api_as("clinician").post(
        "/api/v1/assignments/",
        {
            "patient": people["patient"].pk,
            "module": world["unassigned_module"].slug,
            "due_on": past,
        },
        format="json",
    )
    assert issue["details"]["text"] == api.json()["due_on"][0]
    assert issue["expression"] == ["Task.restriction.period.end"]
    assert not Assignment.objects.filter(module=world["unassigned_module"]).exists()


def test_a_long_note_is_refused_with_the_services_message(fhir, new_task):
    new_task["note"] = [{"text": "x" * 501}]
    issue = outcome(fhir("clinician").post("Task", new_task), 400)
    assert "at most 500 characters" in issue["details"]["text"]
    assert issue["expression"] == ["Task.note"]


def test_a_patient_outside_the_care_team_is_a_404(fhir, people, world):
    body = task_body(
        version_id=world["unassigned_module"].current_version_id,
        patient_id=people["other_patient"].pk,
    )
    outcome(fhir("clinician").post("Task", body), 404)
    outcome(fhir("clinician").post("Task", body | {"for": {"reference": "Patient/999999"}}), 404)
    assert not Assignment.objects.filter(module=world["unassigned_module"]).exists()
    # The admin may assign anyone.
    fhir_json(fhir("admin").post("Task", body), 201)


def test_patients_may_not_create_tasks(fhir, new_task):
    assert outcome(fhir("patient").post("Task", new_task), 403)["code"] == "forbidden"


def test_only_a_published_current_version_can_be_assigned(fhir, world, new_task):
    module = world["unassigned_module"]
    old = module.current_version
    publish_version(module)
    issue = outcome(
        fhir("clinician").post(
            "Task", new_task | {"focus": {"reference": f"DocumentReference/{old.pk}"}}
        ),
        400,
    )
    assert issue["expression"] == ["Task.focus"]
    assert "not the published version" in issue["details"]["text"]
    issue = outcome(
        fhir("clinician").post(
            "Task", new_task | {"focus": {"reference": "DocumentReference/99999"}}
        ),
        400,
    )
    assert "There is no DocumentReference/99999" in issue["details"]["text"]


def test_an_absolute_reference_to_this_server_is_accepted(fhir, world, people, new_task):
    version_id = world["unassigned_module"].current_version_id
    new_task["focus"] = {"reference": f"http://testserver/fhir/r4/DocumentReference/{version_id}"}
    fhir_json(fhir("clinician").post("Task", new_task), 201)


def test_requester_must_be_the_caller(fhir, people, new_task):
    new_task["requester"] = {"reference": f"Practitioner/{people['other_clinician'].pk}"}
    issue = outcome(fhir("clinician").post("Task", new_task), 400)
    assert issue["expression"] == ["Task.requester"]


def test_round_trip_assign_read_and_completed(fhir, api_as, client, people, world, new_task):
    """POST a Task -> it is in the patient's "My reading" -> the patient reads every section
    and finishes through the API -> GET Task says completed, with the version read."""
    version = world["unassigned_module"].current_version
    created = fhir_json(fhir("clinician").post("Task", new_task), 201)
    task_id = created["id"]

    # "My reading", the web page, and the API's list.
    client.force_login(people["patient"])
    page = client.get("/reading/")
    assert page.status_code == 200
    assert world["unassigned_module"].title in page.content.decode()
    patient_api = api_as("patient")
    listed = patient_api.get("/api/v1/assignments/").json()["results"]
    assert int(task_id) in {row["id"] for row in listed}

    for section in version.sections:
        response = patient_api.post(
            f"/api/v1/assignments/{task_id}/progress/",
            {"section": section["position"]},
            format="json",
        )
        assert response.status_code == 200, response.json()
    midway = fhir_json(fhir("clinician").get(f"Task/{task_id}"))
    assert midway["status"] == "in-progress"
    assert "start" in midway["executionPeriod"]
    response = patient_api.post(f"/api/v1/assignments/{task_id}/complete/")
    assert response.status_code == 200, response.json()

    done = fhir_json(fhir("clinician").get(f"Task/{task_id}"))
    assert done["status"] == "completed"
    assert "end" in done["executionPeriod"]
    outputs = {o["type"]["coding"][0]["code"]: o for o in done["output"]}
    assert outputs["sections-read"]["valueInteger"] == len(version.sections)
    assert outputs["version-read"]["valueReference"] == {
        "reference": f"DocumentReference/{version.pk}"
    }
    assert done["focus"]["reference"] == f"DocumentReference/{version.pk}"
    # The EHR polling for changes finds it.
    since = (timezone.now() - timedelta(minutes=5)).replace(microsecond=0).isoformat()
    changed = fhir_json(
        fhir("clinician").get("Task", _lastUpdated=f"gt{since}", status="completed")
    )
    assert task_id in {entry["resource"]["id"] for entry in changed["entry"]}
