"""Web pages for reading (patients) and for assigning and following up (clinicians).

Views stay thin: check the role, call one selector or service, render. Every lookup goes
through a scoped selector, so another patient's reading or another team's patient is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from apps.accounts.forms import add_validation_errors
from apps.accounts.permissions import clinician_required, patient_required, role_required
from apps.accounts.selectors import patient_get_for_user
from apps.audit.services import audit_log, audit_patients_seen
from apps.caregivers import selectors as caregiver_selectors

from . import dashboards, display, exports, notes, selectors, services
from .charts import completion_chart
from .forms import AssignForm, CheckForm, DashboardForm, TreatmentForm, WalletCardForm
from .grading import mark_answers
from .models import Assignment

PATIENTS_PER_PAGE = 25


def _is_htmx_partial(request) -> bool:
    """htmx asked for the swappable part only (not when it restores history after Back)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


# --- Patient (and caregiver) -----------------------------------------------------------------

# The reading pages a caregiver shares with the patient. The check and "I have read this" stay
# the patient's own (patient_required).
reader_required = role_required("patient", "caregiver")


def _reading_for(request):
    """Whose reading this is: (patient, caregiver or None).

    A caregiver reads for the patient they chose, through a link checked on this very request
    (apps.caregivers.middleware); without one, every reading page is a 404.
    """
    user = request.user
    if user.is_patient:
        return user, None
    link = getattr(request, "caregiver_link", None)
    if link is None:
        raise Http404("No patient chosen.")
    return link.patient, user


def _audit_caregiver(request, caregiver, patient, *, action: str, obj=None) -> None:
    if caregiver is not None:
        audit_log(actor=caregiver, action=action, patient=patient, obj=obj, request=request)


def _get_assignment(request, assignment_id):
    patient, caregiver = _reading_for(request)
    assignment = selectors.assignment_get_for_patient(patient=patient, assignment_id=assignment_id)
    return assignment, caregiver


@reader_required
def my_reading(request):
    if request.user.is_caregiver and getattr(request, "caregiver_link", None) is None:
        return redirect("caregivers:choose")
    patient, caregiver = _reading_for(request)
    _audit_caregiver(request, caregiver, patient, action="caregiver.reading_list")
    # `.reading`: what the patient will read, the assigned module or its translation.
    assignments = selectors.with_reading_modules(
        selectors.reading_list_for_patient(patient=patient),
        language=patient.preferred_language,
    )
    today = selectors.patient_today(patient=patient)
    zone = patient.tzinfo
    finished_modules = {a.module_id for a in assignments if a.status == Assignment.Status.COMPLETED}
    for assignment in assignments:
        assignment.is_reread = assignment.is_open and assignment.module_id in finished_modules
    done = [a for a in assignments if a.status == Assignment.Status.COMPLETED]
    done.sort(key=lambda a: a.completed_at, reverse=True)
    # A note given with several readings at once is shown once, above the lists.
    shared = notes.shared_notes(assignments, title=lambda a: a.reading.title)

    def item(assignment):
        shown = display.reading_item(
            assignment, today=today, zone=zone, for_caregiver_reader=caregiver is not None
        )
        if assignment.pk in shared:
            shown["note"] = ""
            shown["shared_note"] = shared[assignment.pk]
        return shown

    groups = [
        {
            "heading": heading,
            "items": [item(a) for a in members],
        }
        for heading, members in (
            (_("New for you"), [a for a in assignments if a.status == Assignment.Status.ASSIGNED]),
            (
                Assignment.PATIENT_STATUS_WORDS[Assignment.Status.IN_PROGRESS],
                [a for a in assignments if a.status == Assignment.Status.IN_PROGRESS],
            ),
            (Assignment.PATIENT_STATUS_WORDS[Assignment.Status.COMPLETED], done),
        )
        if members
    ]
    return render(
        request,
        "assignments/my_reading.html",
        {
            "groups": groups,
            "shared_notes": notes.distinct_groups(shared),
            "caregiver": caregiver,
            "patient": patient,
            "caregivers_waiting": (
                caregiver_selectors.names_waiting_for_patient(patient=patient)
                if caregiver is None
                else []
            ),
        },
    )


