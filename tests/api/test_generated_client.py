"""The REST API used from its schema alone.

openapi-python-client generates a client from `/api/schema/` (in a subprocess, into a
temporary folder); the test imports it and runs the whole flow with it, as a patient and as
a clinician, calling every operation of the schema. The client talks to the project's WSGI
application in-process (an httpx transport), and every answer, errors included, is checked
against the schema by openapi-core: the operation must document the status code, and the
body must match its schema under OpenAPI 3.0's rules, nulls included. The generated client
is also strict: a status code the schema does not list raises.
"""

import importlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from apps.questions.models import Question
from tests.api.conftest import InProcessApp, login_for_token
from tests.factories import CaregiverFactory, caregiver_link
from tests.library.factories import PublishedModuleFactory, publish_version

PACKAGE = "portal_client"


@pytest.fixture(scope="module")
def schema_dict(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture(scope="module")
def generated(schema_dict, tmp_path_factory):
    """The generated package, imported from a temporary folder."""
    folder = tmp_path_factory.mktemp("generated")
    spec = folder / "schema.json"
    spec.write_text(json.dumps(schema_dict))
    config = folder / "config.yaml"
    # No post hooks: the generator would otherwise run ruff over the code it writes.
    config.write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Any warning means part of the schema could not be turned into client code.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


# --- Checking every answer against the schema (openapi-core) --------------------------------


class _Request:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: httpx.Request):
        self.method = request.method.lower()
        self.host_url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        self.path = request.url.path
        self.body = request.content or None
        self.content_type = request.headers.get("Content-Type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(urlparse(str(request.url)).query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("Content-Type", "")
        self.headers = Headers(dict(response.headers))


def _operation_id(schema_dict, request: httpx.Request) -> str:
    """The operationId of the schema path that matches the request."""
    parts = request.url.path.strip("/").split("/")
    for template, item in schema_dict["paths"].items():
        pattern = template.strip("/").split("/")
        if len(pattern) == len(parts) and all(
            p == q or (p.startswith("{") and p.endswith("}"))
            for p, q in zip(pattern, parts, strict=True)
        ):
            operation = item.get(request.method.lower())
            if operation is not None:
                return operation["operationId"]
    raise AssertionError(f"{request.method} {request.url.path} is not in the schema")


@pytest.fixture
def checked(schema_dict):
    """Make authenticated clients of the generated package whose every answer is validated
    against the schema; `seen` records the status codes each operation returned."""
    openapi = OpenAPI.from_dict(schema_dict)
    seen: dict[str, set[int]] = {}
    app = InProcessApp()

    def validate(response: httpx.Response) -> None:
        response.read()
        # Raises when the status code is not documented or the body does not match.
        openapi.validate_response(_Request(response.request), _Response(response))
        operation = _operation_id(schema_dict, response.request)
        seen.setdefault(operation, set()).add(response.status_code)

    def make(generated_package, token: str):
        return generated_package.AuthenticatedClient(
            base_url="http://testserver",
            token=token,
            prefix="",
            auth_header_name="X-Session-Token",
            raise_on_unexpected_status=True,
            httpx_args={
                "transport": httpx.WSGITransport(app=app),
                "event_hooks": {"response": [validate]},
            },
        )

    make.seen = seen
    yield make
    InProcessApp.reconnect_signals()


def _api(generated, tag: str, operation: str):
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation}")


