"""API for questions between a patient and their care team.

Thin on purpose: scoping comes from selectors.question_list_for_user / question_get_for_user
and every rule (who may reply, length limits, withdrawn threads) from services, exactly as on
the web. The API only adds the audit trail for staff, as the web views do.
"""

import django_filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.roles import IsReader, PortalViewMixin
from apps.caregivers.selectors import active_link_get_for_caregiver
from apps.core.drf import IDEMPOTENCY_KEY_PARAMETER, IdField, IdFilter

from . import selectors, services
from .models import Question, Reply

# The status words of the API: the stored status, except that a question the patient took
# back reads as `withdrawn` (it is stored as closed, with `withdrawn_at`), as on the website.
WITHDRAWN = "withdrawn"
QUESTION_STATUSES = [*Question.Status.choices, (WITHDRAWN, _("Withdrawn"))]
STATUS_HELP = (
    "`open`: waiting for an answer; `answered`: the care team replied; `closed`: nothing more "
    "is needed; `withdrawn`: the patient took the question back (see `withdrawn_at`)."
)


def api_status(question: Question) -> str:
    return WITHDRAWN if question.withdrawn_at is not None else question.status


class ReplySerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.CharField(source="author.name", read_only=True)
    author_role = serializers.ChoiceField(
        choices=User.Role.choices,
        source="author.role",
        read_only=True,
        help_text="`patient` for the patient's own follow-ups, otherwise the care team.",
    )

    class Meta:
        model = Reply
        fields = ["id", "author", "author_name", "author_role", "body", "created_at"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    patient_name = serializers.CharField(source="patient.name", read_only=True)
    assignment = serializers.IntegerField(source="assignment_id", read_only=True, allow_null=True)
    module = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    module_title = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text=STATUS_HELP)
    asked_by = serializers.IntegerField(
        source="asked_by_id",
        read_only=True,
        allow_null=True,
        help_text="The caregiver who asked for the patient; null when the patient asked.",
    )
    asked_by_name = serializers.CharField(source="asked_by.name", read_only=True, allow_null=True)
    asked_by_role = serializers.ChoiceField(
        choices=User.Role.choices,
        source="asked_by.role",
        read_only=True,
        allow_null=True,
        help_text=(
            '`caregiver` when someone asked for the patient ("asked by Alex (caregiver) for '
            'Pat"); null when the patient asked.'
        ),
    )

    class Meta:
        model = Question
        fields = [
            "id",
            "patient",
            "patient_name",
            "asked_by",
            "asked_by_name",
            "asked_by_role",
            "assignment",
            "module",
            "module_title",
            "section_position",
            "section_title",
            "body",
            "status",
            "created_at",
            "last_activity_at",
            "withdrawn_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=QUESTION_STATUSES))
    def get_status(self, question) -> str:
        return api_status(question)

    def get_module_title(self, question) -> str | None:
        """The title as the patient saw it when asking: from the version they read."""
        if question.version is not None:
            return question.version.snapshot.get("title", "")
        return question.module.title if question.module is not None else None


class QuestionDetailSerializer(QuestionSerializer):
    replies = serializers.SerializerMethodField()

    class Meta(QuestionSerializer.Meta):
        fields = [*QuestionSerializer.Meta.fields, "replies"]
        read_only_fields = fields

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, question):
        return ReplySerializer(selectors.question_replies(question=question), many=True).data


class QuestionAskSerializer(serializers.Serializer):
    patient = IdField(
        required=False,
        help_text=(
            "Caregivers (required): the patient they ask for, one in `reading_for` of "
            "GET /api/v1/me/ whose access lets them ask. Patients leave it out."
        ),
    )
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The question, up to 2,000 characters.",
    )
    assignment = IdField(
        required=False,
        allow_null=True,
        help_text=(
            "Optional: the id of one of your assignments (a caregiver: one of the patient's) "
            "the question is about."
        ),
    )
    section_position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=32767,
        help_text="Optional, with `assignment`: the part of the module (its `position`).",
    )


