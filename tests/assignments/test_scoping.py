"""Nobody sees what isn't theirs: 404 outside one's scope, 403 for the wrong role."""

import pytest
from django.http import Http404
from django.urls import reverse

from apps.assignments import selectors
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def others_assignment(other_patient, other_clinician):
    return AssignmentFactory(patient=other_patient, assigned_by=other_clinician)


def test_patient_cannot_open_another_patients_assignment(patient, others_assignment):
    with pytest.raises(Http404):
        selectors.assignment_get_for_patient(patient=patient, assignment_id=others_assignment.pk)


@pytest.mark.parametrize(
    "name",
    ["reading_start", "reading_all", "reading_print", "reading_check"],
)
def test_another_patients_reading_pages_are_404(patient_client, others_assignment, name):
    response = patient_client.get(reverse(f"assignments:{name}", args=[others_assignment.pk]))
    assert response.status_code == 404


def test_another_patients_section_and_completion_are_404(patient_client, others_assignment):
    section = reverse("assignments:reading_section", args=[others_assignment.pk, 1])
    complete = reverse("assignments:reading_complete", args=[others_assignment.pk])
    assert patient_client.get(section).status_code == 404
    assert patient_client.post(complete).status_code == 404
    assert not others_assignment.progress.exists()


def test_cancelled_assignment_is_404_for_its_patient(patient_client, patient):
    assignment = AssignmentFactory(patient=patient, status="cancelled")
    response = patient_client.get(reverse("assignments:reading_section", args=[assignment.pk, 1]))
    assert response.status_code == 404


def test_unpublished_module_is_not_shown_to_the_patient(patient_client, patient):
    module = PublishedModuleFactory()
    assignment = AssignmentFactory(patient=patient, module=module)
    module.status = "retired"
    module.save()
    assert (
        patient_client.get(reverse("assignments:reading_start", args=[assignment.pk])).status_code
        == 404
    )
    assert (
        module.title not in patient_client.get(reverse("assignments:my_reading")).content.decode()
    )


def test_clinician_cannot_open_another_teams_patient(clinician_client, other_patient):
    response = clinician_client.get(reverse("assignments:patient_detail", args=[other_patient.pk]))
    assert response.status_code == 404


def test_clinician_cannot_cancel_or_reread_another_teams_assignment(
    clinician_client, others_assignment
):
    cancel = reverse("assignments:assignment_cancel", args=[others_assignment.pk])
    reread = reverse("assignments:assignment_reread", args=[others_assignment.pk])
    assert clinician_client.get(cancel).status_code == 404
    assert clinician_client.post(cancel).status_code == 404
    assert clinician_client.post(reread).status_code == 404
    others_assignment.refresh_from_db()
    assert others_assignment.status == "assigned"


def test_clinician_selector_is_404_for_another_team(clinician, others_assignment):
    with pytest.raises(Http404):
        selectors.assignment_get_for_clinician(user=clinician, assignment_id=others_assignment.pk)


def test_admin_sees_every_patient_page(staff_login, admin_user, other_patient):
    response = staff_login(admin_user).get(
        reverse("assignments:patient_detail", args=[other_patient.pk])
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("my_patients", []),
        ("patients_export", []),
        ("assign", []),
        ("module_overview", []),
        ("module_results", [1]),
        ("module_results_export", [1]),
        ("patient_detail", [1]),
        ("assignment_cancel", [1]),
    ],
)
def test_patient_cannot_open_clinician_pages(patient_client, name, args):
    assert patient_client.get(reverse(f"assignments:{name}", args=args)).status_code == 403


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("my_reading", []),
        ("reading_start", [1]),
        ("reading_section", [1, 1]),
        ("reading_check", [1]),
    ],
)
def test_clinician_cannot_open_patient_reading_pages(clinician_client, name, args):
    assert clinician_client.get(reverse(f"assignments:{name}", args=args)).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("assignments:reading_start", args=[1]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
