"""Template helpers shared by every app's templates."""

import functools

from django import template
from django.core.signals import setting_changed
from django.templatetags.static import static

from portal import reversing

register = template.Library()


# --- Addresses that never change while the process runs ---------------------------------------
# Every page's header and footer name the same dozen addresses (menu, log out, language, text
# size, style sheets, scripts). {% url %} and {% static %} work each one out again on every
# page: together a third of base.html's cost (docs/performance.md). These two tags give the same
# answer, worked out once per process.


@register.simple_tag
def fixed_url(name: str) -> str:
    """{% url name %} for an address that takes no arguments, worked out once (per script
    prefix, which a deployment under a sub-path sets): portal.reversing."""
    return reversing.fixed(name)


@functools.cache
def _asset(path: str) -> str:
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """{% static path %}, worked out once per process (the manifest of hashed names is fixed
    for the life of the process)."""
    return _asset(path)


def _forget_assets(*, setting, **kwargs) -> None:
    # Tests that change these settings must not get an address worked out before the change.
    if setting in {"STATIC_URL", "STORAGES"}:
        _asset.cache_clear()


setting_changed.connect(_forget_assets)


_WIDGET_CLASSES = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "textarea": "govuk-textarea",
    "radioselect": "govuk-radios__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
}


@register.filter
def govuk_widget(field):
    """Render a form field's widget with GOV.UK classes and the ARIA links to hint and error."""
    widget_type = field.widget_type
    css = _WIDGET_CLASSES.get(widget_type, "govuk-input")
    if field.errors:
        css += f" {css.split()[0]}--error"
    described_by = []
    if field.help_text:
        described_by.append(f"{field.id_for_label}-hint")
    if field.errors:
        described_by.append(f"{field.id_for_label}-error")
    attrs = {"class": css}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
