"""What every endpoint shares: error bodies, strict query parameters, paging, CSRF for
browser sessions, the write throttle and the audit trail for lists."""

import pytest
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.test import Client
from rest_framework.test import APIClient

from apps.api.pagination import PortalPagination
from apps.audit.models import AuditEvent
from tests.api.conftest import login_for_token

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/v1/assignments/"
QUESTIONS = "/api/v1/questions/"


# --- Error bodies -----------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_a_400_with_detail(api_as):
    response = api_as("patient").post(QUESTIONS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "What you sent is not valid JSON. Check the quotes, commas and brackets. "
        "Nothing was saved."
    }


def test_a_form_post_is_refused_with_415(api_as):
    response = api_as("patient").post(QUESTIONS, {"body": "hello"}, format="multipart")
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}


def test_out_of_scope_and_missing_look_exactly_the_same(api_as, world):
    client = api_as("clinician")
    theirs = client.get(f"{ASSIGNMENTS}{world['other_assignment'].pk}/")
    missing = client.get(f"{ASSIGNMENTS}987654/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"detail": "No such assignment."}


@pytest.mark.parametrize(
    "weird_id", ["9223372036854775808", "99999999999999999999999", "abc", "-1"]
)
def test_weird_ids_in_paths_are_404_never_500(api_as, world, weird_id):
    for url in (f"{ASSIGNMENTS}{weird_id}/", f"{QUESTIONS}{weird_id}/"):
        assert api_as("clinician").get(url).status_code == 404, url


def test_an_id_too_large_for_the_database_is_a_400(api_as, world):
    response = api_as("patient").post(QUESTIONS, {"body": "Hi", "assignment": 2**70}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["assignment"]
    filtered = api_as("clinician").get(f"{ASSIGNMENTS}?patient={2**70}")
    assert filtered.status_code == 400


def test_an_unknown_api_address_answers_in_json(api_as):
    response = api_as("patient").get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint at this address."}


def test_json_is_the_only_format(api_as):
    response = api_as("patient").get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert api_as("patient").get("/api/v1/me/").json()["role"] == "patient"


# --- Query parameters and pages ---------------------------------------------------------------


def test_a_misspelt_filter_is_refused_not_ignored(api_as, world):
    response = api_as("clinician").get(ASSIGNMENTS + "?stauts=completed")
    assert response.status_code == 400
    message = response.json()["stauts"][0]
    assert "no parameter called “stauts”" in message
    assert "status" in message


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?status=", "status"),
        ("?status=lost", "status"),
        ("?due_before=soon", "due_before"),
        ("?ordering=patient__email", "ordering"),
        ("?page_size=0", "page_size"),
        ("?page_size=many", "page_size"),
        ("?status=assigned&status=completed", "status"),
    ],
)
def test_bad_query_values_get_a_message_on_their_name(api_as, world, query, field):
    response = api_as("clinician").get(ASSIGNMENTS + query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_ordering_by_a_listed_field_works_both_ways(api_as, people, world):
    client = api_as("admin")
    ascending = [r["id"] for r in client.get(ASSIGNMENTS + "?ordering=id").json()["results"]]
    descending = [r["id"] for r in client.get(ASSIGNMENTS + "?ordering=-id").json()["results"]]
    assert ascending == sorted(ascending) and len(ascending) == 2
    assert descending == ascending[::-1]


def test_pages_never_exceed_the_maximum(api_as, world, monkeypatch):
    monkeypatch.setattr(PortalPagination, "max_page_size", 1)
    body = api_as("admin").get(ASSIGNMENTS + "?page_size=1").json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert "page=2" in body["next"]
    # Above the maximum is refused, as the schema's `maximum` says, not quietly served smaller.
    refused = api_as("admin").get(ASSIGNMENTS + "?page_size=2")
    assert refused.status_code == 400
    assert refused.json() == {"page_size": ["Give the page size as a whole number from 1 to 1."]}


def test_a_page_past_the_end_is_404(api_as, world):
    response = api_as("patient").get(ASSIGNMENTS + "?page=9")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


# --- Browser sessions -------------------------------------------------------------------------


def test_browser_session_writes_need_the_csrf_token(patient, world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)
    refused = browser.post(QUESTIONS, {"body": "Hello"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    page = browser.get("/api/v1/me/")
    token = get_token(page.wsgi_request)
    browser.cookies["csrftoken"] = token
    accepted = browser.post(
        QUESTIONS, {"body": "Hello"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_token_requests_need_no_csrf_token(patient):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_X_SESSION_TOKEN=login_for_token(patient))
    assert client.post(QUESTIONS, {"body": "Hello"}, format="json").status_code == 201


# --- Throttling -------------------------------------------------------------------------------


@pytest.fixture
def two_writes_a_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"writes": "2/min"},
    }


def test_writes_are_throttled_per_person_and_reads_are_not(two_writes_a_minute, api_as):
    client = api_as("patient")
    for _ in range(2):
        assert client.post(QUESTIONS, {"body": "Hi"}, format="json").status_code == 201
    refused = client.post(QUESTIONS, {"body": "Hi"}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert set(refused.json()) == {"detail"}
    assert client.get(QUESTIONS).status_code == 200
    someone_else = api_as("other_patient")
    assert someone_else.post(QUESTIONS, {"body": "Hi"}, format="json").status_code == 201


@pytest.mark.services
def test_the_write_throttle_counts_in_redis(
    require_services, settings, two_writes_a_minute, patient
):
    settings.CACHES = {
        **settings.CACHES,  # the page frame's "frames" cache stays
        "default": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "portal-api-test",
        },
    }
    cache.clear()
    client = APIClient()
    client.credentials(HTTP_X_SESSION_TOKEN=login_for_token(patient))
    statuses = [client.post(QUESTIONS, {"body": "Hi"}, format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert cache.get(f"throttle_writes_{patient.pk}") is not None
    cache.clear()


# --- The audit trail for lists ----------------------------------------------------------------


def test_a_staff_list_records_each_patient_shown_in_one_go(api_as, people, world):
    api_as("clinician").get(ASSIGNMENTS)
    events = AuditEvent.objects.filter(action="assignment_list.view")
    assert [(e.actor, e.subject_patient, e.channel) for e in events] == [
        (people["clinician"], people["patient"], "api")
    ]
    api_as("clinician").get("/api/v1/patients/")
    assert AuditEvent.objects.filter(
        action="patient_list.view", subject_patient=people["patient"]
    ).exists()


def test_a_patient_reading_their_own_list_is_not_recorded(api_as, world):
    api_as("patient").get(ASSIGNMENTS)
    api_as("patient").get(f"{ASSIGNMENTS}{world['assignment'].pk}/")
    api_as("patient").get(QUESTIONS)
    assert not AuditEvent.objects.exists()


def test_a_staff_detail_read_is_recorded(api_as, people, world):
    api_as("admin").get(f"{ASSIGNMENTS}{world['assignment'].pk}/")
    event = AuditEvent.objects.get(action="assignment.view")
    assert (event.actor, event.subject_patient, event.channel) == (
        people["admin"],
        people["patient"],
        "api",
    )
