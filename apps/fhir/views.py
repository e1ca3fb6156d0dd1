"""The FHIR R4 endpoint: read, search, Patient/$everything, create Task, metadata.

Authentication, the staff second-factor rule and the write throttle are the REST API's
(REST_FRAMEWORK defaults); scoping comes from the apps' selectors (scopes.py) and assigning
from the assignment service. Staff reads are audited as the API audits them, on channel
"fhir". These views are left out of /api/v1/'s OpenAPI schema (schema = None): the
CapabilityStatement and docs/fhir.md describe them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.roles import IsStaffRole, PortalViewMixin
from apps.accounts.selectors import patient_get_for_user
from apps.assignments import services as assignment_services
from apps.audit.services import audit_patients_seen

from . import codes, export, inputs, resources, scopes, search, tasks
from .building import Builder
from .capability import capability_statement
from .models import ExportJob
from .protocol import (
    MAX_ID,
    FhirJSONParser,
    FhirJSONRenderer,
    PlainJSONParser,
    fhir_exception_handler,
    invalid,
    outcome_response,
)


class PlainJSONRenderer(JSONRenderer):
    """For a client whose Accept names only application/json."""


def _number(resource_id: str) -> int:
    if not resource_id.isdigit() or not 1 <= int(resource_id) <= MAX_ID:
        raise Http404
    return int(resource_id)


def _one(queryset, resource_id: str):
    """The row with this id among what the caller may see, or 404."""
    found = queryset.filter(pk=_number(resource_id)).first()
    if found is None:
        raise Http404
    return found


class FhirView(PortalViewMixin, APIView):
    schema = None
    renderer_classes = [FhirJSONRenderer, PlainJSONRenderer]
    parser_classes = [FhirJSONParser, PlainJSONParser]
    kind = ""
    search_params: tuple[str, ...] = ()

    def get_exception_handler(self):
        return fhir_exception_handler

    # --- helpers ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.request.build_absolute_uri("/fhir/r4").rstrip("/")

    def full_url(self, resource: dict) -> str:
        return f"{self.base_url}/{resource['resourceType']}/{resource['id']}"

    def staff_audit(self, *, action: str, patient_ids: Iterable[int], obj=None) -> None:
        if self.request.user.is_staff_role:
            audit_patients_seen(
                actor=self.request.user,
                action=action,
                patient_ids=list(dict.fromkeys(patient_ids)),
                obj=obj,
                request=self.request,
                channel="fhir",
            )

    def searchset(self, queryset, *, build, patient_of=None, audit_action=None) -> Response:
        """One page of `queryset` as a searchset Bundle; `build(rows)` makes the resources."""
        page = search.page_of(self.request, total=queryset.count())
        rows = list(queryset[page.offset : page.offset + page.size])
        built = build(rows)
        if audit_action and patient_of is not None:
            self.staff_audit(action=audit_action, patient_ids=[patient_of(row) for row in rows])
        return Response(
            resources.bundle(
                entries=[(self.full_url(resource), resource) for resource in built],
                total=page.total,
                links=search.links(self.request, page),
            )
        )

    def params(self) -> dict[str, list[str]]:
        return search.params(self.request, self.search_params)

    def one(self, name: str, found: dict) -> str | None:
        values = found.get(name)
        return values[0] if values else None

    @property
    def builder(self) -> Builder:
        return Builder(user=self.request.user, site_url=self.request.build_absolute_uri("/"))


class MetadataView(FhirView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(capability_statement(base_url=self.base_url))


# --- People -----------------------------------------------------------------------------------


def _person_filters(found: dict, view: FhirView) -> Q:
    condition = Q()
    if (value := view.one("_id", found)) is not None:
        condition &= Q(pk=_id_or_none(value))
    if (value := view.one("identifier", found)) is not None:
        system, _bar, code = value.rpartition("|")
        if system and system != codes.user_identifier_system():
            return Q(pk__in=[])
        condition &= Q(pk=_id_or_none(code))
    if (value := view.one("email", found)) is not None:
        condition &= Q(email__iexact=value.strip())
    return condition


def _id_or_none(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_ID else None


class PatientSearchView(FhirView):
    search_params = ("_id", "identifier", "email")

    def get(self, request):
        found = self.params()
        rows = scopes.patients(user=request.user).filter(_person_filters(found, self))
        return self.searchset(
            rows.order_by("name", "id"),
            build=lambda people: [resources.patient(person) for person in people],
            patient_of=lambda person: person.pk,
            audit_action="patient_list.view",
        )


class PatientReadView(FhirView):
    def get(self, request, resource_id):
        person = _one(scopes.patients(user=request.user), resource_id)
        self.staff_audit(action="patient.view", patient_ids=[person.pk])
        return Response(resources.patient(person))


class PractitionerSearchView(FhirView):
    search_params = ("_id", "identifier", "email")

    def get(self, request):
        found = self.params()
        rows = scopes.practitioners(user=request.user).filter(_person_filters(found, self))
        return self.searchset(
            rows.order_by("name", "id"),
            build=lambda people: [resources.practitioner(person) for person in people],
        )


class PractitionerReadView(FhirView):
    def get(self, request, resource_id):
        person = _one(scopes.practitioners(user=request.user), resource_id)
        return Response(resources.practitioner(person))


# --- Reading material -------------------------------------------------------------------------


_CURRENT = Q(module__current_version=F("pk")) & ~Q(module__status="retired")


class DocumentReferenceSearchView(FhirView):
    search_params = ("_id", "language", "status", "identifier")

    def get(self, request):
        found = self.params()
        rows = scopes.versions(user=request.user)
        if (value := self.one("_id", found)) is not None:
            rows = rows.filter(pk=_id_or_none(value))
        if (value := self.one("language", found)) is not None:
            known = {code: code for code, _name in settings.LANGUAGES}
            languages = search.tokens(value, allowed=known, name="language")
            rows = rows.filter(module__language__in=languages)
        if (value := self.one("status", found)) is not None:
            wanted = search.tokens(
                value, allowed={"current": True, "superseded": False}, name="status"
            )
            if set(wanted) == {True}:
                rows = rows.filter(_CURRENT)
            elif set(wanted) == {False}:
                rows = rows.exclude(_CURRENT)
        if (value := self.one("identifier", found)) is not None:
            rows = rows.filter(module__slug=value.rpartition("|")[2])
        return self.searchset(
            rows.order_by("module__title", "module_id", "-number"), build=self.builder.documents
        )


class DocumentReferenceReadView(FhirView):
    def get(self, request, resource_id):
        version = _one(scopes.versions(user=request.user), resource_id)
        return Response(self.builder.documents([version])[0])


class QuestionnaireSearchView(FhirView):
    search_params = ("_id",)

    def get(self, request):
        found = self.params()
        rows = scopes.versions(user=request.user)
        if (value := self.one("_id", found)) is not None:
            rows = rows.filter(pk=_id_or_none(value))
        return self.searchset(
            rows.order_by("module__title", "module_id", "-number"),
            build=lambda versions: [resources.questionnaire(v) for v in versions],
        )


class QuestionnaireReadView(FhirView):
    def get(self, request, resource_id):
        version = _one(scopes.versions(user=request.user), resource_id)
        return Response(resources.questionnaire(version))


# --- Tasks ------------------------------------------------------------------------------------


class TaskView(FhirView):
    """GET: search; POST: an EHR assigns a module (create)."""

    search_params = ("_id", "patient", "status", "_lastUpdated")
    action_roles = {"post": (IsStaffRole,)}
    # The assignment service's field names, as the parts of the Task they came from.
    error_expressions = {
        "patients": "Task.for",
        "modules": "Task.focus",
        "module": "Task.focus",
        "due_on": "Task.restriction.period.end",
        "note": "Task.note",
    }

    def get(self, request):
        found = self.params()
        rows = scopes.tasks(user=request.user)
        if (value := self.one("_id", found)) is not None:
            rows = rows.filter(pk=_id_or_none(value))
        if (value := self.one("patient", found)) is not None:
            rows = rows.filter(patient_id=search.id_of(value, kind="Patient", name="patient"))
        if (value := self.one("status", found)) is not None:
            statuses = search.tokens(value, allowed=codes.TASK_STATUS_CODES, name="status")
            rows = rows.filter(status__in=statuses)
        if "_lastUpdated" in found:
            rows = rows.filter(
                search.date_filter(found["_lastUpdated"], field="last_updated", name="_lastUpdated")
            )
        return self.searchset(
            rows,
            build=self.builder.tasks,
            patient_of=lambda assignment: assignment.patient_id,
            audit_action="assignment.list",
        )

    def post(self, request):
        wanted = inputs.task_request(request.data, requester_id=request.user.pk, base=self.base_url)
        patient = patient_get_for_user(user=request.user, patient_id=wanted.patient_id)
        assignment = assignment_services.assignment_create(
            assigned_by=request.user,
            patient_id=patient.pk,
            module_id=wanted.module_id,
            due_on=wanted.due_on,
            note=wanted.note,
            request=request,
            channel="fhir",
        )
        created = scopes.tasks(user=request.user).get(pk=assignment.pk)
        resource = self.builder.tasks([created])[0]
        return Response(
            resource,
            status=status.HTTP_201_CREATED,
            headers={"Location": self.full_url(resource)},
        )


class TaskReadView(FhirView):
    def get(self, request, resource_id):
        assignment = _one(scopes.tasks(user=request.user), resource_id)
        self.staff_audit(
            action="assignment.view", patient_ids=[assignment.patient_id], obj=assignment
        )
        return Response(self.builder.tasks([assignment])[0])


# --- Check answers ----------------------------------------------------------------------------


class QuestionnaireResponseSearchView(FhirView):
    search_params = ("_id", "patient")

    def get(self, request):
        found = self.params()
        rows = scopes.attempts(user=request.user)
        if (value := self.one("_id", found)) is not None:
            rows = rows.filter(pk=_id_or_none(value))
        if (value := self.one("patient", found)) is not None:
            rows = rows.filter(
                assignment__patient_id=search.id_of(value, kind="Patient", name="patient")
            )
        return self.searchset(
            rows.order_by("-submitted_at", "-id"),
            build=Builder.responses,
            patient_of=lambda attempt: attempt.assignment.patient_id,
            audit_action="checkattempt.view",
        )


class QuestionnaireResponseReadView(FhirView):
    def get(self, request, resource_id):
        attempt = _one(scopes.attempts(user=request.user), resource_id)
        self.staff_audit(
            action="checkattempt.view", patient_ids=[attempt.assignment.patient_id], obj=attempt
        )
        return Response(Builder.responses([attempt])[0])


# --- Questions --------------------------------------------------------------------------------


class CommunicationSearchView(FhirView):
    """Questions and replies together, oldest first."""

    search_params = ("patient",)

    def get(self, request):
        found = self.params()
        questions = scopes.questions_listed(user=request.user)
        replies = scopes.replies(user=request.user)
        if (value := self.one("patient", found)) is not None:
            patient_id = search.id_of(value, kind="Patient", name="patient")
            questions = questions.filter(patient_id=patient_id)
            replies = replies.filter(question__patient_id=patient_id)
        rows = (
            questions.order_by()
            .annotate(kind=Value("q"), at=F("created_at"))
            .values_list("id", "kind", "at")
            .union(
                replies.order_by()
                .annotate(kind=Value("r"), at=F("created_at"))
                .values_list("id", "kind", "at"),
                all=True,
            )
            .order_by("at", "kind", "id")
        )
        return self.searchset(rows, build=self.build)

    def build(self, rows) -> list[dict]:
        question_ids = [pk for pk, kind, _at in rows if kind == "q"]
        reply_ids = [pk for pk, kind, _at in rows if kind == "r"]
        questions = {
            q.pk: q
            for q in scopes.questions_listed(user=self.request.user).filter(pk__in=question_ids)
        }
        replies = {r.pk: r for r in scopes.replies(user=self.request.user).filter(pk__in=reply_ids)}
        built = {}
        for resource in self.builder.communications(
            list(questions.values()), list(replies.values())
        ):
            built[resource["id"]] = resource
        ordered = [
            built[resources.question_id(pk) if kind == "q" else resources.reply_id(pk)]
            for pk, kind, _at in rows
        ]
        self.staff_audit(
            action="question.list",
            patient_ids=[q.patient_id for q in questions.values()]
            + [r.question.patient_id for r in replies.values()],
        )
        return ordered


class CommunicationReadView(FhirView):
    def get(self, request, resource_id):
        kind, _dash, number = resource_id.partition("-")
        pk = _number(number)
        if kind == "q":
            question = scopes.question(user=request.user, question_id=pk)
            resource = self.builder.communications([question], [])[0]
            patient_id, obj = question.patient_id, question
        elif kind == "r":
            reply = scopes.reply(user=request.user, reply_id=pk)
            resource = self.builder.communications([], [reply])[0]
            patient_id, obj = reply.question.patient_id, reply.question
        else:
            raise Http404
        self.staff_audit(action="question.view", patient_ids=[patient_id], obj=obj)
        return Response(resource)


# --- Patient/$everything ----------------------------------------------------------------------


class PatientEverythingView(FhirView):
    """Everything about one patient that the caller may see, as one searchset Bundle."""

    def get(self, request, resource_id):
        search.params(request, ())
        user = request.user
        person = _one(scopes.patients(user=user), resource_id)
        assignments = list(scopes.tasks(user=user).filter(patient=person))
        attempts = list(
            scopes.attempts(user=user)
            .filter(assignment__patient=person)
            .order_by("-submitted_at", "-id")
        )
        version_ids = (
            {a.module.current_version_id for a in assignments}
            | {a.completed_version_id for a in assignments}
            | {attempt.version_id for attempt in attempts}
        )
        versions = list(scopes.versions(user=user).filter(pk__in=[pk for pk in version_ids if pk]))
        questions = list(scopes.questions_listed(user=user).filter(patient=person))
        replies = list(scopes.replies(user=user).filter(question__patient=person))
        staff_ids = {a.assigned_by_id for a in assignments} | {
            r.author_id for r in replies if r.author_id != person.pk
        }
        staff = list(scopes.practitioners(user=user).filter(pk__in=staff_ids))
        found = [
            resources.patient(person),
            *self.builder.tasks(assignments),
            *self.builder.documents(versions),
            *(resources.questionnaire(version) for version in versions if version.checks),
            *Builder.responses(attempts),
            *self.builder.communications(questions, replies),
            *(resources.practitioner(member) for member in staff),
        ]
        self.staff_audit(action="record.export", patient_ids=[person.pk])
        return Response(
            resources.bundle(
                entries=[(self.full_url(resource), resource) for resource in found],
                total=len(found),
                links={"self": request.build_absolute_uri()},
            )
        )


class NotFoundView(FhirView):
    """Any other address under /fhir/: a 404 OperationOutcome, for every method."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request, *args, **kwargs):
        raise Http404

    post = put = patch = delete = get


