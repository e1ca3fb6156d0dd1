"""A patient who prefers another language reads the published translation of what they were
given, and everything they do is recorded against the version they actually read."""

import pytest
from django.urls import reverse

from apps.assignments import selectors, services
from apps.assignments.models import Assignment, SectionProgress
from apps.library.models import Module
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import ModuleFactory, PublishedModuleFactory, publish_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(db):
    return PublishedModuleFactory(title="What is immunotherapy?", language="en")


@pytest.fixture
def spanish(english):
    module = ModuleFactory(title="¿Qué es la inmunoterapia?", language="es", translation_of=english)
    publish_version(module, sections=4)
    return module


@pytest.fixture
def assignment(patient, english, spanish):
    patient.preferred_language = "es"
    patient.save()
    return AssignmentFactory(patient=patient, module=english)


def _load(patient, assignment):
    return selectors.assignment_get_for_patient(patient=patient, assignment_id=assignment.pk)


def test_patient_preferring_spanish_reads_the_spanish_translation(patient, assignment, spanish):
    assert selectors.reading_module(assignment=_load(patient, assignment)) == spanish


def test_unpublished_translation_is_not_offered(patient, assignment, spanish):
    spanish.status = Module.Status.RETIRED
    spanish.save()
    assert selectors.reading_module(assignment=_load(patient, assignment)) == assignment.module


def test_patient_preferring_the_modules_language_reads_it(patient, assignment, english):
    patient.preferred_language = "en"
    patient.save()
    assert selectors.reading_module(assignment=_load(patient, assignment)) == english


def test_my_reading_and_the_section_page_show_the_translation(patient_client, assignment):
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "¿Qué es la inmunoterapia?" in body
    assert "What is immunotherapy?" not in body
    section = patient_client.get(
        reverse("assignments:reading_section", args=[assignment.pk, 4])
    ).content.decode()
    assert "¿Qué es la inmunoterapia?: part 4" in section
    assert 'lang="es"' in section


def test_reading_modules_are_found_with_one_lookup_at_most(
    patient, assignment, spanish, django_assert_num_queries
):
    # More English modules, one with a Spanish translation too: still one translation lookup.
    for number in range(3):
        english = PublishedModuleFactory(title=f"English {number}", language="en")
        AssignmentFactory(patient=patient, module=english)
        if number == 0:
            translated = ModuleFactory(title="Traducido", language="es", translation_of=english)
            publish_version(translated)
    listed = list(selectors.assignment_list_for_patient(patient=patient))
    with django_assert_num_queries(1):
        reading = selectors.with_reading_modules(listed, language="es")
    titles = {a.module.title: a.reading.title for a in reading}
    assert titles == {
        "What is immunotherapy?": "¿Qué es la inmunoterapia?",
        "English 0": "Traducido",
        "English 1": "English 1",
        "English 2": "English 2",
    }
    # A patient reading in the modules' own language needs no lookup at all.
    fresh = list(selectors.assignment_list_for_patient(patient=patient))
    with django_assert_num_queries(0):
        same = selectors.with_reading_modules(fresh, language="en")
    assert [a.reading for a in same] == [a.module for a in fresh]


def test_progress_check_and_completion_use_the_translated_version(patient, assignment, spanish):
    reading = _load(patient, assignment)
    services.progress_record_all(assignment=reading)
    assert set(SectionProgress.objects.values_list("version", flat=True)) == {
        spanish.current_version.pk
    }
    outcome = services.check_submit(assignment=_load(patient, assignment), answers=[1, 2])
    assert outcome.attempt.version == spanish.current_version
    done = services.assignment_complete(assignment=_load(patient, assignment))
    assert done.completed_version == spanish.current_version
    assert Assignment.objects.get(pk=assignment.pk).status == "completed"


def test_clinician_sees_that_the_translation_was_read(
    clinician_client, patient, assignment, spanish
):
    reading = _load(patient, assignment)
    services.progress_record_all(assignment=reading)
    services.assignment_complete(assignment=_load(patient, assignment))
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Read in translation: ¿Qué es la inmunoterapia? (Spanish)" in body
    assert "4 of 4" in body
    # A new English version does not mean the Spanish text she read changed.
    publish_version(assignment.module, sections=5)
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Updated since read" not in body
    publish_version(spanish, sections=5)
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Updated since read" in body
