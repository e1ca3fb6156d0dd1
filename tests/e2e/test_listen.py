"""'Listen' on a reading section (issue 23): the browser reads the section aloud with the Web
Speech API, in the section's language. Shown only where speechSynthesis exists; the page
works the same without it (or without JavaScript)."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assignments import services as assignment_services
from apps.assignments.models import Assignment
from apps.library.models import Module

from .support import DEMO_PASSWORD, DESKTOP, PHONE, assert_accessible, log_in
from .test_spanish import assigned_in_english  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

# A stand-in for the browser's speech engine that records what it was asked to do.
FAKE_SPEECH = """
(() => {
  const calls = [];
  window.__speech = calls;
  Object.defineProperty(window, 'speechSynthesis', {
    configurable: true,
    value: {
      speak: (u) => calls.push({call: 'speak', text: u.text, lang: u.lang}),
      pause: () => calls.push({call: 'pause'}),
      resume: () => calls.push({call: 'resume'}),
      cancel: () => calls.push({call: 'cancel'}),
      getVoices: () => [],
      speaking: false, paused: false, pending: false,
    },
  });
})();
"""
NO_SPEECH = """
delete window.speechSynthesis;
delete Window.prototype.speechSynthesis;
"""


@pytest.fixture
def assignment(transactional_db):
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    return assignment_services.assignment_create(
        assigned_by=User.objects.get(email="clinician@example.com"),
        patient_id=User.objects.get(email="patient@example.com").pk,
        module_id=Module.objects.get(slug="what-is-immunotherapy").pk,
    )


def _open(open_page, device=DESKTOP, *, script=None, **options):
    page = open_page(device, **options)
    if script:
        page.add_init_script(script)
    log_in(page, email="patient@example.com", password=DEMO_PASSWORD)
    return page


def test_no_listen_button_where_the_browser_cannot_speak(open_page, assignment):
    page = _open(open_page, script=NO_SPEECH)
    page.goto(f"/reading/{assignment.pk}/sections/1/")
    assert page.evaluate("'speechSynthesis' in window") is False
    expect(page.locator("h2#section-title")).to_be_visible()
    expect(page.locator("[data-listen]")).to_be_hidden()
    expect(page.get_by_role("button", name="Listen")).to_have_count(0)


def test_no_listen_button_without_javascript(open_page, assignment):
    page = _open(open_page, java_script_enabled=False)
    page.goto(f"/reading/{assignment.pk}/sections/1/")
    expect(page.locator("h2#section-title")).to_be_visible()
    expect(page.locator("[data-listen]")).to_be_hidden()


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_listen_reads_the_section_in_its_language_with_pause_resume_and_stop(
    open_page, assignment, device
):
    page = _open(open_page, device, script=FAKE_SPEECH)
    page.goto(f"/reading/{assignment.pk}/sections/1/")
    section = assignment.module.current_version.snapshot["sections"][0]
    listen = page.get_by_role("button", name="Listen")
    expect(listen).to_be_visible()
    assert_accessible(page, device=device)

    listen.click()
    spoken = page.evaluate("window.__speech.filter(c => c.call === 'speak')")
    assert spoken, "speak() was not called"
    text = " ".join(call["text"] for call in spoken)
    assert text.startswith(section["title"])
    first_words = re.sub(r"<[^>]+>", " ", section["html"]).split()[:4]
    assert " ".join(first_words) in text
    assert "Listen" not in text and "Pause" not in text  # not the buttons themselves
    assert {call["lang"] for call in spoken} == {"en"}
    pause = page.get_by_role("button", name="Pause")
    expect(pause).to_be_focused()
    expect(listen).to_be_hidden()
    expect(page.locator("[data-listen-status]")).to_have_text("Reading this section aloud.")

    pause.click()
    resume = page.get_by_role("button", name="Resume")
    expect(resume).to_be_focused()
    resume.click()
    page.get_by_role("button", name="Stop").click()
    expect(listen).to_be_focused()
    calls = [call["call"] for call in page.evaluate("window.__speech")]
    assert calls[-3:] == ["pause", "resume", "cancel"]


def test_the_next_section_swapped_in_by_htmx_has_its_own_listen_button(open_page, assignment):
    page = _open(open_page, script=FAKE_SPEECH)
    page.goto(f"/reading/{assignment.pk}/sections/1/")
    page.get_by_role("button", name="Listen").click()
    page.locator(".govuk-pagination__next a").click()
    expect(page.locator("#section-count")).to_contain_text("Section 2 of")
    expect(page.get_by_role("button", name="Listen")).to_be_visible()
    # Moving on stopped the first section's speech.
    assert page.evaluate("window.__speech.at(-1).call") == "cancel"
    page.get_by_role("button", name="Listen").click()
    second = assignment.module.current_version.snapshot["sections"][1]["title"]
    spoken = page.evaluate("window.__speech.filter(c => c.call === 'speak').map(c => c.text)")
    assert second in spoken


def test_the_spanish_module_is_spoken_in_spanish(open_page, assigned_in_english):  # noqa: F811
    """The voice speaks the section's language: the Spanish module on the Spanish page is
    'es', like the page's <html lang>; an English section read in the Spanish interface
    would still be spoken in English (its own lang attribute)."""
    patient = assigned_in_english
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    assignment = Assignment.objects.get(patient=patient)
    sections = Module.objects.get(slug="que-es-la-inmunoterapia").current_version.snapshot[
        "sections"
    ]
    page = _open(open_page, script=FAKE_SPEECH)
    page.goto(f"/reading/{assignment.pk}/all/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name=sections[0]["title"], exact=True)).to_be_visible()
    boxes = page.locator("[data-listen]")
    expect(boxes.first).to_be_visible()
    assert boxes.count() == len(sections)
    boxes.nth(1).locator("[data-listen-action=play]").click()
    spoken = page.evaluate("window.__speech.filter(c => c.call === 'speak')")
    assert {call["lang"] for call in spoken} == {"es"}
    assert spoken[0]["text"] == sections[1]["title"]