# --- Bulk Data $export ------------------------------------------------------------------------

NDJSON_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")


class ExportView(FhirView):
    """Kick-off: `GET $export` with `Prefer: respond-async`; staff only, their care team."""

    action_roles = {"get": (IsStaffRole,)}

    def get(self, request):
        found = search.params(request, ("_type", "_since", "_outputFormat"))
        if "respond-async" not in request.headers.get("Prefer", ""):
            raise invalid(
                _("An export runs in the background: send the header Prefer: respond-async.")
            )
        types = list(export.EXPORT_TYPES)
        if (value := self.one("_type", found)) is not None:
            allowed = {kind: kind for kind in export.EXPORT_TYPES}
            types = list(dict.fromkeys(search.tokens(value, allowed=allowed, name="_type")))
        since = None
        if (value := self.one("_since", found)) is not None:
            since = search.instant(value, name="_since")
        output_format = self.one("_outputFormat", found)
        if output_format is not None and output_format not in NDJSON_FORMATS:
            raise invalid(
                _("This server exports application/fhir+ndjson only."),
                expression="_outputFormat",
                code="not-supported",
            )
        job = export.export_start(
            user=request.user,
            types=types,
            since=since,
            request_url=request.build_absolute_uri(),
            site_url=request.build_absolute_uri("/"),
        )
        transaction.on_commit(lambda: tasks.build_export.delay(str(job.pk)))
        status_url = f"{self.base_url}/$export-status/{job.pk}"
        return outcome_response(
            [
                {
                    "severity": "information",
                    "code": "informational",
                    "text": _("The export has started. Ask for its status at %(url)s.")
                    % {"url": status_url},
                }
            ],
            status.HTTP_202_ACCEPTED,
            headers={"Content-Location": status_url},
        )


