"""Assignments through the API: the same rules as the web, answered as JSON."""

import datetime as dt

import pytest
import time_machine

from apps.assignments.api import AssignmentSerializer
from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from apps.audit.models import AuditEvent
from apps.library.models import Module
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import ModuleFactory, PublishedModuleFactory

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/assignments/"
TODAY = dt.datetime(2026, 11, 16, 15, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in New York


def _url(assignment, action=""):
    return f"{ASSIGNMENTS}{assignment.pk}/" + (f"{action}/" if action else "")


# --- Assigning --------------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_clinician_assigns_a_module_by_slug(api_as, people, world):
    module = world["unassigned_module"]
    response = api_as("clinician").post(
        ASSIGNMENTS,
        {
            "patient": people["patient"].pk,
            "module": module.slug,
            "due_on": "2026-11-20",
            "note": "Before Friday's infusion, please.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["module"] == module.slug
    assert body["status"] == "assigned"
    assert body["due_on"] == "2026-11-20"
    assert body["sections_total"] == module.current_version.section_count
    assert body["sections"][0] == {
        "position": module.current_version.sections[0]["position"],
        "title": module.current_version.sections[0]["title"],
        "viewed": False,
    }
    created = Assignment.objects.get(pk=body["id"])
    assert created.assigned_by == people["clinician"]
    event = AuditEvent.objects.get(action="assignment.create", object_id=str(created.pk))
    assert event.channel == "api"
    assert event.subject_patient == people["patient"]


def test_assigning_an_unknown_slug_names_the_module_field(api_as, people):
    response = api_as("clinician").post(
        ASSIGNMENTS, {"patient": people["patient"].pk, "module": "no-such-module"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "module": [
            "There is no reading module with this slug. Use a slug from GET /api/v1/modules/."
        ]
    }


def test_assigning_a_draft_module_is_refused_by_the_service(api_as, people):
    draft = ModuleFactory(slug="draft-only")
    response = api_as("clinician").post(
        ASSIGNMENTS, {"patient": people["patient"].pk, "module": draft.slug}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "module": ["Choose published readings. One of them is no longer available."]
    }


def test_assigning_to_another_teams_patient_is_refused_on_the_patient_field(api_as, people, world):
    response = api_as("clinician").post(
        ASSIGNMENTS,
        {"patient": people["other_patient"].pk, "module": world["unassigned_module"].slug},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"patient": ["Choose patients from your care team."]}


def test_assigning_what_is_already_open_is_refused(api_as, people, world):
    response = api_as("clinician").post(
        ASSIGNMENTS,
        {"patient": people["patient"].pk, "module": world["assignment"].module.slug},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "module": ["This patient already has this reading open. It was not assigned again."]
    }


@time_machine.travel(TODAY, tick=False)
def test_a_due_date_in_the_past_gets_a_message_on_due_on(api_as, people, world):
    response = api_as("clinician").post(
        ASSIGNMENTS,
        {
            "patient": people["patient"].pk,
            "module": world["unassigned_module"].slug,
            "due_on": "2026-11-15",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "due_on": ["The date to read by can't be in the past. Choose today or a later date."]
    }


def test_missing_and_mistyped_fields_each_get_a_message(api_as):
    response = api_as("clinician").post(
        ASSIGNMENTS, {"patient": "twelve", "due_on": "next week"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"patient", "module", "due_on"}


# --- Changing and cancelling ------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_clinician_moves_the_due_date_and_clears_it(api_as, world):
    assignment = world["assignment"]
    client = api_as("clinician")
    moved = client.patch(_url(assignment), {"due_on": "2026-12-01"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["due_on"] == "2026-12-01"
    cleared = client.patch(_url(assignment), {"due_on": None}, format="json")
    assert cleared.json()["due_on"] is None
    assignment.refresh_from_db()
    assert assignment.due_on is None
    assert AuditEvent.objects.filter(action="assignment.update", channel="api").count() == 2


def test_a_note_too_long_is_refused_with_its_length(api_as, world):
    response = api_as("clinician").patch(
        _url(world["assignment"]), {"note": "x" * 501}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"note": ["The note can be at most 500 characters. It has 501."]}


def test_cancelling_keeps_the_history(api_as, world):
    assignment = world["assignment"]
    response = api_as("clinician").delete(_url(assignment))
    assert response.status_code == 204
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    assert assignment.cancelled_at is not None
    staff_view = api_as("clinician").get(_url(assignment)).json()
    assert staff_view["status"] == "cancelled"
    assert api_as("patient").get(_url(assignment)).status_code == 404
    assert api_as("patient").get(ASSIGNMENTS).json()["count"] == 0


def test_cancelling_twice_says_why_not(api_as, world):
    client = api_as("clinician")
    client.delete(_url(world["assignment"]))
    response = client.delete(_url(world["assignment"]))
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["This reading was cancelled, so it can no longer be changed."]
    }


# --- Reading ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_assignment(people):
    return AssignmentFactory(patient=people["patient"], assigned_by=people["clinician"])


def test_patient_marks_sections_read_and_resumes(api_as, fresh_assignment):
    client = api_as("patient")
    response = client.post(_url(fresh_assignment, "progress"), {"section": 1}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["sections_viewed"] == 1
    assert [s["viewed"] for s in body["sections"]] == [True, False, False]
    assert body["resume_position"] == 2
    again = client.post(_url(fresh_assignment, "progress"), {"section": 1}, format="json")
    assert again.json()["sections_viewed"] == 1
    assert SectionProgress.objects.filter(assignment=fresh_assignment).count() == 1


def test_marking_a_section_that_does_not_exist(api_as, fresh_assignment):
    response = api_as("patient").post(
        _url(fresh_assignment, "progress"), {"section": 9}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"section": ["There is no section 9 in this reading."]}


def test_finishing_before_opening_every_section_names_what_is_left(api_as, fresh_assignment):
    client = api_as("patient")
    client.post(_url(fresh_assignment, "progress"), {"section": 1}, format="json")
    response = client.post(_url(fresh_assignment, "complete"))
    assert response.status_code == 400
    message = response.json()["non_field_errors"][0]
    assert message.startswith("Please open every section before you finish.")
    assert fresh_assignment.module.current_version.sections[1]["title"] in message


def test_finishing_after_reading_everything(api_as, world):
    response = api_as("patient").post(_url(world["assignment"], "complete"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "completed"
    assert body["resume_position"] is None
    assert body["version"] == world["assignment"].module.current_version.number


def test_check_answers_are_marked_and_kept(api_as, world):
    assignment = world["assignment"]
    checks = assignment.module.current_version.checks
    wrong_first = [(checks[0]["correct_index"] + 1) % 3, checks[1]["correct_index"]]
    response = api_as("patient").post(
        _url(assignment, "check"), {"answers": wrong_first}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["total"], body["passed"]) == (1, 2, False)
    assert body["answers"][0]["is_correct"] is False
    assert body["answers"][0]["explanation"] == checks[0]["explanation"]
    assert CheckAttempt.objects.get(assignment=assignment).answers == wrong_first
    detail = api_as("clinician").get(_url(assignment)).json()
    assert detail["check_failed"] is True
    assert detail["latest_check"]["score"] == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ([1], "Answer every question: there are 2."),
        ([1, 7], "Choose one of the answers to question 2."),
    ],
)
def test_check_answers_that_do_not_fit_the_questions(api_as, world, answers, message):
    response = api_as("patient").post(
        _url(world["assignment"], "check"), {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"answers": [message]}


def test_rereading_a_changed_module_opens_a_new_assignment(api_as, world):
    from tests.library.factories import publish_version

    assignment = world["assignment"]
    api_as("patient").post(_url(assignment, "complete"))
    publish_version(assignment.module, sections=4)
    response = api_as("clinician").post(_url(assignment, "reread"), {}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != assignment.pk
    assert body["status"] == "assigned"
    assert body["sections_total"] == 4


# --- Lists and filters ------------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
def test_clinician_filters_assignments(api_as, people, world):
    patient, clinician = people["patient"], people["clinician"]
    late = AssignmentFactory(patient=patient, assigned_by=clinician, due_on=dt.date(2026, 11, 13))
    soon = AssignmentFactory(patient=patient, assigned_by=clinician, due_on=dt.date(2026, 11, 18))
    done_late = AssignmentFactory(
        patient=patient, assigned_by=clinician, due_on=dt.date(2026, 11, 10), status="completed"
    )
    client = api_as("clinician")

    def ids(query):
        response = client.get(ASSIGNMENTS + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("?overdue=true") == {late.pk}
    assert ids("?status=completed") == {done_late.pk}
    assert ids("?due_before=2026-11-13") == {late.pk, done_late.pk}
    assert ids("?due_after=2026-11-14") == {soon.pk}
    assert ids(f"?module={soon.module.slug}") == {soon.pk}
    assert ids(f"?patient={patient.pk}") == {world["assignment"].pk, late.pk, soon.pk, done_late.pk}
    listed = client.get(ASSIGNMENTS + "?overdue=true").json()["results"][0]
    assert listed["is_overdue"] is True


@time_machine.travel(dt.datetime(2026, 11, 17, 3, 0, tzinfo=dt.UTC), tick=False)
def test_overdue_follows_the_patients_calendar(api_as, people):
    # 03:00 UTC on the 17th is still the 16th in New York: due on the 16th is not late yet.
    AssignmentFactory(
        patient=people["patient"], assigned_by=people["clinician"], due_on=dt.date(2026, 11, 16)
    )
    assert api_as("clinician").get(ASSIGNMENTS + "?overdue=true").json()["count"] == 0


def test_other_teams_assignments_never_appear(api_as, world):
    ids = {row["id"] for row in api_as("clinician").get(ASSIGNMENTS).json()["results"]}
    assert world["other_assignment"].pk not in ids
    filtered = api_as("clinician").get(
        f"{ASSIGNMENTS}?patient={world['other_assignment'].patient_id}"
    )
    assert filtered.json()["count"] == 0


def test_patient_list_shows_published_reading_only(api_as, people, world):
    retired = PublishedModuleFactory()
    AssignmentFactory(patient=people["patient"], module=retired)
    Module.objects.filter(pk=retired.pk).update(status=Module.Status.RETIRED)
    ids = {row["id"] for row in api_as("patient").get(ASSIGNMENTS).json()["results"]}
    assert ids == {world["assignment"].pk}


@pytest.mark.parametrize("role", ["patient", "clinician", "admin"])
def test_list_rows_carry_every_field_and_the_sections_opened(api_as, world, role):
    # `world["assignment"]` has every section opened; each role's list is built differently
    # (a patient's own rows, a care team's, everyone's) and must say the same about it.
    rows = {row["id"]: row for row in api_as(role).get(ASSIGNMENTS).json()["results"]}
    row = rows[world["assignment"].pk]
    total = world["assignment"].module.current_version.section_count
    # Every declared field is there: a field whose value is missing is left out by DRF.
    assert set(row) == set(AssignmentSerializer.Meta.fields)
    assert (row["sections_viewed"], row["sections_total"]) == (total, total)
    assert row["patient_name"] == world["assignment"].patient.name


# --- The written-out representation -----------------------------------------------------------


def _drf_json(serializer, instance) -> dict:
    """What DRF's field-by-field path gives, through the same JSON encoder as responses."""
    import json

    from rest_framework import serializers
    from rest_framework.utils.encoders import JSONEncoder

    data = serializers.ModelSerializer.to_representation(serializer, instance)
    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.mark.parametrize("status", ["assigned", "in_progress", "completed", "cancelled"])
def test_list_and_detail_rows_are_what_drf_would_write(people, world, status):
    import json

    from rest_framework.utils.encoders import JSONEncoder

    from apps.assignments.api import AssignmentDetailSerializer
    from apps.assignments.selectors import progress_positions

    assignment = world["assignment"]
    moment = dt.datetime(2026, 11, 16, 15, 0, 7, 123456, tzinfo=dt.UTC)
    assignment.status = status
    assignment.due_on = dt.date(2026, 11, 20) if status != "completed" else None
    assignment.note = 'A "note" <with> markup & a\nsecond line'
    assignment.started_at = moment if status != "assigned" else None
    assignment.completed_at = moment + dt.timedelta(hours=1) if status == "completed" else None
    assignment.cancelled_at = moment if status == "cancelled" else None
    assignment.last_activity_at = moment if status != "assigned" else None
    assignment.check_failed = status == "completed"
    assignment.save()
    loaded = Assignment.objects.select_related(
        "patient", "module__current_version", "completed_version"
    ).get(pk=assignment.pk)
    loaded.sections_viewed = 2

    row = AssignmentSerializer(loaded)
    assert json.loads(json.dumps(row.data, cls=JSONEncoder)) == _drf_json(row, loaded)
    detail = AssignmentDetailSerializer(
        loaded, context={"viewed": progress_positions(assignment=loaded)}
    )
    written = json.loads(json.dumps(detail.data, cls=JSONEncoder))
    assert written == _drf_json(detail, loaded)
    assert list(written) == list(AssignmentDetailSerializer.Meta.fields)


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_list_counts_the_sections_of_the_version_each_row_is_about(api_as, people, role):
    from tests.library.factories import publish_version

    module = PublishedModuleFactory()  # version 1: 3 sections
    first = module.current_version
    finished = AssignmentFactory(
        patient=people["patient"],
        assigned_by=people["clinician"],
        module=module,
        status="completed",
        completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        completed_version=first,
    )
    publish_version(module, sections=5)
    reading = AssignmentFactory(
        patient=people["patient"], assigned_by=people["clinician"], module=module
    )
    rows = {row["id"]: row for row in api_as(role).get(ASSIGNMENTS).json()["results"]}
    assert rows[finished.pk]["sections_total"] == 3
    assert rows[reading.pk]["sections_total"] == 5


@pytest.mark.parametrize("value", ["0", "1", "yes", "True"])
def test_overdue_takes_only_true_or_false(api_as, value):
    response = api_as("clinician").get(ASSIGNMENTS + f"?overdue={value}")
    assert response.status_code == 400
    assert "overdue" in response.json()
