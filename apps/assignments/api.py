"""API for assignments: clinicians assign and follow up, patients read, check and finish.

Scoping comes from the selectors the web pages use (own_assignments_base and staff_scope for
the list, assignment_get_for_patient and assignment_get_for_clinician for one) and every rule
from services (status moves, due dates, notes, progress, the check, completion). Writes on a
patient's behalf audit themselves in the services; staff reads are audited here, as the web
does.
"""

from collections.abc import Callable
from functools import partial

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.roles import IsPatient, IsReader, IsStaffRole, PortalViewMixin
from apps.accounts.selectors import patient_get_for_user
from apps.accounts.team_counts import scope_of, team_count
from apps.core.drf import IdField, IdFilter, rename_error_fields
from apps.library.models import Module, ModuleVersion

from . import selectors, services
from .api_examples import (
    BULK_EXAMPLES,
    CHECK_EXAMPLES,
    CREATE_EXAMPLES,
    LIST_EXAMPLES,
    PROGRESS_EXAMPLES,
    RETRIEVE_EXAMPLES,
    TREATMENT_UPDATE_EXAMPLES,
    UPDATE_EXAMPLES,
    WALLET_CARD_EXAMPLES,
)
from .grading import mark_answers
from .models import Assignment, overdue_q

Status = Assignment.Status


def _version_read(assignment: Assignment):
    """A finished assignment is about the version the patient read; an open one the current."""
    if assignment.status == Status.COMPLETED and assignment.completed_version_id:
        return assignment.completed_version
    return assignment.module.current_version


def _sections_in(assignment: Assignment) -> int:
    """The section count of the version the row is about (_version_read's rule): from the
    list query's annotations (_section_counts) when it has them, else the loaded version."""
    if hasattr(assignment, "sections_in_current_version"):
        if assignment.status == Status.COMPLETED and assignment.completed_version_id:
            total = assignment.sections_in_read_version
        else:
            total = assignment.sections_in_current_version
        return total or 0
    version = _version_read(assignment)
    return version.section_count if version is not None else 0


# --- Serializers ------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    patient_name = serializers.CharField(source="patient.name", read_only=True)
    module = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True)
    assigned_by = serializers.IntegerField(source="assigned_by_id", read_only=True)
    is_overdue = serializers.SerializerMethodField(
        help_text="Open and past `due_on` in the patient's time zone."
    )
    sections_viewed = serializers.IntegerField(read_only=True)
    sections_total = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "patient",
            "patient_name",
            "module",
            "module_title",
            "status",
            "assigned_by",
            "assigned_at",
            "due_on",
            "note",
            "is_overdue",
            "sections_viewed",
            "sections_total",
            "started_at",
            "completed_at",
            "cancelled_at",
            "last_activity_at",
            "check_failed",
            "for_caregiver",
        ]
        read_only_fields = fields

    def get_is_overdue(self, assignment) -> bool:
        return assignment.is_overdue(selectors.patient_today(patient=assignment.patient))

    def get_sections_total(self, assignment) -> int:
        return _sections_in(assignment)


class SectionProgressSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    viewed = serializers.BooleanField(help_text="The patient has opened this section.")


class MarkedAnswerSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    multiple = serializers.BooleanField(help_text="A “choose all that apply” question.")
    chosen_index = serializers.IntegerField(
        allow_null=True, help_text="The one choice chosen (null if none, or several)."
    )
    correct_index = serializers.IntegerField(help_text="The first right choice.")
    chosen_indexes = serializers.ListField(child=serializers.IntegerField())
    correct_indexes = serializers.ListField(child=serializers.IntegerField())
    is_correct = serializers.BooleanField()
    explanation = serializers.CharField()


class CheckResultSerializer(serializers.Serializer):
    """A services.CheckOutcome: the attempt and its answers, marked."""

    score = serializers.IntegerField(
        source="attempt.score", help_text="How many answers were right."
    )
    total = serializers.IntegerField(source="attempt.total")
    passed = serializers.BooleanField(help_text="Every answer was right.")
    submitted_at = serializers.DateTimeField(source="attempt.submitted_at")
    answers = MarkedAnswerSerializer(many=True)


class CaregiverReadingSerializer(serializers.Serializer):
    caregiver_name = serializers.CharField()
    sections_viewed = serializers.IntegerField(
        help_text="How many sections this caregiver opened (their own reading)."
    )


