"""Reading the whole module on one page is recorded by the page's "Next" button (a POST with
the CSRF token), never by opening the address: a link or an image on another site must not be
able to mark a patient's reading as done (issue 18, item 16)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.assignments.factories import AssignmentFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(patient, clinician):
    return AssignmentFactory(
        patient=patient, module=PublishedModuleFactory(), assigned_by=clinician
    )


def _all_url(assignment) -> str:
    return reverse("assignments:reading_all", args=[assignment.pk])


def test_opening_the_long_page_records_nothing(patient_client, assignment):
    assert patient_client.get(_all_url(assignment)).status_code == 200
    assert patient_client.head(_all_url(assignment)).status_code == 200
    assert assignment.progress.count() == 0


def test_the_next_button_is_a_form_that_posts_with_the_csrf_token(patient_client, assignment):
    body = patient_client.get(_all_url(assignment)).content.decode()
    form = body[body.index(f'<form method="post" action="{_all_url(assignment)}"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form
    assert "Next: check your understanding" in form


def test_the_next_button_records_every_section_and_goes_to_the_check(patient_client, assignment):
    response = patient_client.post(_all_url(assignment))
    assert response.status_code == 302
    assert response["Location"] == reverse("assignments:reading_check", args=[assignment.pk])
    sections = assignment.module.current_version.sections
    assert sorted(assignment.progress.values_list("position", flat=True)) == [
        section["position"] for section in sections
    ]


def test_a_post_from_another_site_without_the_token_is_refused(patient, assignment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    response = client.post(_all_url(assignment))
    assert response.status_code == 403
    assert assignment.progress.count() == 0


def test_another_patients_reading_cannot_be_recorded(other_patient, assignment):
    client = Client()
    client.force_login(other_patient)
    assert client.post(_all_url(assignment)).status_code == 404
    assert assignment.progress.count() == 0
