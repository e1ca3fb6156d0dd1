"""Reading reminders to caregivers: only when the patient allowed it, with the caregiver's own
caps, quiet hours (in their own time zone), preferences and unsubscribe, and nothing in the
email that says whom or what it is about."""

import re
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.caregivers import services as caregiver_services
from apps.caregivers.models import CaregiverLink
from apps.reminders import services
from apps.reminders.models import Notification
from tests.factories import (
    CaregiverFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
    caregiver_link,
)
from tests.library.factories import PublishedModuleFactory

from .factories import AssignmentFactory, NotificationPreferenceFactory
from .helpers import AUCKLAND, LOS_ANGELES, NEW_YORK, emails_to, local, rows, sweep

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
Status = Notification.Status
MODULE_TITLE = "Checkpoint inhibitors"


def _people(*, patient_tz=NEW_YORK, caregiver_tz=NEW_YORK, **link_fields):
    patient = PatientFactory(name="Pat Rivera", email="pat@example.org", timezone=patient_tz)
    caregiver = CaregiverFactory(
        name="Alex Helper", email="alex@example.org", timezone=caregiver_tz
    )
    link = caregiver_link(
        patient=patient, caregiver=caregiver, **({"receives_reminders": True} | link_fields)
    )
    return patient, caregiver, link


def _assignment(patient, *, due_on=date(2026, 6, 12), **kwargs):
    return AssignmentFactory(
        patient=patient,
        module=PublishedModuleFactory(title=MODULE_TITLE),
        due_on=due_on,
        assigned_at=local(patient.timezone, 2026, 1, 5, 10, 0),
        **kwargs,
    )


def _caregiver_rows(caregiver, **filters) -> list[Notification]:
    return rows(recipient=caregiver, **filters)


# --- sent when the patient allowed it -------------------------------------------------------


def test_the_caregiver_gets_their_own_reminder_alongside_the_patient():
    patient, caregiver, _link = _people()
    assignment = _assignment(patient)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    [for_patient] = rows(recipient=patient)
    [for_caregiver] = _caregiver_rows(caregiver)
    assert (for_caregiver.kind, for_caregiver.assignment, for_caregiver.sequence) == (
        Kind.DUE_SOON,
        assignment,
        1,
    )
    assert for_patient.status == for_caregiver.status == Status.SENT
    assert len(emails_to(patient.email)) == 1
    assert len(emails_to(caregiver.email)) == 1


def test_the_caregiver_email_names_nobody_and_no_reading():
    patient, caregiver, _link = _people()
    _assignment(patient)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    [message] = emails_to(caregiver.email)
    html = message.alternatives[0].content
    assert message.subject == "Reading is due soon for someone you help"
    for text in (message.subject, message.body, html):
        assert "Pat Rivera" not in text
        assert "Rivera" not in text
        assert MODULE_TITLE.lower() not in text.lower()
        assert "inhibitor" not in text.lower()
    assert "Someone you help has reading waiting" in message.body
    # The link takes them to the page where they choose whose reading to look at.
    assert "http://127.0.0.1:8000/reading-for/" in message.body
    assert "http://127.0.0.1:8000/reading-for/" in html
    # The patient's own email is unchanged.
    [for_patient] = emails_to(patient.email)
    assert for_patient.subject == "A reminder from your patient portal"


def test_each_kind_of_reading_reminder_reaches_the_caregiver():
    patient, caregiver, _link = _people()
    _assignment(patient, due_on=date(2026, 6, 9))  # overdue
    AssignmentFactory(
        patient=patient,
        due_on=None,
        assigned_at=local(NEW_YORK, 2026, 6, 7, 9, 0),  # not started after 3 days
    )

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    subjects = sorted(message.subject for message in emails_to(caregiver.email))
    assert subjects == [
        "Reading is waiting for someone you help",
        "There is new reading for someone you help",
    ]
    assert sorted(n.kind for n in _caregiver_rows(caregiver)) == [Kind.NOT_STARTED, Kind.OVERDUE]


def test_a_sweep_run_twice_sends_the_caregiver_one_email():
    patient, caregiver, _link = _people()
    _assignment(patient)
    now = local(NEW_YORK, 2026, 6, 10, 10, 0)

    sweep(now)
    sweep(now)
    sweep(now + timedelta(hours=3))
    sweep(now + timedelta(days=1))

    assert len(_caregiver_rows(caregiver)) == 1
    assert len(emails_to(caregiver.email)) == 1
    assert len(emails_to(patient.email)) == 1


