"""Assigning reading "for the caregiver too" (issue 25): the clinician's forms, the patient
page, the reading list, and who sees a section's caregiver note."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.assignments import services
from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from tests.assignments.factories import AssignmentFactory
from tests.caregivers.conftest import caregiver_client_for
from tests.factories import CaregiverFactory, CareTeamMembershipFactory, PatientFactory
from tests.factories import caregiver_link as make_link
from tests.library.factories import (
    PublishedModuleFactory,
    publish_version,
    publish_with_caregiver_note,
)

pytestmark = pytest.mark.django_db

NOTE_TEXT = "If you look after someone who had CAR-T, stay with them day and night."


def module_with_note(**fields):
    """A published module whose first section has a caregiver note (the second has none)."""
    module = PublishedModuleFactory(**fields)
    publish_with_caregiver_note(module, NOTE_TEXT)
    return module


def section_url(assignment, position=1):
    return reverse(
        "assignments:reading_section",
        kwargs={"assignment_id": assignment.pk, "position": position},
    )


def caregiver_reading_for(patient) -> Client:
    caregiver = CaregiverFactory(name="Alex Helper")
    make_link(patient=patient, caregiver=caregiver)
    return caregiver_client_for(caregiver, patient)


# --- The clinician's forms -------------------------------------------------------------------


def test_the_assign_form_offers_the_box_and_says_what_it_does(clinician_client):
    body = clinician_client.get(reverse("assignments:assign")).content.decode()

    assert 'name="for_caregiver"' in body
    assert "Also for their caregiver" in body
    assert "Readings with notes for caregivers then speak to the person who looks after" in body
    assert "You can tick this for a patient with no caregiver yet" in body


def test_one_patient_with_no_caregiver_yet_can_be_assigned_for_their_caregiver(
    clinician_client, patient
):
    module = PublishedModuleFactory()

    response = clinician_client.post(
        reverse("assignments:assign"),
        {"patients": [patient.pk], "modules": [module.pk], "for_caregiver": "on"},
    )

    assert response.url == reverse("assignments:patient_detail", args=[patient.pk])
    assignment = Assignment.objects.get(patient=patient, module=module)
    assert assignment.for_caregiver is True
    event = AuditEvent.objects.get(action="assignment.create")
    assert (event.object_id, event.channel) == (str(assignment.pk), "web")

    page = clinician_client.get(response.url).content.decode()
    assert 'data-testid="for-caregiver"' in page
    assert "The patient and their caregiver: the reading's caregiver notes show to both." in page


def test_bulk_assigning_sets_the_flag_on_every_pair_and_leaving_it_off_sets_none(
    clinician_client, clinician, patient
):
    second = PatientFactory(name="Sam Second")
    CareTeamMembershipFactory(clinician=clinician, patient=second)
    modules = PublishedModuleFactory.create_batch(2)

    clinician_client.post(
        reverse("assignments:assign"),
        {"patients": [patient.pk, second.pk], "modules": [modules[0].pk], "for_caregiver": "on"},
    )
    clinician_client.post(
        reverse("assignments:assign"),
        {"patients": [patient.pk, second.pk], "modules": [modules[1].pk]},
    )

    assert set(
        Assignment.objects.filter(module=modules[0]).values_list("for_caregiver", flat=True)
    ) == {True}
    assert set(
        Assignment.objects.filter(module=modules[1]).values_list("for_caregiver", flat=True)
    ) == {False}
    assert Assignment.objects.count() == 4
    assert AuditEvent.objects.filter(action="assignment.create").count() == 4


def test_a_refused_form_keeps_the_box_ticked(clinician_client, patient):
    module = PublishedModuleFactory()

    response = clinician_client.post(
        reverse("assignments:assign"),
        {
            "patients": [patient.pk],
            "modules": [module.pk],
            "due_on": "2001-01-01",
            "for_caregiver": "on",
        },
    )

    assert response.status_code == 400
    assert 'name="for_caregiver" id="id_for_caregiver" checked' in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_patient_page_says_an_open_reading_is_for_the_patient_when_the_flag_is_off(
    clinician_client, clinician, patient
):
    AssignmentFactory(patient=patient, assigned_by=clinician)

    page = clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))

    text = page.content.decode()
    assert "The patient and their caregiver" not in text
    assert "Make it for their caregiver too" in text


def toggle(client, assignment, value):
    return client.post(
        reverse("assignments:assignment_for_caregiver", args=[assignment.pk]),
        {"for_caregiver": value},
        follow=True,
    )


def test_the_clinician_turns_the_flag_on_and_off_from_the_patient_page(
    clinician_client, clinician, patient
):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)

    page = toggle(clinician_client, assignment, "1")

    assignment.refresh_from_db()
    assert assignment.for_caregiver is True
    text = page.content.decode()
    assert "is now also for" in text
    assert "The patient and their caregiver" in text
    assert "Make it for the patient only" in text
    assert AuditEvent.objects.filter(
        action="assignment.update", object_id=str(assignment.pk), actor=clinician
    ).exists()

    toggle(clinician_client, assignment, "0")
    assignment.refresh_from_db()
    assert assignment.for_caregiver is False


def test_a_bad_value_changes_nothing_and_says_why(clinician_client, clinician, patient):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician, for_caregiver=True)

    page = toggle(clinician_client, assignment, "yes please")

    assignment.refresh_from_db()
    assert assignment.for_caregiver is True
    assert "Choose whether this reading is also for the caregiver." in page.content.decode()


def test_a_finished_reading_cannot_change_and_offers_no_button(
    clinician_client, clinician, patient
):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.COMPLETED)

    page = toggle(clinician_client, assignment, "1")

    assignment.refresh_from_db()
    assert assignment.for_caregiver is False
    assert page.status_code == 200
    assert "Make it for their caregiver too" not in page.content.decode()


def test_another_teams_clinician_gets_404(staff_login, clinician, patient, other_clinician):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)

    response = toggle(staff_login(other_clinician), assignment, "1")

    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.for_caregiver is False


# --- Services ---------------------------------------------------------------------------------


def test_changing_the_flag_is_audited_as_an_update(clinician, patient):
    assignment = AssignmentFactory(patient=patient, assigned_by=clinician)

    services.assignment_update(assignment=assignment, updated_by=clinician, for_caregiver=True)

    assignment.refresh_from_db()
    assert assignment.for_caregiver is True
    assert AuditEvent.objects.filter(
        action="assignment.update", object_id=str(assignment.pk)
    ).exists()


def test_reading_again_keeps_who_it_was_for(clinician, patient):
    assignment = AssignmentFactory(
        patient=patient, assigned_by=clinician, for_caregiver=True, status="completed"
    )
    assignment.completed_version = assignment.module.current_version
    assignment.save()
    publish_version(assignment.module, sections=4)

    new = services.assignment_request_reread(assignment=assignment, requested_by=clinician)

    assert new.for_caregiver is True


# --- Readers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("for_caregiver", [False, True])
def test_the_patient_sees_the_note_only_when_it_is_for_their_caregiver_too(
    patient_client, patient, for_caregiver
):
    assignment = AssignmentFactory(
        patient=patient, module=module_with_note(), for_caregiver=for_caregiver
    )

    body = patient_client.get(section_url(assignment)).content.decode()

    assert (NOTE_TEXT in body) is for_caregiver
    assert ("For the person who looks after you" in body) is for_caregiver
    assert "For you, as a caregiver" not in body
    # A section without a note never shows the box.
    assert (
        "portal-caregiver-note"
        not in patient_client.get(section_url(assignment, 2)).content.decode()
    )


def test_a_caregiver_always_sees_the_note_addressed_to_them(patient):
    assignment = AssignmentFactory(patient=patient, module=module_with_note(), for_caregiver=False)
    client = caregiver_reading_for(patient)

    body = client.get(section_url(assignment)).content.decode()

    assert NOTE_TEXT in body
    assert "For you, as a caregiver" in body
    assert "For the person who looks after you" not in body


@pytest.mark.parametrize("view", ["reading_all", "reading_print"])
def test_the_one_page_and_print_views_follow_the_same_rule(patient_client, patient, view):
    module = module_with_note()
    shown = AssignmentFactory(patient=patient, module=module, for_caregiver=True)
    hidden = AssignmentFactory(
        patient=patient, module=module_with_note(), for_caregiver=False, status="completed"
    )

    with_note = patient_client.get(reverse(f"assignments:{view}", args=[shown.pk]))
    without = patient_client.get(reverse(f"assignments:{view}", args=[hidden.pk]))

    assert NOTE_TEXT in with_note.content.decode()
    assert "For the person who looks after you" in with_note.content.decode()
    assert NOTE_TEXT not in without.content.decode()


def test_the_reading_list_says_who_else_it_is_for(patient_client, patient):
    AssignmentFactory(
        patient=patient, module=module_with_note(title="For both"), for_caregiver=True
    )
    AssignmentFactory(patient=patient, module=module_with_note(title="Patient only"))

    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert body.count("Also for the person who helps you") == 1

    caregiver_body = caregiver_reading_for(patient).get(reverse("assignments:my_reading"))
    text = caregiver_body.content.decode()
    assert text.count("Also for you, as their caregiver") == 1
    assert "Also for the person who helps you" not in text
