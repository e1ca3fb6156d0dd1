"""The REST framework's stock messages never reach a client: each is answered in the
portal's own words (docs/api.md, "Error bodies"), and paging, body-less actions and
withdrawn questions behave as the schema says (issue 26)."""

import json

import pytest
from django.middleware.csrf import get_token
from django.test import Client
from rest_framework.test import APIClient

from apps.questions.models import Question

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/assignments/"
QUESTIONS = "/api/v1/questions/"

# Stock texts of the REST framework and of Django's form fields, as they would begin.
STOCK = (
    "Invalid page",
    "Ensure this",
    "JSON parse error",
    "A valid integer",
    "This field",
    "Select a valid choice",
    "Enter a",
    "Not a valid",
    "is not a valid choice",
    "Date has wrong format",
    "Expected a list",
    "Invalid data",
    "Unsupported media type",
    'Method "',
    "Could not satisfy",
    "Authentication credentials",
    "Request was throttled",
    "You do not have permission",
    "CSRF Failed",
)


def _no_stock_text(body) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert not [stock for stock in STOCK if stock in text], text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?page=0", {"page": ["Give the page number as a whole number from 1."]}),
        ("?page=-1", {"page": ["Give the page number as a whole number from 1."]}),
        ("?page=two", {"page": ["Give the page number as a whole number from 1."]}),
        ("?page_size=0", {"page_size": ["Give the page size as a whole number from 1 to 100."]}),
        ("?page_size=101", {"page_size": ["Give the page size as a whole number from 1 to 100."]}),
        ("?patient=0", {"patient": ["Give a number from 1 up."]}),
        ("?patient=1.5", {"patient": ["Give a whole number, like 3."]}),
        (f"?patient={2**63}", {"patient": ["Give a number no larger than 9223372036854775807."]}),
        (
            "?due_before=soon",
            {"due_before": ["Give the date as YYYY-MM-DD, for example 2026-12-04."]},
        ),
        (
            "?status=lost",
            {"status": ["“lost” is not one of the choices. The API schema lists them."]},
        ),
        ("?module=" + "m" * 81, {"module": ["Use at most 80 characters."]}),
    ],
)
def test_bad_query_values_get_the_portals_words(api_as, world, query, expected):
    response = api_as("clinician").get(ASSIGNMENTS + query)
    assert response.status_code == 400
    assert response.json() == expected


def test_a_page_past_the_end_is_a_404_in_the_portals_words(api_as, world):
    response = api_as("patient").get(ASSIGNMENTS + "?page=9")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is no page 9 in this list. The first page is page 1."
    }
    assert api_as("patient").get(ASSIGNMENTS + "?page=1&page_size=100").status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"body": ["This is needed. Please add it."]}),
        ({"body": None}, {"body": ["Give a value here. It can't be null."]}),
        ({"body": ["a list"]}, {"body": ["Give this as text."]}),
        ({"body": "Hi", "assignment": 0}, {"assignment": ["Give a number from 1 up."]}),
        ({"body": "Hi", "assignment": "one"}, {"assignment": ["Give a whole number, like 3."]}),
        (
            {"body": "Hi", "assignment": 1, "section_position": 40000},
            {"section_position": ["Give a number no larger than 32767."]},
        ),
        (["a", "list"], {"non_field_errors": ["Send a JSON object, in curly brackets."]}),
    ],
)
def test_bad_bodies_get_the_portals_words(api_as, body, expected):
    response = api_as("patient").post(QUESTIONS, body, format="json")
    assert response.status_code == 400
    assert response.json() == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"patients": "12", "modules": ["m"]},
            {"patients": ["Give a list, in square brackets."]},
        ),
        ({"patients": [], "modules": ["m"]}, {"patients": ["Give at least 1 of these."]}),
        (
            {"patients": [1], "modules": ["not a slug!"]},
            {"modules": {"0": ["Give a slug: letters, digits, - and _ only."]}},
        ),
        (
            {"patients": [1], "modules": ["m"], "due_on": "4 December"},
            {"due_on": ["Give the date as YYYY-MM-DD, for example 2026-12-04."]},
        ),
        (
            {"patients": [1], "modules": ["m"] * 51},
            {"modules": ["Give at most 50 of these."]},
        ),
    ],
)
def test_bad_bulk_bodies_get_the_portals_words(api_as, people, body, expected):
    response = api_as("clinician").post(ASSIGNMENTS + "bulk/", body, format="json")
    assert response.status_code == 400
    assert response.json() == expected


