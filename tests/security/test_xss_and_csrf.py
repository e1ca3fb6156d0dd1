"""Cross-site scripting and cross-site request forgery probes.

XSS: what people type (names, invitation names, questions, notes) comes back escaped on every
page that shows it. CSRF: every URL refuses a state-changing request without the token,
except the few that take no cookies at all (listed, with the reason).
"""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Invitation
from apps.audit.services import audit_log

from .scenario import Scenario
from .test_access_matrix import ROUTES, _entry_for, _request_and_undo, _url

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _assert_escaped(body: str) -> None:
    assert PAYLOAD not in body
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert ESCAPED in body


def test_a_persons_name_is_escaped_wherever_it_is_shown(logged_in, patient, clinician, admin_user):
    patient.name = PAYLOAD
    patient.save()
    audit_log(actor=clinician, action="patient.view", patient=patient)
    patient_client = logged_in(patient)
    for url in ("/reading/", reverse("accounts:profile"), reverse("records:my_record_export")):
        _assert_escaped(patient_client.get(url).content.decode())
    _assert_escaped(logged_in(clinician).get("/patients/").content.decode())
    clinician.name = PAYLOAD
    clinician.save()
    _assert_escaped(patient_client.get(reverse("records:my_record_access")).content.decode())


def test_an_invitation_name_is_escaped_in_the_list(clinician_client, clinician):
    clinician_client.post(
        reverse("accounts:invitation_list"), {"name": PAYLOAD, "email": "new@example.org"}
    )
    assert Invitation.objects.get(email="new@example.org").name == PAYLOAD
    _assert_escaped(clinician_client.get(reverse("accounts:invitation_list")).content.decode())


def test_what_was_typed_is_escaped_when_a_form_comes_back_with_errors(clinician_client):
    response = clinician_client.post(
        reverse("accounts:invitation_list"), {"name": PAYLOAD, "email": "not-an-email"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert PAYLOAD not in body
    assert "&lt;script&gt;" in body


def test_question_text_is_escaped_in_the_export(logged_in, scenario: Scenario):
    scenario.question.body = PAYLOAD
    scenario.question.save()
    body = logged_in(scenario.people["patient"]).get(reverse("records:my_record_export"))
    _assert_escaped(body.content.decode())


def _fill_every_free_text_field(scenario: Scenario) -> None:
    for person in scenario.people.values():
        if person is not None:
            person.name = PAYLOAD
            person.save(update_fields=["name"])
    scenario.invitation.name = PAYLOAD
    scenario.invitation.save(update_fields=["name"])
    scenario.assignment.note = PAYLOAD
    scenario.assignment.save(update_fields=["note"])
    scenario.question.body = PAYLOAD
    scenario.question.section_title = PAYLOAD
    scenario.question.save(update_fields=["body", "section_title"])
    scenario.question.replies.create(author=scenario.people["clinician"], body=PAYLOAD)
    scenario.module.title = PAYLOAD
    scenario.module.summary = PAYLOAD
    scenario.module.save(update_fields=["title", "summary"])


@pytest.mark.parametrize(
    ("role", "part"), [("patient", "site"), ("clinician", "site"), ("admin", "admin")]
)
def test_no_page_shows_typed_text_unescaped(scenario: Scenario, role, part):
    """Every page a person can open, with every free-text field holding a script."""
    _fill_every_free_text_field(scenario)
    client = scenario.clients[role]
    leaks, pages, shown = [], 0, 0
    for key, route in ROUTES.items():
        in_admin = route.route.startswith("admin/")
        entry = _entry_for(key, route.route)
        if entry.method != "get" or in_admin != (part == "admin"):
            continue
        url = _url(route, entry, scenario)
        response = _request_and_undo(client, entry, url, scenario)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        body = response.content.decode()
        shown += "&lt;script&gt;alert(" in body
        if PAYLOAD in body or "<script>alert(" in body:
            leaks.append(url)
    # The probe reached many pages that do show the text (escaped), so it proves something.
    assert pages >= 50 and shown >= 20, (pages, shown)
    assert not leaks, f"unescaped text on: {leaks}"


# --- CSRF -------------------------------------------------------------------------------------

# These take no cookie-based login, so there is nothing for a forged request to ride on.
CSRF_EXEMPT = {
    "reminders:unsubscribe": "the signed token in the emailed link is the authority",
    "route:^api/.*/$": "answers 404 to anything and changes nothing",
    "fhir:metadata": "the CapabilityStatement takes no login and changes nothing (POST: 405)",
    "route:^fhir/": "answers 404 to anything and changes nothing",
}


def _csrf_exempt(key: str) -> bool:
    # allauth's app endpoints authenticate with the X-Session-Token header, never a cookie.
    return key in CSRF_EXEMPT or key.startswith("headless:app:")


@pytest.mark.parametrize("role", ["anonymous", "patient", "admin"])
def test_every_url_refuses_a_post_without_the_csrf_token(scenario: Scenario, role):
    person = scenario.people[role]
    client = Client(enforce_csrf_checks=True)
    if person is not None:
        client.force_login(person)
    accepted = []
    for key, route in ROUTES.items():
        if _csrf_exempt(key):
            continue
        entry = _entry_for(key, route.route)
        url = _url(route, entry, scenario)
        post = type(entry)(entry.expect, kwargs=entry.kwargs, method="post", path=entry.path)
        response = _request_and_undo(client, post, url, scenario)
        # Logged in: the CSRF check must be what refuses it. Anonymous: any refusal will do
        # (the API answers 401 first: there is no session for a forged request to use).
        refused = response.status_code == 403 if person else response.status_code >= 400
        if not refused:
            accepted.append(f"{url}: {response.status_code}")
    assert not accepted, "POST without a CSRF token was not refused:\n" + "\n".join(accepted)


def test_the_refusal_names_no_internals(scenario: Scenario):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scenario.people["patient"])
    body = client.post(reverse("accounts:profile"), {"name": "x"}).content.decode()
    assert "Please try that again" in body
    assert "CSRF" not in body
