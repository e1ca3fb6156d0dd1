"""Production logs: JSON lines with a request id, and no patient information in any of them."""

import json
import logging

import pytest
from django.core.management import call_command
from django_guid.log_filters import CorrelationId
from pythonjsonlogger.json import JsonFormatter

from apps.questions.services import question_ask, reply_post
from portal.settings import base as deployed_settings

pytestmark = pytest.mark.django_db


class Collect(logging.Handler):
    """Formats each record when it is logged, as the production console handler does."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        # The test settings log quietly; this is the formatter production uses.
        json_formatter = deployed_settings.LOGGING["formatters"]["json"]
        self.setFormatter(
            JsonFormatter(json_formatter["fmt"], rename_fields=json_formatter["rename_fields"])
        )
        self.addFilter(CorrelationId(correlation_id_field="request_id"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    handler = Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.lines
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_patients_day_leaves_no_name_email_or_question_in_the_logs(
    client, patient, clinician, log_lines
):
    patient.set_password("a-long-password-1")
    patient.save()
    response = client.post(
        "/accounts/login/",
        {"login": patient.email, "password": "a-long-password-1"},
        HTTP_X_REQUEST_ID="6a1f3b0c9d2e4f5a8b7c6d5e4f3a2b1c",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "6a1f3b0c9d2e4f5a8b7c6d5e4f3a2b1c"
    client.post("/accounts/login/", {"login": patient.email, "password": "wrong password"})
    question = question_ask(patient=patient, body="Does nivolumab cause my itchy rash?")
    reply_post(question=question, author=clinician, body="Please call us about the rash today.")
    call_command("send_reminders")

    assert log_lines, "nothing was logged: the test would prove nothing"
    records = [json.loads(line) for line in log_lines]
    assert {"time", "level", "logger", "message", "request_id"} <= set(records[0])
    login = [r for r in records if "event=login " in r["message"]]
    assert login and login[0]["request_id"] == "6a1f3b0c9d2e4f5a8b7c6d5e4f3a2b1c"
    everything = "\n".join(log_lines)
    for private in (
        patient.email,
        patient.name,
        clinician.email,
        clinician.name,
        "nivolumab",
        "rash",
        "a-long-password-1",
        "wrong password",
    ):
        assert private not in everything, f"{private!r} was logged"


def test_an_invalid_request_id_is_replaced_by_a_new_one(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="<script>not-a-uuid</script>")
    assert "script" not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32


def test_a_request_without_an_id_does_not_add_a_log_line(client, db, log_lines):
    guid_logger = logging.getLogger("django_guid")
    before = guid_logger.level
    guid_logger.setLevel(deployed_settings.LOGGING["loggers"]["django_guid"]["level"])
    try:
        client.get("/healthz")
    finally:
        guid_logger.setLevel(before)
    assert not [line for line in log_lines if json.loads(line)["logger"] == "django_guid"]
