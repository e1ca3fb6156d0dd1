import pytest
from django.test import Client

from apps.assignments.models import Assignment
from apps.caregivers.selectors import SESSION_KEY
from tests.factories import CaregiverFactory, caregiver_link
from tests.library.factories import PublishedModuleFactory


@pytest.fixture
def module(db):
    return PublishedModuleFactory(title="Checkpoint inhibitors")


@pytest.fixture
def assignment(patient, clinician, module):
    return Assignment.objects.create(patient=patient, module=module, assigned_by=clinician)


@pytest.fixture
def other_assignment(other_patient, other_clinician, module):
    return Assignment.objects.create(
        patient=other_patient, module=module, assigned_by=other_clinician
    )


@pytest.fixture
def caregiver(db):
    return CaregiverFactory(email="alex@example.org", name="Alex Helper")


@pytest.fixture
def link(patient, caregiver):
    return caregiver_link(patient=patient, caregiver=caregiver)


def caregiver_client_for(caregiver, patient) -> Client:
    """A caregiver logged in on a browser of their own, reading for `patient`."""
    client = Client()
    client.force_login(caregiver)
    session = client.session
    session[SESSION_KEY] = patient.pk
    session.save()
    return client


@pytest.fixture
def caregiver_client(caregiver, patient, link):
    return caregiver_client_for(caregiver, patient)


@pytest.fixture
def patient_browser(patient):
    client = Client()
    client.force_login(patient)
    return client