@reader_required
def reading_start(request, assignment_id):
    """Resume where the reader left off: the first section they have not opened yet."""
    assignment, caregiver = _get_assignment(request, assignment_id)
    viewed = _viewed(assignment, caregiver)
    position = selectors.resume_position(assignment=assignment, viewed=viewed)
    if position is None:
        if assignment.is_open and caregiver is None:
            return redirect("assignments:reading_check", assignment_id=assignment.pk)
        sections = selectors.reading_version(assignment=assignment).sections
        if not sections and caregiver is not None:
            return redirect("assignments:my_reading")
        if not sections:
            return redirect("assignments:reading_check", assignment_id=assignment.pk)
        position = sections[0]["position"]
    return redirect("assignments:reading_section", assignment_id=assignment.pk, position=position)


def _viewed(assignment, caregiver) -> set[int]:
    if caregiver is None:
        return selectors.progress_positions(assignment=assignment)
    return selectors.caregiver_progress_positions(assignment=assignment, reader=caregiver)


@reader_required
def reading_section(request, assignment_id, position):
    """One section at a time. Opening it records progress (a caregiver's as their own); with
    htmx only the panel swaps."""
    assignment, caregiver = _get_assignment(request, assignment_id)
    module = selectors.reading_module(assignment=assignment)
    version = module.current_version
    sections = version.sections
    index = next((i for i, s in enumerate(sections) if s["position"] == position), None)
    if index is None:
        raise Http404("No such section.")
    viewed = _viewed(assignment, caregiver)
    if caregiver is None:
        services.progress_record(assignment=assignment, position=position, viewed=viewed)
    else:
        services.caregiver_progress_record(
            assignment=assignment, reader=caregiver, positions=[position], viewed=viewed
        )
        _audit_caregiver(
            request, caregiver, assignment.patient, action="caregiver.reading_view", obj=assignment
        )
    # Each section's address is worked out once here (the links and their htmx twins share it).
    contents = [
        {
            **section,
            "viewed": section["position"] in viewed,
            "current": i == index,
            "url": reverse(
                "assignments:reading_section",
                kwargs={"assignment_id": assignment.pk, "position": section["position"]},
            ),
        }
        for i, section in enumerate(sections)
    ]
    context = {
        "assignment": assignment,
        "module": module,
        "version": version,
        "section": sections[index],
        "number": index + 1,
        "count": len(sections),
        "contents": contents,
        "previous": contents[index - 1] if index > 0 else None,
        "next": contents[index + 1] if index + 1 < len(contents) else None,
        "viewed_count": sum(1 for s in sections if s["position"] in viewed),
        "has_checks": bool(version.checks),
        "caregiver": caregiver,
        "caregiver_may_ask": caregiver is not None and request.caregiver_link.can_ask_questions,
        "caregiver_notes": assignment.caregiver_notes_for(caregiver=caregiver),
    }
    template = (
        "assignments/_reading_panel.html"
        if _is_htmx_partial(request)
        else "assignments/reading_section.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@reader_required
def reading_all(request, assignment_id):
    """The whole module on one long page, with a contents list.

    Showing it records nothing: a link from another site must not change a patient's record.
    The "Next" button at the end posts here, counts every section as read and goes on to the
    check, with or without JavaScript.
    """
    assignment, caregiver = _get_assignment(request, assignment_id)
    if request.method == "POST":
        if caregiver is not None:
            services.caregiver_progress_record(
                assignment=assignment,
                reader=caregiver,
                positions=[
                    s["position"] for s in selectors.reading_version(assignment=assignment).sections
                ],
                viewed=_viewed(assignment, caregiver),
            )
            return redirect("assignments:my_reading")
        services.progress_record_all(assignment=assignment)
        return redirect("assignments:reading_check", assignment_id=assignment.pk)
    module = selectors.reading_module(assignment=assignment)
    version = module.current_version
    _audit_caregiver(
        request, caregiver, assignment.patient, action="caregiver.reading_view", obj=assignment
    )
    return render(
        request,
        "assignments/reading_all.html",
        {
            "assignment": assignment,
            "module": module,
            "version": version,
            "sections": version.sections,
            "has_checks": bool(version.checks),
            "caregiver": caregiver,
            "caregiver_notes": assignment.caregiver_notes_for(caregiver=caregiver),
        },
    )


@reader_required
def reading_print(request, assignment_id):
    """The whole module, laid out for paper (static/css/print.css hides the page furniture)."""
    assignment, caregiver = _get_assignment(request, assignment_id)
    _audit_caregiver(
        request, caregiver, assignment.patient, action="caregiver.reading_view", obj=assignment
    )
    module = selectors.reading_module(assignment=assignment)
    version = module.current_version
    return render(
        request,
        "assignments/reading_print.html",
        {
            "assignment": assignment,
            "module": module,
            "version": version,
            "sections": version.sections,
            "caregiver_notes": assignment.caregiver_notes_for(caregiver=caregiver),
        },
    )


@patient_required
def wallet_card(request):
    """A card to carry: "I am having immunotherapy", the numbers to call, what to tell a doctor."""
    return _wallet_card_page(
        request, patient=request.user, back_url=reverse("assignments:my_reading"), for_staff=False
    )


def _wallet_card_page(request, *, patient, back_url: str, for_staff: bool):
    form = WalletCardForm(request.GET or None)
    if for_staff:
        form.fields["with_name"].label = _("Put the patient's name on the card")
        form.fields["with_name"].help_text = _(
            "Ask the patient first: some people would rather keep their name private."
        )
    with_name = form.is_valid() and form.cleaned_data["with_name"]
    return render(
        request,
        "assignments/wallet_card.html",
        {
            "card": selectors.wallet_card_for_patient(patient=patient, with_name=with_name),
            "form": form,
            "patient": patient,
            "back_url": back_url,
            "for_staff": for_staff,
        },
    )


@patient_required
def reading_check(request, assignment_id):
    """The comprehension check, its marked answers, and "I have read and understood this"."""
    assignment = selectors.assignment_get_for_patient(
        patient=request.user, assignment_id=assignment_id
    )
    module = selectors.reading_module(assignment=assignment)
    version = module.current_version
    checks = version.checks
    form = CheckForm(request.POST or None, checks=checks)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.check_submit(assignment=assignment, answers=form.answers())
            except ValidationError as error:
                add_validation_errors(form, error)
                status = 400
            else:
                # Post/redirect/get: refreshing the results page does not submit again.
                return redirect(
                    reverse("assignments:reading_check", kwargs={"assignment_id": assignment.pk})
                    + "#results"
                )
        else:
            status = 400
    attempt = selectors.latest_attempt(assignment=assignment, version=version)
    marked = mark_answers(checks=checks, answers=attempt.answers) if attempt is not None else []
    viewed = selectors.progress_positions(assignment=assignment)
    show_form = (
        assignment.is_open
        and bool(checks)
        and (attempt is None or request.GET.get("again") == "1" or request.method == "POST")
    )
    return render(
        request,
        "assignments/reading_check.html",
        {
            "assignment": assignment,
            "module": module,
            "version": version,
            "form": form,
            "fields": [(check, form[CheckForm.field_name(check)]) for check in checks],
            "show_form": show_form,
            "attempt": attempt,
            "marked": marked,
            "unread": [s for s in version.sections if s["position"] not in viewed],
            "last_position": version.sections[-1]["position"] if version.sections else None,
        },
        status=status,
    )


@patient_required
@require_POST
def reading_complete(request, assignment_id):
    assignment = selectors.assignment_get_for_patient(
        patient=request.user, assignment_id=assignment_id
    )
    try:
        assignment = services.assignment_complete(assignment=assignment)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("assignments:reading_check", assignment_id=assignment.pk)
    # The check page of a finished reading is its confirmation page.
    return redirect("assignments:reading_check", assignment_id=assignment.pk)


# --- Clinician --------------------------------------------------------------------------------


def _dashboard_rows(request):
    form = DashboardForm(request.GET or None)
    search, show, sort = form.values()
    rows = dashboards.patient_dashboard_rows(
        user=request.user, search=search, filters=show, sort=sort
    )
    return form, rows


@clinician_required
def my_patients(request):
    form = DashboardForm(request.GET or None)
    search, show, sort = form.values()
    page = dashboards.patient_dashboard_page(
        user=request.user,
        search=search,
        filters=show,
        sort=sort,
        page_number=request.GET.get("page"),
        per_page=PATIENTS_PER_PAGE,
    )
    patients = page.object_list
    audit_patients_seen(
        actor=request.user,
        action="patient_list.view",
        patient_ids=[patient.pk for patient in patients],
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assignments/my_patients.html",
        {
            "form": form,
            "page": page,
            "patients": patients,
            "query": query.urlencode(),
            "filtered": bool(search or show),
        },
    )


@clinician_required
def patients_export(request):
    """The patient list as CSV, with the same search and filters as the page (all pages)."""
    _form, rows = _dashboard_rows(request)
    patients = list(rows)
    audit_patients_seen(
        actor=request.user,
        action="patient_list.export",
        patient_ids=[patient.pk for patient in patients],
        request=request,
    )
    header, lines = exports.patient_rows(patients, zone=request.user.tzinfo)
    filename = f"my-patients-{timezone.localdate(timezone=request.user.tzinfo).isoformat()}.csv"
    return exports.csv_response(filename=filename, header=header, rows=lines)


@clinician_required
def patient_detail(request, patient_id):
    return _patient_detail_page(request, patient_id=patient_id)


def _patient_detail_page(request, *, patient_id, treatment_form=None, status=200):
    detail = dashboards.patient_detail(user=request.user, patient_id=patient_id)
    audit_log(
        actor=request.user,
        action="patient.view",
        patient=detail.patient,
        request=request,
        channel="web",
    )
    shared = notes.shared_notes(
        [summary.assignment for summary in detail.summaries], title=lambda a: a.module.title
    )
    caregiver_reading = selectors.caregiver_reading_by_assignment(patient_id=detail.patient.pk)
    for summary in detail.summaries:
        summary.shared_note = shared.get(summary.assignment.pk)
        summary.caregiver_reading = caregiver_reading.get(summary.assignment.pk, [])
    if treatment_form is None:
        treatment_form = TreatmentForm(initial={"treatment_name": detail.treatment.name})
    return render(
        request,
        "assignments/patient_detail.html",
        {
            "detail": detail,
            "shared_notes": notes.distinct_groups(shared),
            "treatment_form": treatment_form,
            "caregivers": caregiver_selectors.open_links_for_patient(patient=detail.patient),
        },
        status=status,
    )


@clinician_required
@require_POST
def patient_treatment(request, patient_id):
    """Set or clear the treatment name on the patient's wallet card."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id)
    form = TreatmentForm(request.POST)
    if form.is_valid():
        try:
            treatment = services.treatment_set(
                patient=patient,
                name=form.cleaned_data["treatment_name"],
                updated_by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            if treatment.name:
                message = _("Saved. %(name)s's wallet card now says “%(treatment)s”.") % {
                    "name": patient.name,
                    "treatment": treatment.name,
                }
            else:
                message = _("Saved. %(name)s's wallet card shows no treatment name.") % {
                    "name": patient.name
                }
            messages.success(request, message)
            return redirect(
                reverse("assignments:patient_detail", kwargs={"patient_id": patient.pk})
                + "#wallet-card"
            )
    # What the clinician typed stays in the box, with the message beside it.
    return _patient_detail_page(request, patient_id=patient.pk, treatment_form=form, status=400)


@clinician_required
def patient_wallet_card(request, patient_id):
    """The patient's wallet card, for their clinician to print and give them."""
    patient = patient_get_for_user(user=request.user, patient_id=patient_id)
    audit_log(
        actor=request.user,
        action="wallet_card.view",
        patient=patient,
        request=request,
        channel="web",
    )
    return _wallet_card_page(
        request,
        patient=patient,
        back_url=reverse("assignments:patient_detail", kwargs={"patient_id": patient.pk}),
        for_staff=True,
    )


@clinician_required
def assign(request):
    """Assign one or many readings to one or many patients, with an optional date and note."""
    if request.method == "POST":
        form = AssignForm(request.POST, user=request.user)
    else:
        form = AssignForm(
            user=request.user,
            initial={
                "patients": request.GET.getlist("patient"),
                "modules": request.GET.getlist("module"),
            },
        )
    if request.method == "POST" and form.is_valid():
        patients = list(form.cleaned_data["patients"])
        try:
            result = services.assignment_create_bulk(
                assigned_by=request.user,
                patient_ids=[patient.pk for patient in patients],
                module_ids=[module.pk for module in form.cleaned_data["modules"]],
                due_on=form.cleaned_data["due_on"],
                note=form.cleaned_data["note"],
                for_caregiver=form.cleaned_data["for_caregiver"],
                request=request,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            _report_bulk_result(request, result)
            if len(patients) == 1:
                return redirect("assignments:patient_detail", patient_id=patients[0].pk)
            return redirect("assignments:my_patients")
    return render(
        request,
        "assignments/assign.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _report_bulk_result(request, result: services.BulkAssignResult) -> None:
    if result.created:
        messages.success(
            request,
            ngettext(
                "%(count)d reading was assigned.",
                "%(count)d readings were assigned.",
                len(result.created),
            )
            % {"count": len(result.created)},
        )
    if result.skipped:
        shown = result.skipped[:10]
        pairs = "; ".join(f"{a.patient.name}: {a.module.title}" for a in shown)
        more = len(result.skipped) - len(shown)
        message = ngettext(
            "%(count)d was already open and was not assigned again (%(pairs)s).",
            "%(count)d were already open and were not assigned again (%(pairs)s).",
            len(result.skipped),
        ) % {"count": len(result.skipped), "pairs": pairs}
        if more:
            message += " " + _("And %(more)d more.") % {"more": more}
        messages.info(request, message)


@clinician_required
def assignment_cancel(request, assignment_id):
    """Ask to confirm, then cancel. The patient no longer sees it; the record stays."""
    assignment = selectors.assignment_get_for_clinician(
        user=request.user, assignment_id=assignment_id
    )
    if request.method == "POST":
        try:
            services.assignment_cancel(
                assignment=assignment, cancelled_by=request.user, request=request
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("“%(title)s” was cancelled for %(name)s.")
                % {"title": assignment.module.title, "name": assignment.patient.name},
            )
        return redirect("assignments:patient_detail", patient_id=assignment.patient_id)
    if not assignment.is_open:
        messages.error(request, _("Only reading that is still open can be cancelled."))
        return redirect("assignments:patient_detail", patient_id=assignment.patient_id)
    return render(request, "assignments/assignment_cancel.html", {"assignment": assignment})


@clinician_required
@require_POST
def assignment_for_caregiver(request, assignment_id):
    """Turn "for the caregiver too" on or off for an open reading, from the patient's page."""
    assignment = selectors.assignment_get_for_clinician(
        user=request.user, assignment_id=assignment_id
    )
    wanted = request.POST.get("for_caregiver")
    if wanted not in ("0", "1"):
        messages.error(request, _("Choose whether this reading is also for the caregiver."))
    else:
        try:
            services.assignment_update(
                assignment=assignment,
                updated_by=request.user,
                for_caregiver=wanted == "1",
                request=request,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            template = (
                _("“%(title)s” is now also for %(name)s's caregiver.")
                if wanted == "1"
                else _("“%(title)s” is now for %(name)s only.")
            )
            messages.success(
                request,
                template % {"title": assignment.module.title, "name": assignment.patient.name},
            )
    return redirect("assignments:patient_detail", patient_id=assignment.patient_id)


@clinician_required
@require_POST
def assignment_reread(request, assignment_id):
    assignment = selectors.assignment_get_for_clinician(
        user=request.user, assignment_id=assignment_id
    )
    try:
        services.assignment_request_reread(
            assignment=assignment, requested_by=request.user, request=request
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(name)s was asked to read the updated “%(title)s”. It is on their list as new.")
            % {"name": assignment.patient.name, "title": assignment.module.title},
        )
    return redirect("assignments:patient_detail", patient_id=assignment.patient_id)


@clinician_required
def module_overview(request):
    rows = dashboards.module_overview_for_clinician(user=request.user)
    # Modules nobody was given are a row of zeros each: listed only on request (?show=all).
    show_all = request.GET.get("show") == "all"
    given = [row for row in rows if row.assigned]
    return render(
        request,
        "assignments/module_overview.html",
        {
            "rows": rows if show_all else given,
            "show_all": show_all,
            "hidden_count": len(rows) - len(given),
            "action_rows": [row for row in rows if row.needs_action],
            "chart": completion_chart(rows),
        },
    )


@clinician_required
def module_results(request, module_id):
    results = dashboards.module_results_for_clinician(user=request.user, module_id=module_id)
    audit_patients_seen(
        actor=request.user,
        action="module_results.view",
        patient_ids=[s.assignment.patient_id for s in results.summaries],
        obj=results.module,
        request=request,
    )
    return render(request, "assignments/module_results.html", {"results": results})


@clinician_required
def module_results_export(request, module_id):
    results = dashboards.module_results_for_clinician(user=request.user, module_id=module_id)
    audit_patients_seen(
        actor=request.user,
        action="module_results.export",
        patient_ids=[s.assignment.patient_id for s in results.summaries],
        obj=results.module,
        request=request,
    )
    header, lines = exports.module_result_rows(results.summaries, zone=request.user.tzinfo)
    filename = f"{results.module.slug}-results-{timezone.localdate().isoformat()}.csv"
    return exports.csv_response(filename=filename, header=header, rows=lines)
