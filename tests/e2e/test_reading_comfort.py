"""Reading comfort in the browser: text size that sticks, with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.factories import TEST_PASSWORD, PatientFactory

from .support import DESKTOP, PHONE, assert_accessible, assert_no_horizontal_scroll, log_in

pytestmark = pytest.mark.e2e


def _root_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_text_size_changes_in_place_keeps_focus_and_is_remembered(open_page):
    patient = PatientFactory(email="pat@example.org")
    page = open_page(PHONE)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto("/settings/")
    assert _root_font_px(page) == 16

    larger = page.get_by_role("button", name="Larger")
    larger.focus()
    page.keyboard.press("Enter")

    expect(larger).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Standard")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("body")).to_contain_class("portal-text-larger")
    expect(page.locator("body")).not_to_contain_class("portal-text-standard")
    expect(larger).to_be_focused()
    expect(page.locator("[data-text-size-status]")).to_have_text("Text size: Larger")
    assert _root_font_px(page) == 24
    patient.refresh_from_db()
    assert patient.text_size == User.TextSize.LARGER

    page.reload()
    assert _root_font_px(page) == 24
    assert_no_horizontal_scroll(page)
    assert_accessible(page, device=PHONE)


def test_text_size_works_without_javascript(open_page):
    patient = PatientFactory(email="pat@example.org")
    page = open_page(DESKTOP, java_script_enabled=False)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto("/settings/")

    page.get_by_role("button", name="Large", exact=True).click()

    expect(page).to_have_url("/settings/")
    expect(page.get_by_role("button", name="Large", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert _root_font_px(page) == 20
    patient.refresh_from_db()
    assert patient.text_size == User.TextSize.LARGE