def test_a_caregiver_let_in_after_the_patients_reminder_still_gets_theirs_once():
    patient = PatientFactory(timezone=NEW_YORK)
    _assignment(patient)
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert len(mail.outbox) == 1

    caregiver = CaregiverFactory(timezone=NEW_YORK)
    caregiver_link(patient=patient, caregiver=caregiver, receives_reminders=True)
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 5))
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 10))

    assert len(emails_to(caregiver.email)) == 1
    assert len(emails_to(patient.email)) == 1  # not a second one for the patient


def test_the_caregivers_row_does_not_stand_in_for_the_patients():
    """The patient opted out, so only the caregiver was reminded; when the patient opts in
    again the same day, their own reminder is still due."""
    patient, caregiver, _link = _people()
    prefs = NotificationPreferenceFactory(user=patient, due_soon=False)
    _assignment(patient)
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert [m.to for m in mail.outbox] == [[caregiver.email]]

    prefs.due_soon = True
    prefs.save()
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 5))

    assert len(emails_to(patient.email)) == 1
    assert len(emails_to(caregiver.email)) == 1


def test_a_caregiver_of_two_patients_gets_a_reminder_for_each():
    patient, caregiver, _link = _people()
    other = PatientFactory(timezone=NEW_YORK)
    caregiver_link(patient=other, caregiver=caregiver, receives_reminders=True)
    _assignment(patient)
    _assignment(other)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    assert len(emails_to(caregiver.email)) == 2
    assert {n.assignment.patient_id for n in _caregiver_rows(caregiver)} == {patient.pk, other.pk}


# --- not sent when not allowed --------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda link: setattr(link, "receives_reminders", False), id="not-allowed"),
        pytest.param(lambda link: setattr(link, "status", CaregiverLink.Status.ENDED), id="ended"),
        pytest.param(
            lambda link: setattr(link, "status", CaregiverLink.Status.PENDING), id="pending"
        ),
        pytest.param(
            lambda link: link.caregiver.__class__.objects.filter(pk=link.caregiver_id).update(
                is_active=False
            ),
            id="caregiver-inactive",
        ),
        pytest.param(
            lambda link: link.patient.__class__.objects.filter(pk=link.patient_id).update(
                is_active=False
            ),
            id="patient-inactive",
        ),
    ],
)
def test_nothing_goes_to_the_caregiver_unless_the_link_allows_it(change):
    patient, caregiver, link = _people()
    _assignment(patient)
    change(link)
    link.save()

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    assert _caregiver_rows(caregiver) == []
    assert emails_to(caregiver.email) == []


def test_the_caregivers_own_opt_out_is_respected_and_the_patient_still_gets_theirs():
    patient, caregiver, _link = _people()
    NotificationPreferenceFactory(user=caregiver, due_soon=False)
    _assignment(patient)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    assert _caregiver_rows(caregiver) == []
    assert len(emails_to(patient.email)) == 1


def test_reminders_the_patient_turned_off_for_themself_still_reach_the_caregiver():
    """The patient's own email choices are about their inbox; receives_reminders is the
    patient's choice for the caregiver."""
    patient, caregiver, _link = _people()
    NotificationPreferenceFactory(user=patient, due_soon=False)
    _assignment(patient)

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    assert emails_to(patient.email) == []
    assert len(emails_to(caregiver.email)) == 1


def test_finished_or_cancelled_reading_reminds_no_caregiver():
    patient, caregiver, _link = _people()
    _assignment(patient, status="completed")
    _assignment(patient, status="cancelled")

    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))

    assert rows() == []


# --- caps and quiet hours, the caregiver's own ---------------------------------------------


def test_the_caregiver_gets_at_most_three_overdue_reminders():
    patient, caregiver, _link = _people()
    _assignment(patient, due_on=date(2026, 6, 1))

    day = date(2026, 6, 2)
    while day <= date(2026, 7, 20):
        sweep(local(NEW_YORK, day.year, day.month, day.day, 10, 0))
        day += timedelta(days=1)

    assert [n.sequence for n in _caregiver_rows(caregiver, kind=Kind.OVERDUE)] == [1, 2, 3]
    assert len(emails_to(caregiver.email)) == 3
    assert len(emails_to(patient.email)) == 3


