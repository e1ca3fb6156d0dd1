"""A caregiver stops helping someone from their own settings (issue 25: access can end from
either side; the patient stays in charge of granting it)."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.caregivers.models import CaregiverLink
from apps.caregivers.selectors import SESSION_KEY
from tests.caregivers.conftest import caregiver_client_for
from tests.factories import CaregiverFactory, PatientFactory, caregiver_link

pytestmark = pytest.mark.django_db


def test_the_settings_page_lists_whom_they_help_and_what_each_allowed(
    caregiver_client, link, patient
):
    settings_page = caregiver_client.get(reverse("accounts:profile")).content.decode()
    assert reverse("caregivers:helping") in settings_page

    page = caregiver_client.get(reverse("caregivers:helping")).content.decode()

    assert patient.name in page
    assert reverse("caregivers:helping_stop", args=[link.pk]) in page


def test_stopping_the_only_link_ends_it_audits_it_and_logs_out(
    caregiver_client, caregiver, link, patient
):
    url = reverse("caregivers:helping_stop", args=[link.pk])
    confirm = caregiver_client.get(url)
    assert confirm.status_code == 200
    assert CaregiverLink.objects.get(pk=link.pk).status == CaregiverLink.Status.ACTIVE

    response = caregiver_client.post(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    link.refresh_from_db()
    assert link.status == CaregiverLink.Status.ENDED
    assert link.ended_by == caregiver
    assert AuditEvent.objects.filter(
        action="caregiver.end", actor=caregiver, subject_patient=patient
    ).exists()
    # Logged out: the reading is out of reach, and the login page says what happened.
    assert caregiver_client.get(reverse("assignments:my_reading")).status_code == 302
    login_page = caregiver_client.get(reverse("account_login")).content.decode()
    assert "You no longer read for" in login_page


def test_with_someone_else_left_they_stay_logged_in_and_keep_the_other(
    caregiver_client, caregiver, link, patient
):
    second = PatientFactory(name="Sam Second")
    other_link = caregiver_link(patient=second, caregiver=caregiver)
    session = caregiver_client.session
    session[SESSION_KEY] = patient.pk
    session.save()

    response = caregiver_client.post(reverse("caregivers:helping_stop", args=[link.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("caregivers:helping")
    assert CaregiverLink.objects.get(pk=other_link.pk).status == CaregiverLink.Status.ACTIVE
    assert SESSION_KEY not in caregiver_client.session
    page = caregiver_client.get(reverse("caregivers:helping")).content.decode()
    assert f'data-testid="helping-{other_link.pk}"' in page
    assert f'data-testid="helping-{link.pk}"' not in page


def test_a_link_that_is_not_theirs_or_has_ended_is_404(caregiver, link, patient):
    url = reverse("caregivers:helping_stop", args=[link.pk])
    other = CaregiverFactory(email="otto@example.org")
    other_patient = PatientFactory()
    caregiver_link(patient=other_patient, caregiver=other)

    assert caregiver_client_for(other, other_patient).post(url).status_code == 404
    assert CaregiverLink.objects.get(pk=link.pk).status == CaregiverLink.Status.ACTIVE

    CaregiverLink.objects.filter(pk=link.pk).update(status=CaregiverLink.Status.ENDED)
    assert caregiver_client_for(caregiver, patient).get(url).status_code == 404
