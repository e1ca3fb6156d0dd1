import pytest
from django.core.management import call_command

from apps.accounts.management.commands.seed_demo import DEMO_PASSWORD
from apps.accounts.models import User
from apps.caregivers.models import CaregiverLink

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_the_caregiver_of_patient_at_example_com(client):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    caregiver = User.objects.get(email="caregiver@example.com")
    assert caregiver.role == User.Role.CAREGIVER
    assert caregiver.check_password(DEMO_PASSWORD)
    link = CaregiverLink.objects.get(caregiver=caregiver)
    assert link.patient.email == "patient@example.com"
    assert link.status == CaregiverLink.Status.ACTIVE


def test_seed_demo_does_not_bring_back_access_the_patient_ended():
    call_command("seed_demo", stdout=None)
    CaregiverLink.objects.update(status=CaregiverLink.Status.ENDED)
    call_command("seed_demo", stdout=None)
    assert not CaregiverLink.objects.filter(status=CaregiverLink.Status.ACTIVE).exists()
