"""Template helpers for showing module versions."""

import datetime

from django import template

register = template.Library()


@register.filter
def iso_date(value):
    """A date kept as YYYY-MM-DD in a version snapshot, as a date for the |date filter."""
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None
