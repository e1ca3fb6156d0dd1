"""The browser checks themselves must catch what they claim to catch."""

import pytest

from .support import DESKTOP, assert_accessible, assert_no_horizontal_scroll, tab_through

pytestmark = pytest.mark.e2e


@pytest.fixture
def blank_page(browser):
    context = browser.new_context(**DESKTOP.context_options())
    yield context.new_page()
    context.close()


def test_axe_check_lists_an_unlabelled_input_and_low_contrast_text(blank_page):
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>Broken</title></head><body><main>"
        "<h1>Broken</h1><input type='text' id='nameless'>"
        "<p style='color:#bbb;background:#fff'>Faint words</p></main></body></html>"
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(blank_page, device=DESKTOP)
    report = str(failure.value)
    assert "- label (critical)" in report
    assert "#nameless" in report
    assert "- color-contrast (serious)" in report


def test_focus_check_fails_when_a_link_has_no_visible_focus(blank_page):
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>No focus</title>"
        "<style>a:focus { outline: none; }</style></head>"
        "<body><main><h1>No focus</h1><a href='#here'>A link</a></main></body></html>"
    )
    with pytest.raises(AssertionError, match="No visible focus style on <a> 'A link'"):
        tab_through(blank_page)


def test_focus_check_fails_when_tab_cannot_reach_a_control(blank_page):
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>Trap</title>"
        "<style>:focus { outline: 3px solid #fd0; }</style></head><body><main><h1>Trap</h1>"
        "<button type='button'>Reachable</button>"
        "<a href='#gone' tabindex='-1' id='skipped'>Not reachable</a></main></body></html>"
    )
    # A tabindex=-1 link is deliberately out of the tab order: not a failure.
    assert [stop["text"] for stop in tab_through(blank_page)] == ["Reachable"]
    blank_page.evaluate("document.getElementById('skipped').removeAttribute('tabindex')")
    blank_page.evaluate(
        "document.getElementById('skipped').addEventListener('focus', e => e.target.blur())"
    )
    with pytest.raises(AssertionError, match="Tab never reached these controls"):
        tab_through(blank_page)


def test_reflow_check_notices_a_page_that_scrolls_sideways(blank_page):
    blank_page.set_content(
        "<!DOCTYPE html><html lang='en'><head><title>Wide</title></head>"
        "<body><div style='width:3000px'>Too wide</div></body></html>"
    )
    with pytest.raises(AssertionError, match="scrolls sideways"):
        assert_no_horizontal_scroll(blank_page)
