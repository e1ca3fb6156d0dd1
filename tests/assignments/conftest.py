"""Staff must set up two-step verification before they see any page, so the clinicians who
log in here already have an authenticator app (tests/conftest.py: staff_login)."""

import pytest


@pytest.fixture
def clinician_client(staff_login, clinician):
    # A client of its own, so a test can act as the patient and the clinician side by side.
    return staff_login(clinician)
