"""The OpenAPI schema and Swagger UI: served, valid, and saying what clients need to know."""

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_schema_validates_without_a_single_warning(tmp_path):
    # Raises on any warning or validation error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_schema_covers_the_contract_paths(schema):
    assert set(schema["paths"]) >= {
        "/api/v1/me/",
        "/api/v1/modules/",
        "/api/v1/modules/{slug}/",
        "/api/v1/patients/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/",
        "/api/v1/assignments/{id}/progress/",
        "/api/v1/assignments/{id}/complete/",
        "/api/v1/assignments/{id}/check/",
        "/api/v1/questions/",
        "/api/v1/questions/{id}/",
        "/api/v1/questions/{id}/replies/",
    }
    assignment = schema["paths"]["/api/v1/assignments/{id}/"]
    assert set(assignment) >= {"get", "patch", "delete"}
    assert "put" not in assignment


def test_both_ways_to_log_in_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["sessionToken"]["in"] == "header"
    assert schemes["sessionToken"]["name"] == "X-Session-Token"
    assert "/_allauth/app/v1/auth/login" in schemes["sessionToken"]["description"]
    assert schemes["browserSession"]["in"] == "cookie"
    assert "X-CSRFToken" in schemes["browserSession"]["description"]
    for name, operation in _operations(schema):
        assert {"sessionToken": []} in operation["security"], name
        assert {} not in operation["security"], f"{name} claims to work without logging in"


def test_every_operation_is_described_and_documents_its_errors(schema):
    for name, operation in _operations(schema):
        assert operation.get("summary"), name
        assert operation.get("description"), name
        codes = set(operation["responses"])
        assert {"401", "403"} <= codes, name
        if "{" in name:
            assert "404" in codes, name
        if not name.startswith("GET"):
            assert {"400", "429"} <= codes, name
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert response["description"], f"{name} {code}"
                assert response["content"]["application/json"]["schema"]["$ref"] in {
                    "#/components/schemas/Error",
                    "#/components/schemas/ValidationError",
                }, f"{name} {code}"


def test_the_main_writes_come_with_examples(schema):
    for path in (
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/progress/",
        "/api/v1/assignments/{id}/check/",
        "/api/v1/questions/",
        "/api/v1/questions/{id}/replies/",
    ):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body.get("examples"), path


def test_patients_never_get_check_answers_per_the_schema(schema):
    check = schema["components"]["schemas"]["Check"]
    assert "correct_index" not in check.get("required", [])
    assert "Never sent to patients" in check["properties"]["correct_index"]["description"]


def test_swagger_ui_is_served_without_inline_script_or_style(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html and "style=" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_swagger_ui_assets_are_served_locally(client):
    for asset in (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "/static/api/swagger.css",
    ):
        assert client.get(asset).status_code == 200, asset
