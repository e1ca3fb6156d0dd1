"""The library's review loop walked in a real browser, with axe-core on every admin page an
editor or a reviewer uses: the editor edits and sends for review, the reviewer (told by
email and by the admin home page) reads the diff and asks for changes, the editor edits
again, the reviewer approves and publishes; patients then read the new version and the
clinician sees “Updated since read” for a patient who read the old one."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assignments.models import Assignment
from apps.library.models import Module

from .support import DEMO_PASSWORD, DESKTOP, assert_accessible, give_authenticator, log_in

pytestmark = pytest.mark.e2e

MODULE_SLUG = "what-is-immunotherapy"
FIRST_EDIT = "Immunotherapy can help your immune system find cancer cells."
SECOND_EDIT = "Your care team will tell you how often you get it."


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    secrets = {
        email: give_authenticator(User.objects.get(email=email))
        for email in ("editor@example.com", "reviewer@example.com", "clinician@example.com")
    }
    module = Module.objects.get(slug=MODULE_SLUG)
    clinician = User.objects.get(email="clinician@example.com")
    # Pat finished the published version before the change.
    Assignment.objects.create(
        patient=User.objects.get(email="patient@example.com"),
        module=module,
        assigned_by=clinician,
        status=Assignment.Status.COMPLETED,
        completed_at=timezone.now(),
        completed_version=module.current_version,
    )
    return module, secrets


def _staff(open_page, email, secrets):
    page = open_page()
    log_in(page, email=email, password=DEMO_PASSWORD, totp_secret=secrets[email])
    return page


def _edit_first_section(page, module, text):
    page.goto(f"/admin/library/module/{module.pk}/change/")
    assert_accessible(page, device=DESKTOP)
    body = page.locator("#id_sections-0-body_markdown")
    body.fill(body.input_value() + "\n\n" + text)
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def _send_for_review(page):
    page.get_by_role("link", name="Send for review").click()
    assert_accessible(page, device=DESKTOP)
    reviewer = User.objects.get(email="reviewer@example.com")
    page.get_by_label("Reviewer:", exact=True).select_option(value=str(reviewer.pk))
    page.get_by_label("Note for the reviewer (optional)").fill("Added a sentence.")
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".messagelist")).to_contain_text("was sent to Dr Robin Reyes")


def _decide(page, module, decision, comment):
    page.goto("/admin/")
    expect(page.get_by_text("1 module waits for your review")).to_be_visible()
    assert_accessible(page, device=DESKTOP)
    page.get_by_role("link", name="1 module waits for your review").click()
    assert_accessible(page, device=DESKTOP)
    page.goto(f"/admin/library/module/{module.pk}/review/")
    expect(page.locator("ins").first).to_be_visible()
    assert_accessible(page, device=DESKTOP)
    page.get_by_label(decision).check()
    page.get_by_label("Comment:", exact=True).fill(comment)
    page.get_by_role("button", name="Save my decision").click()


def test_edit_review_ask_for_changes_approve_publish(open_page, demo):
    module, secrets = demo
    editor = _staff(open_page, "editor@example.com", secrets)
    _edit_first_section(editor, module, FIRST_EDIT)
    _send_for_review(editor)
    assert [message.to for message in mail.outbox] == [["reviewer@example.com"]]
    assert "immunotherapy" not in mail.outbox[0].body.lower()

    reviewer = _staff(open_page, "reviewer@example.com", secrets)
    _decide(reviewer, module, "Ask for changes", "Say how often it is given.")
    expect(reviewer.locator(".messagelist")).to_contain_text("You asked for changes")

    editor.goto(f"/admin/library/module/{module.pk}/change/")
    expect(editor.get_by_text("Say how often it is given.")).to_be_visible()
    _edit_first_section(editor, module, SECOND_EDIT)
    _send_for_review(editor)

    _decide(reviewer, module, "Approve", "Clear now.")
    expect(reviewer.locator(".messagelist")).to_contain_text("You approved")
    reviewer.get_by_role("link", name="Publish", exact=True).click()
    assert_accessible(reviewer, device=DESKTOP)
    reviewer.get_by_role("button", name="Publish now").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("version 2 is published")

    module.refresh_from_db()
    assert module.current_version.number == 2
    new_reading = Assignment.objects.create(
        patient=User.objects.get(email="patient2@example.com"),
        module=module,
        assigned_by=User.objects.get(email="clinician@example.com"),
    )
    patient = open_page()
    log_in(patient, email="patient2@example.com", password=DEMO_PASSWORD)
    patient.goto(f"/reading/{new_reading.pk}/all/")
    expect(patient.get_by_text(SECOND_EDIT)).to_be_visible()

    clinician = _staff(open_page, "clinician@example.com", secrets)
    pat = User.objects.get(email="patient@example.com")
    clinician.goto(f"/patients/{pat.pk}/")
    expect(clinician.get_by_text("Updated since read").first).to_be_visible()
