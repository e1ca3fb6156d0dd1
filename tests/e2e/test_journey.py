"""The whole journey in a real browser, on a desktop and on a phone.

A clinician logs in (with a two-step code), invites a patient and assigns a module; the
patient sets a password from the emailed link, reads every section, answers the check with
the keyboard alone, finishes and asks a question; the clinician answers; the patient sees the
reply. axe-core checks every page on the way, as each role, and the main pages are saved
as screenshots (to docs/screenshots/ with SAVE_SCREENSHOTS=1; the README shows
patient-my-reading-desktop.png).
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assignments.models import Assignment
from apps.library.models import Module
from apps.questions.models import Question

from .support import (
    DEMO_PASSWORD,
    assert_accessible,
    assert_no_horizontal_scroll,
    focus_top_of_page,
    give_authenticator,
    log_in,
    screenshot,
    tab_through,
)

pytestmark = pytest.mark.e2e

MODULE_SLUG = "what-is-immunotherapy"
QUESTION = "Can I have the flu vaccine while I am on immunotherapy?"
ANSWER = "Yes, the flu shot is safe for you. We can give it at your next visit."


@pytest.fixture
def clinician_totp(transactional_db):
    """The demo accounts and the published library, as `make run` sets them up; the demo
    clinician has enrolled an authenticator app (staff must use two-step verification)."""
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    return give_authenticator(User.objects.get(email="clinician@example.com"))


def _check(page, device, name=None, *, keyboard=False):
    """axe on the page as it is now; optionally a Tab walk and a screenshot."""
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page, device=device)
    if keyboard:
        tab_through(page)
    if name:
        screenshot(page, name, device=device)


def _invitation_link(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"https?://\S+/invite/[^/\s]+/", message.body).group(0)


def _answer_with_keyboard(page, checks: list[dict]) -> None:
    """Answer every question rightly using only Tab, Space, the arrow keys and Enter: a radio
    group is one Tab stop (arrows move within it); each checkbox is its own Tab stop."""
    focus_top_of_page(page)
    for number, check in enumerate(checks, start=1):
        multiple = bool(check.get("correct_indexes"))
        for _ in range(60):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "({type: document.activeElement.type, name: document.activeElement.name})"
            )
            if focused["type"] == ("checkbox" if multiple else "radio"):
                break
        else:
            raise AssertionError(f"Tab never reached question {number}")
        if multiple:
            for index in range(len(check["choices"])):
                if index:
                    page.keyboard.press("Tab")
                if index in check["correct_indexes"]:
                    page.keyboard.press("Space")
            continue
        page.keyboard.press("Space")
        for _ in range(check["correct_index"]):
            page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Check my answers"
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def _press_by_keyboard(page, name: str) -> None:
    """Tab to a button or link by its visible name, then press Enter."""
    focus_top_of_page(page)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_whole_journey_is_accessible_on_every_page(open_page, device, clinician_totp):
    clinician_page = open_page(device)
    patient_page = open_page(device)

    # The clinician logs in with a password and a two-step code, and lands on My patients.
    log_in(
        clinician_page,
        email="clinician@example.com",
        password=DEMO_PASSWORD,
        totp_secret=clinician_totp,
    )
    expect(clinician_page.locator("h1")).to_have_text("My patients")
    _check(clinician_page, device, "clinician-my-patients", keyboard=True)

    # Invite a new patient.
    clinician_page.get_by_role("link", name="Invite a patient").first.click()
    _check(clinician_page, device)
    clinician_page.get_by_label("Patient's full name").fill("Rosa Reyes")
    clinician_page.get_by_label("Patient's email address").fill("rosa.reyes@example.org")
    clinician_page.get_by_role("button", name="Send invitation").click()
    expect(clinician_page.locator(".govuk-notification-banner")).to_contain_text(
        "Invitation sent to rosa.reyes@example.org."
    )
    _check(clinician_page, device)

    # The patient opens the emailed link and chooses a password.
    patient_page.goto(_invitation_link("rosa.reyes@example.org"))
    _check(patient_page, device)
    patient_page.get_by_label("Choose a password").fill("sunny mornings on the porch")
    patient_page.get_by_label("Type the same password again").fill("sunny mornings on the porch")
    patient_page.get_by_role("button", name="Set password and continue").click()
    expect(patient_page.locator("h1")).to_have_text("My reading")
    _check(patient_page, device)
    patient = User.objects.get(email="rosa.reyes@example.org")

    # The clinician finds her in My patients and assigns "What is immunotherapy?".
    clinician_page.get_by_role("link", name="My patients").first.click()
    clinician_page.get_by_role("link", name="Rosa Reyes").click()
    expect(clinician_page.locator("h1")).to_have_text("Rosa Reyes")
    _check(clinician_page, device, "clinician-patient")
    clinician_page.get_by_role("link", name="Assign reading to Rosa Reyes").click()
    expect(clinician_page.get_by_label("Rosa Reyes")).to_be_checked()
    clinician_page.get_by_label("What is immunotherapy?").check()
    _check(clinician_page, device, "clinician-assign", keyboard=True)
    clinician_page.get_by_role("button", name="Assign", exact=True).click()
    expect(clinician_page.locator(".govuk-notification-banner")).to_be_visible()
    _check(clinician_page, device)
    assignment = Assignment.objects.get(patient=patient, module__slug=MODULE_SLUG)

    # The patient sees it in My reading and reads every section.
    patient_page.get_by_role("link", name="My reading").first.click()
    expect(
        patient_page.get_by_role("link", name="What is immunotherapy?", exact=True)
    ).to_be_visible()
    _check(patient_page, device, "patient-my-reading", keyboard=True)
    patient_page.get_by_role("link", name=re.compile("^Start reading")).click()
    version = Module.objects.get(slug=MODULE_SLUG).current_version
    for position, section in enumerate(version.snapshot["sections"], start=1):
        expect(
            patient_page.get_by_role("heading", name=section["title"], exact=True)
        ).to_be_visible()
        expect(patient_page.locator("#section-count")).to_contain_text(
            f"Section {position} of {len(version.snapshot['sections'])}"
        )
        _check(patient_page, device, "patient-reading-section" if position == 1 else None)
        assert_no_horizontal_scroll(patient_page)
        if position == 1:
            _check_reflow_at_200_percent(patient_page)
            _check_comfortable_lines(patient_page)
        patient_page.locator(".govuk-pagination__next a").click()
    assert assignment.progress.count() == len(version.snapshot["sections"])

    # The comprehension check, answered with the keyboard alone.
    expect(patient_page.locator("h1")).to_have_text("Check your understanding")
    _check(patient_page, device, "patient-check", keyboard=True)
    checks = version.snapshot["checks"]
    _answer_with_keyboard(patient_page, checks)
    expect(
        patient_page.get_by_text(f"You got {len(checks)} of {len(checks)} right.")
    ).to_be_visible()
    _check(patient_page, device, "patient-check-results")
    _press_by_keyboard(patient_page, "I have read and understood this")
    expect(patient_page.locator(".govuk-panel__title")).to_have_text(
        "You have finished this reading"
    )
    _check(patient_page, device)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED

    # The printable version of what she read: on paper, only the reading.
    patient_page.goto(f"/reading/{assignment.pk}/print/")
    _check(patient_page, device)
    patient_page.emulate_media(media="print")
    expect(patient_page.locator(".portal-header")).to_be_hidden()
    expect(patient_page.locator(".portal-text-size")).to_be_hidden()
    expect(patient_page.locator("footer")).to_be_hidden()
    expect(
        patient_page.get_by_role("heading", name=version.snapshot["sections"][-1]["title"])
    ).to_be_visible()
    patient_page.emulate_media(media="screen")

    # She asks her care team a question.
    patient_page.get_by_role("link", name="My questions").first.click()
    _check(patient_page, device)
    patient_page.get_by_text("Ask a question", exact=True).click()
    _check(patient_page, device, "patient-ask", keyboard=True)
    # Sending nothing is announced: the error summary takes focus and names the problem.
    patient_page.get_by_role("button", name="Send question").click()
    summary = patient_page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Type your question before sending it.")
    _check(patient_page, device)
    patient_page.get_by_label("Your question", exact=True).fill(QUESTION)
    patient_page.get_by_role("button", name="Send question").click()
    expect(patient_page.get_by_text(QUESTION)).to_be_visible()
    _check(patient_page, device)
    question = Question.objects.get(patient=patient)

    # The clinician answers from the questions inbox.
    clinician_page.get_by_role("link", name=re.compile("^Questions")).first.click()
    _check(clinician_page, device, "clinician-questions", keyboard=True)
    clinician_page.get_by_role(
        "link", name=re.compile("Rosa Reyes|Can I have the flu")
    ).first.click()
    expect(clinician_page.locator("h1")).to_have_text("Question from Rosa Reyes")
    _check(clinician_page, device)
    clinician_page.get_by_label(re.compile("reply", re.I)).first.fill(ANSWER)
    clinician_page.get_by_role("button", name="Send reply").click()
    expect(clinician_page.get_by_text(ANSWER)).to_be_visible()
    _check(clinician_page, device)

    # The patient sees the reply.
    patient_page.goto("/questions/")
    _check(patient_page, device)
    patient_page.goto(f"/questions/{question.pk}/")
    expect(patient_page.get_by_text(ANSWER)).to_be_visible()
    _check(patient_page, device, "patient-question-reply")


def _check_reflow_at_200_percent(page) -> None:
    """WCAG 1.4.4 / 1.4.10: at 200% zoom the reading page still fits, with nothing cut off.

    Zooming a window to 200% halves its width and height in CSS pixels, which is what the
    page lays itself out by: a viewport of half the size is the same layout. WCAG's reflow
    yardstick is 320 CSS pixels wide (1280 at 400%), so a phone is checked at that width.
    """
    original = page.viewport_size
    page.set_viewport_size(
        {"width": max(320, original["width"] // 2), "height": original["height"] // 2}
    )
    try:
        assert_no_horizontal_scroll(page)
        expect(page.locator(".portal-reading h2").first).to_be_visible()
        overflowing = page.evaluate(
            """() => Array.from(document.querySelectorAll('main *'))
                .filter(el => el.getBoundingClientRect().width > 1
                    && !el.closest('.govuk-visually-hidden')
                    && el.scrollWidth > el.clientWidth + 1
                    && getComputedStyle(el).overflowX === 'hidden')
                .map(el => el.tagName + '.' + el.className)"""
        )
        assert not overflowing, f"Text is clipped at 200% zoom in: {overflowing}"
    finally:
        page.set_viewport_size(original)


def _check_comfortable_lines(page) -> None:
    """Reading text: lines of at most 80 characters, spaced at least 1.5 (WCAG 1.4.8)."""
    paragraphs = page.evaluate(
        """() => Array.from(document.querySelectorAll('.portal-reading p')).map(p => {
            const probe = document.createElement('span');
            probe.style.display = 'block';
            probe.style.width = '80ch';
            p.appendChild(probe);
            const eighty = probe.getBoundingClientRect().width;
            probe.remove();
            const style = getComputedStyle(p);
            return {
                width: p.getBoundingClientRect().width,
                eighty: eighty,
                spacing: parseFloat(style.lineHeight) / parseFloat(style.fontSize),
            };
        })"""
    )
    assert paragraphs, "no paragraphs of reading text found"
    for paragraph in paragraphs:
        assert paragraph["width"] <= paragraph["eighty"] + 1, paragraph
        assert paragraph["spacing"] >= 1.5, paragraph
