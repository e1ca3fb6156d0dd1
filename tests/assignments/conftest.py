"""Staff must set up two-step verification before they see any page (StaffMFARequiredMiddleware).
These tests are about reading and assigning, so the staff who log in here already have an
authenticator app, as real clinicians would."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.test import Client


def enrol_totp(user):
    Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt("JBSWY3DPEHPK3PXP")}},
    )
    return user


@pytest.fixture
def staff_login(db):
    """A new client logged in as a clinician or admin who has set up their authenticator app."""

    def login(user):
        client = Client()
        client.force_login(enrol_totp(user))
        return client

    return login


@pytest.fixture
def clinician_client(staff_login, clinician):
    # A client of its own, so a test can act as the patient and the clinician side by side.
    return staff_login(clinician)