def test_quiet_hours_are_the_caregivers_in_their_own_time_zone():
    patient, caregiver, _link = _people(patient_tz=LOS_ANGELES, caregiver_tz=AUCKLAND)
    _assignment(patient)

    # 10:00 in Los Angeles is 05:00 the next morning in Auckland.
    sweep(local(LOS_ANGELES, 2026, 6, 10, 10, 0))
    assert len(emails_to(patient.email)) == 1
    [for_caregiver] = _caregiver_rows(caregiver)
    assert for_caregiver.status == Status.QUEUED
    assert for_caregiver.send_after == local(AUCKLAND, 2026, 6, 11, 8, 0)

    sweep(local(AUCKLAND, 2026, 6, 11, 7, 55))
    assert emails_to(caregiver.email) == []

    sweep(local(AUCKLAND, 2026, 6, 11, 8, 0))
    for_caregiver.refresh_from_db()
    assert for_caregiver.status == Status.SENT
    assert len(emails_to(caregiver.email)) == 1


def test_the_caregivers_own_quiet_hours_setting_applies():
    patient, caregiver, _link = _people(patient_tz=LOS_ANGELES, caregiver_tz=AUCKLAND)
    NotificationPreferenceFactory(user=caregiver, quiet_start=time(0, 0), quiet_end=time(0, 0))
    _assignment(patient)

    sweep(local(LOS_ANGELES, 2026, 6, 10, 10, 0))  # 05:00 in Auckland: no quiet hours set

    assert len(emails_to(caregiver.email)) == 1


def test_the_reminder_day_is_the_patients_not_the_caregivers():
    patient, caregiver, _link = _people(patient_tz=LOS_ANGELES, caregiver_tz=AUCKLAND)
    _assignment(patient, due_on=date(2026, 6, 12))

    # 12:00 on 9 June in Los Angeles (three days before), 07:00 on 10 June in Auckland.
    sweep(local(LOS_ANGELES, 2026, 6, 9, 12, 0))

    assert rows() == []


# --- unsubscribe ----------------------------------------------------------------------------


