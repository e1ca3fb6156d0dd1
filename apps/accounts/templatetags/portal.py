"""Template helpers shared by every app's templates."""

from django import template

register = template.Library()


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
