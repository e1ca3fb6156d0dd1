"""Who may do what through the API: one row per endpoint, one column per role.

401 not logged in; 403 a role that may not do this; 404 outside the caller's scope (never
revealing that it exists); 400 a request that breaks a rule. See conftest.world for the data:
"patient" is in "clinician"'s care team, "other_patient" in "other_clinician"'s; the
assignment and question belong to "patient".
"""

import pytest

from tests.api.conftest import ROLES
from tests.factories import CaregiverFactory, caregiver_link

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
MODULES = "/api/v1/modules/"
PATIENTS = "/api/v1/patients/"
ASSIGNMENTS = "/api/v1/assignments/"
QUESTIONS = "/api/v1/questions/"
CAREGIVERS = "/api/v1/caregivers/"

ASSIGNMENT = ASSIGNMENTS + "{assignment}/"
QUESTION = QUESTIONS + "{question}/"
LINK = CAREGIVERS + "{link}/"
HELPER = {"name": "Alex Helper", "email": "helper@example.org"}

# fmt: off
MATRIX = [
    # method    path                                   body                                                   anon patient other_p clin other_c admin
    ("GET",    ME,                                     None,                                                  401, 200,    200,    200, 200,    200),
    ("GET",    MODULES,                                None,                                                  401, 200,    200,    200, 200,    200),
    ("GET",    MODULES + "{module}/",                  None,                                                  401, 200,    404,    200, 200,    200),
    ("GET",    MODULES + "{unassigned_module}/",       None,                                                  401, 404,    404,    200, 200,    200),
    ("GET",    PATIENTS,                               None,                                                  401, 403,    403,    200, 200,    200),
    ("GET",    ASSIGNMENTS,                            None,                                                  401, 200,    200,    200, 200,    200),
    ("POST",   ASSIGNMENTS,                            {"patient": "{patient}", "module": "{unassigned_module}"},
                                                                                                              401, 403,    403,    201, 400,    201),
    ("GET",    ASSIGNMENT,                             None,                                                  401, 200,    404,    200, 404,    200),
    ("PATCH",  ASSIGNMENT,                             {"note": "Please read it before Friday."},             401, 403,    403,    200, 404,    200),
    ("DELETE", ASSIGNMENT,                             None,                                                  401, 403,    403,    204, 404,    204),
    ("POST",   ASSIGNMENT + "progress/",               {"section": 1},                                        401, 200,    404,    403, 403,    403),
    ("POST",   ASSIGNMENT + "complete/",               None,                                                  401, 200,    404,    403, 403,    403),
    ("POST",   ASSIGNMENT + "check/",                  {"answers": "{right_answers}"},                        401, 201,    404,    403, 403,    403),
    ("POST",   ASSIGNMENT + "reread/",                 {},                                                    401, 403,    403,    400, 404,    400),
    ("GET",    QUESTIONS,                              None,                                                  401, 200,    200,    200, 200,    200),
    ("POST",   QUESTIONS,                              {"body": "Can I travel during treatment?"},            401, 201,    201,    403, 403,    403),
    ("GET",    QUESTION,                               None,                                                  401, 200,    404,    200, 404,    200),
    ("POST",   QUESTION + "replies/",                  {"body": "Thank you."},                                401, 201,    404,    201, 404,    403),
    ("POST",   QUESTION + "close/",                    None,                                                  401, 200,    404,    200, 404,    403),
    ("POST",   QUESTION + "withdraw/",                 None,                                                  401, 200,    404,    403, 404,    403),
    # Caregivers: patient's link to an active caregiver. Staff must name the patient; a patient
    # naming anyone but themself gets 404, as does staff naming a patient out of scope.
    ("GET",    CAREGIVERS,                             None,                                                  401, 200,    200,    200, 200,    200),
    ("POST",   CAREGIVERS,                             HELPER,                                                401, 201,    201,    400, 400,    400),
    ("POST",   CAREGIVERS,                             {**HELPER, "patient": "{patient}"},                    401, 201,    404,    201, 404,    201),
    ("GET",    LINK,                                   None,                                                  401, 200,    404,    200, 404,    200),
    ("PATCH",  LINK,                                   {"can_ask_questions": True},                           401, 200,    404,    403, 403,    403),
    ("DELETE", LINK,                                   None,                                                  401, 204,    404,    403, 403,    204),
    ("POST",   LINK + "confirm/",                      None,                                                  401, 400,    404,    403, 403,    403),
]
# fmt: on


def _cases():
    for method, path, body, *expected in MATRIX:
        for role, status in zip(ROLES, expected, strict=True):
            yield pytest.param(method, path, body, role, status, id=f"{method} {path} {role}")


def _fill(value, refs):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return refs[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, refs) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), _cases())
def test_access(api_as, people, world, method, path, body, role, expected):
    assignment = world["assignment"]
    link = caregiver_link(patient=people["patient"], caregiver=CaregiverFactory())
    refs = {
        "link": link.pk,
        "assignment": assignment.pk,
        "module": assignment.module.slug,
        "unassigned_module": world["unassigned_module"].slug,
        "question": world["question"].pk,
        "patient": people["patient"].pk,
        "right_answers": [c["correct_index"] for c in assignment.module.current_version.checks],
    }
    url = path.format(**refs)
    client = api_as(role)
    send = getattr(client, method.lower())
    response = send(url, _fill(body, refs), format="json") if body is not None else send(url)
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert isinstance(body, dict) and body
        if expected != 400:
            assert set(body) == {"detail"}
