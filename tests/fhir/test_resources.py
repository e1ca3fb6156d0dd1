"""Each FHIR resource, read and searched by each kind of person: what it says, that it is
valid R4 (fhir.resources' R4B models, see conftest.valid), and that nobody sees what is not
theirs (a 404 OperationOutcome, as in the API)."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.fhir import codes
from apps.questions import services as question_services
from tests.library.factories import publish_version

from .conftest import fhir_json, outcome

pytestmark = pytest.mark.django_db


def entries(bundle: dict, kind: str | None = None) -> list[dict]:
    return [
        entry["resource"]
        for entry in bundle.get("entry", [])
        if kind is None or entry["resource"]["resourceType"] == kind
    ]


def ids(bundle: dict, kind: str | None = None) -> set[str]:
    return {resource["id"] for resource in entries(bundle, kind)}


# --- metadata and authentication --------------------------------------------------------------


def test_metadata_is_a_capability_statement_anyone_can_read(client):
    body = fhir_json(client.get("/fhir/r4/metadata"))
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    kinds = {resource["type"] for resource in body["rest"][0]["resource"]}
    assert kinds == {
        "Patient",
        "Practitioner",
        "DocumentReference",
        "Task",
        "Questionnaire",
        "QuestionnaireResponse",
        "Communication",
    }
    task = next(r for r in body["rest"][0]["resource"] if r["type"] == "Task")
    assert {"read", "search-type", "create"} == {i["code"] for i in task["interaction"]}


def test_not_logged_in_is_a_401_outcome_naming_the_token_header(fhir, people):
    response = fhir("anonymous").get("Task")
    issue = outcome(response, 401)
    assert issue["code"] == "login"
    assert "X-Session-Token" in issue["details"]["text"]
    assert response["WWW-Authenticate"] == "X-Session-Token"


def test_an_ended_session_token_is_a_401_outcome(fhir, people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN="abcdefghijklmnopqrstuvwxyz012345")
    outcome(client.get("/fhir/r4/Task"), 401)


def test_staff_without_two_step_verification_get_a_403_outcome(db):
    from rest_framework.test import APIClient

    from tests.factories import ClinicianFactory

    client = APIClient()
    client.force_login(ClinicianFactory())
    issue = outcome(client.get("/fhir/r4/Task"), 403)
    assert "Two-step verification" in issue["details"]["text"]


# --- Patient and Practitioner -----------------------------------------------------------------


def test_patient_read_is_scoped(fhir, people):
    patient, other = people["patient"], people["other_patient"]
    body = fhir_json(fhir("patient").get(f"Patient/{patient.pk}"))
    assert body["telecom"][0]["value"] == patient.email
    assert body["identifier"][0] == {
        "use": "usual",
        "system": codes.user_identifier_system(),
        "value": str(patient.pk),
    }
    fhir_json(fhir("clinician").get(f"Patient/{patient.pk}"))
    fhir_json(fhir("admin").get(f"Patient/{other.pk}"))
    assert outcome(fhir("patient").get(f"Patient/{other.pk}"), 404)["code"] == "not-found"
    outcome(fhir("clinician").get(f"Patient/{other.pk}"), 404)
    # A clinician is not a Patient, even to an admin.
    outcome(fhir("admin").get(f"Patient/{people['clinician'].pk}"), 404)
    outcome(fhir("admin").get("Patient/not-a-number"), 404)
    outcome(fhir("admin").get(f"Patient/{2**64}"), 404)


def test_a_clinician_reading_a_patient_is_audited(fhir, people):
    patient = people["patient"]
    fhir_json(fhir("clinician").get(f"Patient/{patient.pk}"))
    event = AuditEvent.objects.get(actor=people["clinician"], action="patient.view")
    assert (event.subject_patient_id, event.channel) == (patient.pk, "fhir")


def test_patient_search_by_email_and_identifier_for_staff(fhir, people):
    patient, other = people["patient"], people["other_patient"]
    body = fhir_json(fhir("clinician").get("Patient", email=patient.email.upper()))
    assert ids(body) == {str(patient.pk)}
    body = fhir_json(
        fhir("clinician").get(
            "Patient", identifier=f"{codes.user_identifier_system()}|{patient.pk}"
        )
    )
    assert ids(body) == {str(patient.pk)}
    body = fhir_json(
        fhir("clinician").get("Patient", identifier=f"http://other.example|{patient.pk}")
    )
    assert body["total"] == 0
    # Outside the care team: found by nobody but the admin.
    assert fhir_json(fhir("clinician").get("Patient", email=other.email))["total"] == 0
    assert ids(fhir_json(fhir("admin").get("Patient", email=other.email))) == {str(other.pk)}
    # A patient's search finds only themselves.
    assert ids(fhir_json(fhir("patient").get("Patient"))) == {str(patient.pk)}


def test_practitioners(fhir, people, world):
    clinician, other = people["clinician"], people["other_clinician"]
    body = fhir_json(fhir("patient").get(f"Practitioner/{clinician.pk}"))
    assert body["name"] == [{"text": clinician.name}]
    # Not this patient's care team, and never assigned them anything.
    outcome(fhir("patient").get(f"Practitioner/{other.pk}"), 404)
    # Staff see the staff directory; patients are never Practitioners.
    fhir_json(fhir("clinician").get(f"Practitioner/{other.pk}"))
    outcome(fhir("clinician").get(f"Practitioner/{people['patient'].pk}"), 404)
    body = fhir_json(fhir("clinician").get("Practitioner", email=other.email))
    assert ids(body) == {str(other.pk)}


# --- DocumentReference and Questionnaire ------------------------------------------------------


def test_document_reference_of_a_published_version(fhir, world):
    module = world["assignment"].module
    version = module.current_version
    body = fhir_json(fhir("patient").get(f"DocumentReference/{version.pk}"))
    assert body["status"] == "current"
    assert body["description"] == version.snapshot["title"]
    assert body["language"] == "en"
    assert body["extension"] == [
        {"url": codes.DOCUMENT_VERSION_EXTENSION, "valueString": str(version.number)}
    ]
    link, text = (content["attachment"] for content in body["content"])
    assert link["url"] == "http://testserver/reading/"
    markdown = base64.b64decode(text["data"]).decode()
    for section in version.sections:
        assert section["title"] in markdown
        assert section["body_markdown"] in markdown
    assert text["size"] == len(markdown.encode())


def test_document_reference_versions_and_scope(fhir, world):
    module = world["assignment"].module
    first = module.current_version
    second = publish_version(module)
    body = fhir_json(fhir("clinician").get(f"DocumentReference/{second.pk}"))
    assert body["relatesTo"] == [
        {"code": "replaces", "target": {"reference": f"DocumentReference/{first.pk}"}}
    ]
    assert fhir_json(fhir("clinician").get(f"DocumentReference/{first.pk}"))["status"] == (
        "superseded"
    )
    current = fhir_json(fhir("clinician").get("DocumentReference", status="current"))
    assert str(second.pk) in ids(current) and str(first.pk) not in ids(current)
    # The patient sees the versions of what they were given, not the rest of the library.
    unassigned = world["unassigned_module"].current_version
    outcome(fhir("patient").get(f"DocumentReference/{unassigned.pk}"), 404)
    assert ids(fhir_json(fhir("patient").get("DocumentReference"))) == {
        str(first.pk),
        str(second.pk),
    }


def test_document_reference_search_by_language(fhir, world):
    from tests.library.factories import PublishedModuleFactory

    spanish = PublishedModuleFactory(language="es").current_version
    body = fhir_json(fhir("clinician").get("DocumentReference", language="es"))
    assert ids(body) == {str(spanish.pk)}
    english = fhir_json(fhir("clinician").get("DocumentReference", language="en"))
    assert str(spanish.pk) not in ids(english) and english["total"] >= 2


def test_questionnaire_for_the_check(fhir, world):
    version = world["assignment"].module.current_version
    body = fhir_json(fhir("patient").get(f"Questionnaire/{version.pk}"))
    assert body["url"] == codes.questionnaire_url(version.pk)
    assert body["version"] == str(version.number)
    assert [item["text"] for item in body["item"]] == [c["prompt"] for c in version.checks]
    first = body["item"][0]
    assert first["type"] == "choice"
    assert [o["valueCoding"]["display"] for o in first["answerOption"]] == version.checks[0][
        "choices"
    ]


# --- Task -------------------------------------------------------------------------------------


def test_task_read_maps_the_assignment(fhir, people, world):
    assignment = world["assignment"]
    Assignment.objects.filter(pk=assignment.pk).update(
        due_on=timezone.localdate() + timedelta(days=3), note="Before Tuesday, please."
    )
    assignment.refresh_from_db()
    body = fhir_json(fhir("clinician").get(f"Task/{assignment.pk}"))
    assert body["status"] == "requested"
    assert body["intent"] == "order"
    assert body["code"]["coding"][0]["system"] == (
        "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
    )
    assert body["code"]["coding"][0]["code"] == "review-material"
    assert body["focus"]["reference"] == f"DocumentReference/{assignment.module.current_version_id}"
    assert body["for"] == body["owner"] == {"reference": f"Patient/{assignment.patient_id}"}
    assert body["requester"] == {"reference": f"Practitioner/{people['clinician'].pk}"}
    assert body["restriction"] == {"period": {"end": assignment.due_on.isoformat()}}
    assert body["note"] == [{"text": "Before Tuesday, please."}]
    outputs = {o["type"]["coding"][0]["code"]: o for o in body["output"]}
    assert outputs["sections-read"]["valueInteger"] == len(
        assignment.module.current_version.sections
    )
    assert "version-read" not in outputs
    assert body["input"][0]["valueUrl"] == f"http://testserver/reading/{assignment.pk}/"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Assignment.Status.ASSIGNED, "requested"),
        (Assignment.Status.IN_PROGRESS, "in-progress"),
        (Assignment.Status.COMPLETED, "completed"),
        (Assignment.Status.CANCELLED, "cancelled"),
    ],
)
def test_task_status_follows_the_assignment(fhir, world, status, code):
    assignment = world["assignment"]
    Assignment.objects.filter(pk=assignment.pk).update(status=status)
    assert fhir_json(fhir("clinician").get(f"Task/{assignment.pk}"))["status"] == code


def test_a_clinician_cannot_read_another_teams_task(fhir, world):
    other = world["other_assignment"]
    issue = outcome(fhir("clinician").get(f"Task/{other.pk}"), 404)
    assert issue["code"] == "not-found"
    outcome(fhir("patient").get(f"Task/{other.pk}"), 404)
    fhir_json(fhir("other_clinician").get(f"Task/{other.pk}"))
    fhir_json(fhir("admin").get(f"Task/{other.pk}"))
    assert ids(fhir_json(fhir("clinician").get("Task"))) == {str(world["assignment"].pk)}


def test_a_patient_does_not_see_a_cancelled_task(fhir, world):
    assignment = world["assignment"]
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.CANCELLED)
    outcome(fhir("patient").get(f"Task/{assignment.pk}"), 404)
    fhir_json(fhir("clinician").get(f"Task/{assignment.pk}"))


def test_task_search_by_patient_and_status(fhir, people, world):
    from tests.assignments.factories import AssignmentFactory

    patient = people["patient"]
    done = AssignmentFactory(
        patient=patient, assigned_by=people["clinician"], status=Assignment.Status.COMPLETED
    )
    clinician = fhir("clinician")
    assert ids(fhir_json(clinician.get("Task", patient=f"Patient/{patient.pk}"))) == {
        str(world["assignment"].pk),
        str(done.pk),
    }
    assert ids(fhir_json(clinician.get("Task", patient=patient.pk, status="completed"))) == {
        str(done.pk)
    }
    both = fhir_json(clinician.get("Task", status="requested,completed"))
    assert ids(both) == {str(world["assignment"].pk), str(done.pk)}
    other = people["other_patient"].pk
    assert fhir_json(clinician.get("Task", patient=other))["total"] == 0
    rows = AuditEvent.objects.filter(actor=people["clinician"], action="assignment.list")
    assert set(rows.values_list("subject_patient_id", flat=True)) == {patient.pk}


def test_task_search_by_last_updated(fhir, world):
    assignment = world["assignment"]
    long_ago = timezone.now() - timedelta(days=10)
    Assignment.objects.filter(pk=assignment.pk).update(
        assigned_at=long_ago, last_activity_at=long_ago + timedelta(days=1)
    )
    clinician = fhir("clinician")
    day = (long_ago + timedelta(days=1)).date()
    assert ids(fhir_json(clinician.get("Task", _lastUpdated=f"gt{day - timedelta(days=1)}"))) == {
        str(assignment.pk)
    }
    assert fhir_json(clinician.get("Task", _lastUpdated=f"gt{day}"))["total"] == 0
    assert fhir_json(clinician.get("Task", _lastUpdated=f"ge{day}"))["total"] == 1
    stamp = (long_ago + timedelta(days=1, hours=-1)).replace(microsecond=0).isoformat()
    assert fhir_json(clinician.get("Task", _lastUpdated=f"gt{stamp}"))["total"] == 1
    assert fhir_json(clinician.get("Task", _lastUpdated=f"lt{stamp}"))["total"] == 0
    # Repeated: a range.
    response = clinician.client.get(
        f"/fhir/r4/Task?_lastUpdated=ge{day}&_lastUpdated=lt{day + timedelta(days=1)}"
    )
    assert fhir_json(response)["total"] == 1


def test_search_pages_with_next_links(fhir, people):
    from tests.assignments.factories import AssignmentFactory

    made = {
        str(AssignmentFactory(patient=people["patient"], assigned_by=people["clinician"]).pk)
        for _ in range(5)
    }
    clinician = fhir("clinician")
    seen, url, pages = set(), "/fhir/r4/Task?_count=2", 0
    while url:
        body = fhir_json(clinician.client.get(url))
        assert body["total"] == 5
        seen |= ids(body)
        pages += 1
        following = [link["url"] for link in body["link"] if link["relation"] == "next"]
        url = following[0] if following else None
    assert (seen, pages) == (made, 3)


# --- QuestionnaireResponse and Communication --------------------------------------------------


def test_check_answers_as_questionnaire_response(fhir, api_as, people, world):
    assignment = world["assignment"]
    version = assignment.module.current_version
    right = [check["correct_index"] for check in version.checks]
    wrong_first = [(right[0] + 1) % 3, *right[1:]]
    response = api_as("patient").post(
        f"/api/v1/assignments/{assignment.pk}/check/", {"answers": wrong_first}, format="json"
    )
    assert response.status_code == 201, response.json()
    bundle = fhir_json(fhir("clinician").get("QuestionnaireResponse", patient=people["patient"].pk))
    (answer,) = entries(bundle)
    assert answer["questionnaire"] == codes.questionnaire_url(version.pk)
    assert answer["subject"] == {"reference": f"Patient/{people['patient'].pk}"}
    correct = [item["extension"][0]["valueBoolean"] for item in answer["item"]]
    assert correct == [False] + [True] * (len(right) - 1)
    assert answer["item"][0]["answer"][0]["valueCoding"]["code"] == str(wrong_first[0])
    fhir_json(fhir("patient").get(f"QuestionnaireResponse/{answer['id']}"))
    outcome(fhir("other_clinician").get(f"QuestionnaireResponse/{answer['id']}"), 404)
    outcome(fhir("other_patient").get(f"QuestionnaireResponse/{answer['id']}"), 404)
    task = fhir_json(fhir("clinician").get(f"Task/{assignment.pk}"))
    assert {
        "type": {"coding": [{"system": codes.task_output_system(), "code": "check-answers"}]},
        "valueReference": {"reference": f"QuestionnaireResponse/{answer['id']}"},
    } in task["output"]


def test_questions_and_replies_as_communications(fhir, people, world):
    assignment = world["assignment"]
    question = question_services.question_ask(
        patient=people["patient"], body="Can I still swim?", assignment=assignment
    )
    reply = question_services.reply_post(
        question=question, author=people["clinician"], body="Yes, once the line is out."
    )
    bundle = fhir_json(fhir("clinician").get("Communication", patient=people["patient"].pk))
    by_id = {resource["id"]: resource for resource in entries(bundle)}
    asked, answered = by_id[f"q-{question.pk}"], by_id[f"r-{reply.pk}"]
    assert asked["payload"] == [{"contentString": "Can I still swim?"}]
    assert asked["sender"] == {"reference": f"Patient/{people['patient'].pk}"}
    assert {"reference": f"Task/{assignment.pk}"} in asked["about"]
    assert answered["inResponseTo"] == [{"reference": f"Communication/q-{question.pk}"}]
    assert answered["sender"] == {"reference": f"Practitioner/{people['clinician'].pk}"}
    assert answered["recipient"] == [{"reference": f"Patient/{people['patient'].pk}"}]
    assert {"reference": f"Task/{assignment.pk}"} in answered["about"]
    # Oldest first, and only the patient's own for the patient.
    order = [resource["id"] for resource in entries(bundle)]
    assert order.index(f"q-{question.pk}") < order.index(f"r-{reply.pk}")
    mine = fhir_json(fhir("patient").get("Communication"))
    assert f"q-{world['other_question'].pk}" not in ids(mine)
    assert {f"q-{question.pk}", f"r-{reply.pk}"} <= ids(mine)
    fhir_json(fhir("patient").get(f"Communication/r-{reply.pk}"))
    outcome(fhir("other_patient").get(f"Communication/r-{reply.pk}"), 404)
    outcome(fhir("other_clinician").get(f"Communication/q-{question.pk}"), 404)
    outcome(fhir("clinician").get("Communication/x-1"), 404)
    assert AuditEvent.objects.filter(
        actor=people["clinician"], action="question.list", channel="fhir"
    ).exists()


# --- Patient/$everything ----------------------------------------------------------------------


def test_patient_everything(fhir, people, world):
    patient = people["patient"]
    assignment = world["assignment"]
    body = fhir_json(fhir("clinician").get(f"Patient/{patient.pk}/$everything"))
    assert ids(body, "Patient") == {str(patient.pk)}
    assert ids(body, "Task") == {str(assignment.pk)}
    assert ids(body, "DocumentReference") == {str(assignment.module.current_version_id)}
    assert ids(body, "Questionnaire") == {str(assignment.module.current_version_id)}
    assert ids(body, "Communication") == {f"q-{world['question'].pk}"}
    assert ids(body, "Practitioner") == {str(people["clinician"].pk)}
    assert body["total"] == len(body["entry"])
    fhir_json(fhir("patient").get(f"Patient/{patient.pk}/$everything"))
    outcome(fhir("other_clinician").get(f"Patient/{patient.pk}/$everything"), 404)
    outcome(fhir("other_patient").get(f"Patient/{patient.pk}/$everything"), 404)
    assert AuditEvent.objects.filter(
        actor=people["clinician"], action="record.export", subject_patient=patient
    ).exists()
