"""Questions (issue 5) in a real browser: the character count, the pages without JavaScript,
and accessibility (axe WCAG A/AA) of the question pages. Watched for CSP and script errors.

It lives here rather than in tests/questions/ because the browser fixtures hold one Playwright
session for the whole run, and they are only visible under tests/e2e/."""

import pytest
from playwright.sync_api import expect

from apps.questions.models import Question
from tests.factories import (
    TEST_PASSWORD,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
)
from tests.questions.factories import AssignmentToAskAboutFactory, QuestionFactory

from .support import DESKTOP, PHONE, assert_accessible, give_authenticator, log_in

pytestmark = pytest.mark.e2e


def test_patient_asks_with_a_live_character_count_and_loses_nothing_when_too_long(open_page):
    patient = PatientFactory(email="pat@example.org")
    assignment = AssignmentToAskAboutFactory(patient=patient)
    page = open_page(PHONE)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto(f"/questions/ask/?assignment={assignment.pk}&section=2")

    box = page.get_by_label("Your question", exact=True)
    status = page.locator(".govuk-character-count__status")
    box.fill("Is this rash normal?")
    expect(status).to_have_text("You have 1,980 characters remaining")
    expect(page.locator(".govuk-character-count [aria-live=polite]")).to_have_text(
        "You have 1,980 characters remaining"
    )
    assert_accessible(page, device=PHONE)

    too_long = "Is this rash normal? " + "x" * 1984
    box.fill(too_long)
    expect(status).to_have_text("You have 5 characters too many")
    expect(status).to_have_class("govuk-character-count__status govuk-error-message")
    page.get_by_role("button", name="Send question").click()

    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Your question is 2,005 characters long."
    )
    expect(page.get_by_label("Your question", exact=True)).to_have_value(too_long)
    expect(page.get_by_label("Which part of the module?")).to_have_value("2")
    assert_accessible(page, device=PHONE)

    page.get_by_label("Your question", exact=True).fill("Is this rash normal?")
    page.get_by_role("button", name="Send question").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your question")
    expect(page.locator("main")).to_contain_text("Part 2:")
    question = Question.objects.get()
    assert question.section_position == 2
    assert_accessible(page, device=PHONE)


def test_ask_page_works_without_javascript(open_page):
    patient = PatientFactory(email="pat@example.org")
    page = open_page(DESKTOP, java_script_enabled=False)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto("/questions/ask/")

    expect(page.get_by_text("You can enter up to 2,000 characters")).to_be_visible()
    page.get_by_label("Your question", exact=True).fill("Can I go swimming?")
    page.get_by_role("button", name="Send question").click()

    expect(page.get_by_text("Your question was sent to your care team.")).to_be_visible()
    page.goto("/questions/")
    # (No axe run here: axe is injected as a script, which this page does not allow.)
    expect(page.get_by_role("link", name="Can I go swimming?")).to_be_visible()


def test_clinician_sees_the_count_in_the_menu_and_answers_from_the_inbox(open_page):
    patient = PatientFactory(email="pat@example.org", name="Pat Patient")
    clinician = ClinicianFactory(email="doc@example.org")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    QuestionFactory(patient=patient, body="Can I have the flu vaccine?")
    secret = give_authenticator(clinician)
    page = open_page(DESKTOP)
    log_in(page, email=clinician.email, password=TEST_PASSWORD, totp_secret=secret)

    page.goto("/team/questions/")
    expect(page.get_by_role("link", name="Questions 1 waiting for an answer")).to_be_visible()
    assert_accessible(page, device=DESKTOP)

    page.get_by_role("link", name="Can I have the flu vaccine?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question from Pat Patient")
    assert_accessible(page, device=DESKTOP)
    page.get_by_label("Your reply", exact=True).fill("Yes, the inactivated flu shot is fine.")
    page.get_by_role("button", name="Send reply").click()

    expect(page.locator("main")).to_contain_text("Yes, the inactivated flu shot is fine.")
    expect(page.get_by_role("link", name="Questions", exact=True)).to_be_visible()
    assert Question.objects.get().status == Question.Status.ANSWERED
