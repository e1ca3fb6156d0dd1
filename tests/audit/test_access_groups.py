"""Who viewed my record, grouped by person and day in the patient's own time zone (issue 23)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from apps.audit import selectors
from apps.audit.services import audit_log
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

ACCESS_PAGE = reverse("records:my_record_access")


def log_at(when, **kwargs):
    with time_machine.travel(when, tick=False):
        return audit_log(**kwargs)


def reading_viewed_three_times(patient, clinician):
    for hour in (14, 15, 16):
        log_at(
            datetime(2026, 12, 5, hour, tzinfo=UTC),
            actor=clinician,
            action="assignment.view",
            patient=patient,
        )


def test_views_by_one_person_on_one_day_are_one_group(patient, clinician):
    reading_viewed_three_times(patient, clinician)
    log_at(
        datetime(2026, 12, 5, 17, tzinfo=UTC),
        actor=clinician,
        action="patient_list.view",
        patient=patient,
    )
    groups = list(selectors.access_groups_for_patient(patient=patient))
    assert len(groups) == 1
    assert groups[0]["times"] == 4 and groups[0]["actor__name"] == "Dr Dana"
    details = selectors.access_group_details(patient=patient, groups=groups)
    actions = details[(clinician.pk, groups[0]["day"])]
    assert [(a["description"], a["times"]) for a in actions] == [
        ("Saw you in their list of patients", 1),
        ("Looked at your reading", 3),
    ]


def test_the_day_is_the_patients_own_day(patient, clinician):
    # 03:00 UTC on 6 Dec is still 5 Dec in New York (the patient's zone), like 20:00 UTC.
    patient.timezone = "America/New_York"
    patient.save(update_fields=["timezone"])
    for when in (datetime(2026, 12, 5, 20, tzinfo=UTC), datetime(2026, 12, 6, 3, tzinfo=UTC)):
        log_at(when, actor=clinician, action="patient.view", patient=patient)
    groups = list(selectors.access_groups_for_patient(patient=patient))
    assert [(str(g["day"]), g["times"]) for g in groups] == [("2026-12-05", 2)]

    patient.timezone = "Europe/Madrid"
    patient.save(update_fields=["timezone"])
    groups = list(selectors.access_groups_for_patient(patient=patient))
    assert [(str(g["day"]), g["times"]) for g in groups] == [("2026-12-06", 1), ("2026-12-05", 1)]


def test_groups_are_newest_first_and_split_by_person(patient, clinician):
    other = ClinicianFactory(name="Dr Casey Morgan")
    log_at(
        datetime(2026, 12, 3, 15, tzinfo=UTC),
        actor=clinician,
        action="patient.view",
        patient=patient,
    )
    log_at(
        datetime(2026, 12, 5, 15, tzinfo=UTC), actor=other, action="patient.view", patient=patient
    )
    log_at(
        datetime(2026, 12, 5, 16, tzinfo=UTC),
        actor=clinician,
        action="patient.view",
        patient=patient,
    )
    names = [g["actor__name"] for g in selectors.access_groups_for_patient(patient=patient)]
    assert names == ["Dr Dana", "Dr Casey Morgan", "Dr Dana"]


def test_the_page_shows_one_entry_per_person_and_day_with_the_detail(
    patient_client, patient, clinician
):
    reading_viewed_three_times(patient, clinician)
    body = patient_client.get(ACCESS_PAGE).content.decode()
    assert body.count("Dr Dana") == 1
    assert "3 times on Dec. 5, 2026" in body
    assert "Looked at your reading: 3 times" in body
    # The detail, one click away: the times in the patient's zone (New York: 9 a.m. to 11 a.m.).
    assert "When, and how" in body
    assert "from 9 a.m. to 11 a.m., on this website" in body


def test_a_patient_sees_only_their_own_groups(patient_client, patient, other_patient, clinician):
    audit_log(actor=clinician, action="patient.view", patient=other_patient)
    audit_log(actor=clinician, action="question.view", patient=other_patient)
    assert list(selectors.access_groups_for_patient(patient=patient)) == []
    body = patient_client.get(ACCESS_PAGE).content.decode()
    assert "Dr Dana" not in body
    assert "Nobody else has looked at your information yet." in body
    # The patient's own actions are not listed either.
    audit_log(actor=patient, action="record.export", patient=patient)
    assert list(selectors.access_groups_for_patient(patient=patient)) == []


def test_pages_hold_groups_not_rows(patient_client, patient, clinician):
    # 30 views on one day are one group: one page, whatever the number of rows.
    for minute in range(30):
        log_at(
            datetime(2026, 12, 5, 15, minute, tzinfo=UTC),
            actor=clinician,
            action="patient_list.view",
            patient=patient,
        )
    body = patient_client.get(ACCESS_PAGE).content.decode()
    assert "30 times on" in body
    assert "Page 1 of" not in body