def test_a_portal_message_with_a_stock_code_is_left_as_written(api_as, world):
    """Only the framework's own text is replaced: a field's own message stays."""
    response = api_as("patient").post(
        f"{ASSIGNMENTS}{world['assignment'].pk}/check/", {"answers": ["x"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["answers"]["0"][0].startswith("Give the index of the choice")


def test_a_body_that_is_not_json(api_as):
    response = api_as("patient").post(QUESTIONS, "body=Hi", content_type="text/plain")
    assert response.status_code == 415
    assert response.json() == {
        "detail": "Send the body as JSON, with the header Content-Type: application/json."
    }


def test_a_method_an_address_does_not_take(api_as, world):
    response = api_as("clinician").put(f"{ASSIGNMENTS}{world['assignment'].pk}/", {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"detail": "This address does not take PUT requests."}


def test_an_answer_in_something_other_than_json(api_as):
    response = api_as("patient").get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json() == {"detail": "This API answers in JSON only. Ask for application/json."}


def test_no_session_token():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Please log in first. Send your session token in the X-Session-Token header."
    }


def test_a_browser_write_without_its_csrf_token(patient):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)
    get_token(browser.get("/api/v1/me/").wsgi_request)
    response = browser.post(QUESTIONS, {"body": "Hi"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This browser request is missing its CSRF token. Send the value of the "
        "csrftoken cookie in the X-CSRFToken header."
    }


def test_too_many_writes(settings, api_as):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "1/min"},
    }
    client = api_as("patient")
    assert client.post(QUESTIONS, {"body": "Hi"}, format="json").status_code == 201
    refused = client.post(QUESTIONS, {"body": "Hi"}, format="json")
    assert refused.status_code == 429
    detail = refused.json()["detail"]
    assert detail.startswith("Too many changes in a short time. Please wait ")
    assert detail.endswith(" seconds, then try again.")
    _no_stock_text(refused.json())


def test_a_fuzz_of_mistakes_never_shows_stock_text(api_as, world):
    """One more sweep, over several endpoints, for any stock text at all."""
    staff, me = api_as("clinician"), api_as("patient")
    answers = [
        staff.get(ASSIGNMENTS + "?page=0&page_size=1000&patient=-3&due_after=x&overdue=maybe"),
        staff.get(QUESTIONS + "?patient=abc&status=gone"),
        staff.get("/api/v1/modules/?topic=none&language=xx"),
        staff.post(ASSIGNMENTS, {"patient": None, "due_on": 5, "note": 3}, format="json"),
        staff.patch(f"{ASSIGNMENTS}{world['assignment'].pk}/", {"due_on": "soon"}, format="json"),
        me.post(f"{ASSIGNMENTS}{world['assignment'].pk}/progress/", {"section": -1}, format="json"),
        me.post(f"{ASSIGNMENTS}{world['assignment'].pk}/check/", {}, format="json"),
        me.post(f"{QUESTIONS}{world['question'].pk}/replies/", {"body": ["x"]}, format="json"),
        me.delete("/api/v1/me/"),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.content
        _no_stock_text(response.json())


# --- Body-less actions --------------------------------------------------------------------------


def test_body_less_actions_ignore_a_body_rather_than_answering_415(api_as, world):
    """The schema lists no 415 for complete, close and withdraw because they read no body."""
    me = api_as("patient")
    for url in (
        f"{ASSIGNMENTS}{world['assignment'].pk}/complete/",
        # Withdrawn before it is closed: a closed question cannot be withdrawn.
        f"{QUESTIONS}{world['question'].pk}/withdraw/",
        f"{QUESTIONS}{world['question'].pk}/close/",
    ):
        response = me.post(url, "not json at all", content_type="text/plain")
        assert response.status_code == 200, (url, response.content)


# --- Withdrawn questions ------------------------------------------------------------------------


def test_a_withdrawn_question_reads_as_withdrawn(api_as, people, world):
    me = api_as("patient")
    question = world["question"]
    withdrawn = me.post(f"{QUESTIONS}{question.pk}/withdraw/").json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_at"]
    assert me.get(f"{QUESTIONS}{question.pk}/").json()["status"] == "withdrawn"
    assert Question.objects.get(pk=question.pk).status == Question.Status.CLOSED
    closed = me.post(QUESTIONS, {"body": "Another"}, format="json").json()
    me.post(f"{QUESTIONS}{closed['id']}/close/")

    def listed(status):
        body = me.get(f"{QUESTIONS}?status={status}").json()
        return [(row["id"], row["status"]) for row in body["results"]]

    assert listed("withdrawn") == [(question.pk, "withdrawn")]
    assert listed("closed") == [(closed["id"], "closed")]
    # The care team never lists a withdrawn question; opened by its link, it says withdrawn.
    staff = api_as("clinician")
    assert staff.get(f"{QUESTIONS}?status=withdrawn").json()["results"] == []
    assert staff.get(f"{QUESTIONS}{question.pk}/").json()["status"] == "withdrawn"
