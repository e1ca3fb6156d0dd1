"""The wallet card in a real browser: it prints on exactly one card-size page (85.6 mm x 54 mm),
with the longest treatment name allowed and the patient's name on it, in every text size."""

import re

import pytest
from playwright.sync_api import expect

from apps.assignments import services
from tests.factories import TEST_PASSWORD, ClinicianFactory, PatientFactory

from .support import DESKTOP, PHONE, assert_accessible, log_in

pytestmark = pytest.mark.e2e

MM_TO_PT = 72 / 25.4
# The longest name the form takes (80 characters), made of real words so that it wraps as text.
LONGEST_TREATMENT = (
    "nivolumab (Opdivo) with ipilimumab (Yervoy), then nivolumab alone every 4 weeks."
)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height, in points, of each page of a PDF that Chromium wrote.

    Chromium writes one uncompressed page object per page, each with its own MediaBox.
    """
    boxes = re.findall(
        rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)",
        pdf,
        flags=re.DOTALL,
    )
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert len(boxes) == pages, "a page without a MediaBox: the PDF is not what Chromium writes"
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def test_the_page_counter_counts_pages(open_page):
    page = open_page(DESKTOP)
    page.set_content("<p style='break-after: page'>one</p><p>two</p>")
    assert len(pdf_pages(page.pdf(format="A4"))) == 2


@pytest.mark.parametrize("text_size", ["standard", "larger"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_card_prints_on_exactly_one_card_size_page(open_page, text_size, language):
    patient = PatientFactory(
        email="pat@example.org",
        name="Maria Guadalupe Fernandez de la Cruz Rodriguez",
        text_size=text_size,
        preferred_language=language,
    )
    clinician = ClinicianFactory()
    services.treatment_set(patient=patient, name=LONGEST_TREATMENT, updated_by=clinician)
    assert len(LONGEST_TREATMENT) == services.TREATMENT_NAME_MAX_LENGTH
    page = open_page(DESKTOP)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto("/reading/")
    page.locator("a[href='/reading/wallet-card/']").click()
    page.locator("input[name=with_name]").check()
    page.locator("main form button[type=submit]").click()
    card = page.locator(".portal-wallet-card")
    expect(card).to_contain_text(patient.name)
    expect(card).to_contain_text(LONGEST_TREATMENT)
    assert_accessible(page, device=DESKTOP)

    page.emulate_media(media="print")
    # Everything on the card fits inside it: nothing spills onto a second page or is cut off.
    fits = page.evaluate(
        """() => {
          const card = document.querySelector('.portal-wallet-card');
          const shown = [...document.body.querySelectorAll('*')].filter(
            el => el.getClientRects().length && !card.contains(el) && !el.contains(card));
          return {spill: card.scrollHeight - card.clientHeight, others: shown.map(el => el.tagName)};
        }"""
    )
    assert fits["spill"] <= 0, f"the card's text runs {fits['spill']}px past its bottom edge"
    assert fits["others"] == [], f"printed besides the card: {fits['others']}"

    pages = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) == 1, f"{len(pages)} pages"
    width, height = pages[0]
    assert width == pytest.approx(85.6 * MM_TO_PT, abs=1.5)
    assert height == pytest.approx(54 * MM_TO_PT, abs=1.5)


def test_the_card_page_is_accessible_on_a_phone_without_a_treatment_name(open_page):
    patient = PatientFactory(email="pat@example.org")
    page = open_page(PHONE)
    log_in(page, email=patient.email, password=TEST_PASSWORD)
    page.goto("/reading/wallet-card/")
    card = page.locator(".portal-wallet-card")
    expect(card).to_contain_text("I am having immunotherapy")
    expect(card).not_to_contain_text("My treatment")
    expect(card).not_to_contain_text(patient.name)
    expect(page.get_by_role("button", name="Print the card")).to_be_visible()
    assert_accessible(page, device=PHONE)
