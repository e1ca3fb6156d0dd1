"""`for_caregiver` on assignments in the API, and `caregiver_note` in the schema (issue 25)."""

import pytest
import yaml

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/assignments/"


def test_assigning_for_the_caregiver_too_and_the_default(api_as, people, world):
    client = api_as("clinician")
    module = world["unassigned_module"]

    response = client.post(
        ASSIGNMENTS,
        {"patient": people["patient"].pk, "module": module.slug, "for_caregiver": True},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["for_caregiver"] is True
    created = Assignment.objects.get(pk=response.json()["id"])
    assert created.for_caregiver is True
    assert AuditEvent.objects.filter(
        action="assignment.create", object_id=str(created.pk), channel="api"
    ).exists()

    created.status = Assignment.Status.CANCELLED
    created.save()
    plain = client.post(
        ASSIGNMENTS, {"patient": people["patient"].pk, "module": module.slug}, format="json"
    )
    assert plain.status_code == 201
    assert plain.json()["for_caregiver"] is False


def test_bulk_passes_the_flag_to_every_new_assignment(api_as, people, world):
    response = api_as("clinician").post(
        f"{ASSIGNMENTS}bulk/",
        {
            "patients": [people["patient"].pk],
            "modules": [world["unassigned_module"].slug],
            "for_caregiver": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    ids = [row["id"] for row in response.json()["created"]]
    assert list(Assignment.objects.filter(pk__in=ids).values_list("for_caregiver", flat=True)) == [
        True
    ]


def test_the_flag_is_changed_with_patch_and_audited(api_as, world):
    assignment = world["assignment"]

    response = api_as("clinician").patch(
        f"{ASSIGNMENTS}{assignment.pk}/", {"for_caregiver": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["for_caregiver"] is True
    assignment.refresh_from_db()
    assert assignment.for_caregiver is True
    assert AuditEvent.objects.filter(action="assignment.update", channel="api").count() == 1


def test_the_flag_is_no_way_round_the_care_team(api_as, people, world):
    stranger = PatientFactory()

    response = api_as("clinician").post(
        ASSIGNMENTS,
        {"patient": stranger.pk, "module": world["unassigned_module"].slug, "for_caregiver": True},
        format="json",
    )
    other = api_as("clinician").patch(
        f"{ASSIGNMENTS}{world['other_assignment'].pk}/", {"for_caregiver": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"patient": ["Choose patients from your care team."]}
    assert other.status_code == 404
    assert not Assignment.objects.filter(for_caregiver=True).exists()


def test_patients_see_the_flag_in_their_list(api_as, people, world):
    Assignment.objects.filter(pk=world["assignment"].pk).update(for_caregiver=True)

    rows = api_as("patient").get(ASSIGNMENTS).json()["results"]

    assert [row["for_caregiver"] for row in rows] == [True]


def test_the_schema_describes_both_fields(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    schemas = schema["components"]["schemas"]

    for name in ("AssignmentCreateRequest", "AssignmentBulkCreateRequest"):
        field = schemas[name]["properties"]["for_caregiver"]
        assert field["type"] == "boolean", name
        assert field["default"] is False, name
        assert "caregiver notes" in field["description"], name
    assert "for_caregiver" in schemas["PatchedAssignmentUpdateRequest"]["properties"]
    assert "for_caregiver" in schemas["Assignment"]["properties"]
    note = schemas["Section"]["properties"]["caregiver_note"]
    assert note["nullable"] is True
    assert "for_caregiver" in note["description"]
