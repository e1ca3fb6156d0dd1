"""The 'Listen' buttons are in the reading pages' HTML but hidden: static/js/listen.js shows
them only where the browser can speak (issue 23), so without it nothing changes."""

import re

import pytest
from django.urls import reverse

from tests.questions.factories import AssignmentToAskAboutFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["reading_section", "reading_all"])
def test_listen_is_hidden_in_the_html_and_its_script_is_a_file(patient_client, patient, page):
    assignment = AssignmentToAskAboutFactory(patient=patient)
    kwargs = {"assignment_id": assignment.pk}
    if page == "reading_section":
        kwargs["position"] = 1
    body = patient_client.get(reverse(f"assignments:{page}", kwargs=kwargs)).content.decode()
    boxes = re.findall(r"<div class=\"portal-listen portal-no-print\" data-listen([^>]*)>", body)
    assert boxes and all(attrs.strip() == "hidden" for attrs in boxes)
    assert 'src="/static/js/listen.js" type="module"' in body
    assert "speechSynthesis" not in body  # no inline script: the CSP allows only files
