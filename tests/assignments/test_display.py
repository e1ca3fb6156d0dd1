"""The words list rows show, written out in Python, against Django's own formatting."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from apps.assignments.display import ACTIVITY_MOMENT, activity_moment


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
