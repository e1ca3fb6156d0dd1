"""GET /api/v1/modules/: what patients and staff read through the API."""

import pytest

from apps.library.models import Module
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import ModuleFactory, PublishedModuleFactory

pytestmark = pytest.mark.django_db


def test_patient_lists_only_modules_assigned_to_them(api_as, people, world):
    slugs = [row["slug"] for row in api_as("patient").get("/api/v1/modules/").json()["results"]]
    assert slugs == [world["assignment"].module.slug]


def test_staff_list_the_published_library_without_drafts(api_as, world):
    ModuleFactory(slug="still-a-draft", status=Module.Status.DRAFT)
    slugs = {row["slug"] for row in api_as("clinician").get("/api/v1/modules/").json()["results"]}
    assert world["unassigned_module"].slug in slugs
    assert world["assignment"].module.slug in slugs
    assert "still-a-draft" not in slugs


def test_patient_reads_sections_and_checks_without_the_answers(api_as, world):
    module = world["assignment"].module
    body = api_as("patient").get(f"/api/v1/modules/{module.slug}/").json()
    version = module.current_version
    assert [s["position"] for s in body["sections"]] == [s["position"] for s in version.sections]
    assert body["sections"][0]["html"] == version.sections[0]["html"]
    assert "body_markdown" not in body["sections"][0]
    assert body["checks"][0] == {
        "position": version.checks[0]["position"],
        "prompt": version.checks[0]["prompt"],
        "choices": version.checks[0]["choices"],
    }


def test_clinician_sees_the_right_answers_and_explanations(api_as, world):
    module = world["assignment"].module
    check = api_as("clinician").get(f"/api/v1/modules/{module.slug}/").json()["checks"][0]
    assert check["correct_index"] == module.current_version.checks[0]["correct_index"]
    assert check["explanation"] == module.current_version.checks[0]["explanation"]


def test_unreviewed_edits_never_reach_readers(api_as, world):
    module = world["assignment"].module
    published_title = module.current_version.snapshot["title"]
    module.title = "Draft title nobody reviewed"
    module.summary = "Draft summary"
    module.save()
    listed = api_as("patient").get("/api/v1/modules/").json()["results"][0]
    assert listed["title"] == published_title
    assert listed["summary"] != "Draft summary"
    detail = api_as("patient").get(f"/api/v1/modules/{module.slug}/").json()
    assert detail["title"] == published_title


def test_cancelled_assignment_takes_the_module_away_from_the_patient(api_as, people):
    module = PublishedModuleFactory()
    AssignmentFactory(patient=people["patient"], module=module, status="cancelled")
    response = api_as("patient").get(f"/api/v1/modules/{module.slug}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such module."}


def test_modules_filter_by_topic(api_as, world):
    PublishedModuleFactory(topic=Module.Topic.VACCINATION_SAFETY, slug="flu-vaccine")
    rows = api_as("clinician").get("/api/v1/modules/?topic=vaccination-safety").json()["results"]
    assert [row["slug"] for row in rows] == ["flu-vaccine"]
