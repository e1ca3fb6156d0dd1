"""Every clinician page fits a phone and 200% zoom, and the questions badge never moves the
menu (issue 23). axe checks each page once per size; the clinician screenshots are saved here.

Sizes
- Phone: 390 x 844 CSS pixels, as a phone reports itself (touch, mobile viewport).
- 200% zoom: a 1280 x 800 desktop window zoomed to 200% lays pages out in 640 x 400 CSS
  pixels; the test opens a 640 x 400 viewport with a device scale factor of 2, which is what
  the browser's own zoom produces (the same CSS width, media queries and pixel density).
  CSS `zoom` on the root was not used: media queries and the viewport do not change with it,
  so it would not test the layout a zoomed browser actually chooses.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assignments import services
from apps.assignments.models import Assignment
from apps.library.models import Module
from apps.questions.models import Question, Reply

from .support import (
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    Device,
    assert_accessible,
    assert_no_horizontal_scroll,
    give_authenticator,
    log_in,
    screenshot,
)

pytestmark = pytest.mark.e2e


class ZoomedDesktop(Device):
    def context_options(self) -> dict:
        return super().context_options() | {"device_scale_factor": 2}


ZOOM_200 = ZoomedDesktop("zoom200", 640, 400)
NOTE = "Please read both before your first infusion on Monday."


@pytest.fixture
def clinic(transactional_db):
    """The demo clinic with a day's work in it: reading overdue, a check missed, a note given
    with two readings, a question waiting and one answered."""
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    clinician = User.objects.get(email="clinician@example.com")
    pat = User.objects.get(email="patient@example.com")
    sam = User.objects.get(email="patient2@example.com")
    modules = list(Module.objects.published().filter(language="en").order_by("title")[:3])
    services.assignment_create_bulk(
        assigned_by=clinician,
        patient_ids=[pat.pk],
        module_ids=[modules[0].pk, modules[1].pk],
        note=NOTE,
        due_on=None,
    )
    Assignment.objects.filter(patient=pat, module=modules[0]).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )
    missed = Assignment.objects.create(
        patient=sam, module=modules[2], assigned_by=clinician, status="in_progress"
    )
    Assignment.objects.filter(pk=missed.pk).update(check_failed=True)
    first = Assignment.objects.get(patient=pat, module=modules[0])
    answered = Question.objects.create(
        patient=pat,
        assignment=first,
        module=modules[0],
        body="Is it normal to feel tired after the first week?",
        status=Question.Status.ANSWERED,
    )
    Reply.objects.create(
        question=answered, author=clinician, body="Yes, many people do. Rest when you can."
    )
    return {
        "clinician": clinician,
        "secret": give_authenticator(clinician),
        "pat": pat,
        "modules": modules,
        "assignment": first,
        "answered": answered,
    }


def _ask(clinic) -> Question:
    return Question.objects.create(
        patient=clinic["pat"],
        assignment=clinic["assignment"],
        module=clinic["modules"][0],
        body="Can I have the flu shot while I read this?",
        status=Question.Status.OPEN,
        waiting_since=timezone.now(),
    )


def _clinician_pages(clinic, waiting: Question) -> list[tuple[str, str | None]]:
    """(path, screenshot name) for every page a clinician uses. My patients, the patient page,
    the assign form and the inbox are photographed by test_journey.py, which owns those names."""
    module = clinic["modules"][0]
    return [
        ("/patients/", None),
        ("/patients/?show=overdue&sort=overdue", None),
        (f"/patients/{clinic['pat'].pk}/", None),
        ("/patients/assign/", None),
        ("/patients/modules/", "clinician-reading-across"),
        ("/patients/modules/?show=all", None),
        (f"/patients/modules/{module.pk}/", None),
        (f"/patients/assignments/{clinic['assignment'].pk}/cancel/", None),
        ("/team/questions/", None),
        ("/team/questions/?status=all", None),
        (f"/questions/{waiting.pk}/", None),
        (f"/questions/{clinic['answered'].pk}/", "clinician-question-answered"),
        ("/team/invitations/", "clinician-invite"),
        ("/library/", "clinician-library"),
        (f"/library/{module.pk}/", "clinician-library-preview"),
        ("/settings/", None),
        ("/settings/notifications/", None),
        ("/accounts/2fa/", None),
        ("/accounts/sessions/", None),
    ]


def _logged_in(open_page, clinic):
    page = open_page(DESKTOP)
    log_in(
        page,
        email="clinician@example.com",
        password=DEMO_PASSWORD,
        totp_secret=clinic["secret"],
    )
    expect(page.locator("h1")).to_have_text("My patients")
    return page


@pytest.mark.parametrize("device", [PHONE, ZOOM_200], ids=["phone-390", "zoom-200"])
def test_every_clinician_page_fits_without_sideways_scrolling(open_page, clinic, device):
    waiting = _ask(clinic)
    state = _logged_in(open_page, clinic).context.storage_state()
    page = open_page(device, storage_state=state)
    for path, name in _clinician_pages(clinic, waiting):
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("h1")).to_have_count(1)
        assert_no_horizontal_scroll(page)
        assert_accessible(page, device=device)
        if name and device is PHONE:
            screenshot(page, name, device=device)


def test_clinician_pages_desktop_screenshots_and_axe(open_page, clinic):
    waiting = _ask(clinic)
    page = _logged_in(open_page, clinic)
    for path, name in _clinician_pages(clinic, waiting):
        page.goto(path)
        assert_no_horizontal_scroll(page)
        assert_accessible(page, device=DESKTOP)
        if name:
            screenshot(page, name, device=DESKTOP)


def test_my_patients_on_a_phone_shows_every_column_of_every_patient(open_page, clinic):
    state = _logged_in(open_page, clinic).context.storage_state()
    page = open_page(PHONE, storage_state=state)
    page.goto("/patients/")
    row = page.locator(".portal-patients-table tbody tr", has_text="Pat Rivera")
    width = page.evaluate("() => document.documentElement.clientWidth")

    def on_screen(locator):
        locator.scroll_into_view_if_needed()
        expect(locator).to_be_in_viewport(ratio=1)
        box = locator.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box

    for label in ("New", "In progress", "Done", "Overdue", "Last activity"):
        on_screen(row.locator(f"[data-label='{label}']"))
    on_screen(row.get_by_role("link", name="Pat Rivera"))
    sam = page.locator(".portal-patients-table tbody tr", has_text="Sam Okafor")
    on_screen(sam.get_by_text("Check answers missed"))
    # Nothing is cut off or hidden in a scrolled box.
    assert page.evaluate(
        """() => Array.from(document.querySelectorAll('.portal-patients-table td, .portal-patients-table th'))
            .every(cell => cell.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)"""
    )


_NAV_BOXES_JS = """() => ({
    header: document.querySelector('.portal-header').getBoundingClientRect().height,
    nav: document.querySelector('.portal-nav').getBoundingClientRect().height,
    links: Array.from(document.querySelectorAll('.portal-nav a, .portal-nav button, .portal-header__user'))
        .map(el => { const r = el.getBoundingClientRect(); return [el.textContent.trim().slice(0, 20), Math.round(r.top), Math.round(r.left)]; })
        .filter(([text]) => !text.startsWith('Questions')),
})"""


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone-390"])
def test_the_questions_badge_never_moves_the_menu(open_page, clinic, device):
    state = _logged_in(open_page, clinic).context.storage_state()
    page = open_page(device, storage_state=state)
    page.goto("/patients/")
    expect(page.locator(".portal-nav__count")).to_have_count(0)
    without = page.evaluate(_NAV_BOXES_JS)
    for count in (1, 12, 120):
        while Question.objects.filter(status=Question.Status.OPEN).count() < count:
            _ask(clinic)
        page.reload()
        expect(page.locator(".portal-nav__count")).to_be_visible()
        badge = page.evaluate(_NAV_BOXES_JS)
        assert badge == without, f"with {count} waiting the menu moved: {without} -> {badge}"
    if device is DESKTOP:
        # On a desktop the whole menu stays on one line.
        tops = {top for _text, top, _left in without["links"]}
        assert len(tops) == 1, without
