"""The words list rows show, written out in Python, against Django's own formatting."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from apps.assignments.display import (
    ACTIVITY_MOMENT,
    ReadingItem,
    activity_moment,
    reading_items_html,
)


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_an_activity_moment_reads_as_django_writes_it(language):
    moment = datetime(2026, 1, 1, 0, 0)
    with translation.override(language):
        # Every month, every day of the month, hours and minutes with and without a leading
        # zero: 383 steps of 23 hours and 7 minutes cover more than a year.
        for _step in range(383):
            assert activity_moment(moment) == date_format(moment, ACTIVITY_MOMENT), moment
            moment += timedelta(hours=23, minutes=7)
        assert activity_moment(datetime(987, 5, 4, 3, 2)) == date_format(
            datetime(987, 5, 4, 3, 2), ACTIVITY_MOMENT
        )


def test_an_activity_moment_needs_the_local_time():
    with pytest.raises(ValueError, match="local time"):
        activity_moment(timezone.now())


# The loop "My reading" had in its template, kept here as the reference for
# reading_items_html.
TEMPLATE_LOOP = """      {% for item in group.items %}
      <li class="portal-reading-item">
        <h3 class="govuk-heading-s govuk-!-margin-bottom-2" lang="{{ item.language }}">
          <a class="govuk-link" href="{{ item.url }}">{{ item.title }}</a>
        </h3>
        <p class="govuk-body govuk-!-margin-bottom-2">
          <strong class="govuk-tag {{ item.status_tag }}">{{ item.status_label }}</strong>
          {% if item.updated_label %}<strong class="govuk-tag govuk-tag--grey">{{ item.updated_label }}</strong>{% endif %}
        </p>
        {% if item.summary %}<p class="govuk-body">{{ item.summary }}</p>{% endif %}
        <p class="govuk-body govuk-!-margin-bottom-2">{{ item.minutes }}{% if item.progress %} {{ item.progress }}{% endif %}</p>
        {% if item.when %}<p class="govuk-body{% if item.overdue %} portal-overdue-kind{% endif %}">{{ item.when }}{% if item.when_today %} <strong>{{ item.when_today }}</strong>{% endif %}</p>{% endif %}
        {% if item.note %}
        <div class="govuk-inset-text govuk-!-margin-top-2 govuk-!-margin-bottom-3">
          <p class="govuk-body govuk-!-margin-bottom-1"><strong>{{ item.note_from }}</strong></p>
          <p class="govuk-body govuk-!-margin-bottom-0">{{ item.note|linebreaksbr }}</p>
        </div>
        {% endif %}
        <a class="govuk-button{% if item.done %} govuk-button--secondary{% endif %} govuk-!-margin-bottom-0" data-module="govuk-button" href="{{ item.url }}">{{ item.button }}<span class="govuk-visually-hidden">: {{ item.title }}</span></a>
      </li>
      {% endfor %}
"""


def _item(**changes) -> ReadingItem:
    item = ReadingItem(
        url="/reading/7/",
        title='Checkpoint inhibitors & you: "what to expect"',
        language="en",
        summary="How these medicines work <briefly>.",
        status_label="Started",
        status_tag="govuk-tag--yellow",
        updated_label="",
        minutes="About 6 minutes to read.",
        progress="You have read 2 of 5 sections.",
        when="Please read this by Monday 2 March 2026.",
        when_today="That is today.",
        overdue=False,
        note="Line one & <two>\nLine 'three'",
        note_from="A note from Dr O'Brien:",
        button="Carry on reading",
        done=False,
    )
    item.update(changes)
    return item


ITEMS = [
    _item(),
    _item(summary="", progress="", when="", note="", updated_label="Updated since you read it"),
    _item(overdue=True, when_today="", done=True, button="Read again", language="es"),
    _item(note="One line only", when="Done on a day.", when_today=""),
]


def _spaced(html: str) -> str:
    # Whitespace between block elements may differ; where there was some, there still is.
    return re.sub(r"\s+", " ", str(html)).strip()


@pytest.mark.parametrize("count", [0, 1, 4])
def test_reading_items_are_what_the_template_wrote(count):
    items = ITEMS[:count]
    expected = Template("{% load i18n %}" + TEMPLATE_LOOP).render(
        Context({"group": {"items": items}})
    )
    written = reading_items_html(items)
    assert _spaced(written) == _spaced(expected)
    if count:
        assert "&lt;briefly&gt;" in written and "Line one &amp; &lt;two&gt;<br>" in written