def test_the_generated_client_runs_every_operation_and_every_answer_matches_the_schema(
    generated, checked, schema_dict, people
):
    models = importlib.import_module(f"{PACKAGE}.models")
    patient, clinician = people["patient"], people["clinician"]
    me = checked(generated, login_for_token(patient))
    staff = checked(generated, login_for_token(clinician))

    def call(client, tag, operation, **kwargs):
        return _api(generated, tag, operation).sync_detailed(client=client, **kwargs)

    # The clinician finds the patient and a module, and assigns it.
    assert call(staff, "me", "me_retrieve").parsed.role == models.RoleEnum.CLINICIAN
    patients = call(staff, "patients", "patients_list", page_size=100).parsed
    assert patient.pk in [row.id for row in patients.results]
    module = PublishedModuleFactory()
    listed = call(staff, "modules", "modules_list", language=models.LanguageEnum.EN).parsed
    assert module.slug in [row.slug for row in listed.results]
    assert call(staff, "modules", "modules_retrieve", slug=module.slug).status_code == 200
    due = timezone.localdate() + timedelta(days=7)
    created = call(
        staff,
        "assignments",
        "assignments_assign",
        body=models.AssignmentCreateRequest(patient=patient.pk, module=module.slug, due_on=due),
    )
    assert created.status_code == 201
    assignment = created.parsed
    # Nothing answered yet: the schema must allow the null the server sends.
    assert assignment.latest_check is None and assignment.resume_position == 1
    again = call(
        staff,
        "assignments",
        "assignments_assign",
        body=models.AssignmentCreateRequest(patient=patient.pk, module=module.slug),
    )
    assert again.status_code == 400
    later = call(
        staff,
        "assignments",
        "assignments_update",
        id=assignment.id,
        body=models.PatchedAssignmentUpdateRequest(due_on=due + timedelta(days=1)),
    )
    assert later.parsed.due_on == due + timedelta(days=1)
    bulk = call(
        staff,
        "assignments",
        "assignments_assign_bulk",
        body=models.AssignmentBulkCreateRequest(
            patients=[patient.pk], modules=[PublishedModuleFactory().slug]
        ),
    )
    assert bulk.status_code == 201 and len(bulk.parsed.created) == 1
    cancelled = call(staff, "assignments", "assignments_cancel", id=bulk.parsed.created[0].id)
    assert cancelled.status_code == 204
    overdue = call(
        staff,
        "assignments",
        "assignments_list",
        patient=patient.pk,
        status=models.AssignmentStatusEnum.ASSIGNED,
        overdue=models.AssignmentsListOverdue.FALSE,
    )
    assert [row.id for row in overdue.parsed.results] == [assignment.id]

    # The patient reads every section, answers the check and finishes.
    mine = call(me, "assignments", "assignments_list").parsed
    assert [row.id for row in mine.results] == [assignment.id]
    detail = call(me, "assignments", "assignments_retrieve", id=assignment.id).parsed
    too_soon = call(me, "assignments", "assignments_complete", id=assignment.id)
    assert too_soon.status_code == 400
    for section in detail.sections:
        call(
            me,
            "assignments",
            "assignments_progress",
            id=assignment.id,
            body=models.ProgressRequest(section=section.position),
        )
    checks = len(module.current_version.checks)
    result = call(
        me,
        "assignments",
        "assignments_check",
        id=assignment.id,
        body=models.CheckAnswersRequest(answers=[0] * checks),
    )
    assert result.status_code == 201 and result.parsed.total == checks
    done = call(me, "assignments", "assignments_complete", id=assignment.id).parsed
    assert done.status == models.AssignmentStatusEnum.COMPLETED
    assert isinstance(done.latest_check, models.CheckResult)
    assert done.resume_position is None

    # The module changes; the clinician asks for a second reading.
    publish_version(module, sections=4)
    reread = call(
        staff, "assignments", "assignments_reread", id=assignment.id, body=models.RereadRequest()
    )
    assert reread.status_code == 201 and reread.parsed.id != assignment.id

    # Questions: asked, answered, closed; another withdrawn.
    asked = call(
        me,
        "questions",
        "questions_ask",
        body=models.QuestionAskRequest(body="Can I travel?", assignment=assignment.id),
    ).parsed
    assert asked.status == models.QuestionStatusEnum.OPEN and asked.replies == []
    waiting = call(staff, "questions", "questions_list", status=models.QuestionStatusEnum.OPEN)
    assert [row.id for row in waiting.parsed.results] == [asked.id]
    reply = call(
        staff,
        "questions",
        "questions_reply",
        id=asked.id,
        body=models.ReplyPostRequest(body="Yes. Take your card with you."),
    ).parsed
    assert reply.author_role == models.RoleEnum.CLINICIAN
    thread = call(me, "questions", "questions_retrieve", id=asked.id).parsed
    assert thread.status == models.QuestionStatusEnum.ANSWERED
    assert [r.author_role for r in thread.replies] == [models.RoleEnum.CLINICIAN]
    closed = call(me, "questions", "questions_close", id=asked.id).parsed
    assert closed.status == models.QuestionStatusEnum.CLOSED
    other = call(me, "questions", "questions_ask", body=models.QuestionAskRequest(body="Hi")).parsed
    withdrawn = call(me, "questions", "questions_withdraw", id=other.id).parsed
    assert withdrawn.status == models.QuestionStatusEnum.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    assert Question.objects.get(pk=other.id).status == Question.Status.CLOSED  # as stored
    mine = call(me, "questions", "questions_list", status=models.QuestionStatusEnum.WITHDRAWN)
    assert [row.id for row in mine.parsed.results] == [other.id]

    # The wallet card: the clinician sets the treatment name, the patient reads their card.
    treatment = call(
        staff,
        "wallet_card",
        "patients_treatment_update",
        id=patient.pk,
        body=models.PatchedTreatmentUpdateRequest(treatment_name="Pembrolizumab"),
    )
    assert treatment.status_code == 200
    read_back = call(staff, "wallet_card", "patients_treatment_retrieve", id=patient.pk)
    assert read_back.parsed.treatment_name == "Pembrolizumab"
    card = call(me, "wallet_card", "wallet_card_retrieve").parsed
    assert card.treatment_name == "Pembrolizumab"
    assert call(me, "wallet_card", "patients_treatment_retrieve", id=patient.pk).status_code == 403

    # Caregivers: a clinician invites for the patient, who confirms; the patient invites
    # another, changes what they may do and ends it. The active one reads and asks.
    invited = call(
        staff,
        "caregivers",
        "caregivers_invite",
        body=models.CaregiverInviteRequest(
            name="Casey Helper", email="casey@example.org", patient=patient.pk
        ),
    ).parsed
    assert invited.waiting_for == models.WaitingForEnum.PATIENT_CONFIRMATION
    confirmed = call(me, "caregivers", "caregivers_confirm", id=invited.id).parsed
    assert confirmed.waiting_for == models.WaitingForEnum.CAREGIVER_ACCEPTANCE
    assert call(me, "caregivers", "caregivers_confirm", id=invited.id).status_code == 400
    own = call(
        me,
        "caregivers",
        "caregivers_invite",
        body=models.CaregiverInviteRequest(name="Sam", email="sam@example.org"),
    ).parsed
    changed = call(
        me,
        "caregivers",
        "caregivers_update",
        id=own.id,
        body=models.PatchedCaregiverUpdateRequest(receives_reminders=True),
    ).parsed
    assert changed.receives_reminders is True and changed.can_ask_questions is False
    assert call(me, "caregivers", "caregivers_end", id=own.id).status_code == 204
    links = call(staff, "caregivers", "caregivers_list", patient=patient.pk).parsed
    assert {row.id for row in links.results} == {invited.id, own.id}
    ended = call(me, "caregivers", "caregivers_retrieve", id=own.id).parsed
    assert ended.status == models.CaregiverStatusEnum.ENDED and ended.waiting_for is None

    helper_account = CaregiverFactory(email="alex@example.org", name="Alex Helper")
    caregiver_link(patient=patient, caregiver=helper_account, can_ask_questions=True)
    helper = checked(generated, login_for_token(helper_account))
    whoami = call(helper, "me", "me_retrieve").parsed
    assert [row.patient for row in whoami.reading_for] == [patient.pk]
    assert call(helper, "caregivers", "caregivers_list").status_code == 403
    read = call(
        helper,
        "assignments",
        "assignments_progress",
        id=reread.parsed.id,
        body=models.ProgressRequest(section=1),
    ).parsed
    assert read.caregiver_sections_viewed == [1] and read.caregiver_reading is None
    seen_by_staff = call(staff, "assignments", "assignments_retrieve", id=reread.parsed.id).parsed
    assert [(r.caregiver_name, r.sections_viewed) for r in seen_by_staff.caregiver_reading] == [
        ("Alex Helper", 1)
    ]
    for_pat = call(
        helper,
        "questions",
        "questions_ask",
        body=models.QuestionAskRequest(patient=patient.pk, body="Can Pat fly?"),
    ).parsed
    assert for_pat.asked_by_role == models.RoleEnum.CAREGIVER
    assert for_pat.patient == patient.pk and for_pat.asked_by == helper_account.pk
    assert call(me, "questions", "questions_retrieve", id=asked.id).parsed.asked_by is None

    # Errors are documented answers too, checked the same way.
    assert call(me, "assignments", "assignments_retrieve", id=987654).status_code == 404
    assert call(me, "patients", "patients_list").status_code == 403
    assert call(staff, "assignments", "assignments_list", page=99).status_code == 404

    operations = {
        operation["operationId"]
        for item in schema_dict["paths"].values()
        for operation in item.values()
    }
    succeeded = {
        operation
        for operation, statuses in checked.seen.items()
        if any(200 <= status < 300 for status in statuses)
    }
    assert succeeded == operations, sorted(operations - succeeded)


def test_a_generated_client_that_sends_a_bearer_token_is_told_which_header_to_use(
    generated, checked, people
):
    """The schema's security scheme is the header X-Session-Token; a client configured the
    generator's default way (Authorization: Bearer) gets a 401 that names the header."""
    client = checked(generated, login_for_token(people["patient"]))
    bearer = generated.AuthenticatedClient(
        base_url="http://testserver",
        token=client.token,
        httpx_args={"transport": httpx.WSGITransport(app=InProcessApp())},
    )
    response = _api(generated, "me", "me_retrieve").sync_detailed(client=bearer)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "X-Session-Token"
    assert "X-Session-Token" in response.parsed.detail
