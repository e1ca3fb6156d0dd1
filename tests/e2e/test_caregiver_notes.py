"""Reading "for the caregiver too" in a real browser (issue 25): the clinician ticks "Also for
their caregiver", the patient then sees the section's caregiver note, and a caregiver sees it
addressed to them. Pages are checked with axe (WCAG A/AA) on the way."""

import pytest
from playwright.sync_api import expect

from apps.assignments.models import Assignment
from tests.factories import (
    TEST_PASSWORD,
    CaregiverFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
    caregiver_link,
)
from tests.library.factories import PublishedModuleFactory, publish_with_caregiver_note

from .support import DESKTOP, PHONE, assert_accessible, give_authenticator, log_in

pytestmark = pytest.mark.e2e

NOTE = "If you look after someone who had CAR-T, stay with them day and night."


def test_a_reading_for_the_caregiver_too_shows_the_note_to_both(open_page):
    patient = PatientFactory(email="pat@example.org", name="Pat Rivera")
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    caregiver = CaregiverFactory(email="alex@example.org", name="Alex Helper")
    caregiver_link(patient=patient, caregiver=caregiver)
    module = PublishedModuleFactory(title="CAR T-cell therapy")
    publish_with_caregiver_note(module, NOTE)

    # The clinician assigns it from the form, for the caregiver too.
    doc = open_page(DESKTOP)
    log_in(
        doc,
        email=clinician.email,
        password=TEST_PASSWORD,
        totp_secret=give_authenticator(clinician),
    )
    doc.goto(f"/patients/assign/?patient={patient.pk}&module={module.pk}")
    box = doc.get_by_label("Also for their caregiver")
    expect(box).not_to_be_checked()
    expect(doc.locator("#id_for_caregiver-hint")).to_contain_text("no caregiver yet")
    assert_accessible(doc, device=DESKTOP)
    box.check()
    doc.get_by_role("button", name="Assign").click()
    expect(doc.get_by_test_id("for-caregiver")).to_contain_text("The patient and their caregiver")
    assignment = Assignment.objects.get()
    assert assignment.for_caregiver is True

    # The patient sees the note, addressed to the person who looks after them.
    pat = open_page(PHONE)
    log_in(pat, email=patient.email, password=TEST_PASSWORD)
    pat.goto("/reading/")
    expect(pat.locator("main")).to_contain_text("Also for the person who helps you")
    pat.goto(f"/reading/{assignment.pk}/sections/1/")
    note = pat.get_by_role("complementary", name="For the person who looks after you")
    expect(note).to_contain_text(NOTE)
    assert_accessible(pat, device=PHONE)

    # The caregiver sees it addressed to them.
    alex = open_page(DESKTOP)
    log_in(alex, email=caregiver.email, password=TEST_PASSWORD)
    alex.goto("/reading-for/")
    alex.goto(f"/reading/{assignment.pk}/sections/1/")
    expect(alex.get_by_role("complementary", name="For you, as a caregiver")).to_contain_text(NOTE)
    assert_accessible(alex, device=DESKTOP)

    # Section 2 has no note: nothing is shown.
    alex.goto(f"/reading/{assignment.pk}/sections/2/")
    expect(alex.locator(".portal-caregiver-note")).to_have_count(0)
