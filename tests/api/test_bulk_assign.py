"""POST /api/v1/assignments/bulk/: many patients, many modules, one step, the web form's rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from tests.assignments.factories import AssignmentFactory
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import ModuleFactory, PublishedModuleFactory

pytestmark = pytest.mark.django_db

BULK = "/api/v1/assignments/bulk/"


@pytest.fixture
def team(people):
    """The clinician's patient and three more."""
    extra = [PatientFactory(name=f"Team {n}") for n in range(3)]
    for patient in extra:
        CareTeamMembershipFactory(clinician=people["clinician"], patient=patient)
    return [people["patient"], *extra]


@pytest.fixture
def modules(db):
    return [PublishedModuleFactory(title=f"Bulk {n}") for n in range(2)]


def test_every_patient_gets_every_module_and_each_is_audited(api_as, people, team, modules):
    response = api_as("clinician").post(
        BULK,
        {
            "patients": [patient.pk for patient in team],
            "modules": [module.slug for module in modules],
            "due_on": "2030-01-15",
            "note": "Before your next visit, please.",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped"] == []
    pairs = {(row["patient"], row["module"]) for row in body["created"]}
    assert pairs == {(p.pk, m.slug) for p in team for m in modules}
    created = Assignment.objects.filter(pk__in=[row["id"] for row in body["created"]])
    assert created.count() == 8
    assert {(a.assigned_by_id, str(a.due_on), a.note) for a in created} == {
        (people["clinician"].pk, "2030-01-15", "Before your next visit, please.")
    }
    events = AuditEvent.objects.filter(action="assignment.create", channel="api")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(row["id"]) for row in body["created"]
    )


def test_what_is_already_open_is_skipped_not_doubled(api_as, people, team, modules):
    already = AssignmentFactory(patient=team[0], module=modules[0])
    client = api_as("clinician")
    payload = {"patients": [team[0].pk, team[1].pk], "modules": [modules[0].slug]}

    first = client.post(BULK, payload, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["skipped"] == [
        {"id": already.pk, "patient": team[0].pk, "module": modules[0].slug}
    ]
    assert [row["patient"] for row in first.json()["created"]] == [team[1].pk]

    # Everything open already: nothing new, and the answer says so with a 200.
    again = client.post(BULK, payload, format="json")
    assert again.status_code == 200
    assert again.json()["created"] == []
    assert len(again.json()["skipped"]) == 2
    assert Assignment.objects.filter(module=modules[0]).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("outsider", "patients"),
        ("unknown_slug", "modules"),
        ("draft_module", "modules"),
    ],
)
def test_one_bad_patient_or_module_assigns_nothing(api_as, people, team, modules, change, field):
    patients = [patient.pk for patient in team]
    slugs = [module.slug for module in modules]
    if change == "outsider":
        patients.append(people["other_patient"].pk)
    elif change == "unknown_slug":
        slugs.append("no-such-module")
    else:
        slugs.append(ModuleFactory().slug)  # a draft

    response = api_as("clinician").post(
        BULK, {"patients": patients, "modules": slugs}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Assignment.objects.filter(module__in=modules).exists()


def test_unknown_slugs_are_named(api_as, people, team, modules):
    response = api_as("clinician").post(
        BULK, {"patients": [team[0].pk], "modules": ["nope", modules[0].slug]}, format="json"
    )
    assert response.json() == {
        "modules": [
            'There is no reading module with the slug "nope". Use slugs from GET /api/v1/modules/.'
        ]
    }


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"patients": [], "modules": ["x"]},
        {"patients": [1], "modules": []},
        {"patients": ["one"], "modules": ["x"]},
        {"patients": [0], "modules": ["x"]},
        {"patients": [2**63], "modules": ["x"]},
        {"patients": list(range(1, 2002)), "modules": ["x"]},
        {"patients": [1], "modules": ["not a slug!"]},
        {"patients": [1], "modules": ["x"], "due_on": "next week"},
        {"patients": 5, "modules": "x"},
    ],
)
def test_bad_bodies_are_400_with_the_field_named(api_as, people, payload):
    response = api_as("clinician").post(BULK, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"patients", "modules", "due_on"}
    assert response.json()


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("patient", 403)])
def test_only_staff_may_bulk_assign(api_as, people, team, modules, role, status):
    response = api_as(role).post(
        BULK, {"patients": [team[0].pk], "modules": [modules[0].slug]}, format="json"
    )
    assert response.status_code == status
    assert not Assignment.objects.filter(module__in=modules).exists()


def test_an_admin_may_bulk_assign_to_anyone(api_as, people, team, modules):
    response = api_as("admin").post(
        BULK,
        {"patients": [people["other_patient"].pk], "modules": [modules[0].slug]},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_the_same_queries_for_3_patients_or_30(api_as, people, modules):
    client = api_as("clinician")
    client.get("/api/v1/me/")  # the session's first use is recorded once

    def queries_for(count, module):
        patients = [PatientFactory() for _ in range(count)]
        for patient in patients:
            CareTeamMembershipFactory(clinician=people["clinician"], patient=patient)
        with CaptureQueriesContext(connection) as context:
            response = client.post(
                BULK,
                {"patients": [p.pk for p in patients], "modules": [module.slug]},
                format="json",
            )
        assert response.status_code == 201
        assert len(response.json()["created"]) == count
        return len(context.captured_queries)

    assert queries_for(3, modules[0]) == queries_for(30, modules[1])
