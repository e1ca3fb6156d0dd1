"""The wallet card in the API: the patient reads their own card; their care team reads and sets
the treatment name on it, with the web page's rules and audit trail."""

import pytest

from apps.assignments import services
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CARD = "/api/v1/wallet-card/"


def _treatment(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/treatment/"


def test_patient_reads_their_own_card(api_as, people, settings):
    settings.CARE_TEAM_PHONE = "555-0199"
    settings.EMERGENCY_NUMBER = "112"
    services.treatment_set(
        patient=people["patient"], name="nivolumab", updated_by=people["clinician"]
    )
    services.treatment_set(
        patient=people["other_patient"], name="ipilimumab", updated_by=people["other_clinician"]
    )
    response = api_as("patient").get(CARD)
    assert response.status_code == 200
    assert response.json() == {
        "treatment_name": "nivolumab",
        "care_team_phone": "555-0199",
        "emergency_number": "112",
    }
    assert api_as("other_patient").get(CARD).json()["treatment_name"] == "ipilimumab"


def test_a_patient_with_no_treatment_name_gets_an_empty_one(api_as):
    assert api_as("patient").get(CARD).json()["treatment_name"] == ""


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_have_no_card_of_their_own(api_as, people, role):
    assert api_as(role).get(CARD).status_code == 403


def test_the_card_is_read_only(api_as):
    assert api_as("patient").patch(CARD, {"treatment_name": "x"}, format="json").status_code == 405


def test_clinician_sets_reads_and_clears_the_treatment_name(api_as, people):
    patient, clinician = people["patient"], people["clinician"]
    client = api_as("clinician")
    assert client.get(_treatment(patient)).json() == {
        "patient": patient.pk,
        "treatment_name": "",
        "updated_at": None,
    }
    response = client.patch(
        _treatment(patient), {"treatment_name": " pembrolizumab  (Keytruda)"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["treatment_name"] == "pembrolizumab (Keytruda)"
    assert response.json()["updated_at"]
    assert api_as("patient").get(CARD).json()["treatment_name"] == "pembrolizumab (Keytruda)"
    cleared = client.patch(_treatment(patient), {"treatment_name": ""}, format="json")
    assert cleared.json()["treatment_name"] == ""
    actions = list(
        AuditEvent.objects.filter(actor=clinician, subject_patient=patient)
        .order_by("id")
        .values_list("action", "channel")
    )
    assert actions == [
        ("treatment.view", "api"),
        ("treatment.update", "api"),
        ("treatment.update", "api"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"treatment_name": "<script>x</script>"}, "without < or > signs"),
        ({"treatment_name": "n" * 81}, "at most 80 characters. It has 81."),
        ({}, "This is needed. Please add it."),
    ],
)
def test_bad_treatment_names_are_a_400_per_field(api_as, people, body, message):
    response = api_as("clinician").patch(_treatment(people["patient"]), body, format="json")
    assert response.status_code == 400
    assert message in response.json()["treatment_name"][0]
    assert api_as("patient").get(CARD).json()["treatment_name"] == ""


def test_another_teams_patient_is_a_404(api_as, people):
    url = _treatment(people["other_patient"])
    assert api_as("clinician").get(url).status_code == 404
    response = api_as("clinician").patch(url, {"treatment_name": "x"}, format="json")
    assert response.status_code == 404
    assert api_as("other_patient").get(CARD).json()["treatment_name"] == ""


def test_patients_may_not_read_or_set_treatment_names(api_as, people):
    url = _treatment(people["patient"])
    assert api_as("patient").get(url).status_code == 403
    assert api_as("patient").patch(url, {"treatment_name": "x"}, format="json").status_code == 403


def test_admin_may_set_any_patients_treatment_name(api_as, people):
    url = _treatment(people["other_patient"])
    response = api_as("admin").patch(url, {"treatment_name": "aldesleukin"}, format="json")
    assert response.status_code == 200
