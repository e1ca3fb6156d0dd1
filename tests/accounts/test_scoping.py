import pytest
from django.http import Http404
from django.urls import reverse

from apps.accounts import selectors
from tests.factories import CareTeamMembershipFactory, PatientFactory

pytestmark = pytest.mark.django_db


def test_clinician_sees_only_their_care_team(clinician, patient, other_patient):
    assert list(selectors.patient_list_for_user(user=clinician)) == [patient]
    with pytest.raises(Http404):
        selectors.patient_get_for_user(user=clinician, patient_id=other_patient.pk)


def test_patient_with_two_clinicians_is_seen_by_both(clinician, other_clinician, patient):
    CareTeamMembershipFactory(clinician=other_clinician, patient=patient)
    assert patient in selectors.patient_list_for_user(user=other_clinician)
    assert patient in selectors.patient_list_for_user(user=clinician)


def test_admin_sees_every_patient(admin_user, patient, other_patient):
    assert set(selectors.patient_list_for_user(user=admin_user)) == {patient, other_patient}


def test_patient_sees_no_patient_list(patient):
    PatientFactory()
    assert not selectors.patient_list_for_user(user=patient).exists()


def test_patient_cannot_open_clinician_pages(patient_client):
    assert patient_client.get(reverse("assignments:my_patients")).status_code == 403
    assert patient_client.get(reverse("accounts:invitation_list")).status_code == 403


def test_clinician_cannot_open_patient_pages(clinician_client):
    assert clinician_client.get(reverse("assignments:my_reading")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("assignments:my_patients"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_patients_lists_only_own_patients(clinician_client, patient, other_patient):
    body = clinician_client.get(reverse("assignments:my_patients")).content.decode()
    assert patient.name in body
    assert other_patient.name not in body
