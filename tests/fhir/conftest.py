"""FHIR test helpers: the API's real token logins (tests/api/conftest.py), and a check that
every resource the endpoint returns is valid FHIR (fhir.resources' R4B models)."""

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tests.api.conftest import _fresh_cache, api_as, people, world  # noqa: F401 - fixtures

MEDIA_TYPE = "application/fhir+json"


def valid(resource: dict) -> dict:
    """Validate a resource (a Bundle's entries one by one too) and return it."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []):
        valid(entry["resource"])
    return resource


def fhir_json(response, status: int = 200) -> dict:
    """The body of a FHIR answer: the expected status, FHIR's media type, and valid."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert response["Content-Type"].startswith(MEDIA_TYPE), response["Content-Type"]
    return valid(response.json())


def outcome(response, status: int) -> dict:
    """An error answer: an OperationOutcome with a plain message; returns its first issue."""
    body = fhir_json(response, status)
    assert body["resourceType"] == "OperationOutcome", body
    issue = body["issue"][0]
    assert issue["severity"] == "error"
    assert issue["details"]["text"]
    return issue


@pytest.fixture
def fhir(request):
    """fhir("clinician").get("Task/1") -> that person's response, as FHIR clients send it."""
    login = request.getfixturevalue("api_as")

    class Client:
        def __init__(self, role):
            self.client = login(role)

        def get(self, path, **params):
            return self.client.get(f"/fhir/r4/{path}", params, HTTP_ACCEPT=MEDIA_TYPE)

        def post(self, path, body, content_type=MEDIA_TYPE):
            data = body if isinstance(body, str | bytes) else json.dumps(body)
            return self.client.generic(
                "POST", f"/fhir/r4/{path}", data, content_type=content_type, HTTP_ACCEPT=MEDIA_TYPE
            )

    return Client
