"""axe-core over the admin pages the review-loop walk does not open (issue 22): the Group form
and the user form with their two-list pickers (filter_horizontal), and change forms with tables
of related rows (inlines), on a desktop and on a window narrow enough for the tables to scroll
sideways, which must then be reachable and scrollable with the keyboard."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.library.models import Module, ModuleReview
from tests.questions.factories import QuestionFactory, ReplyFactory

from .support import DEMO_PASSWORD, DESKTOP, PHONE, assert_accessible, give_authenticator, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin_page(open_page, transactional_db):
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    admin = User.objects.get(email="admin@example.com")
    secret = give_authenticator(admin)

    def _open(device):
        page = open_page(device)
        log_in(page, email=admin.email, password=DEMO_PASSWORD, totp_secret=secret)
        return page

    return _open


def _module_with_a_review() -> Module:
    module = Module.objects.get(slug="what-is-immunotherapy")
    ModuleReview.objects.create(
        module=module,
        requested_by=User.objects.get(email="editor@example.com"),
        reviewer=User.objects.get(email="reviewer@example.com"),
        note="Please check the new first section.",
        decision=ModuleReview.Decision.CHANGES_REQUESTED,
        comment="Say what a checkpoint is in one short sentence.",
    )
    return module


def _admin_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda device: device.name)
def test_group_and_user_forms_have_no_axe_violations(admin_page, device):
    page = admin_page(device)
    patient = User.objects.get(email="patient@example.com")
    for url in (
        "/admin/auth/group/add/",
        _admin_url(Group.objects.get(name="Content editors")),
        _admin_url(patient),
    ):
        page.goto(url)
        # The two-list picker has built itself (on "load"), and its search boxes are labelled.
        icon = page.locator(".selector-filter .search-label-icon").first
        expect(icon).to_have_attribute("role", "img")
        box = page.locator(".selector-available input[type=text]").first
        expect(box).to_have_accessible_name(
            "Type into this box to filter down the list of available "
            + ("permissions." if "/group/" in url else "groups.")
        )
        assert_accessible(page, device=device)
    # The care-team table on the user form: the date it was made is a record, not an input.
    expect(page.locator("input[name='care_team_links-0-created_at_0']")).to_have_count(0)
    expect(page.locator("input[name='care_team_links-0-DELETE']")).to_have_accessible_name(
        "Delete this row"
    )


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda device: device.name)
def test_change_forms_with_tables_of_rows_have_no_axe_violations(admin_page, device):
    reviewed = _module_with_a_review()
    # No review yet: the table is only its headings, with no link in it to focus instead.
    never_reviewed = Module.objects.filter(reviews__isnull=True).first()
    question = QuestionFactory(patient=User.objects.get(email="patient@example.com"))
    ReplyFactory(question=question)
    page = admin_page(device)
    for url in (_admin_url(reviewed), _admin_url(never_reviewed), _admin_url(question)):
        page.goto(url)
        expect(page.locator(".portal-inline-scroll").first).to_be_attached()
        assert_accessible(page, device=device)


def test_a_table_wider_than_the_window_scrolls_with_the_keyboard(admin_page):
    module = _module_with_a_review()
    page = admin_page(PHONE)
    page.goto(_admin_url(module))
    table = page.get_by_role("region", name="Reviews (read-only)")
    sizes = table.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] > sizes["client"], "the table fits: nothing to scroll on this window"
    expect(table).to_have_attribute("tabindex", "0")
    table.focus()
    expect(table).to_be_focused()
    assert table.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait for it to move, up to the default timeout.
    page.wait_for_function("el => el.scrollLeft > 0", arg=table.element_handle())