class ReplyPostSerializer(serializers.Serializer):
    body = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="The reply, up to 2,000 characters."
    )


class QuestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=QUESTION_STATUSES, method="filter_status", help_text=STATUS_HELP
    )
    patient = IdFilter(field_name="patient_id", help_text="Only this patient's questions.")
    module = django_filters.CharFilter(
        field_name="module__slug", max_length=80, help_text="Only questions about this module."
    )

    class Meta:
        model = Question
        fields = ["status", "patient", "module"]

    def filter_status(self, queryset, name, value):
        if value == WITHDRAWN:
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset.filter(status=value, withdrawn_at__isnull=True)


QUESTION_EXAMPLE = {
    "id": 31,
    "patient": 12,
    "patient_name": "Pat Jones",
    "asked_by": None,
    "asked_by_name": None,
    "asked_by_role": None,
    "assignment": 7,
    "module": "immunotherapy-side-effects",
    "module_title": "Side effects of immunotherapy",
    "section_position": 2,
    "section_title": "When to call us straight away",
    "body": "Does a mild rash count as something to call about?",
    "status": "open",
    "created_at": "2026-11-20T14:05:00Z",
    "last_activity_at": "2026-11-20T14:05:00Z",
    "withdrawn_at": None,
}
REPLY_EXAMPLE = {
    "id": 44,
    "author": 3,
    "author_name": "Dr Dana Lee",
    "author_role": "clinician",
    "body": "Yes: please call the 24-hour line about any new rash.",
    "created_at": "2026-11-20T15:10:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List questions",
        description=(
            "Patients: their own questions, withdrawn ones included. Clinicians: the "
            "questions of their care team's patients, without withdrawn ones. Admins: all. "
            "Caregivers: the questions they asked themselves, for patients whose access is "
            "active now (narrow to one with `patient`). Newest activity first unless "
            "`ordering` says otherwise. `asked_by` names a caregiver who asked for the patient."
        ),
        examples=[
            OpenApiExample("A question", value=QUESTION_EXAMPLE, response_only=True),
            OpenApiExample(
                "Asked by a caregiver",
                value={
                    **QUESTION_EXAMPLE,
                    "asked_by": 40,
                    "asked_by_name": "Alex Jones",
                    "asked_by_role": "caregiver",
                },
                response_only=True,
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One question and its replies",
        description=(
            "The question with its whole thread, oldest reply first. A question outside "
            "what you may see is 404. Staff reads are recorded in the audit trail."
        ),
        examples=[
            OpenApiExample(
                "An answered question",
                value={**QUESTION_EXAMPLE, "status": "answered", "replies": [REPLY_EXAMPLE]},
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        operation_id="questions_ask",
        summary="Ask the care team a question",
        description=(
            "Patients, and caregivers whose access lets them ask. `assignment` and "
            "`section_position` are optional and say what the question is about; the answer "
            "keeps the module title and section title as they were when asked. The care team "
            "is told by email (with no health details). A caregiver names the `patient`: one "
            "they do not read for is a 404, one who does not let them ask a 403; the "
            "question records them in `asked_by`."
        ),
        request=QuestionAskSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: QuestionDetailSerializer},
        examples=[
            OpenApiExample(
                "About a section",
                value={
                    "body": "Does a mild rash count as something to call about?",
                    "assignment": 7,
                    "section_position": 2,
                },
                request_only=True,
            ),
            OpenApiExample(
                "A general question", value={"body": "Can I travel?"}, request_only=True
            ),
            OpenApiExample(
                "A caregiver asks for the patient",
                value={"patient": 12, "body": "Can Pat travel by plane next month?"},
                request_only=True,
            ),
            OpenApiExample(
                "Asked",
                value={**QUESTION_EXAMPLE, "replies": []},
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Empty question",
                value={"body": ["Type your question before sending it."]},
                response_only=True,
                status_codes=["400"],
            ),
        ],
    ),
)
class QuestionViewSet(
    PortalViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = QuestionFilter
    ordering_fields = ["created_at", "last_activity_at", "status", "id"]
    ordering = ["-last_activity_at", "-id"]
    action_roles = {"create": (IsReader,)}
    body_id_actions = {"create"}  # a caregiver's `patient` they do not read for: 404
    list_audit_action = "question_list.view"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return QuestionDetailSerializer
        return QuestionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        return selectors.question_list_for_user(user=self.request.user)

    def get_object(self):
        question = selectors.question_get_for_user(
            user=self.request.user, question_id=self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, question)
        return question

    def retrieve(self, request, *args, **kwargs):
        question = self.get_object()
        self.audit(action="question.view", patient=question.patient_id, obj=question)
        return Response(QuestionDetailSerializer(question).data)

    def asking_for(self, patient_id: int | None):
        """(patient, caregiver or None). A caregiver names a patient with an active link to
        them (404 otherwise; the service checks that the link lets them ask); a patient asks
        for themself only."""
        user = self.request.user
        if user.is_caregiver:
            if patient_id is None:
                raise exceptions.ValidationError(
                    {"patient": [_("Give the id of the patient you are asking for.")]}
                )
            link = active_link_get_for_caregiver(caregiver=user, patient_id=patient_id)
            return link.patient, user
        if patient_id not in (None, user.pk):
            raise Http404("No such patient.")
        return user, None

    def create(self, request, *args, **kwargs):
        data = self.validated(QuestionAskSerializer)
        patient, caregiver = self.asking_for(data.get("patient"))
        question = services.question_ask(
            patient=patient,
            asked_by=caregiver,
            body=data["body"],
            assignment=data.get("assignment"),
            section_position=data.get("section_position"),
            idempotency_key=self.idempotency_key,
        )
        question = selectors.question_get_for_user(user=request.user, question_id=question.pk)
        return Response(QuestionDetailSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="questions_reply",
        summary="Reply to a question",
        description=(
            "The patient who asked, or a clinician in their care team. A clinician's reply "
            "marks the question answered; the patient's follow-up opens it again. Admins can "
            "read every thread but get 403 here: answers come from the care team. A caregiver "
            "reads the answers to what they asked but does not reply (403), as on the "
            "website. A withdrawn question takes no replies (400)."
        ),
        request=ReplyPostSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: ReplySerializer},
        examples=[
            OpenApiExample(
                "A clinician answers",
                value={"body": "Yes: please call the 24-hour line about any new rash."},
                request_only=True,
            ),
            OpenApiExample("Sent", value=REPLY_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def replies(self, request, pk=None):
        question = self.get_object()
        data = self.validated(ReplyPostSerializer)
        reply = services.reply_post(
            question=question,
            author=request.user,
            body=data["body"],
            idempotency_key=self.idempotency_key,
        )
        self.audit(action="question.reply", patient=question.patient_id, obj=reply)
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close a question",
        description=(
            "The patient or a clinician in their care team closes the thread when nothing "
            "more is needed. Closing a closed question changes nothing. A later reply opens "
            "it again. Takes no body."
        ),
        request=None,
        responses={200: QuestionDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def close(self, request, pk=None):
        question = services.question_close(question=self.get_object(), by=request.user)
        self.audit(action="question.close", patient=question.patient_id, obj=question)
        return Response(QuestionDetailSerializer(question).data)

    @extend_schema(
        summary="Withdraw my question",
        description=(
            "The patient who asked takes the question back while it waits for its first "
            "answer: it leaves the care team's inbox but stays on record with `status` "
            "`withdrawn` and `withdrawn_at` set. Withdrawing it again changes nothing. A "
            "question that has an answer or is closed is a 400, as on the website. Anyone "
            "else (a caregiver too) gets 403. Takes no body."
        ),
        request=None,
        responses={200: QuestionDetailSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def withdraw(self, request, pk=None):
        question = services.question_withdraw(question=self.get_object(), by=request.user)
        return Response(QuestionDetailSerializer(question).data)
