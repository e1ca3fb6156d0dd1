"""New-question and reply notices, from the questions app's signals to one email each."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from apps.questions import services as question_services
from apps.reminders.models import Notification
from tests.factories import CareTeamMembershipFactory, ClinicianFactory

from .factories import NotificationPreferenceFactory
from .helpers import NEW_YORK, emails_to, local, rows, sweep

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
DAYTIME = local(NEW_YORK, 2026, 6, 10, 11, 0)
QUESTION_TEXT = "Can I have my flu shot during chemotherapy?"
REPLY_TEXT = "Yes, but not the nasal spray vaccine while on pembrolizumab."


@pytest.fixture
def daytime():
    with time_machine.travel(DAYTIME, tick=False):
        yield


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    def ask(patient, body=QUESTION_TEXT):
        with django_capture_on_commit_callbacks(execute=True):
            return question_services.question_ask(patient=patient, body=body)

    return ask


@pytest.fixture
def reply(django_capture_on_commit_callbacks):
    def reply(question, author, body=REPLY_TEXT):
        with django_capture_on_commit_callbacks(execute=True):
            return question_services.reply_post(question=question, author=author, body=body)

    return reply


def test_a_new_question_tells_each_active_clinician_in_the_care_team_once(
    daytime, ask, patient, clinician, other_clinician
):
    second = ClinicianFactory(email="second@example.org")
    CareTeamMembershipFactory(clinician=second, patient=patient)
    retired = ClinicianFactory(email="retired@example.org", is_active=False)
    CareTeamMembershipFactory(clinician=retired, patient=patient)

    question = ask(patient)

    assert len(emails_to(clinician.email)) == 1
    assert len(emails_to("second@example.org")) == 1
    assert emails_to("retired@example.org") == []
    assert emails_to(other_clinician.email) == []
    assert emails_to(patient.email) == []
    message = emails_to(clinician.email)[0]
    assert message.subject == "A patient sent a new question"
    assert "chemotherapy" not in message.body
    assert patient.name not in message.body
    notices = rows(kind=Kind.NEW_QUESTION)
    assert {n.recipient_id for n in notices} == {clinician.pk, second.pk}
    assert all(n.question_id == question.pk and n.assignment_id is None for n in notices)

    # A signal delivered twice (a retried on-commit hook) sends nothing more.
    from apps.reminders.services import notify_question_asked

    notify_question_asked(question_id=question.pk)
    assert len(mail.outbox) == 2


def test_a_clinician_reply_tells_the_patient(daytime, ask, reply, patient, clinician):
    question = ask(patient)
    mail.outbox.clear()

    answer = reply(question, clinician)

    [message] = mail.outbox
    assert message.to == [patient.email]
    assert message.subject == "Your care team replied"
    assert "pembrolizumab" not in message.body
    [notice] = rows(kind=Kind.REPLY)
    assert (notice.recipient, notice.reply_id) == (patient, answer.pk)


def test_a_patient_follow_up_tells_the_care_team(daytime, ask, reply, patient, clinician):
    question = ask(patient)
    reply(question, clinician)
    mail.outbox.clear()

    reply(question, patient, body="Thank you. And after the chemotherapy ends?")

    [message] = mail.outbox
    assert message.to == [clinician.email]
    assert message.subject == "A patient sent a new message"
    assert "chemotherapy" not in message.body


def test_a_clinician_who_turned_question_emails_off_gets_none(daytime, ask, patient, clinician):
    NotificationPreferenceFactory(user=clinician, new_question=False)
    ask(patient)
    assert mail.outbox == []
    assert rows() == []


def test_a_patient_who_turned_reply_emails_off_gets_none(daytime, ask, reply, patient, clinician):
    NotificationPreferenceFactory(user=patient, reply=False)
    question = ask(patient)
    mail.outbox.clear()
    reply(question, clinician)
    assert mail.outbox == []


def test_a_reply_late_at_night_waits_for_the_patients_morning(ask, reply, patient, clinician):
    with time_machine.travel(DAYTIME, tick=False):
        question = ask(patient)
    mail.outbox.clear()
    with time_machine.travel(local(NEW_YORK, 2026, 6, 10, 23, 10), tick=False):
        reply(question, clinician)
    assert mail.outbox == []
    [notice] = rows(kind=Kind.REPLY)
    assert notice.status == Notification.Status.QUEUED
    assert notice.send_after == local(NEW_YORK, 2026, 6, 11, 8, 0)

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    [message] = mail.outbox
    assert message.to == [patient.email]
    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT


def test_a_withdrawn_question_sends_no_pending_reply_notice(ask, reply, patient, clinician):
    with time_machine.travel(DAYTIME, tick=False):
        question = ask(patient)
    with time_machine.travel(local(NEW_YORK, 2026, 6, 10, 23, 10), tick=False):
        reply(question, patient, body="One more thing.")
        question_services.question_withdraw(question=question, by=patient)

    sweep(local(NEW_YORK, 2026, 6, 11, 8, 5))

    [notice] = rows(kind=Kind.REPLY)
    assert notice.status == Notification.Status.SKIPPED
    assert notice.skip_reason == Notification.SkipReason.QUESTION_WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_loses_no_notice_and_does_not_break_the_reply(
    monkeypatch, patient, clinician
):
    from kombu.exceptions import OperationalError

    from apps.reminders.tasks import deliver_notifications

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker")

    with time_machine.travel(DAYTIME, tick=False):
        question = question_services.question_ask(patient=patient, body=QUESTION_TEXT)
        mail.outbox.clear()
        monkeypatch.setattr(deliver_notifications, "delay", broker_down)
        answer = question_services.reply_post(question=question, author=clinician, body=REPLY_TEXT)
        monkeypatch.undo()

    assert answer.pk is not None
    [notice] = rows(kind=Kind.REPLY)
    assert notice.status == Notification.Status.QUEUED
    assert mail.outbox == []

    sweep(DAYTIME + timedelta(minutes=30))

    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [[patient.email]]
