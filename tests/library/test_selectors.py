"""Who can read which module: patients only what was assigned to them, staff every published one."""

import pytest
from django.http import Http404

from apps.assignments.models import Assignment
from apps.assignments.selectors import module_get_for_user, module_list_for_user
from apps.library import services
from apps.library.models import Module
from apps.library.selectors import module_list_published
from tests.factories import AdminFactory, ClinicianFactory

from .factories import ModuleFactory, PublishedModuleFactory

pytestmark = pytest.mark.django_db


def assign(patient, module, *, status=Assignment.Status.ASSIGNED):
    return Assignment.objects.create(
        patient=patient, module=module, assigned_by=ClinicianFactory(), status=status
    )


def test_patient_sees_only_published_modules_assigned_to_them(patient, other_patient):
    mine = PublishedModuleFactory(slug="mine")
    PublishedModuleFactory(slug="not-assigned")
    theirs = PublishedModuleFactory(slug="theirs")
    assign(patient, mine)
    assign(other_patient, theirs)

    assert list(module_list_for_user(user=patient)) == [mine]
    assert module_get_for_user(user=patient, slug="mine") == mine
    for slug in ("not-assigned", "theirs", "does-not-exist"):
        with pytest.raises(Http404):
            module_get_for_user(user=patient, slug=slug)


def test_patient_does_not_see_a_module_whose_assignment_was_cancelled(patient):
    module = PublishedModuleFactory(slug="cancelled")
    assign(patient, module, status=Assignment.Status.CANCELLED)

    assert not module_list_for_user(user=patient).exists()
    with pytest.raises(Http404):
        module_get_for_user(user=patient, slug="cancelled")


def test_patient_keeps_a_completed_module(patient):
    module = PublishedModuleFactory(slug="done")
    assign(patient, module, status=Assignment.Status.COMPLETED)

    assert module_get_for_user(user=patient, slug="done") == module


def test_one_cancelled_assignment_does_not_hide_a_current_one(patient):
    module = PublishedModuleFactory(slug="again")
    assign(patient, module, status=Assignment.Status.CANCELLED)
    assign(patient, module)

    assert list(module_list_for_user(user=patient)) == [module]


def test_patient_cannot_read_an_assigned_module_that_was_never_published(patient):
    draft = ModuleFactory(slug="draft")
    assign(patient, draft)

    with pytest.raises(Http404):
        module_get_for_user(user=patient, slug="draft")


def test_patient_cannot_read_an_assigned_module_once_it_is_retired(patient):
    module = PublishedModuleFactory(slug="retired")
    assign(patient, module)

    services.module_retire(module=module)

    with pytest.raises(Http404):
        module_get_for_user(user=patient, slug="retired")


def test_a_published_module_being_edited_stays_readable(patient):
    module = PublishedModuleFactory(slug="editing")
    assign(patient, module)

    services.module_record_edit(module=module, user=AdminFactory())

    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module_get_for_user(user=patient, slug="editing").current_version is not None


@pytest.mark.parametrize("make_staff", [ClinicianFactory, AdminFactory])
def test_staff_see_every_published_module_but_no_drafts(make_staff):
    published = PublishedModuleFactory(slug="published")
    ModuleFactory(slug="draft")
    staff = make_staff()

    assert list(module_list_for_user(user=staff)) == [published]
    with pytest.raises(Http404):
        module_get_for_user(user=staff, slug="draft")


def test_published_list_can_be_filtered_by_language():
    english = PublishedModuleFactory(language="en")
    spanish = PublishedModuleFactory(language="es")

    assert list(module_list_published(language="es")) == [spanish]
    assert set(module_list_published()) == {english, spanish}


def test_inactive_users_see_nothing(patient):
    module = PublishedModuleFactory()
    assign(patient, module)
    patient.is_active = False
    patient.save()

    assert not module_list_for_user(user=patient).exists()