class AssignmentDetailSerializer(AssignmentSerializer):
    """One assignment with where the reading stands. Expects in context `viewed` (the
    patient's positions), and `reader_viewed` (a caregiver's own positions) and
    `caregiver_reading` (for staff) or None."""

    version = serializers.SerializerMethodField(
        help_text="The module version this is about: the one read, once finished."
    )
    sections = serializers.SerializerMethodField()
    resume_position = serializers.SerializerMethodField(
        help_text=(
            "The first section not opened yet (for a caregiver: not opened by them); null "
            "when all were, or when finished."
        )
    )
    latest_check = serializers.SerializerMethodField(
        help_text="The most recent comprehension check answers for this version, marked."
    )
    caregiver_sections_viewed = serializers.SerializerMethodField(
        help_text=(
            "Caregivers only: the positions of the sections they opened themselves (their "
            "reading is kept apart from the patient's `sections[].viewed`). Null for others."
        )
    )
    caregiver_reading = serializers.SerializerMethodField(
        help_text=(
            "Staff only: each caregiver of the patient who read some of it, and how much "
            '("read by their caregiver Alex"). Null for patients and caregivers.'
        )
    )

    class Meta(AssignmentSerializer.Meta):
        fields = [
            *AssignmentSerializer.Meta.fields,
            "version",
            "sections",
            "resume_position",
            "latest_check",
            "caregiver_sections_viewed",
            "caregiver_reading",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version(self, assignment):
        version = _version_read(assignment)
        return version.number if version is not None else None

    @extend_schema_field(SectionProgressSerializer(many=True))
    def get_sections(self, assignment):
        version = _version_read(assignment)
        viewed = self.context["viewed"]
        return [
            {
                "position": section["position"],
                "title": section["title"],
                "viewed": section["position"] in viewed,
            }
            for section in (version.sections if version is not None else [])
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_resume_position(self, assignment):
        """For a caregiver, where they themselves left off, as on the web."""
        if not assignment.is_open or assignment.module.current_version is None:
            return None
        viewed = self.context.get("reader_viewed")
        if viewed is None:
            viewed = self.context["viewed"]
        return selectors.resume_position(assignment=assignment, viewed=viewed)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), allow_null=True))
    def get_caregiver_sections_viewed(self, assignment):
        viewed = self.context.get("reader_viewed")
        return sorted(viewed) if viewed is not None else None

    @extend_schema_field(CaregiverReadingSerializer(many=True, allow_null=True))
    def get_caregiver_reading(self, assignment):
        reading = self.context.get("caregiver_reading")
        if reading is None:
            return None
        return [{"caregiver_name": name, "sections_viewed": count} for name, count in reading]

    @extend_schema_field(CheckResultSerializer(allow_null=True))
    def get_latest_check(self, assignment):
        version = _version_read(assignment)
        if version is None:
            return None
        attempt = selectors.latest_attempt(assignment=assignment, version=version)
        if attempt is None:
            return None
        marked = mark_answers(checks=version.checks, answers=attempt.answers)
        return CheckResultSerializer(services.CheckOutcome(attempt=attempt, answers=marked)).data


def _due_on_field() -> serializers.DateField:
    return serializers.DateField(
        required=False, allow_null=True, help_text="Read by this date (YYYY-MM-DD), optional."
    )


FOR_CAREGIVER_HELP = (
    "For the patient's caregiver too: the sections' caregiver notes (`caregiver_note` in "
    "GET /api/v1/modules/{slug}/) then address the person who looks after the patient, and "
    "show to the patient as well. Allowed for a patient with no caregiver yet. Default false."
)


def _for_caregiver_field() -> serializers.BooleanField:
    return serializers.BooleanField(
        required=False,
        default=False,
        help_text=FOR_CAREGIVER_HELP,
    )


def _note_field() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="A note for the patient, up to 500 characters.",
    )


class AssignmentCreateSerializer(serializers.Serializer):
    patient = IdField(help_text="The patient's id (GET /api/v1/patients/).")
    module = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Module.objects.all(),
        help_text="The module's slug (GET /api/v1/modules/), not its id.",
        error_messages={
            "does_not_exist": "There is no reading module with this slug. "
            "Use a slug from GET /api/v1/modules/.",
            "invalid": "Give the module's slug as text.",
        },
    )
    due_on = _due_on_field()
    note = _note_field()
    for_caregiver = _for_caregiver_field()


