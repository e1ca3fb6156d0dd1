"""The security pages in a real browser: the idle-timeout warning, two-step verification set-up,
and the patient's own record pages. Accessible (axe), usable by keyboard, no CSP violations."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from apps.audit.services import audit_log
from tests.factories import TEST_PASSWORD, ClinicianFactory, PatientFactory

from .support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    log_in,
    screenshot,
)

pytestmark = pytest.mark.e2e


def test_the_idle_warning_offers_to_stay_logged_in_then_logs_out(open_page, device):
    patient = PatientFactory(email="pat@example.org", name="Pat Patient")
    start = timezone.now()
    with time_machine.travel(start, tick=True) as server_clock:
        page = open_page(device)
        # The page's timers run on a fake clock; the server's on time_machine: both move together.
        page.clock.install()
        log_in(page, email=patient.email, password=TEST_PASSWORD)
        dialog = page.get_by_role("dialog", name="You will be logged out soon")
        expect(dialog).to_be_hidden()

        server_clock.move_to(start + timedelta(minutes=28, seconds=5))
        page.clock.fast_forward("28:00")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("we log you out after 30 minutes without activity")
        expect(dialog).to_contain_text("You will be logged out in about 2 minutes.")
        stay = dialog.get_by_role("button", name="Stay logged in")
        expect(stay).to_be_focused()
        assert_accessible(page, device=device)
        screenshot(page, "session-timeout-warning", device=device)

        stay.click()
        expect(dialog).to_be_hidden()

        server_clock.move_to(start + timedelta(minutes=56, seconds=10))
        page.clock.fast_forward("28:00")
        expect(dialog).to_be_visible()
        server_clock.move_to(start + timedelta(minutes=59))
        page.clock.fast_forward("03:00")
        page.wait_for_url("**/accounts/login/**")
        expect(page.locator("main")).to_contain_text(
            "You were logged out after 30 minutes without activity, to protect your information."
        )


def test_staff_without_mfa_set_it_up_in_an_accessible_page(open_page, device):
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    page = open_page(device)
    log_in(page, email=clinician.email, password=TEST_PASSWORD)
    page.goto("/patients/")
    # allauth asks for the password again before adding an authenticator.
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.locator("main form").get_by_role("button").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    expect(page.locator("main")).to_contain_text("Type the 6-digit code the app shows")
    assert_accessible(page, device=device)
    assert_no_horizontal_scroll(page)
    screenshot(page, "mfa-set-up", device=device)


def test_the_patients_record_pages_are_accessible(open_page, device):
    patient = PatientFactory(email="pat@example.org", name="Pat Patient")
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    clinician.care_team_patients_links.create(patient=patient)
    audit_log(actor=clinician, action="patient.view", patient=patient)
    page = open_page(device)
    log_in(page, email=patient.email, password=TEST_PASSWORD)

    page.goto("/my-record/access/")
    expect(page.locator("main")).to_contain_text("Looked at your record")
    assert_accessible(page, device=device)
    assert_no_horizontal_scroll(page)
    screenshot(page, "who-viewed-my-record", device=device)

    page.goto("/my-record/export/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your information")
    assert_accessible(page, device=device)
    screenshot(page, "my-record-export", device=device)

    page.goto("/accounts/sessions/")
    expect(page.locator("main")).to_contain_text("This browser")
    assert_accessible(page, device=device)
