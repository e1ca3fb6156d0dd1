"""The OpenAPI schema and Swagger UI: served, valid, and saying what clients need to know."""

import re

import pytest
import yaml
from django.conf import settings
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
        "/api/v1/caregivers/",
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


# --- Usable from the schema alone (issue 26) ---------------------------------------------------


def test_the_schema_passes_openapi_spec_validator(schema):
    from openapi_spec_validator import validate

    validate(schema)  # raises on the first problem


def test_nullable_objects_allow_null_under_openapi_3_0_rules(schema):
    """`nullable` only counts next to a `type` (OAS 3.0.3): a nullable reference is written
    as "the component or null", and a strict validator accepts both."""
    from openapi_schema_validator import OAS30Validator

    def nullable_references(node, where=""):
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                yield where
            for key, value in node.items():
                yield from nullable_references(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from nullable_references(value, f"{where}/{index}")

    assert list(nullable_references(schema)) == []
    latest_check = schema["components"]["schemas"]["AssignmentDetail"]["properties"]["latest_check"]
    assert latest_check["oneOf"][0] == {"$ref": "#/components/schemas/CheckResult"}
    validator = OAS30Validator({**latest_check, "components": schema["components"]})
    validator.validate(None)
    result = {"score": 1, "total": 1, "passed": True, "submitted_at": "2026-11-19T08:30:00Z"}
    validator.validate({**result, "answers": []})
    assert not validator.is_valid({"score": "one"})


def _query_parameter(schema, path, name):
    (parameter,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return parameter["schema"]


@pytest.mark.parametrize("path", ["/api/v1/assignments/", "/api/v1/questions/"])
def test_the_patient_filter_is_an_integer(schema, path):
    assert _query_parameter(schema, path, "patient")["type"] == "integer"


def test_reply_author_role_is_the_role_enum(schema):
    components = schema["components"]["schemas"]
    role = components["Reply"]["properties"]["author_role"]
    assert role["allOf"] == [{"$ref": "#/components/schemas/RoleEnum"}]
    me_role = components["Me"]["properties"]["role"]
    assert me_role.get("allOf", [me_role])[0] == {"$ref": "#/components/schemas/RoleEnum"}
    assert components["RoleEnum"]["enum"] == ["patient", "clinician", "admin", "caregiver"]


def test_only_operations_that_take_a_body_document_415(schema):
    for name, operation in _operations(schema):
        takes_body = "requestBody" in operation
        assert ("415" in operation["responses"]) == takes_body, name
    for path in ("assignments/{id}/complete/", "questions/{id}/close/", "questions/{id}/withdraw/"):
        assert "requestBody" not in schema["paths"][f"/api/v1/{path}"]["post"], path


@pytest.mark.parametrize(
    "path", ["/api/v1/assignments/", "/api/v1/questions/", "/api/v1/modules/", "/api/v1/patients/"]
)
def test_paging_parameters_state_their_limits(schema, path):
    assert _query_parameter(schema, path, "page")["minimum"] == 1
    size = _query_parameter(schema, path, "page_size")
    assert (size["minimum"], size["maximum"]) == (1, 100)


def test_question_status_words_include_withdrawn(schema):
    components = schema["components"]["schemas"]
    assert components["QuestionStatusEnum"]["enum"] == ["open", "answered", "closed", "withdrawn"]
    status = components["Question"]["properties"]["status"]
    assert status["allOf"] == [{"$ref": "#/components/schemas/QuestionStatusEnum"}]
    assert "`withdrawn`" in status["description"]


def test_operation_ids_say_what_each_operation_does(schema):
    assert {name: operation["operationId"] for name, operation in _operations(schema)} == {
        "GET /api/v1/me/": "me_retrieve",
        "GET /api/v1/modules/": "modules_list",
        "GET /api/v1/modules/{slug}/": "modules_retrieve",
        "GET /api/v1/patients/": "patients_list",
        "GET /api/v1/patients/{id}/treatment/": "patients_treatment_retrieve",
        "PATCH /api/v1/patients/{id}/treatment/": "patients_treatment_update",
        "GET /api/v1/wallet-card/": "wallet_card_retrieve",
        "GET /api/v1/assignments/": "assignments_list",
        "POST /api/v1/assignments/": "assignments_assign",
        "POST /api/v1/assignments/bulk/": "assignments_assign_bulk",
        "GET /api/v1/assignments/{id}/": "assignments_retrieve",
        "PATCH /api/v1/assignments/{id}/": "assignments_update",
        "DELETE /api/v1/assignments/{id}/": "assignments_cancel",
        "POST /api/v1/assignments/{id}/progress/": "assignments_progress",
        "POST /api/v1/assignments/{id}/check/": "assignments_check",
        "POST /api/v1/assignments/{id}/complete/": "assignments_complete",
        "POST /api/v1/assignments/{id}/reread/": "assignments_reread",
        "GET /api/v1/questions/": "questions_list",
        "POST /api/v1/questions/": "questions_ask",
        "GET /api/v1/questions/{id}/": "questions_retrieve",
        "POST /api/v1/questions/{id}/replies/": "questions_reply",
        "POST /api/v1/questions/{id}/close/": "questions_close",
        "POST /api/v1/questions/{id}/withdraw/": "questions_withdraw",
        "GET /api/v1/caregivers/": "caregivers_list",
        "POST /api/v1/caregivers/": "caregivers_invite",
        "GET /api/v1/caregivers/{id}/": "caregivers_retrieve",
        "PATCH /api/v1/caregivers/{id}/": "caregivers_update",
        "DELETE /api/v1/caregivers/{id}/": "caregivers_end",
        "POST /api/v1/caregivers/{id}/confirm/": "caregivers_confirm",
    }


def test_query_enums_are_the_shared_components(schema):
    expected = {
        ("/api/v1/assignments/", "status"): "AssignmentStatusEnum",
        ("/api/v1/questions/", "status"): "QuestionStatusEnum",
        ("/api/v1/modules/", "topic"): "TopicEnum",
        ("/api/v1/modules/", "language"): "LanguageEnum",
        ("/api/v1/caregivers/", "status"): "CaregiverStatusEnum",
    }
    for (path, name), component in expected.items():
        assert _query_parameter(schema, path, name) == {"$ref": f"#/components/schemas/{component}"}
    inline = [
        f"{name} {parameter['name']}"
        for name, operation in _operations(schema)
        for parameter in operation.get("parameters", [])
        if "enum" in parameter["schema"]
    ]
    # Only `overdue` (true/false) has no model choices to share.
    assert inline == ["GET /api/v1/assignments/ overdue"]


def test_the_400_example_quotes_what_the_api_really_says(schema, api_as, world):
    example = schema["components"]["schemas"]["ValidationError"]["example"]
    client = api_as("clinician")
    past = client.post(
        "/api/v1/assignments/",
        {
            "patient": world["assignment"].patient_id,
            "module": world["assignment"].module.slug,
            "due_on": "2000-01-01",
        },
        format="json",
    )
    assert past.json()["due_on"] == example["due_on"]
    again = client.post(
        "/api/v1/assignments/",
        {"patient": world["assignment"].patient_id, "module": world["assignment"].module.slug},
        format="json",
    )
    assert again.json()["module"] == example["module"]
    question = world["question"]
    api_as("patient").post(f"/api/v1/questions/{question.pk}/withdraw/")
    refused = api_as("patient").post(
        f"/api/v1/questions/{question.pk}/replies/", {"body": "Hi"}, format="json"
    )
    assert refused.json()["non_field_errors"] == example["non_field_errors"]
    anonymous = schema["components"]["schemas"]["Error"]["example"]
    assert client_for_nobody().get("/api/v1/me/").json() == anonymous


def client_for_nobody():
    from rest_framework.test import APIClient

    return APIClient()


def test_the_session_token_is_an_api_key_in_a_header(schema):
    scheme = schema["components"]["securitySchemes"]["sessionToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Session-Token")
    for name, operation in _operations(schema):
        assert operation["security"][0] == {"sessionToken": []}, name


def test_allauths_login_api_has_its_own_schema_and_both_are_linked(client, schema):
    response = client.get("/_allauth/openapi.json")
    assert response.status_code == 200
    login_api = response.json()
    assert login_api["openapi"].startswith("3.")
    assert "post" in login_api["paths"]["/_allauth/app/v1/auth/login"]
    assert "/_allauth/app/v1/auth/2fa/authenticate" in login_api["paths"]
    assert client.get("/_allauth/openapi.yaml").status_code == 200
    assert "/_allauth/openapi.json" in schema["info"]["description"]
    docs = (settings.BASE_DIR / "docs" / "api.md").read_text()
    assert "/api/schema/" in docs and "/_allauth/openapi.json" in docs


def test_nullable_choices_are_the_enum_or_null(schema):
    """A nullable choice field (who asked a question, what a caregiver link waits for) is
    "the enum component, or null", valid under OpenAPI 3.0's rules."""
    from openapi_schema_validator import OAS30Validator

    components = schema["components"]["schemas"]
    assert "NullEnum" not in components
    for component, field, enum, value in (
        ("Question", "asked_by_role", "RoleEnum", "caregiver"),
        ("CaregiverLink", "waiting_for", "WaitingForEnum", "patient_confirmation"),
    ):
        prop = components[component]["properties"][field]
        assert prop["oneOf"][0] == {"$ref": f"#/components/schemas/{enum}"}, field
        validator = OAS30Validator({**prop, "components": schema["components"]})
        validator.validate(None)
        validator.validate(value)
        assert not validator.is_valid("someone"), field