def test_the_caregivers_unsubscribe_link_stops_their_emails_only():
    patient, caregiver, _link = _people()
    _assignment(patient, due_on=date(2026, 6, 12))
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    [message] = emails_to(caregiver.email)
    match = re.search(
        r"http://127\.0\.0\.1:8000(/notifications/unsubscribe/[^/\s]+/)", message.body
    )
    assert match, message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{match.group(0)}>"

    response = Client(enforce_csrf_checks=True).post(
        match.group(1),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    caregiver.refresh_from_db()
    patient.refresh_from_db()
    assert caregiver.notification_prefs.unsubscribed_all_at is not None
    assert not hasattr(patient, "notification_prefs")

    mail.outbox.clear()
    sweep(local(NEW_YORK, 2026, 6, 13, 10, 0))  # overdue now
    assert emails_to(caregiver.email) == []
    assert len(emails_to(patient.email)) == 1


# --- checked again just before sending ------------------------------------------------------


def _queued_for_caregiver_in_quiet_hours():
    patient, caregiver, link = _people(patient_tz=LOS_ANGELES, caregiver_tz=AUCKLAND)
    _assignment(patient)
    sweep(local(LOS_ANGELES, 2026, 6, 10, 10, 0))
    [queued] = _caregiver_rows(caregiver)
    assert queued.status == Status.QUEUED
    return patient, caregiver, link, queued


def test_ending_the_access_stops_a_reminder_already_queued():
    patient, caregiver, link, queued = _queued_for_caregiver_in_quiet_hours()

    caregiver_services.caregiver_end(link=link, actor=patient)
    sweep(local(AUCKLAND, 2026, 6, 11, 8, 0))

    queued.refresh_from_db()
    assert queued.status == Status.SKIPPED
    assert queued.skip_reason == Notification.SkipReason.CAREGIVER_STOPPED
    assert emails_to(caregiver.email) == []


def test_turning_reminders_off_for_the_caregiver_stops_a_reminder_already_queued():
    patient, caregiver, link, queued = _queued_for_caregiver_in_quiet_hours()

    caregiver_services.caregiver_update(
        link=link, actor=patient, can_ask_questions=False, receives_reminders=False
    )
    sweep(local(AUCKLAND, 2026, 6, 11, 8, 0))

    queued.refresh_from_db()
    assert queued.skip_reason == Notification.SkipReason.CAREGIVER_STOPPED
    assert emails_to(caregiver.email) == []


def test_a_patient_deactivated_meanwhile_stops_the_caregivers_reminder():
    patient, caregiver, _link, queued = _queued_for_caregiver_in_quiet_hours()

    patient.is_active = False
    patient.save()
    sweep(local(AUCKLAND, 2026, 6, 11, 8, 0))

    queued.refresh_from_db()
    assert queued.skip_reason == Notification.SkipReason.CAREGIVER_STOPPED


def test_reading_finished_meanwhile_stops_the_caregivers_reminder():
    patient, caregiver, _link, queued = _queued_for_caregiver_in_quiet_hours()

    queued.assignment.status = "completed"
    queued.assignment.save()
    sweep(local(AUCKLAND, 2026, 6, 11, 8, 0))

    queued.refresh_from_db()
    assert queued.skip_reason == Notification.SkipReason.ASSIGNMENT_COMPLETED
    assert emails_to(caregiver.email) == []


# --- preferences page -----------------------------------------------------------------------


def test_a_caregiver_chooses_only_the_reading_reminders(client):
    _patient, caregiver, _link = _people()
    client.force_login(caregiver)

    page = client.get(reverse("reminders:preferences")).content.decode()

    assert "When reading for someone I help is due in the next few days" in page
    assert "When reading for someone I help is past its due date" in page
    assert "When someone I help has not opened new reading after a few days" in page
    assert "only for the people who chose to share them with you" in page
    assert "morning" not in page  # the clinicians' summary
    assert "my patients" not in page.lower()
    assert services.kinds_for(user=caregiver) == (Kind.DUE_SOON, Kind.OVERDUE, Kind.NOT_STARTED)

    response = client.post(
        reverse("reminders:preferences"),
        {"overdue": "on", "not_started": "on", "quiet_start": "22:00", "quiet_end": "07:30"},
    )

    assert response.status_code == 302
    prefs = caregiver.notification_prefs
    prefs.refresh_from_db()
    assert (prefs.due_soon, prefs.overdue, prefs.not_started) == (False, True, True)
    assert (prefs.quiet_start, prefs.quiet_end) == (time(22, 0), time(7, 30))


# --- scale ----------------------------------------------------------------------------------


def test_the_caregiver_part_of_the_sweep_takes_the_same_queries_for_more_caregivers(settings):
    settings.REMINDERS_SWEEP_BATCH_SIZE = 1000
    now = local(NEW_YORK, 2026, 6, 10, 10, 0)

    def queries_for(count: int) -> int:
        for _ in range(count):
            patient = PatientFactory(timezone=NEW_YORK)
            for _ in range(2):
                caregiver_link(
                    patient=patient,
                    caregiver=CaregiverFactory(timezone=AUCKLAND),
                    receives_reminders=True,
                )
            _assignment(patient)
        with CaptureQueriesContext(connection) as captured:
            services.reminder_sweep(now=now, deliver="none")
        return len(captured)

    few = queries_for(2)
    Notification.objects.all().delete()
    # (Kept under SQLite's bulk-insert batch, which would split one INSERT in two.)
    many = queries_for(20)
    assert few == many
    assert Notification.objects.filter(recipient__role="caregiver").count() == 44


def test_dry_run_counts_the_caregivers_rows_and_changes_nothing():
    patient, _caregiver, _link = _people()
    _assignment(patient)

    report = services.reminder_sweep(now=local(NEW_YORK, 2026, 6, 10, 10, 0), dry_run=True)

    assert report.created == {Kind.DUE_SOON: 2}
    assert Notification.objects.count() == 0


# --- the care team sees them -----------------------------------------------------------------


def test_the_patient_page_lists_the_caregivers_reminders_for_this_patient_only(staff_login):
    patient, caregiver, _link = _people()
    _assignment(patient)
    # Alex also helps Sam: Sam's reminders to Alex are not about Pat and stay off Pat's page.
    sam = PatientFactory(name="Sam Second", email="sam@example.org")
    caregiver_link(patient=sam, caregiver=caregiver, receives_reminders=True)
    AssignmentFactory(
        patient=sam,
        module=PublishedModuleFactory(title="Sam's module"),
        due_on=date(2026, 6, 12),
        assigned_at=local(NEW_YORK, 2026, 1, 5, 10, 0),
    )
    sweep(local(NEW_YORK, 2026, 6, 10, 10, 0))
    assert len(_caregiver_rows(caregiver)) == 2
    clinician = ClinicianFactory()
    CareTeamMembershipFactory(clinician=clinician, patient=patient)

    page = staff_login(clinician).get(reverse("assignments:patient_detail", args=[patient.pk]))

    table = page.content.decode().split('data-testid="caregiver-reminders"', 1)[1]
    table = table.split("</table>", 1)[0]
    assert "Alex Helper" in table
    assert MODULE_TITLE in table
    assert "Sam&#x27;s module" not in table and "Sam's module" not in table
