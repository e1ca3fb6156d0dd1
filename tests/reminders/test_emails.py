"""No health information in any email, and a one-click unsubscribe that needs no login."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail, signing
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.reminders import emails, services
from apps.reminders.emails import DigestCounts
from apps.reminders.models import Notification
from tests.factories import CaregiverFactory, ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import QuestionFactory, ReplyFactory

from .factories import AssignmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db

EMAIL_TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reminders" / "email"

FORBIDDEN_WORDS = [
    "cancer",
    "oncology",
    "tumor",
    "tumour",
    "immunotherapy",
    "checkpoint",
    "inhibitor",
    "vaccine",
    "vaccination",
    "chemotherapy",
    "chemo",
    "radiation",
    "diagnosis",
    "diagnosed",
    "treatment",
    "side effect",
    "symptom",
    "pembrolizumab",
    "nivolumab",
    "ipilimumab",
    "keytruda",
    "opdivo",
    "metastatic",
    "stage iv",
]
MODULE_TITLE = "Checkpoint inhibitors"
QUESTION_BODY = "Is it safe to have the flu vaccine between chemotherapy cycles?"
REPLY_BODY = "Yes: your oncology team recommends it with pembrolizumab (Keytruda)."


def _assert_no_health_words(text: str, where: str) -> None:
    lowered = text.lower()
    found = [word for word in FORBIDDEN_WORDS if re.search(rf"\b{re.escape(word)}", lowered)]
    assert not found, f"{where} mentions {found}"
    assert MODULE_TITLE.lower() not in lowered
    assert QUESTION_BODY.lower() not in lowered


@pytest.fixture
def health_details():
    """A patient, their care team, and everything health-related an email could leak."""
    patient = PatientFactory(name="Pat Example")
    clinician = ClinicianFactory(name="Dr Oncology")
    module = PublishedModuleFactory(title=MODULE_TITLE, summary="How immunotherapy works.")
    assignment = AssignmentFactory(patient=patient, module=module, note="Before your chemo.")
    question = QuestionFactory(patient=patient, assignment=assignment, body=QUESTION_BODY)
    reply = ReplyFactory(question=question, author=clinician, body=REPLY_BODY)
    return {
        "patient": patient,
        "clinician": clinician,
        "module": module,
        "assignment": assignment,
        "question": question,
        "reply": reply,
    }


def _template_names() -> list[str]:
    names = sorted(path.name for path in EMAIL_TEMPLATE_DIR.iterdir() if path.is_file())
    assert names, "no email templates found"
    return names


@pytest.mark.parametrize("name", _template_names())
def test_no_email_template_shows_health_information(name, health_details):
    recipient = health_details["patient"]
    context = {
        **emails.email_context(
            recipient=recipient,
            digest=DigestCounts(open_questions=2, overdue_patients=1, failed_checks=1),
        ),
        # Everything a careless template could reach for, deliberately offered.
        **health_details,
        "notification": NotificationFactory(
            recipient=recipient, assignment=health_details["assignment"]
        ),
        "title": MODULE_TITLE,
        "body": QUESTION_BODY,
    }
    rendered = render_to_string(f"reminders/email/{name}", context)
    assert "http://127.0.0.1:8000" in rendered or name.startswith("base")
    _assert_no_health_words(rendered, name)


def _kinds_with_objects(details):
    patient, clinician = details["patient"], details["clinician"]
    caregiver = CaregiverFactory(name="Alex Helper")
    assignment, question, reply = details["assignment"], details["question"], details["reply"]
    Kind = Notification.Kind
    return [
        dict(recipient=patient, kind=Kind.DUE_SOON, assignment=assignment, sequence=1),
        dict(recipient=patient, kind=Kind.OVERDUE, assignment=assignment, sequence=2),
        dict(recipient=patient, kind=Kind.NOT_STARTED, assignment=assignment, sequence=1),
        dict(recipient=patient, kind=Kind.REPLY, question=question, reply=reply),
        dict(recipient=clinician, kind=Kind.REPLY, question=question, reply=reply),
        dict(recipient=clinician, kind=Kind.NEW_QUESTION, question=question),
        dict(recipient=clinician, kind=Kind.DIGEST, digest_date=timezone.localdate()),
        # A caregiver the patient shares their reading reminders with.
        dict(recipient=caregiver, kind=Kind.DUE_SOON, assignment=assignment, sequence=1),
        dict(recipient=caregiver, kind=Kind.OVERDUE, assignment=assignment, sequence=2),
        dict(recipient=caregiver, kind=Kind.NOT_STARTED, assignment=assignment, sequence=1),
    ]


def test_every_kind_of_email_as_sent_is_free_of_health_information(health_details):
    for fields in _kinds_with_objects(health_details):
        notification = Notification(**fields)
        digest = DigestCounts(open_questions=1) if fields["kind"] == "digest" else None
        message = emails.build_email(notification=notification, digest=digest)
        where = f"{fields['kind']} to {fields['recipient'].role}"
        _assert_no_health_words(message.subject, where)
        _assert_no_health_words(message.body, where)
        _assert_no_health_words(message.alternatives[0].content, where)
        assert "Dr Oncology" not in message.body
        assert "Pat Example" not in message.body if fields["recipient"].is_clinician else True
        if fields["recipient"].is_caregiver:
            # Whom the reading is for is chosen on the site, never said in the email.
            assert "Pat Example" not in message.subject + message.body
            assert "Pat Example" not in message.alternatives[0].content
        assert message.to == [fields["recipient"].email]
        assert f"{settings.PORTAL_BASE_URL}/" in message.body


# --- unsubscribe ------------------------------------------------------------------------


def _unsubscribe_path_from(message) -> str:
    match = re.search(
        r"http://127\.0\.0\.1:8000(/notifications/unsubscribe/[^/\s]+/)", message.body
    )
    assert match, message.body
    return match.group(1)


@pytest.fixture
def sent_reminder(patient):
    daytime = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York
    assignment = AssignmentFactory(patient=patient, due_on=date(2026, 6, 12))
    notification = NotificationFactory(
        recipient=patient, assignment=assignment, created_at=daytime, send_after=daytime
    )
    services.notification_batch_deliver(ids=[notification.pk], now=daytime)
    [message] = mail.outbox
    return message


def test_the_unsubscribe_link_shows_a_confirmation_first(client, patient, sent_reminder):
    response = client.get(_unsubscribe_path_from(sent_reminder))

    assert response.status_code == 200
    assert "Stop emails from the portal?" in response.content.decode()
    patient.refresh_from_db()
    assert not hasattr(patient, "notification_prefs") or (
        patient.notification_prefs.unsubscribed_all_at is None
    )


def test_confirming_unsubscribes_without_logging_in(client, patient, sent_reminder):
    response = client.post(_unsubscribe_path_from(sent_reminder))

    assert response.status_code == 200
    assert "Emails stopped" in response.content.decode()
    patient.refresh_from_db()
    assert patient.notification_prefs.unsubscribed_all_at is not None
    # Twice is harmless.
    assert client.post(_unsubscribe_path_from(sent_reminder)).status_code == 200


def test_one_click_unsubscribe_from_a_mail_app_needs_no_csrf_token(patient, sent_reminder):
    mail_app = Client(enforce_csrf_checks=True)
    response = mail_app.post(
        _unsubscribe_path_from(sent_reminder),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.notification_prefs.unsubscribed_all_at is not None


def test_a_tampered_unsubscribe_link_is_refused(client, patient, other_patient, sent_reminder):
    path = _unsubscribe_path_from(sent_reminder)
    token = path.rstrip("/").rsplit("/", 1)[1]
    value, signature = token.split(":", 1)
    forged_value = signing.b64_encode(b'{"u":%d}' % other_patient.pk).decode()
    attempts = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        f"{forged_value}:{signature}",  # someone else's id with this signature
        signing.dumps({"u": other_patient.pk}),  # signed, but not for this purpose
        "not-a-token",
    ]
    for bad in attempts:
        url = reverse("reminders:unsubscribe", kwargs={"token": bad})
        response = client.post(url)
        assert response.status_code == 400, bad
        assert "This link is not valid" in response.content.decode()
    assert (
        not type(other_patient)
        .objects.filter(notification_prefs__unsubscribed_all_at__isnull=False)
        .exists()
    )


def test_unsubscribe_accepts_only_get_and_post(client, patient):
    url = reverse(
        "reminders:unsubscribe", kwargs={"token": emails.unsubscribe_token(user_id=patient.pk)}
    )
    assert client.put(url).status_code == 405
