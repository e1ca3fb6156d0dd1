"""The pages everyone meets first, in a real browser: log in, accept an invitation, settings."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.accounts import services as account_services
from apps.accounts.models import User
from tests.factories import TEST_PASSWORD, ClinicianFactory, PatientFactory

from .support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    log_in,
    screenshot,
    tab_through,
)

pytestmark = pytest.mark.e2e


def _focused(page) -> dict:
    return page.evaluate(
        "() => ({id: document.activeElement.id, cls: document.activeElement.className,"
        " text: document.activeElement.innerText || ''})"
    )


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(open_page, device):
    page = open_page(device)
    page.goto("/accounts/login/")

    page.keyboard.press("Tab")
    first = _focused(page)
    assert "govuk-skip-link" in first["cls"]
    assert first["text"].strip() == "Skip to main content"
    expect(page.locator(".govuk-skip-link")).to_be_in_viewport()

    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main-content"


def test_login_page_passes_axe_and_every_control_has_visible_focus(open_page, device):
    page = open_page(device)
    page.goto("/accounts/login/")

    assert_accessible(page, device=device)
    stops = tab_through(page)
    assert [stop["tag"] for stop in stops][:1] == ["a"]
    assert any(stop["id"] == "id_login" for stop in stops)
    assert_no_horizontal_scroll(page)
    screenshot(page, "log-in", device=device)


def test_wrong_password_is_announced_in_an_error_summary_that_takes_focus(open_page, device):
    PatientFactory(email="pat@example.org")
    page = open_page(device)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill("not-my-password")
    page.locator("main form").get_by_role("button").first.click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value("pat@example.org")
    assert_accessible(page, device=device)


def test_invitation_accept_page_is_accessible_with_and_without_errors(open_page, device):
    clinician = ClinicianFactory()
    account_services.invitation_create(
        invited_by=clinician, email="new.patient@example.org", name="Nia New"
    )
    link = re.search(r"https?://\S+/invite/\S+?/", mail.outbox[-1].body).group(0)
    page = open_page(device)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nia New")
    assert_accessible(page, device=device)
    tab_through(page)
    screenshot(page, "set-password", device=device)

    page.get_by_label("Choose a password").fill("a calm walk by the sea")
    page.get_by_label("Type the same password again").fill("a different sentence")
    page.get_by_role("button", name="Set password and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The two passwords are not the same.")
    error_field = page.get_by_label("Type the same password again")
    expect(error_field).to_have_attribute("aria-invalid", "true")
    assert "id_password2-error" in error_field.get_attribute("aria-describedby")
    assert_accessible(page, device=device)

    page.get_by_label("Choose a password").fill("a calm walk by the sea")
    page.get_by_label("Type the same password again").fill("a calm walk by the sea")
    page.get_by_role("button", name="Set password and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reading")
    assert User.objects.get(email="new.patient@example.org").is_patient


def test_settings_page_is_accessible_and_usable_by_keyboard(open_page, device):
    PatientFactory(email="pat@example.org", name="Pat Patient")
    page = open_page(device)
    log_in(page, email="pat@example.org", password=TEST_PASSWORD)

    page.goto("/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    assert_accessible(page, device=device)
    tab_through(page)
    assert_no_horizontal_scroll(page)
    screenshot(page, "settings", device=device)
