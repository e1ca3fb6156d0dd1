"""Schemathesis against the live schema, in-process, as a patient and as a clinician.

Every operation gets generated requests, valid and deliberately invalid. The checks: never a
server error; every status code is one the schema documents; every body matches its schema;
invalid input is refused (4xx), never accepted. Bounded and deterministic: derandomized, a
few examples per operation.
"""

from collections import defaultdict
from itertools import count

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from apps.caregivers import services as caregiver_services
from tests.api.conftest import InProcessApp, login_for_token
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.questions.factories import QuestionFactory

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
)


def _encodable(value) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_encodable(item) for item in value)
    return value is not None and not isinstance(value, dict)


def filter_query(context, query) -> bool:
    """Skip generated queries that a URL cannot carry as generated.

    Values such as None, [] or {} vanish when the query string is built, so the request
    sent is not the (invalid) one generated, and a correct 200 would read as "accepted bad
    data". Everything else, junk names and values included, is sent.
    """
    return query is None or all(_encodable(value) for value in query.values())


@pytest.fixture
def api_schema(db):
    loaded = schemathesis.from_wsgi("/api/schema/", InProcessApp())
    loaded.hook(filter_query)
    yield loaded
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.from_pytest_fixture(
    "api_schema",
    data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
)


# Operations that valid generated requests (and the schema's own examples) must get through
# at least once: a fuzz run that only ever met 401s or 403s would prove nothing.
MUST_SUCCEED = {
    "GET /api/v1/me/",
    "GET /api/v1/modules/",
    "GET /api/v1/modules/{slug}/",
    "GET /api/v1/patients/",
    "GET /api/v1/assignments/",
    "GET /api/v1/assignments/{id}/",
    "POST /api/v1/assignments/{id}/progress/",
    "POST /api/v1/assignments/{id}/complete/",
    "DELETE /api/v1/assignments/{id}/",
    "GET /api/v1/questions/",
    "POST /api/v1/questions/",
    "GET /api/v1/questions/{id}/",
    "POST /api/v1/questions/{id}/replies/",
    "POST /api/v1/questions/{id}/close/",
    "POST /api/v1/questions/{id}/withdraw/",
    "GET /api/v1/wallet-card/",
    "GET /api/v1/patients/{id}/treatment/",
    "PATCH /api/v1/patients/{id}/treatment/",
    "GET /api/v1/caregivers/",
    "POST /api/v1/caregivers/",
    "GET /api/v1/caregivers/{id}/",
    "PATCH /api/v1/caregivers/{id}/",
    "DELETE /api/v1/caregivers/{id}/",
    "POST /api/v1/caregivers/{id}/confirm/",
}


@pytest.fixture
def fuzz_as(people, world):
    """A patient's and a clinician's token, real ids in their scope to put in paths, and a
    record of the status codes each operation returned."""
    patient = people["patient"]

    def fresh_assignment() -> int:
        assignment = AssignmentFactory(patient=patient, assigned_by=people["clinician"])
        for section in assignment.module.current_version.sections:
            SectionProgressFactory(assignment=assignment, position=section["position"])
        return assignment.pk

    helpers = count()

    def fresh_caregiver_link() -> int:
        # Invited by the clinician: the patient may confirm it, change it or end it.
        return caregiver_services.caregiver_invite(
            patient=patient,
            invited_by=people["clinician"],
            email=f"helper-{next(helpers)}@example.org",
            name="Sam Helper",
        ).pk

    context = {
        "tokens": [login_for_token(patient), login_for_token(people["clinician"])],
        # A new object for each request: cancelling, finishing or withdrawing one must not
        # leave the next request only errors to find.
        "fresh": {
            "assignments": fresh_assignment,
            "questions": lambda: QuestionFactory(patient=patient).pk,
            "patients": lambda: patient.pk,
            "caregivers": fresh_caregiver_link,
        },
        "slug": world["assignment"].module.slug,
        "statuses": defaultdict(set),
    }
    yield context
    succeeded = {
        operation
        for operation, statuses in context["statuses"].items()
        if any(200 <= status < 300 for status in statuses)
    }
    assert succeeded >= MUST_SUCCEED, sorted(MUST_SUCCEED - succeeded)


def _use_real_ids(case, fuzz_as) -> None:
    """Valid requests aim at objects that exist in the callers' scope (the patient's own,
    in the clinician's care team), so bodies reach the services instead of stopping at a 404.
    Invalid ones keep their generated path."""
    if not case.path_parameters or case.data_generation_method.is_negative:
        return
    collection = case.path.split("/")[3]
    if "id" in case.path_parameters:
        case.path_parameters["id"] = fuzz_as["fresh"][collection]()
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = fuzz_as["slug"]


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_schema_and_never_fails(case, fuzz_as):
    # Every operation's cases run in this one test: a fresh write allowance (and invitation
    # allowance) for each case, so the rate limits do not answer for the operations run last.
    cache.clear()
    _use_real_ids(case, fuzz_as)
    for token in fuzz_as["tokens"]:
        response = case.call_and_validate(
            headers={"X-Session-Token": token},
            checks=CHECKS,
            # werkzeug leaves the client address out; allauth's session tracking needs one.
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        fuzz_as["statuses"][case.operation.verbose_name].add(response.status_code)