# A care team of 2,000 in one request, as the web form allows; the library is far smaller than
# the module limit.
BULK_MAX_PATIENTS = 2000
BULK_MAX_MODULES = 50


class AssignmentBulkCreateSerializer(serializers.Serializer):
    patients = serializers.ListField(
        child=IdField(),
        min_length=1,
        max_length=BULK_MAX_PATIENTS,
        help_text=f"Patient ids from your care team, 1 to {BULK_MAX_PATIENTS:,}.",
    )
    modules = serializers.ListField(
        child=serializers.SlugField(max_length=100),
        min_length=1,
        max_length=BULK_MAX_MODULES,
        help_text="Slugs of published modules (GET /api/v1/modules/). Each patient gets each.",
    )
    due_on = _due_on_field()
    note = _note_field()
    for_caregiver = _for_caregiver_field()


class BulkRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    module = serializers.CharField(source="module.slug", help_text="The module's slug.")


class BulkResultSerializer(serializers.Serializer):
    created = BulkRowSerializer(many=True, help_text="The new assignments.")
    skipped = BulkRowSerializer(
        many=True,
        help_text="Pairs the patient already had open: left as they were, not assigned again.",
    )


class AssignmentUpdateSerializer(serializers.Serializer):
    due_on = serializers.DateField(
        required=False, allow_null=True, help_text="A new date to read by, or null for none."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="A new note."
    )
    for_caregiver = serializers.BooleanField(required=False, help_text=FOR_CAREGIVER_HELP)


class RereadSerializer(serializers.Serializer):
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ProgressSerializer(serializers.Serializer):
    section = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        help_text="The `position` of the section opened (by the patient, or a caregiver).",
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 32767},
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 32767},
                "minItems": 1,
                "maxItems": 100,
            },
        ]
    }
)
class CheckAnswerField(serializers.Field):
    """One answer: a choice index, or a list of them for a “choose all that apply” question."""

    default_error_messages = {
        "invalid": "Give the index of the choice, or a list of indexes for a question where "
        "more than one choice is right.",
    }

    @staticmethod
    def _is_index(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 32767

    def to_internal_value(self, data):
        if self._is_index(data):
            return data
        if isinstance(data, list) and 1 <= len(data) <= 100 and all(map(self._is_index, data)):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class CheckAnswersSerializer(serializers.Serializer):
    answers = serializers.ListField(
        child=CheckAnswerField(),
        max_length=100,
        help_text=(
            "For each check question, in order, the index in its `choices` of the answer "
            "chosen; for a “choose all that apply” question (`multiple`), a list of indexes."
        ),
    )


class AssignmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    patient = IdFilter(field_name="patient_id", help_text="Only this patient's assignments.")
    module = django_filters.CharFilter(
        field_name="module__slug", max_length=80, help_text="Only this module (its slug)."
    )
    # Exactly the two words the schema documents: a BooleanFilter would also take 0, 1 or
    # "yes" and treat anything else as "no filter", a 200 for a mistyped request.
    overdue = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_overdue",
        help_text="true: open and past the due date in the patient's time zone; false: not.",
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text="Due on or before this date."
    )
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text="Due on or after this date."
    )

    class Meta:
        model = Assignment
        fields = ["status", "patient", "module", "overdue", "due_before", "due_after"]

    def filter_overdue(self, queryset, name, value):
        timezones = queryset.order_by().values_list("patient__timezone", flat=True).distinct()
        today = selectors.local_today_expression(
            timezones=list(timezones), field="patient__timezone"
        )
        if value == "true":
            return queryset.overdue(today=today)
        return queryset.exclude(overdue_q(today=today))


# --- Views ------------------------------------------------------------------------------------


def _section_counts() -> dict:
    """The section counts of the version a row may be about, as two subqueries per row rather
    than two more joins, which PostgreSQL took far longer to plan than to run; _sections_in
    picks the one that applies (_version_read's rule)."""
    read = ModuleVersion.objects.filter(pk=OuterRef("completed_version_id")).order_by()
    current = Module.objects.filter(pk=OuterRef("module_id")).order_by()
    return {
        "sections_in_read_version": Subquery(read.values("section_count")[:1]),
        "sections_in_current_version": Subquery(
            current.values("current_version__section_count")[:1]
        ),
    }


