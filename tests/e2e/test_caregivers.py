"""Caregivers (issue 25) end to end in a real browser: the patient invites, the caregiver
accepts and reads, asks a question, the clinician answers, then the patient ends the access
and the caregiver is locked out. Pages are checked with axe (WCAG A/AA) on the way."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.assignments.models import Assignment, CaregiverProgress, SectionProgress
from apps.caregivers.models import CaregiverLink
from apps.questions.models import Question
from tests.factories import (
    TEST_PASSWORD,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
)
from tests.library.factories import PublishedModuleFactory

from .support import DESKTOP, PHONE, assert_accessible, give_authenticator, log_in

pytestmark = pytest.mark.e2e

CAREGIVER_PASSWORD = "a long sunny walk by the sea"


def test_patient_invites_caregiver_reads_asks_and_is_locked_out(open_page):
    patient = PatientFactory(email="pat@example.org", name="Pat Rivera")
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    assignment = Assignment.objects.create(patient=patient, module=module, assigned_by=clinician)

    # The patient invites Alex from Settings, allowing questions.
    pat = open_page(PHONE)
    log_in(pat, email=patient.email, password=TEST_PASSWORD)
    pat.goto("/settings/")
    pat.get_by_role("link", name="People who help me").click()
    assert_accessible(pat, device=PHONE)
    pat.get_by_label("Their name").fill("Alex Helper")
    pat.get_by_label("Their email address").fill("alex@example.org")
    pat.get_by_label("They may ask my care team questions for me").check()
    pat.get_by_role("button", name="Send invitation").click()
    expect(pat.locator("main")).to_contain_text("We sent an invitation to alex@example.org.")
    expect(pat.locator("main")).to_contain_text("Invited. They have not said yes yet.")

    # Alex accepts from the email and lands on Pat's reading.
    link = re.search(r"https?://\S+/helper-invite/\S+?/", mail.outbox[-1].body).group(0)
    alex = open_page(DESKTOP)
    alex.goto(link)
    assert_accessible(alex, device=DESKTOP)
    alex.get_by_label("Choose a password").fill(CAREGIVER_PASSWORD)
    alex.get_by_label("Type the same password again").fill(CAREGIVER_PASSWORD)
    alex.get_by_role("button", name="Yes, I will help").click()
    banner = alex.get_by_test_id("caregiver-banner")
    expect(banner).to_contain_text("You are reading for Pat Rivera")
    expect(alex.get_by_role("heading", level=1)).to_have_text("Reading for Pat Rivera")
    assert_accessible(alex, device=DESKTOP)

    # Alex reads the first section: Alex's reading, not Pat's.
    alex.get_by_role("link", name="Checkpoint inhibitors", exact=True).click()
    expect(banner).to_contain_text("You are reading for Pat Rivera")
    expect(alex.get_by_text("Section 1 of 3")).to_be_visible()
    assert_accessible(alex, device=DESKTOP)
    assert CaregiverProgress.objects.filter(assignment=assignment).count() == 1
    assert not SectionProgress.objects.filter(assignment=assignment).exists()

    # Alex asks about the section.
    alex.get_by_role("link", name="Ask your care team about this section").click()
    alex.get_by_label("Your question", exact=True).fill("Can Pat take a warm bath?")
    alex.get_by_role("button", name="Send question").click()
    expect(alex.locator("main")).to_contain_text("asked by Alex Helper (caregiver) for Pat Rivera")
    question = Question.objects.get()
    assert question.asked_by.email == "alex@example.org"

    # The clinician sees who asked, answers, and sees Alex's reading on Pat's page.
    doc = open_page(DESKTOP)
    log_in(
        doc,
        email=clinician.email,
        password=TEST_PASSWORD,
        totp_secret=give_authenticator(clinician),
    )
    doc.goto("/team/questions/")
    expect(doc.locator("main")).to_contain_text("asked by Alex Helper (caregiver) for Pat Rivera")
    doc.get_by_role("link", name="Can Pat take a warm bath?").click()
    doc.get_by_label("Your reply", exact=True).fill("Yes, a short warm bath is fine.")
    doc.get_by_role("button", name="Send reply").click()
    expect(doc.locator("main")).to_contain_text("Yes, a short warm bath is fine.")
    doc.goto(f"/patients/{patient.pk}/")
    expect(doc.locator("main")).to_contain_text("read by their caregiver Alex Helper: 1 of 3")
    expect(doc.get_by_test_id("caregivers")).to_contain_text("Alex Helper")

    # Alex reads the answer.
    alex.goto(f"/questions/{question.pk}/")
    expect(alex.locator("main")).to_contain_text("Yes, a short warm bath is fine.")

    # Pat sees Alex in Who viewed my record, then stops Alex's access.
    pat.goto("/settings/")
    pat.get_by_role("link", name="Who viewed my record").click()
    expect(pat.locator("main")).to_contain_text("Alex Helper")
    pat.goto("/settings/people/")
    expect(pat.locator("main")).to_contain_text("Can read your reading now.")
    pat.get_by_role("button", name="Stop their access now").click()
    expect(pat.locator("main")).to_contain_text("Alex Helper can no longer see your reading.")
    assert CaregiverLink.objects.get().status == CaregiverLink.Status.ENDED

    # Alex is locked out at once.
    # Pat was the only person Alex read for: Alex's sessions ended with the access.
    alex.goto(f"/reading/{assignment.pk}/sections/2/")
    assert "/accounts/login/" in alex.url
    expect(alex.locator("main")).not_to_contain_text("Section 2 of 3")
    # Logging in again reaches nothing of Pat's.
    log_in(alex, email="alex@example.org", password=CAREGIVER_PASSWORD)
    response = alex.goto(f"/reading/{assignment.pk}/sections/2/")
    assert response.status == 404
    alex.goto("/reading-for/")
    expect(alex.locator("main")).to_contain_text("Nobody has asked you to help")
    expect(alex.get_by_test_id("caregiver-banner")).to_have_count(0)
