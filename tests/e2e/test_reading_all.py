"""The whole module on one page, in a real browser without JavaScript: opening it records
nothing, and its "Next" button (a small form) records every section and goes to the check."""

import pytest
from playwright.sync_api import expect

from tests.assignments.factories import AssignmentFactory
from tests.factories import TEST_PASSWORD, PatientFactory
from tests.library.factories import PublishedModuleFactory

from .support import DESKTOP, log_in

pytestmark = pytest.mark.e2e


def test_reading_it_all_on_one_page_without_javascript(open_page):
    patient = PatientFactory(email="pat@example.org")
    assignment = AssignmentFactory(patient=patient, module=PublishedModuleFactory())
    page = open_page(DESKTOP, java_script_enabled=False)
    log_in(page, email=patient.email, password=TEST_PASSWORD)

    page.goto(f"/reading/{assignment.pk}/")
    opened = assignment.progress.count()  # the first section, shown one at a time
    page.get_by_role("link", name="Read it all on one page").click()
    expect(page).to_have_url(f"/reading/{assignment.pk}/all/")
    assert assignment.progress.count() == opened

    page.get_by_role("button", name="Next: check your understanding").click()
    expect(page).to_have_url(f"/reading/{assignment.pk}/check/")
    sections = assignment.module.current_version.sections
    assert assignment.progress.count() == len(sections)