# What a list row shows (AssignmentSerializer): the assignment, the module's slug and title,
# and for staff the patient's name and time zone (for `is_overdue`). The rest, such as a
# version's snapshot, stays in the database.
_ROW_FIELDS = (
    "id",
    "patient",
    "module",
    "status",
    "assigned_by",
    "assigned_at",
    "due_on",
    "note",
    "started_at",
    "completed_at",
    "completed_version",
    "cancelled_at",
    "last_activity_at",
    "check_failed",
    "for_caregiver",
    "module__slug",
    "module__title",
)


def _list_base(*, patient=None):
    """The list's queryset before scoping: a patient's own (newest due first), or every
    assignment newest first, for staff_scope to narrow. A patient's rows get the patient
    from the request (paginate_queryset) instead of a join."""
    if patient is not None:
        assignments = selectors.own_assignments_base(for_reading=False).filter(patient=patient)
        related, fields = ["module"], _ROW_FIELDS
    else:
        assignments = Assignment.objects.annotate(
            sections_viewed=selectors.sections_viewed()
        ).order_by("-assigned_at", "-id")
        related = ["module", "patient"]
        fields = (*_ROW_FIELDS, "patient__name", "patient__timezone")
    return assignments.select_related(*related).only(*fields).annotate(**_section_counts())


ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Assignment id.")


