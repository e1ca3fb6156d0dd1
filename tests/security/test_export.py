"""Right of access: a patient downloads everything the portal holds about them."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from apps.audit.services import audit_log
from apps.questions.models import Question, Reply
from apps.reminders.models import Notification
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db

JSON_URL = reverse("records:my_record_export_json")
PAGE_URL = reverse("records:my_record_export")


def _history(patient, clinician, *, title: str, question: str, reply: str, note: str = ""):
    """One of everything: a reading with progress and a check, a question and a reply,
    a reminder, and a care-team view."""
    module = PublishedModuleFactory(title=title)
    version = module.current_version
    assignment = Assignment.objects.create(
        patient=patient,
        module=module,
        assigned_by=clinician,
        note=note,
        status=Assignment.Status.COMPLETED,
        started_at=timezone.now(),
        completed_at=timezone.now(),
        completed_version=version,
    )
    SectionProgress.objects.create(assignment=assignment, position=1, version=version)
    CheckAttempt.objects.create(
        assignment=assignment, version=version, answers=[1, 2], score=1, total=2
    )
    asked = Question.objects.create(
        patient=patient, assignment=assignment, module=module, body=question
    )
    Reply.objects.create(question=asked, author=clinician, body=reply)
    Notification.objects.create(
        recipient=patient,
        kind=Notification.Kind.REPLY,
        question=asked,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
    )
    audit_log(actor=clinician, action="assignment.view", patient=patient, obj=assignment)
    return assignment


@pytest.fixture
def both_histories(patient, other_patient, clinician, other_clinician):
    _history(
        patient,
        clinician,
        title="Checkpoint inhibitors",
        question="Can I have the flu shot?",
        reply="Yes, the inactivated one.",
        note="Read before Tuesday",
    )
    _history(
        other_patient,
        other_clinician,
        title="CAR T-cell therapy",
        question="Will I lose my hair?",
        reply="Usually not with this treatment.",
    )


def test_the_json_file_holds_the_patients_information(logged_in, patient, both_histories):
    response = logged_in(patient).get(JSON_URL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-record-')
    assert "no-store" in response["Cache-Control"]
    record = json.loads(response.content)
    assert record["profile"]["name"] == "Pat Patient"
    assert record["profile"]["email"] == patient.email
    assert record["care_team"] == [{"name": "Dr Dana", "role": "Clinician"}]
    [reading] = record["reading"]
    assert reading["reading"] == "Checkpoint inhibitors"
    assert reading["status"] == "Done"
    assert reading["given_by"] == "Dr Dana"
    assert reading["note_from_care_team"] == "Read before Tuesday"
    assert reading["sections_read"][0]["title"] == "Checkpoint inhibitors: part 1"
    assert reading["check_answers"][0] | {"submitted": None} == {
        "submitted": None,
        "version": 1,
        "score": 1,
        "out_of": 2,
        "answers": [1, 2],
    }
    [question] = record["questions"]
    assert question["question"] == "Can I have the flu shot?"
    assert question["replies"][0] | {"sent": None} == {
        "from": "Dr Dana",
        "reply": "Yes, the inactivated one.",
        "sent": None,
    }
    assert [m["kind"] for m in record["messages_sent_to_you"]] == ["Reply to a question"]
    [access] = record["who_viewed_your_record"]
    assert (access["who"], access["what"]) == ("Dr Dana", "Looked at your reading")


def test_times_are_in_the_patients_time_zone(logged_in, patient, both_histories):
    patient.timezone = "Asia/Tokyo"
    patient.save()
    record = json.loads(logged_in(patient).get(JSON_URL).content)
    assert record["reading"][0]["given_on"].endswith("+09:00")


def test_nothing_of_another_patient_is_in_the_export(logged_in, patient, both_histories):
    client = logged_in(patient)
    for url in (JSON_URL, PAGE_URL):
        body = client.get(url).content.decode()
        for foreign in (
            "Olive Other",
            "other@example.org",
            "CAR T-cell therapy",
            "Will I lose my hair?",
            "Usually not with this treatment.",
            "Dr Other",
        ):
            assert foreign not in body, (url, foreign)


def test_the_readable_page_shows_the_same_information(logged_in, patient, both_histories):
    body = logged_in(patient).get(PAGE_URL).content.decode()
    for expected in (
        "Your information",
        "Pat Patient",
        "Checkpoint inhibitors",
        "Read before Tuesday",
        "Can I have the flu shot?",
        "Yes, the inactivated one.",
        "Reply to a question",
        "Looked at your reading",
        JSON_URL,
    ):
        assert expected in body, expected
    assert body.count("<h1") == 1


def test_an_empty_record_still_downloads(logged_in, patient):
    record = json.loads(logged_in(patient).get(JSON_URL).content)
    assert record["reading"] == [] and record["questions"] == []
    assert (
        "has not given you anything to read yet"
        in logged_in(patient).get(PAGE_URL).content.decode()
    )


def test_only_patients_download_their_record(client, logged_in, clinician, admin_user):
    assert client.get(JSON_URL).url.startswith(reverse("account_login"))
    assert logged_in(clinician).get(JSON_URL).status_code == 403
    assert logged_in(admin_user).get(PAGE_URL).status_code == 403


def test_the_export_query_count_does_not_grow_with_the_history(
    logged_in, patient, clinician, django_assert_max_num_queries
):
    client = logged_in(patient)
    _history(patient, clinician, title="First", question="One?", reply="One.")
    with CaptureQueriesContext(connection) as first:
        client.get(JSON_URL)
    for n in range(4):
        _history(patient, clinician, title=f"Module {n}", question=f"Q{n}?", reply=f"R{n}.")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert len(json.loads(client.get(JSON_URL).content)["reading"]) == 5


def test_patients_find_their_record_pages_from_settings(logged_in, patient, clinician):
    body = logged_in(patient).get(reverse("accounts:profile")).content.decode()
    assert reverse("records:my_record_access") in body
    assert reverse("records:my_record_export") in body
    staff_body = logged_in(clinician).get(reverse("accounts:profile")).content.decode()
    assert reverse("records:my_record_export") not in staff_body
