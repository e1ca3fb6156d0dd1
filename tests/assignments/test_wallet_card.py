"""The printable wallet card (issue 21): the treatment name a clinician sets on the patient's
page, and the card the patient prints from My reading."""

import pytest
from django.urls import reverse

from apps.assignments import services
from apps.assignments.models import PatientTreatment
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CARD = reverse("assignments:wallet_card")


def _treatment_url(patient) -> str:
    return reverse("assignments:patient_treatment", args=[patient.pk])


def _card_text(response) -> str:
    html = response.content.decode()
    return html[html.index('class="portal-wallet-card"') :]


# --- The clinician sets the treatment name ----------------------------------------------------


def test_clinician_sets_the_treatment_name_and_it_is_audited(clinician_client, clinician, patient):
    response = clinician_client.post(
        _treatment_url(patient), {"treatment_name": "  pembrolizumab   (Keytruda) "}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("assignments:patient_detail", args=[patient.pk]) + "#wallet-card"
    )
    assert PatientTreatment.objects.get(patient=patient).name == "pembrolizumab (Keytruda)"
    event = AuditEvent.objects.get(action="treatment.update")
    assert (event.actor, event.subject_patient, event.channel) == (clinician, patient, "web")
    page = clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))
    assert 'value="pembrolizumab (Keytruda)"' in page.content.decode()
    assert "wallet card now says “pembrolizumab (Keytruda)”" in page.content.decode()


def test_saving_the_same_name_again_records_nothing_new(clinician, patient):
    services.treatment_set(patient=patient, name="nivolumab", updated_by=clinician)
    services.treatment_set(patient=patient, name=" nivolumab ", updated_by=clinician)
    assert AuditEvent.objects.filter(action="treatment.update").count() == 1


def test_clearing_the_name_takes_it_off_the_card(clinician_client, clinician, patient):
    services.treatment_set(patient=patient, name="nivolumab", updated_by=clinician)
    response = clinician_client.post(_treatment_url(patient), {"treatment_name": ""})
    assert response.status_code == 302
    assert PatientTreatment.objects.get(patient=patient).name == ""
    assert AuditEvent.objects.filter(action="treatment.update").count() == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("<b>nivolumab</b>", "without &lt; or &gt; signs"),
        ("x" * 81, "at most 80 characters. It has 81."),
        ("nivo\x07lumab", "with letters, numbers and spaces"),
    ],
)
def test_bad_treatment_names_get_a_clear_message_and_keep_what_was_typed(
    clinician_client, patient, typed, message
):
    response = clinician_client.post(_treatment_url(patient), {"treatment_name": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="govuk-error-summary"' in html
    assert not PatientTreatment.objects.filter(patient=patient).exists()
    assert not AuditEvent.objects.filter(action="treatment.update").exists()


def test_a_clinician_cannot_set_the_name_for_another_teams_patient(clinician_client, other_patient):
    response = clinician_client.post(_treatment_url(other_patient), {"treatment_name": "x"})
    assert response.status_code == 404
    assert not PatientTreatment.objects.exists()


def test_only_post_changes_the_name(clinician_client, patient):
    assert clinician_client.get(_treatment_url(patient)).status_code == 405


# --- The patient's card -----------------------------------------------------------------------


def test_my_reading_links_to_the_card(patient_client):
    html = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert f'href="{CARD}"' in html
    assert "Print my wallet card" in html


def test_the_card_says_immunotherapy_the_numbers_and_what_to_do(patient_client, settings):
    settings.CARE_TEAM_PHONE = "020 7946 0000"
    settings.EMERGENCY_NUMBER = "999"
    response = patient_client.get(CARD)
    assert response.status_code == 200
    card = _card_text(response)
    assert "I am having immunotherapy" in card
    assert "020 7946 0000" in card
    assert "If I am very unwell, call 999." in card
    assert "Tell the doctor I am on immunotherapy." in card
    assert 'href="/static/css/wallet-card.css"' in response.content.decode()


def test_the_card_shows_the_drug_name_only_when_the_clinician_set_one(
    patient_client, patient, clinician
):
    assert "My treatment:" not in _card_text(patient_client.get(CARD))
    services.treatment_set(patient=patient, name="ipilimumab", updated_by=clinician)
    assert "My treatment: <strong>ipilimumab</strong>" in _card_text(patient_client.get(CARD))


def test_the_card_never_shows_another_patients_data(
    patient_client, patient, clinician, other_patient, other_clinician
):
    services.treatment_set(
        patient=other_patient, name="tisagenlecleucel", updated_by=other_clinician
    )
    html = patient_client.get(CARD, {"with_name": "on"}).content.decode()
    assert "tisagenlecleucel" not in html
    assert other_patient.name not in html
    assert "My treatment:" not in _card_text(patient_client.get(CARD))


def test_the_patients_name_is_on_the_card_only_when_they_ask(patient_client, patient):
    assert patient.name not in _card_text(patient_client.get(CARD))
    assert f"Name: <strong>{patient.name}</strong>" in _card_text(
        patient_client.get(CARD, {"with_name": "on"})
    )


def test_the_treatment_name_is_escaped_on_the_card(patient_client, patient, clinician):
    PatientTreatment.objects.create(patient=patient, name="a & b", updated_by=clinician)
    assert "a &amp; b" in _card_text(patient_client.get(CARD))


# --- The clinician's preview ------------------------------------------------------------------


def test_a_clinician_can_print_their_patients_card_and_it_is_audited(
    clinician_client, clinician, patient
):
    services.treatment_set(patient=patient, name="atezolizumab", updated_by=clinician)
    response = clinician_client.get(
        reverse("assignments:patient_wallet_card", args=[patient.pk]), {"with_name": "on"}
    )
    assert response.status_code == 200
    assert "Put the patient&#x27;s name on the card" in response.content.decode()
    card = _card_text(response)
    assert "atezolizumab" in card
    assert patient.name in card
    assert AuditEvent.objects.filter(
        action="wallet_card.view", actor=clinician, subject_patient=patient
    ).exists()


def test_a_clinician_gets_404_for_another_teams_patients_card(clinician_client, other_patient):
    url = reverse("assignments:patient_wallet_card", args=[other_patient.pk])
    assert clinician_client.get(url).status_code == 404
