"""The FHIR endpoint stays out of /api/v1/'s OpenAPI schema, and its writes are refused with
an OperationOutcome to anyone who may not assign."""

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from apps.fhir import codes
from tests.factories import ClinicianFactory, ensure_mfa

from .conftest import MEDIA_TYPE, outcome

pytestmark = pytest.mark.django_db


def test_the_api_schema_has_no_fhir_paths():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"], "the schema lists the API"
    assert not [path for path in schema["paths"] if "fhir" in path.lower()]
    assert not [name for name in schema["components"]["schemas"] if "fhir" in name.lower()]


def test_the_schema_endpoint_does_not_mention_fhir(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/fhir/" not in response.content.decode()


def _task(people, world) -> str:
    return json.dumps(
        {
            "resourceType": "Task",
            "status": "requested",
            "intent": "order",
            "focus": {
                "reference": f"DocumentReference/{world['unassigned_module'].current_version_id}"
            },
            "for": {"reference": f"Patient/{people['patient'].pk}"},
        }
    )


def test_anonymous_writes_are_a_401_outcome(people, world):
    response = Client().post("/fhir/r4/Task", _task(people, world), content_type=MEDIA_TYPE)
    outcome(response, 401)


def test_staff_without_two_step_verification_cannot_assign(people, world):
    clinician = ClinicianFactory()
    client = Client()
    client.force_login(clinician)
    response = client.post("/fhir/r4/Task", _task(people, world), content_type=MEDIA_TYPE)
    assert "Two-step verification" in outcome(response, 403)["details"]["text"]


def test_a_browser_session_write_needs_its_csrf_token(people, world):
    ensure_mfa(people["clinician"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["clinician"])
    response = client.post("/fhir/r4/Task", _task(people, world), content_type=MEDIA_TYPE)
    assert outcome(response, 403)["code"] == "forbidden"


def test_the_portals_systems_follow_its_base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org/"
    assert codes.user_identifier_system() == "https://portal.example.org/fhir/r4/sid/user"
