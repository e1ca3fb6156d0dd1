"""A note assigned with several modules at once is shown once for the group (issue 23)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.assignments import services
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db

NOTE = "Please read these before your infusion on Monday."


def _assign_together(clinician, patient, modules, note=NOTE):
    return services.assignment_create_bulk(
        assigned_by=clinician,
        patient_ids=[patient.pk],
        module_ids=[module.pk for module in modules],
        note=note,
    )


def test_patient_sees_a_note_given_with_three_readings_once(patient_client, patient, clinician):
    modules = PublishedModuleFactory.create_batch(3)
    _assign_together(clinician, patient, modules)

    response = patient_client.get(reverse("assignments:my_reading"))

    page = response.content.decode()
    assert page.count(NOTE) == 1
    assert "A note from Dr Dana about these readings:" in page
    block = page[page.index("portal-shared-note") : page.index(NOTE)]
    for module in modules:
        assert module.title in block
    # Each reading points to the one note.
    assert page.count("Read the note from Dr Dana about this reading") == 3
    anchor = response.context["shared_notes"][0].anchor
    assert page.count(f'href="#{anchor}"') == 3
    assert f'id="{anchor}"' in page


def test_a_note_on_a_single_reading_stays_with_it(patient_client, patient, clinician):
    grouped = PublishedModuleFactory.create_batch(2)
    _assign_together(clinician, patient, grouped)
    alone = PublishedModuleFactory(title="Alone with its note")
    AssignmentFactory(
        patient=patient,
        module=alone,
        assigned_by=clinician,
        note=NOTE,
        assigned_at=timezone.now() + timedelta(seconds=1),
    )

    page = patient_client.get(reverse("assignments:my_reading")).content.decode()

    # The same words given in a second action are a second note, shown with its reading.
    assert page.count(NOTE) == 2
    item = page[page.index("Alone with its note") :]
    assert item.index(NOTE) < item.index("</li>")
    assert page.count("Read the note from Dr Dana about this reading") == 2


def test_readings_given_separately_do_not_share_their_note(patient_client, patient, clinician):
    first, second = PublishedModuleFactory.create_batch(2)
    _assign_together(clinician, patient, [first])
    _assign_together(clinician, patient, [second])
    page = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert page.count(NOTE) == 2
    assert "about these readings" not in page


def test_clinician_patient_page_shows_the_shared_note_once(clinician_client, patient, clinician):
    modules = PublishedModuleFactory.create_batch(3)
    _assign_together(clinician, patient, modules)
    other = PublishedModuleFactory(title="Own note")
    AssignmentFactory(
        patient=patient,
        module=other,
        assigned_by=clinician,
        note="Just this one.",
        assigned_at=timezone.now() + timedelta(seconds=1),
    )

    response = clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))

    page = response.content.decode()
    assert page.count(NOTE) == 1
    assert "Notes given with several readings" in page
    assert page.count("Note given with 3 readings") == 3
    assert "Note: Just this one." in page