@extend_schema_view(
    list=extend_schema(
        summary="List assignments",
        description=(
            "Patients: their own reading, cancelled assignments left out. Clinicians: the "
            "assignments of their care team's patients, cancelled ones included (they are "
            "history). Admins: all. Caregivers: what each patient who gave them access sees "
            "(narrow it to one with `patient`); nothing once that access ends. Patients' lists "
            "come soonest-due first; the others newest first, unless `ordering` says otherwise."
        ),
        examples=LIST_EXAMPLES,
    ),
    retrieve=extend_schema(
        summary="One assignment and how far the reading got",
        description=(
            "Which sections were opened, where to resume, and the latest check answers. "
            "Outside your scope (another patient's, another team's, a patient whose caregiver "
            "access has ended) it is 404."
        ),
        parameters=[ID_PARAMETER],
        examples=RETRIEVE_EXAMPLES,
    ),
    create=extend_schema(
        operation_id="assignments_assign",
        summary="Assign a module to a patient",
        description=(
            "Clinicians and admins. `patient` is a patient id from your care team; `module` is "
            "a published module's **slug**. A patient can only have one open assignment of a "
            "module: asking again is a 400 on `module`. The patient is reminded by email "
            "before and after `due_on`."
        ),
        request=AssignmentCreateSerializer,
        responses={201: AssignmentDetailSerializer},
        examples=CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change the due date or note",
        description=(
            "Clinicians and admins, for an open assignment (a finished or cancelled one is a "
            "400). Send only what changes; `due_on: null` removes the due date."
        ),
        parameters=[ID_PARAMETER],
        request=AssignmentUpdateSerializer,
        responses={200: AssignmentDetailSerializer},
        examples=UPDATE_EXAMPLES,
    ),
    destroy=extend_schema(
        operation_id="assignments_cancel",
        summary="Cancel an assignment",
        description=(
            "Clinicians and admins. Nothing is deleted: the assignment is marked cancelled "
            "(who and when), leaves the patient's list and stays in the record. Only an open "
            "assignment can be cancelled; a finished one is a 400."
        ),
        parameters=[ID_PARAMETER],
        responses={204: None},
    ),
)
class AssignmentViewSet(PortalViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filterset_class = AssignmentFilter
    ordering_fields = ["assigned_at", "due_on", "status", "last_activity_at", "completed_at", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_roles = {
        "create": (IsStaffRole,),
        "bulk": (IsStaffRole,),
        "partial_update": (IsStaffRole,),
        "destroy": (IsStaffRole,),
        "reread": (IsStaffRole,),
        "progress": (IsReader,),
        "complete": (IsPatient,),
        "check": (IsPatient,),
    }

    def get_serializer_class(self):
        if self.action == "list":
            return AssignmentSerializer
        return AssignmentDetailSerializer

    @property
    def list_audit_action(self) -> str:
        # A caregiver's reading is recorded in the words the web uses for it.
        if self.request.user.is_caregiver:
            return "caregiver.reading_list"
        return "assignment_list.view"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        user = self.request.user
        if user.is_patient:
            return _list_base(patient=user)
        if user.is_caregiver:
            # The patients who gave access; narrowed further by ?patient=.
            return selectors.caregiver_scope(_list_base(), caregiver=user)
        if not user.is_staff_role:
            return Assignment.objects.none()
        return selectors.staff_scope(_list_base(), user=user)

    @property
    def page_by_ids(self) -> bool:
        """A staff list picks its page by id first (FirstPagePaginator): for a small team,
        PostgreSQL otherwise walked the whole clinic's assignments newest first to find the
        team's 25 rows (docs/performance.md)."""
        return not self.request.user.is_patient

    def list_count(self, queryset) -> Callable[[], int] | None:
        """How to count a clinician's or an admin's whole list (no filter; the order does not
        matter): from the cache until the team or its assignments change
        (apps.accounts.team_counts), since counting a large team's assignments on every page
        took longer than the rest of the request. None (count as usual) otherwise."""
        user = self.request.user
        if not user.is_staff_role or user.is_patient:
            return None
        if set(self.request.query_params) & set(self.filterset_class.base_filters):
            return None
        return partial(team_count, kind="assignments", scope=scope_of(user), count=queryset.count)

    def paginate_queryset(self, queryset):
        rows = super().paginate_queryset(queryset)
        if self.request.user.is_patient and rows is not None:
            for row in rows:
                row.patient = self.request.user
        return rows

    def get_object(self) -> Assignment:
        user = self.request.user
        if user.is_patient:
            return selectors.assignment_get_for_patient(
                patient=user, assignment_id=self.kwargs["pk"]
            )
        if user.is_caregiver:
            return selectors.assignment_get_for_caregiver(
                caregiver=user, assignment_id=self.kwargs["pk"]
            )
        return selectors.assignment_get_for_clinician(user=user, assignment_id=self.kwargs["pk"])

    def detail_response(
        self,
        assignment: Assignment,
        *,
        status_code=status.HTTP_200_OK,
        viewed=None,
        reader_viewed=None,
    ):
        """The patient's progress as the patient sees it; a caregiver also gets their own
        (`reader_viewed`), and staff every caregiver's."""
        user = self.request.user
        if viewed is None:
            viewed = selectors.progress_positions(assignment=assignment)
        if reader_viewed is None and user.is_caregiver:
            reader_viewed = selectors.caregiver_progress_positions(
                assignment=assignment, reader=user
            )
        caregiver_reading = None
        if user.is_staff_role:
            caregiver_reading = selectors.caregiver_reading_by_assignment(
                patient_id=assignment.patient_id
            ).get(assignment.pk, [])
        assignment.sections_viewed = len(viewed)
        context = {
            **self.get_serializer_context(),
            "viewed": viewed,
            "reader_viewed": reader_viewed,
            "caregiver_reading": caregiver_reading,
        }
        return Response(
            AssignmentDetailSerializer(assignment, context=context).data, status=status_code
        )

    def audit_view(self, assignment: Assignment) -> None:
        action = "caregiver.reading_view" if self.request.user.is_caregiver else "assignment.view"
        self.audit(action=action, patient=assignment.patient_id, obj=assignment)

    def retrieve(self, request, pk=None):
        assignment = self.get_object()
        self.audit_view(assignment)
        return self.detail_response(assignment)

    def create(self, request):
        data = self.validated(AssignmentCreateSerializer)
        try:
            assignment = services.assignment_create(
                assigned_by=request.user,
                patient_id=data["patient"],
                module_id=data["module"].pk,
                due_on=data.get("due_on"),
                note=data.get("note", ""),
                for_caregiver=data.get("for_caregiver", False),
                request=request,
                channel="api",
            )
        except ValidationError as error:
            raise rename_error_fields(error, {"patients": "patient", "modules": "module"}) from None
        assignment = selectors.assignment_get_for_clinician(
            user=request.user, assignment_id=assignment.pk
        )
        return self.detail_response(assignment, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="assignments_assign_bulk",
        summary="Assign modules to many patients at once",
        description=(
            "Clinicians and admins. Every patient in `patients` (ids from your care team) gets "
            "every module in `modules` (published modules' slugs), with the same due date and "
            "note, in one step: all of it or, on any error, none of it. A pair the patient "
            "already has open is not assigned again; it is listed under `skipped`. 201 when "
            "something was assigned, 200 when everything was already open. A patient outside "
            "your care team, or a module that is not published, is a 400 and assigns nothing."
        ),
        request=AssignmentBulkCreateSerializer,
        responses={201: BulkResultSerializer, 200: BulkResultSerializer},
        examples=BULK_EXAMPLES,
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        data = self.validated(AssignmentBulkCreateSerializer)
        slugs = list(dict.fromkeys(data["modules"]))
        module_ids = dict(Module.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        unknown = [slug for slug in slugs if slug not in module_ids]
        if unknown:
            raise ValidationError(
                {
                    "modules": "There is no reading module with the slug "
                    + ", ".join(f'"{slug}"' for slug in unknown)
                    + ". Use slugs from GET /api/v1/modules/."
                }
            )
        result = services.assignment_create_bulk(
            assigned_by=request.user,
            patient_ids=data["patients"],
            module_ids=[module_ids[slug] for slug in slugs],
            due_on=data.get("due_on"),
            note=data.get("note", ""),
            for_caregiver=data.get("for_caregiver", False),
            request=request,
            channel="api",
        )
        return Response(
            BulkResultSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    def partial_update(self, request, pk=None):
        assignment = self.get_object()
        data = self.validated(AssignmentUpdateSerializer)
        services.assignment_update(
            assignment=assignment,
            updated_by=request.user,
            request=request,
            channel="api",
            **{name: data[name] for name in ("due_on", "note", "for_caregiver") if name in data},
        )
        return self.detail_response(self.get_object())

    def destroy(self, request, pk=None):
        services.assignment_cancel(
            assignment=self.get_object(), cancelled_by=request.user, request=request, channel="api"
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Ask the patient to read a changed module again",
        description=(
            "Clinicians and admins, for a finished assignment whose module was re-published "
            "with changes since. Opens a new assignment (the finished one stays as the "
            "record); 400 if the module has not changed or is no longer published."
        ),
        parameters=[ID_PARAMETER],
        request=RereadSerializer,
        responses={201: AssignmentDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def reread(self, request, pk=None):
        finished = self.get_object()
        data = self.validated(RereadSerializer)
        new = services.assignment_request_reread(
            assignment=finished,
            requested_by=request.user,
            due_on=data.get("due_on"),
            note=data.get("note", ""),
            request=request,
            channel="api",
        )
        new = selectors.assignment_get_for_clinician(user=request.user, assignment_id=new.pk)
        return self.detail_response(new, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a section read",
        description=(
            "Patients, for their own open assignment: records the first time they opened "
            "the section (sending it again changes nothing) and moves a new assignment to "
            "in progress. On a finished assignment it is accepted and changes nothing. "
            "Caregivers, for a patient who gave them access: records the section as read by "
            "them (`caregiver_sections_viewed`), never as the patient's; the patient's "
            "progress and status stay as they were."
        ),
        parameters=[ID_PARAMETER],
        request=ProgressSerializer,
        responses={200: AssignmentDetailSerializer},
        examples=PROGRESS_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        assignment = self.get_object()
        data = self.validated(ProgressSerializer)
        user = request.user
        if user.is_caregiver:
            mine = selectors.caregiver_progress_positions(assignment=assignment, reader=user)
            services.caregiver_progress_record(
                assignment=assignment, reader=user, positions=[data["section"]], viewed=mine
            )
            self.audit_view(assignment)
            return self.detail_response(assignment, reader_viewed=mine)
        # The service keeps the loaded assignment up to date (status, started, last activity):
        # no need to read it again.
        viewed = selectors.progress_positions(assignment=assignment)
        services.progress_record(assignment=assignment, position=data["section"], viewed=viewed)
        return self.detail_response(assignment, viewed=viewed)

    @extend_schema(
        summary="Finish the reading",
        description=(
            'Patients: "I have read this". Every section of the current version must have '
            "been opened (400 names the ones not opened yet). Wrong check answers never block "
            "finishing. Finishing twice is not an error. Takes no body."
        ),
        parameters=[ID_PARAMETER],
        request=None,
        responses={200: AssignmentDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        services.assignment_complete(assignment=self.get_object())
        return self.detail_response(self.get_object())

    @extend_schema(
        summary="Answer the comprehension check",
        description=(
            "Patients, for an open assignment: one choice index per check question, in "
            "order. Every submission is kept (the care team sees wrong answers, to help); "
            "the answer shows which were right, with explanations."
        ),
        parameters=[ID_PARAMETER],
        request=CheckAnswersSerializer,
        responses={201: CheckResultSerializer},
        examples=CHECK_EXAMPLES,
    )
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        assignment = self.get_object()
        data = self.validated(CheckAnswersSerializer)
        outcome = services.check_submit(assignment=assignment, answers=data["answers"])
        return Response(CheckResultSerializer(outcome).data, status=status.HTTP_201_CREATED)


# --- The wallet card ------------------------------------------------------------------------


class WalletCardSerializer(serializers.Serializer):
    treatment_name = serializers.CharField(
        help_text="The treatment the patient's clinician entered; empty when none was."
    )
    care_team_phone = serializers.CharField(help_text="The care team's 24-hour number.")
    emergency_number = serializers.CharField(help_text="The emergency number to call.")


class WalletCardView(PortalViewMixin, APIView):
    """The patient's own wallet card (the web page reading/wallet-card/ prints it)."""

    action_roles = {"get": (IsPatient,)}

    @extend_schema(
        operation_id="wallet_card_retrieve",
        summary="My wallet card",
        description=(
            'Patients: what their wallet card says besides "I am having immunotherapy" and '
            "the advice to call the emergency number: the treatment name their clinician "
            "entered (empty when none was), the care team's 24-hour number and the emergency "
            "number. Read-only; staff get 403."
        ),
        responses=WalletCardSerializer,
        tags=["wallet card"],
        examples=WALLET_CARD_EXAMPLES,
    )
    def get(self, request):
        card = selectors.wallet_card_for_patient(patient=request.user, with_name=False)
        return Response(WalletCardSerializer(card).data)


class TreatmentSerializer(serializers.Serializer):
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    treatment_name = serializers.CharField(
        source="name", read_only=True, help_text="Empty when none was entered."
    )
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null when it was never set."
    )


class TreatmentUpdateSerializer(serializers.Serializer):
    treatment_name = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=(
            "The drug or treatment, plain text, up to "
            f"{services.TREATMENT_NAME_MAX_LENGTH} characters; an empty string removes it."
        ),
    )


PATIENT_ID_PARAMETER = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Patient id (from GET /api/v1/patients/)."
)


class PatientTreatmentView(PortalViewMixin, APIView):
    """The treatment name on one patient's wallet card, for their care team."""

    action_roles = {"get": (IsStaffRole,), "patch": (IsStaffRole,)}

    def get_patient(self):
        return patient_get_for_user(user=self.request.user, patient_id=self.kwargs["pk"])

    def treatment_response(self, patient):
        treatment = selectors.treatment_get_for_patient(patient=patient)
        return Response(TreatmentSerializer(treatment).data)

    @extend_schema(
        operation_id="patients_treatment_retrieve",
        summary="A patient's treatment name",
        description=(
            "Clinicians (their care team) and admins: the treatment name shown on the "
            "patient's wallet card. Patients get 403; a patient outside your care team 404."
        ),
        parameters=[PATIENT_ID_PARAMETER],
        responses=TreatmentSerializer,
        tags=["wallet card"],
    )
    def get(self, request, pk):
        patient = self.get_patient()
        self.audit(action="treatment.view", patient=patient)
        return self.treatment_response(patient)

    @extend_schema(
        operation_id="patients_treatment_update",
        summary="Set a patient's treatment name",
        description=(
            "Clinicians (their care team) and admins: set the treatment name on the patient's "
            "wallet card, or remove it with an empty string. Plain text only: a name with "
            "< or >, control characters or over "
            f"{services.TREATMENT_NAME_MAX_LENGTH} characters is a 400 with the same message "
            "the patient page shows. The change is recorded in the audit trail."
        ),
        parameters=[PATIENT_ID_PARAMETER],
        request=TreatmentUpdateSerializer,
        responses=TreatmentSerializer,
        tags=["wallet card"],
        examples=TREATMENT_UPDATE_EXAMPLES,
    )
    def patch(self, request, pk):
        patient = self.get_patient()
        data = self.validated(TreatmentUpdateSerializer)
        services.treatment_set(
            patient=patient,
            name=data["treatment_name"],
            updated_by=request.user,
            request=request,
            channel="api",
        )
        return self.treatment_response(patient)
