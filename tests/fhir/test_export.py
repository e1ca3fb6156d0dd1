"""Bulk Data $export: a clinician exports their care team's Tasks, Communications and
QuestionnaireResponses as NDJSON, built by the worker, polled, fetched; nobody else sees it."""

import json

import pytest

from apps.audit.models import AuditEvent
from apps.fhir.models import ExportJob

from .conftest import outcome, valid

pytestmark = pytest.mark.django_db

ASYNC = {"HTTP_PREFER": "respond-async"}


def kick_off(client, query="", capture=None):
    url = "/fhir/r4/$export" + (f"?{query}" if query else "")
    return client.get(url, **ASYNC)


def run_export(fhir_client, django_capture_on_commit_callbacks, query=""):
    with django_capture_on_commit_callbacks(execute=True):
        response = kick_off(fhir_client.client, query)
    assert response.status_code == 202, response.content
    assert outcome_is_information(response)
    status_url = response["Content-Location"]
    return status_url


def outcome_is_information(response) -> bool:
    body = valid(response.json())
    return body["issue"][0]["severity"] == "information"


def lines(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    return [valid(json.loads(line)) for line in response.content.decode().splitlines()]


def test_a_clinician_exports_their_care_team(
    fhir, people, world, django_capture_on_commit_callbacks
):
    from apps.questions import services as question_services

    question_services.reply_post(
        question=world["question"], author=people["clinician"], body="Call us any time."
    )
    clinician = fhir("clinician")
    status_url = run_export(clinician, django_capture_on_commit_callbacks)
    response = clinician.client.get(status_url)
    assert response.status_code == 200
    manifest = response.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith("/fhir/r4/$export")
    by_type = {}
    for output in manifest["output"]:
        by_type.setdefault(output["type"], []).extend(lines(clinician.client, output["url"]))
    assert {r["id"] for r in by_type["Task"]} == {str(world["assignment"].pk)}
    assert {r["id"] for r in by_type["Communication"]} == {
        f"q-{world['question'].pk}",
        f"r-{world['question'].replies.get().pk}",
    }
    assert "QuestionnaireResponse" not in by_type  # no answers yet: no file
    event = AuditEvent.objects.get(actor=people["clinician"], action="record.export")
    assert (event.subject_patient_id, event.channel) == (people["patient"].pk, "fhir")


def test_export_types_and_since(fhir, world, django_capture_on_commit_callbacks):
    clinician = fhir("clinician")
    status_url = run_export(
        clinician, django_capture_on_commit_callbacks, "_type=Task&_since=2000-01-01T00:00:00Z"
    )
    manifest = clinician.client.get(status_url).json()
    assert {output["type"] for output in manifest["output"]} == {"Task"}
    status_url = run_export(clinician, django_capture_on_commit_callbacks, "_since=2999-01-01")
    assert clinician.client.get(status_url).json()["output"] == []


def test_the_status_says_in_progress_until_built(fhir, world):
    clinician = fhir("clinician")
    response = kick_off(clinician.client)  # no commit in this test: the build never runs
    status = clinician.client.get(response["Content-Location"])
    assert status.status_code == 202
    assert status["X-Progress"]


def test_a_failed_export_says_so(fhir, world):
    clinician = fhir("clinician")
    response = kick_off(clinician.client)
    ExportJob.objects.update(status=ExportJob.Status.FAILED)
    outcome(clinician.client.get(response["Content-Location"]), 500)


def test_only_the_requester_sees_the_export(fhir, world, django_capture_on_commit_callbacks):
    status_url = run_export(fhir("clinician"), django_capture_on_commit_callbacks)
    file_url = fhir("clinician").client.get(status_url).json()["output"][0]["url"]
    for role in ("other_clinician", "admin", "patient"):
        outcome(fhir(role).client.get(status_url), 404)
        outcome(fhir(role).client.get(file_url), 404)
    outcome(fhir("anonymous").client.get(status_url), 401)


def test_deleting_an_export(fhir, world, django_capture_on_commit_callbacks):
    clinician = fhir("clinician")
    status_url = run_export(clinician, django_capture_on_commit_callbacks)
    assert clinician.client.delete(status_url).status_code == 202
    outcome(clinician.client.get(status_url), 404)
    assert not ExportJob.objects.exists()


def test_another_teams_data_is_not_exported(fhir, world, django_capture_on_commit_callbacks):
    clinician = fhir("other_clinician")
    status_url = run_export(clinician, django_capture_on_commit_callbacks, "_type=Task")
    (output,) = clinician.client.get(status_url).json()["output"]
    assert {r["id"] for r in lines(clinician.client, output["url"])} == {
        str(world["other_assignment"].pk)
    }


@pytest.mark.parametrize(
    ("query", "headers", "role", "status"),
    [
        ("", {}, "clinician", 400),  # no Prefer: respond-async
        ("_type=Patient", ASYNC, "clinician", 400),
        ("_since=yesterday", ASYNC, "clinician", 400),
        ("_outputFormat=text/csv", ASYNC, "clinician", 400),
        ("_elements=id", ASYNC, "clinician", 400),
        ("", ASYNC, "patient", 403),
        ("", ASYNC, "anonymous", 401),
    ],
)
def test_bad_kick_offs(fhir, people, query, headers, role, status):
    response = fhir(role).client.get(f"/fhir/r4/$export?{query}", **headers)
    outcome(response, status)
    assert not ExportJob.objects.exists()
