"""A patient who prefers Spanish gets the portal, and the module, in Spanish."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.assignments import services as assignment_services
from apps.library import services as library_services
from apps.library.models import Module

from .support import DEMO_PASSWORD, DESKTOP, PHONE, assert_accessible, log_in, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def assigned_in_english(transactional_db):
    """patient@example.com was given the English "What is immunotherapy?"; the Spanish
    translation, loaded "in review", is published by the admin after the clinician's review."""
    call_command("seed_demo", verbosity=0)
    call_command("load_library", demo=True, verbosity=0)
    spanish = Module.objects.get(slug="que-es-la-inmunoterapia")
    assert spanish.status == Module.Status.IN_REVIEW
    reviewer = User.objects.get(email="reviewer@example.com")
    spanish.reviewed_by = reviewer
    spanish.save(update_fields=["reviewed_by"])
    library_services.module_approve(module=spanish, reviewer=reviewer)
    library_services.module_publish(
        module=spanish, publisher=User.objects.get(email="admin@example.com")
    )
    patient = User.objects.get(email="patient@example.com")
    assignment_services.assignment_create(
        assigned_by=User.objects.get(email="clinician@example.com"),
        patient_id=patient.pk,
        module_id=Module.objects.get(slug="what-is-immunotherapy").pk,
    )
    return patient


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_patient_switches_to_spanish_and_reads_the_spanish_module(
    open_page, device, assigned_in_english
):
    page = open_page(device)
    log_in(page, email="patient@example.com", password=DEMO_PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="What is immunotherapy?", exact=True)).to_be_visible()

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Language of the portal and your reading").select_option("es")
    page.get_by_role("button", name="Save settings").click()

    # The whole interface is in Spanish now, and the saved choice sticks.
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Configuración")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Se guardó su configuración."
    )
    assert User.objects.get(pk=assigned_in_english.pk).preferred_language == "es"
    assert_accessible(page, device=device)

    page.get_by_role("link", name="Mis lecturas").click()
    expect(page.locator("h1")).to_have_text("Mis lecturas")
    # Her reading list offers the Spanish version of the module she was given.
    expect(page.get_by_role("link", name="¿Qué es la inmunoterapia?", exact=True)).to_be_visible()
    expect(page.get_by_text("What is immunotherapy?", exact=True)).to_have_count(0)
    assert_accessible(page, device=device)
    screenshot(page, "patient-my-reading-spanish", device=device)

    page.get_by_role("link", name="Empezar a leer").click()
    spanish = Module.objects.get(slug="que-es-la-inmunoterapia").current_version.snapshot
    expect(
        page.get_by_role("heading", name=spanish["sections"][0]["title"], exact=True)
    ).to_be_visible()
    expect(page.get_by_text("Sección 1 de")).to_be_visible()
    assert_accessible(page, device=device)
    screenshot(page, "patient-reading-spanish", device=device)


def test_footer_language_switch_changes_the_page_and_the_saved_preference(
    open_page, assigned_in_english
):
    page = open_page(DESKTOP)
    log_in(page, email="patient@example.com", password=DEMO_PASSWORD)

    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()

    expect(page.locator("h1")).to_have_text("Mis lecturas")
    expect(page.get_by_role("button", name="Cambiar idioma")).to_be_visible()
    assert User.objects.get(pk=assigned_in_english.pk).preferred_language == "es"

    page.get_by_label("Idioma", exact=True).select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    expect(page.locator("h1")).to_have_text("My reading")
