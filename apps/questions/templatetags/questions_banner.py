"""The questions app's piece of other apps' pages: they load it here rather than importing
the questions app, which sits above them."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("questions/_answered_banner.html", takes_context=True)
def answered_questions_banner(context):
    """The patient's questions that got a reply they have not opened yet."""
    return {
        "answered_questions": selectors.answered_banner_for_patient(patient=context.request.user)
    }