def _own_job(request, job_id) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise Http404
    return job


class ExportStatusView(FhirView):
    def get(self, request, job_id):
        job = _own_job(request, job_id)
        if job.status == ExportJob.Status.ACCEPTED:
            return Response(
                status=status.HTTP_202_ACCEPTED,
                headers={"X-Progress": "in progress", "Retry-After": "5"},
            )
        if job.status == ExportJob.Status.FAILED:
            return outcome_response(
                [{"code": "exception", "text": _("The export failed. Please start it again.")}],
                status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
        manifest = {
            "transactionTime": resources.instant(job.transaction_time),
            "request": job.request_url,
            "requiresAccessToken": True,
            "output": [
                {"type": kind, "url": f"{self.base_url}/$export-file/{job.pk}/{pk}", "count": count}
                for pk, kind, count in job.files.order_by("id").values_list(
                    "pk", "resource_type", "count"
                )
            ],
            "error": [],
        }
        return Response(manifest, content_type="application/json")

    def delete(self, request, job_id):
        _own_job(request, job_id).delete()
        return Response(status=status.HTTP_202_ACCEPTED)


class ExportFileView(FhirView):
    def get(self, request, job_id, file_id):
        job = _own_job(request, job_id)
        found = job.files.filter(pk=file_id).first()
        if found is None:
            raise Http404
        return HttpResponse(found.content, content_type="application/fhir+ndjson")
