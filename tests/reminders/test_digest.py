"""The clinician's daily summary: once a day in their morning, never empty, can be turned off."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.assignments.models import CheckAttempt
from apps.reminders import services
from apps.reminders.models import Notification
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, PatientFactory
from tests.questions.factories import QuestionFactory

from .factories import AssignmentFactory, NotificationPreferenceFactory
from .helpers import AUCKLAND, NEW_YORK, emails_to, local, rows

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def digest(now):
    return services.digest_sweep(now=now, deliver="inline")


def _clinician_with_patient(tz=NEW_YORK, email="doc@example.org"):
    clinician = ClinicianFactory(timezone=tz, email=email)
    patient = PatientFactory(timezone=NEW_YORK)
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    return clinician, patient


def test_digest_goes_in_the_first_hourly_run_after_quiet_hours_end():
    clinician, patient = _clinician_with_patient()
    QuestionFactory(patient=patient)

    digest(local(NEW_YORK, 2026, 6, 10, 7, 2))  # 07:02 is still quiet hours (until 08:00)
    assert mail.outbox == []

    digest(local(NEW_YORK, 2026, 6, 10, 8, 2))
    digest(local(NEW_YORK, 2026, 6, 10, 9, 2))
    digest(local(NEW_YORK, 2026, 6, 10, 10, 2))

    [message] = emails_to(clinician.email)
    assert message.subject == "Your daily portal summary"
    assert "1 question waiting for an answer" in message.body
    [notice] = rows(kind=Kind.DIGEST)
    assert notice.digest_date == date(2026, 6, 10)
    assert notice.status == Notification.Status.SENT


def test_an_early_riser_gets_it_at_seven():
    clinician, patient = _clinician_with_patient()
    NotificationPreferenceFactory(user=clinician, quiet_start=time(21, 0), quiet_end=time(7, 0))
    QuestionFactory(patient=patient)

    digest(local(NEW_YORK, 2026, 6, 10, 7, 2))
    assert len(emails_to(clinician.email)) == 1


def test_each_clinician_gets_it_in_their_own_morning():
    new_york, ny_patient = _clinician_with_patient(NEW_YORK, "ny@example.org")
    auckland, nz_patient = _clinician_with_patient(AUCKLAND, "nz@example.org")
    QuestionFactory(patient=ny_patient)
    QuestionFactory(patient=nz_patient)

    # 20:02 UTC on 10 June: 08:02 on the 11th in Auckland, 16:02 on the 10th in New York.
    digest(local("UTC", 2026, 6, 10, 20, 2))
    assert [m.to for m in mail.outbox] == [["nz@example.org"]]
    assert rows(kind=Kind.DIGEST)[0].digest_date == date(2026, 6, 11)

    # 12:02 UTC on 11 June: 08:02 in New York.
    digest(local("UTC", 2026, 6, 11, 12, 2))
    assert sorted(m.to[0] for m in mail.outbox) == ["ny@example.org", "nz@example.org"]


def test_one_digest_a_day_and_again_the_next_morning():
    clinician, patient = _clinician_with_patient()
    QuestionFactory(patient=patient)

    digest(local(NEW_YORK, 2026, 6, 10, 8, 2))
    digest(local(NEW_YORK, 2026, 6, 10, 9, 2))
    digest(local(NEW_YORK, 2026, 6, 11, 8, 2))

    assert [n.digest_date for n in rows(kind=Kind.DIGEST)] == [date(2026, 6, 10), date(2026, 6, 11)]
    assert len(mail.outbox) == 2


def test_no_digest_when_there_is_nothing_to_say():
    clinician, patient = _clinician_with_patient()
    AssignmentFactory(patient=patient, due_on=date(2026, 6, 30))  # not overdue
    QuestionFactory(patient=patient, status="answered")

    digest(local(NEW_YORK, 2026, 6, 10, 8, 2))

    assert rows() == []
    assert mail.outbox == []


def test_a_clinician_can_turn_the_digest_off():
    clinician, patient = _clinician_with_patient()
    NotificationPreferenceFactory(user=clinician, digest=False)
    QuestionFactory(patient=patient)

    digest(local(NEW_YORK, 2026, 6, 10, 8, 2))
    assert mail.outbox == []


def test_no_digest_for_an_inactive_clinician():
    clinician, patient = _clinician_with_patient()
    clinician.is_active = False
    clinician.save(update_fields=["is_active"])
    QuestionFactory(patient=patient)

    digest(local(NEW_YORK, 2026, 6, 10, 8, 2))
    assert mail.outbox == []


def test_digest_counts_questions_overdue_patients_and_failed_checks_only_in_numbers():
    clinician, patient = _clinician_with_patient()
    second = PatientFactory(name="Second Person")
    CareTeamMembershipFactory(clinician=clinician, patient=second)
    QuestionFactory(patient=patient, body="Is chemotherapy safe with my vaccine?")
    QuestionFactory(patient=second)
    late = AssignmentFactory(patient=patient, due_on=date(2026, 6, 1))
    AssignmentFactory(patient=patient, due_on=date(2026, 6, 5))
    now = local(NEW_YORK, 2026, 6, 10, 8, 2)
    CheckAttempt.objects.create(
        assignment=late,
        version=late.module.current_version,
        answers=[0, 0],
        score=1,
        total=2,
        submitted_at=now - timedelta(hours=3),
    )
    CheckAttempt.objects.create(  # passed: not counted
        assignment=late,
        version=late.module.current_version,
        answers=[1, 2],
        score=2,
        total=2,
        submitted_at=now - timedelta(hours=2),
    )
    # Someone else's patient counts for nobody here.
    other_clinician, other_patient = _clinician_with_patient(email="elsewhere@example.org")
    NotificationPreferenceFactory(user=other_clinician, digest=False)
    QuestionFactory(patient=other_patient)

    digest(now)

    [message] = mail.outbox
    assert "2 questions waiting for an answer" in message.body
    assert "1 patient with reading past its due date" in message.body
    assert "1 understanding check with a wrong answer in the last day" in message.body
    html = message.alternatives[0].content
    assert "2 questions waiting for an answer" in html
    for private in (patient.name, "Second Person", "chemotherapy", late.module.title):
        assert private not in message.body
        assert private not in html


def test_digest_is_skipped_if_everything_was_answered_before_it_went_out():
    clinician, patient = _clinician_with_patient()
    question = QuestionFactory(patient=patient)
    services.digest_sweep(now=local(NEW_YORK, 2026, 6, 10, 8, 2), deliver="none")
    question.status = "answered"
    question.save(update_fields=["status"])

    services.dispatch_due_notifications(now=local(NEW_YORK, 2026, 6, 10, 8, 3), deliver="inline")

    [notice] = rows(kind=Kind.DIGEST)
    assert notice.status == Notification.Status.SKIPPED
    assert notice.skip_reason == Notification.SkipReason.NOTHING_TO_REPORT
    assert mail.outbox == []


def test_digest_queries_do_not_grow_with_the_number_of_clinicians():
    now = local(NEW_YORK, 2026, 6, 10, 8, 2)

    def queries_for(count: int) -> int:
        for n in range(count):
            _clinician, patient = _clinician_with_patient(email=f"doc{count}-{n}@example.org")
            QuestionFactory(patient=patient)
        with CaptureQueriesContext(connection) as captured:
            services.digest_sweep(now=now, deliver="none")
        return len(captured)

    few = queries_for(2)
    Notification.objects.all().delete()
    many = queries_for(20)
    assert few == many
    assert Notification.objects.filter(kind=Kind.DIGEST).count() == 22
