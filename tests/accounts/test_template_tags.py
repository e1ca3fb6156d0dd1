"""{% fixed_url %} and {% asset %}: the same addresses as {% url %} and {% static %}, worked out
once per process, and worked out again when a setting they depend on changes."""

from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings
from django.urls import reverse, set_script_prefix


def _render(source: str) -> str:
    return Template("{% load portal %}" + source).render(Context())


def test_fixed_url_and_asset_give_what_url_and_static_give():
    for name in ("home", "assignments:my_reading", "account_logout", "accounts:language"):
        assert _render(f"{{% fixed_url '{name}' %}}") == reverse(name)
    assert _render("{% asset 'css/portal.css' %}") == static("css/portal.css")


def test_a_changed_static_url_or_script_prefix_is_followed():
    before = _render("{% asset 'css/portal.css' %}")
    with override_settings(STATIC_URL="/assets-elsewhere/"):
        assert _render("{% asset 'css/portal.css' %}") == "/assets-elsewhere/css/portal.css"
    assert _render("{% asset 'css/portal.css' %}") == before
    set_script_prefix("/clinic/")
    try:
        assert _render("{% fixed_url 'home' %}") == "/clinic/"
    finally:
        set_script_prefix("/")
    assert _render("{% fixed_url 'home' %}") == "/"


def test_addresses_with_ids_are_what_reverse_gives():
    from portal import reversing

    for pk in (1, 7, 90151, 2**40):
        assert reversing.with_ids("assignments:reading_start", pk) == reverse(
            "assignments:reading_start", args=[pk]
        )
        assert reversing.with_ids("assignments:patient_detail", str(pk)) == reverse(
            "assignments:patient_detail", args=[pk]
        )
        for position in (1, 12):
            assert reversing.with_ids("assignments:reading_section", pk, position) == reverse(
                "assignments:reading_section", args=[pk, position]
            )
    set_script_prefix("/clinic/")
    try:
        assert reversing.with_ids("assignments:reading_start", 5) == "/clinic/reading/5/"
    finally:
        set_script_prefix("/")


def test_addresses_with_ids_refuse_what_reverse_refuses():
    import pytest

    from portal import reversing

    with pytest.raises(ValueError):
        reversing.with_ids("assignments:reading_start", -1)
    with pytest.raises(ValueError):
        reversing.with_ids("assignments:reading_start", "abc")
    with pytest.raises(ValueError):
        reversing.with_ids("assignments:reading_start")
