from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.permissions import clinician_required, patient_required, role_required
from apps.assignments.selectors import reading_list_for_patient
from apps.audit.services import audit_log, audit_log_many

from . import selectors, services
from .forms import InboxFilterForm, QuestionForm, ReplyForm, add_service_errors
from .models import QUESTION_MAX_LENGTH, Question

INBOX_PAGE_SIZE = 50


def _find_assignment(assignments, raw_id):
    try:
        wanted = int(raw_id)
    except (TypeError, ValueError):
        return None
    return next((a for a in assignments if a.pk == wanted), None)


def _sections_of(assignment) -> list[dict]:
    if assignment is None or assignment.module.current_version is None:
        return []
    return assignment.module.current_version.sections


def _asking_for(request):
    """(patient, caregiver or None): a caregiver asks for the patient they chose, when that
    patient's active link allows it (404 without a link, 403 without the permission)."""
    if request.user.is_patient:
        return request.user, None
    link = getattr(request, "caregiver_link", None)
    if link is None:
        raise Http404("No patient chosen.")
    if not link.can_ask_questions:
        raise PermissionDenied(
            _("%(name)s has not asked you to send questions for them.")
            % {"name": link.patient.name}
        )
    return link.patient, request.user


@role_required("patient", "caregiver")
def question_ask(request):
    """Ask from a module (?assignment=<id>&section=<position>, as the reading page links) or
    a general question. On any error the page comes back with everything as it was typed.
    A caregiver allowed to asks for the patient they read for."""
    patient, caregiver = _asking_for(request)
    assignments = reading_list_for_patient(patient=patient)
    posted = request.method == "POST"
    source = request.POST if posted else request.GET
    chosen = _find_assignment(assignments, source.get("assignment"))
    sections = _sections_of(chosen)
    initial, subject_notice, section_title = {}, "", ""
    if not posted:
        if request.GET.get("assignment") and chosen is None:
            subject_notice = _(
                "We could not find that reading in your list, so this will be a general "
                "question. You can choose one of your modules below."
            )
        if chosen is not None:
            initial["assignment"] = chosen.pk
            wanted_section = _find_section(sections, request.GET.get("section"))
            if wanted_section is not None:
                initial["section_position"] = wanted_section["position"]
                section_title = wanted_section["title"]

    form = QuestionForm(
        request.POST if posted else None,
        assignments=assignments,
        sections=sections,
        initial=initial,
    )
    if posted and form.is_valid():
        try:
            question = services.question_ask(
                patient=patient,
                asked_by=caregiver,
                body=form.cleaned_data["body"],
                assignment=form.cleaned_data.get("assignment"),
                section_position=form.cleaned_data.get("section_position"),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your question was sent to your care team. Their reply will appear here."),
            )
            return redirect("questions:detail", question_id=question.pk)
    return render(
        request,
        "questions/ask.html",
        {
            "form": form,
            "chosen": chosen,
            "section_title": section_title,
            "subject_notice": subject_notice,
            "max_length": QUESTION_MAX_LENGTH,
        },
        status=400 if posted else 200,
    )


def _find_section(sections: list[dict], raw_position):
    try:
        wanted = int(raw_position)
    except (TypeError, ValueError):
        return None
    return next((s for s in sections if s.get("position") == wanted), None)


@login_required
def question_detail(request, question_id):
    """The thread and a reply box, for the patient and their care team (404 for anyone else)."""
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    posted = request.method == "POST"
    form = ReplyForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            reply = services.reply_post(
                question=question,
                author=request.user,
                body=form.cleaned_data["body"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_log(
                actor=request.user,
                action="question.reply",
                patient=question.patient_id,
                obj=reply,
                request=request,
            )
            messages.success(request, _("Your reply was sent."))
            url = reverse("questions:detail", kwargs={"question_id": question.pk})
            return redirect(f"{url}#reply-{reply.pk}")
    audit_log(
        actor=request.user,
        action="question.view",
        patient=question.patient_id,
        obj=question,
        request=request,
    )
    replies = list(selectors.question_replies(question=question))
    team_replies = [reply for reply in replies if reply.author_id != question.patient_id]
    is_asker = request.user.pk == question.patient_id
    return render(
        request,
        "questions/detail.html",
        {
            "question": question,
            "replies": replies,
            "answer": team_replies[-1] if team_replies else None,
            "events": selectors.question_events(question=question),
            "form": form,
            "is_asker": is_asker,
            "may_take_part": services.user_may_take_part(question=question, user=request.user),
            "may_withdraw": is_asker
            and services.question_may_withdraw(
                question=question, has_team_reply=bool(team_replies)
            ),
            "may_close": question.status != Question.Status.CLOSED
            and (bool(team_replies) or not is_asker),
            "max_length": QUESTION_MAX_LENGTH,
        },
        status=400 if posted else 200,
    )


@login_required
@require_POST
def question_close(request, question_id):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    services.question_close(question=question, by=request.user)
    audit_log(
        actor=request.user,
        action="question.close",
        patient=question.patient_id,
        obj=question,
        request=request,
    )
    if request.user.pk == question.patient_id:
        messages.success(
            request, _("Your question is closed. To open it again, send a reply below.")
        )
    else:
        messages.success(request, _("The question is closed."))
    return redirect("questions:detail", question_id=question.pk)


@patient_required
@require_POST
def question_withdraw(request, question_id):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    try:
        services.question_withdraw(question=question, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("questions:detail", question_id=question.pk)
    messages.success(
        request,
        _(
            "Your question was withdrawn. Your care team will not see it in their list any "
            "more. It stays in your records."
        ),
    )
    return redirect("questions:my_questions")


@role_required("patient", "caregiver")
def my_questions(request):
    """The patient's questions; for a caregiver, those they asked for the patient they chose."""
    questions = selectors.question_list_for_user(user=request.user)
    link = getattr(request, "caregiver_link", None)
    if request.user.is_caregiver:
        if link is None:
            return redirect("caregivers:choose")
        questions = questions.filter(patient=link.patient)
    return render(
        request,
        "questions/my_questions.html",
        {
            "questions": questions.order_by("-last_activity_at", "-id"),
            "may_ask": link is None or link.can_ask_questions,
        },
    )


@clinician_required
def inbox(request):
    """The care team's questions, longest-waiting first, with filters that survive paging."""
    filter_form = InboxFilterForm(
        request.GET or {"status": Question.Status.OPEN},
        patients=selectors.inbox_patient_choices(user=request.user),
        modules=selectors.inbox_module_choices(user=request.user),
    )
    filters = filter_form.filters()
    rows = selectors.question_inbox_for_clinician(user=request.user, **filters)
    page = Paginator(rows, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    # One row per patient whose question is on this page: the inbox shows their words.
    audit_log_many(
        actor=request.user,
        action="question.inbox_view",
        entries=[(question.patient_id, question) for question in page.object_list],
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "questions/inbox.html",
        {
            "form": filter_form,
            "page": page,
            "status": filters["status"],
            "filter_query": query.urlencode(),
        },
    )
