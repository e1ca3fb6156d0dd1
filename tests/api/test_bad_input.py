"""Bad input to the portal's API is a JSON 400 (a 404 for an address), never a 500: JSON
nested too deeply, and NUL characters, which PostgreSQL cannot store. The login API and the
pages: tests/security/test_bad_input.py."""

import json

import pytest

from apps.accounts.middleware import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

QUESTIONS = "/api/v1/questions/"


def _nested(levels: int) -> list:
    value: list = []
    for _level in range(levels - 1):
        value = [value]
    return value


def test_json_nested_five_thousand_deep_is_a_json_400(api_as):
    deep = "[" * 5000 + "]" * 5000
    response = api_as("patient").post(QUESTIONS, deep, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "What you sent is nested too deeply. Nothing was saved."}


def test_nesting_past_the_limit_is_refused_and_at_the_limit_is_not(api_as):
    client = api_as("patient")
    # The body object is one level; "extra" adds the rest.
    past = json.dumps({"body": "Hi", "extra": _nested(MAX_JSON_DEPTH)})
    refused = client.post(QUESTIONS, past, content_type="application/json")
    assert refused.status_code == 400
    assert "nested too deeply" in refused.json()["detail"]
    at_limit = json.dumps({"body": "Hi", "extra": _nested(MAX_JSON_DEPTH - 1)})
    # It reaches the view, which ignores the field it does not know and saves the question.
    assert client.post(QUESTIONS, at_limit, content_type="application/json").status_code == 201


def test_a_nul_as_the_module_slug_of_a_new_assignment_is_a_400(api_as, world):
    response = api_as("clinician").post(
        "/api/v1/assignments/",
        {"module": "\u0000", "patient": world["assignment"].patient_id},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "What you sent contains a NUL character, which is not allowed."
    }


@pytest.mark.parametrize("body", [{"body": "Hi\u0000"}, {"body": "Hi", "\u0000": 1}, [["\u0000"]]])
def test_a_nul_anywhere_in_a_json_body_is_a_400_even_in_a_key(api_as, body):
    response = api_as("patient").post(QUESTIONS, body, format="json")
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        # A slug holds only letters, digits, - and _: anything else matches no endpoint.
        ("/api/v1/modules/%00/", "There is no API endpoint at this address."),
        ("/api/v1/modules/a%00b/", "There is no API endpoint at this address."),
        ("/api/v1/assignments/%00/", "No such assignment."),
        ("/api/v1/questions/%00/", "No such question."),
    ],
)
def test_a_nul_in_an_api_address_is_a_json_404(api_as, world, url, detail):
    response = api_as("clinician").get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": detail}


def test_a_module_slug_in_the_address_still_finds_the_module(api_as, world):
    slug = world["assignment"].module.slug
    response = api_as("clinician").get(f"/api/v1/modules/{slug}/")
    assert response.status_code == 200
    assert response.json()["slug"] == slug
