"""The clinician's pages: My patients, the patient page, assigning, cancelling, the module
overview with its chart, and the CSV exports."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.assignments.models import Assignment
from apps.audit.models import AuditEvent
from apps.questions.models import Question
from tests.assignments.factories import (
    AssignmentFactory,
    CheckAttemptFactory,
    SectionProgressFactory,
)
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory, publish_version

pytestmark = pytest.mark.django_db


def _add_patient(clinician, **kwargs):
    patient = PatientFactory(**kwargs)
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    return patient


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- My patients ------------------------------------------------------------------------------


def test_my_patients_counts_each_patients_reading(clinician_client, clinician, patient):
    yesterday = timezone.localdate() - timedelta(days=2)
    AssignmentFactory(patient=patient, status="assigned")
    AssignmentFactory(patient=patient, status="in_progress", due_on=yesterday, check_failed=True)
    AssignmentFactory(patient=patient, status="completed")
    AssignmentFactory(patient=patient, status="cancelled", due_on=yesterday, check_failed=True)
    Question.objects.create(patient=patient, body="Can I have the flu jab?")
    body = clinician_client.get(reverse("assignments:my_patients")).content.decode()
    row = body[body.index(patient.name) : body.index("</tr>", body.index(patient.name))]
    cells = [c.split("<")[0] for c in row.split('govuk-table__cell--numeric">')[1:]]
    assert cells == ["1", "1", "1", ""]  # new, in progress, done; overdue is in <strong>
    assert "<strong>1</strong>" in row
    assert "Check answers missed" in row
    assert "Question waiting" in row


def test_withdrawn_or_answered_questions_do_not_flag(clinician_client, patient):
    Question.objects.create(patient=patient, body="a", withdrawn_at=timezone.now())
    Question.objects.create(patient=patient, body="b", status="answered")
    body = clinician_client.get(reverse("assignments:my_patients")).content.decode()
    assert "Question waiting" not in body


def test_my_patients_search_and_filters(clinician_client, clinician, patient):
    overdue = _add_patient(clinician, name="Olga Overdue")
    AssignmentFactory(
        patient=overdue, status="in_progress", due_on=timezone.localdate() - timedelta(days=3)
    )
    asking = _add_patient(clinician, name="Quinn Question")
    Question.objects.create(patient=asking, body="?")
    AssignmentFactory(patient=patient, status="assigned")  # Pat: not started
    url = reverse("assignments:my_patients")

    def names(query):
        body = clinician_client.get(url, query).content.decode()
        return {n for n in ("Olga Overdue", "Quinn Question", patient.name) if n in body}

    assert names({}) == {"Olga Overdue", "Quinn Question", patient.name}
    assert names({"q": "quinn"}) == {"Quinn Question"}
    assert names({"q": "pat@example"}) == {patient.name}
    assert names({"show": "overdue"}) == {"Olga Overdue"}
    assert names({"show": "open_questions"}) == {"Quinn Question"}
    assert names({"show": "not_started"}) == {patient.name}
    assert names({"show": ["overdue", "open_questions"]}) == set()
    assert "No patients match" in clinician_client.get(url, {"q": "nobody"}).content.decode()


def test_my_patients_sorts_by_recent_activity(clinician_client, clinician, patient):
    active = _add_patient(clinician, name="Aaron Active")
    AssignmentFactory(patient=active, last_activity_at=timezone.now())
    AssignmentFactory(patient=patient, last_activity_at=timezone.now() - timedelta(days=5))
    _add_patient(clinician, name="Zed Zero")
    body = clinician_client.get(
        reverse("assignments:my_patients"), {"sort": "recent_activity"}
    ).content.decode()
    assert body.index("Aaron Active") < body.index(patient.name) < body.index("Zed Zero")
    body = clinician_client.get(
        reverse("assignments:my_patients"), {"sort": "least_activity"}
    ).content.decode()
    assert body.index("Zed Zero") < body.index(patient.name) < body.index("Aaron Active")


def test_my_patients_is_paginated_and_keeps_the_filters(clinician_client, clinician):
    for number in range(30):
        _add_patient(clinician, name=f"Patient {number:02d}")
    first = clinician_client.get(reverse("assignments:my_patients"), {"q": "Patient"})
    body = first.content.decode()
    assert "Patient 00" in body and "Patient 25" not in body
    assert "Page 1 of 2" in body
    assert 'href="?q=Patient&amp;page=2"' in body
    second = clinician_client.get(reverse("assignments:my_patients"), {"q": "Patient", "page": 2})
    assert "Patient 29" in second.content.decode()


def _filter_form(body: str) -> str:
    start = body.index('<form method="get" class="portal-filter"')
    return body[start : body.index("</form>", start)]


def test_the_blank_filter_form_is_not_left_over_from_a_search(
    clinician_client, clinician, other_clinician, staff_login
):
    """A search shows in its own form only: not in the blank form of a later visit, nor in
    another clinician's or another language's."""
    url = reverse("assignments:my_patients")
    searched = _filter_form(
        clinician_client.get(url, {"q": "Ann", "show": "overdue"}).content.decode()
    )
    assert 'value="Ann"' in searched and "checked" in searched
    blank = _filter_form(clinician_client.get(url).content.decode())
    assert "Ann" not in blank and "checked" not in blank
    assert "Search by name or email" in blank
    # Page 2 of the unsearched list shows the same blank form.
    assert _filter_form(clinician_client.get(url, {"page": 2}).content.decode()) == blank

    other_clinician.preferred_language = "es"
    other_clinician.save(update_fields=["preferred_language"])
    spanish = _filter_form(staff_login(other_clinician).get(url).content.decode())
    assert "Buscar por nombre o correo electrónico" in spanish
    assert "Search by name or email" not in spanish
    # And English again for the English-speaking clinician.
    assert _filter_form(clinician_client.get(url).content.decode()) == blank


def test_bad_filter_values_fall_back_to_the_defaults(clinician_client, patient):
    response = clinician_client.get(
        reverse("assignments:my_patients"), {"sort": "password", "show": "x", "page": "zz"}
    )
    assert response.status_code == 200
    assert patient.name in response.content.decode()


# --- the patient page -------------------------------------------------------------------------


def test_patient_page_shows_progress_version_and_missed_answers(clinician_client, patient):
    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    assignment = AssignmentFactory(patient=patient, module=module, status="in_progress")
    SectionProgressFactory(assignment=assignment, position=1)
    SectionProgressFactory(assignment=assignment, position=2)
    CheckAttemptFactory(assignment=assignment, answers=[1, 0], score=1, total=2)
    body = clinician_client.get(
        reverse("assignments:patient_detail", args=[patient.pk])
    ).content.decode()
    assert "Checkpoint inhibitors" in body
    assert "2 of 3" in body
    assert "Version 1" in body
    assert "1 of 2 right (1 try)" in body
    assert "Missed “Question 2?”: chose “Choice A” (answer: “Choice C”)" in body


def test_patient_page_is_audited(clinician_client, clinician, patient):
    clinician_client.get(reverse("assignments:patient_detail", args=[patient.pk]))
    event = AuditEvent.objects.get(action="patient.view")
    assert (event.actor, event.subject_patient, event.channel) == (clinician, patient, "web")


def test_republished_module_offers_ask_to_reread(clinician_client, patient):
    module = PublishedModuleFactory(title="Cancer treatment vaccines")
    finished = AssignmentFactory(
        patient=patient,
        module=module,
        status="completed",
        completed_at=timezone.now(),
        completed_version=module.current_version,
    )
    publish_version(module, sections=4)
    url = reverse("assignments:patient_detail", args=[patient.pk])
    body = clinician_client.get(url).content.decode()
    assert "Updated since read" in body
    assert "Version 2 has been published since, with changes." in body
    assert reverse("assignments:assignment_reread", args=[finished.pk]) in body

    response = clinician_client.post(
        reverse("assignments:assignment_reread", args=[finished.pk]), follow=True
    )
    body = response.content.decode()
    assert "was asked to read the updated “Cancer treatment vaccines”" in body
    assert "Asked to re-read on" in body
    assert Assignment.objects.filter(patient=patient, module=module, status="assigned").exists()


# --- assigning and cancelling -----------------------------------------------------------------


def test_assign_form_preselects_patients_from_the_list(clinician_client, patient):
    PublishedModuleFactory(title="What is immunotherapy?")
    body = clinician_client.get(
        reverse("assignments:assign"), {"patient": patient.pk}
    ).content.decode()
    assert f'value="{patient.pk}" checked' in body
    assert "What is immunotherapy?" in body
    assert body.count("<legend") == 2


def test_assigning_many_modules_to_many_patients(clinician_client, clinician, patient):
    second = _add_patient(clinician, name="Sam Second")
    modules = PublishedModuleFactory.create_batch(2)
    AssignmentFactory(patient=patient, module=modules[0])
    response = clinician_client.post(
        reverse("assignments:assign"),
        {
            "patients": [patient.pk, second.pk],
            "modules": [m.pk for m in modules],
            "due_on": "2099-04-01",
            "note": "See you soon",
        },
        follow=True,
    )
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("assignments:my_patients")
    assert "3 readings were assigned." in body
    assert (
        f"1 was already open and was not assigned again ({patient.name}: {modules[0].title})"
        in body
    )
    assert Assignment.objects.filter(patient=second, due_on=date(2099, 4, 1)).count() == 2


def test_assign_to_one_patient_returns_to_their_page(clinician_client, patient):
    module = PublishedModuleFactory()
    response = clinician_client.post(
        reverse("assignments:assign"), {"patients": [patient.pk], "modules": [module.pk]}
    )
    assert response.url == reverse("assignments:patient_detail", args=[patient.pk])


def test_past_due_date_is_explained_and_nothing_typed_is_lost(clinician_client, patient):
    module = PublishedModuleFactory()
    response = clinician_client.post(
        reverse("assignments:assign"),
        {
            "patients": [patient.pk],
            "modules": [module.pk],
            "due_on": "2001-01-01",
            "note": "Bring your questions",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "The date to read by can&#x27;t be in the past." in body
    assert 'href="#id_due_on"' in body
    assert "Bring your questions" in body
    assert 'value="2001-01-01"' in body
    assert f'value="{patient.pk}" checked' in body
    assert not Assignment.objects.exists()


def test_assign_form_explains_missing_choices(clinician_client):
    response = clinician_client.post(reverse("assignments:assign"), {"due_on": "31/31/2031"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one reading." in body
    assert 'href="#id_modules_0"' in body
    assert "Choose at least one patient." in body
    assert "Enter a real date" in body


def test_assign_refuses_another_teams_patient(clinician_client, other_patient):
    module = PublishedModuleFactory()
    response = clinician_client.post(
        reverse("assignments:assign"), {"patients": [other_patient.pk], "modules": [module.pk]}
    )
    assert response.status_code == 400
    assert "Choose patients from your care team." in response.content.decode()
    assert not Assignment.objects.exists()


def test_cancel_asks_first_then_hides_it_from_the_patient(
    clinician_client, patient_client, patient
):
    assignment = AssignmentFactory(patient=patient, module=PublishedModuleFactory(title="CAR T"))
    url = reverse("assignments:assignment_cancel", args=[assignment.pk])
    confirm = clinician_client.get(url).content.decode()
    assert f"Cancel “CAR T” for {patient.name}?" in confirm
    assignment.refresh_from_db()
    assert assignment.status == "assigned"
    response = clinician_client.post(url)
    assert response.url == reverse("assignments:patient_detail", args=[patient.pk])
    assignment.refresh_from_db()
    assert assignment.status == "cancelled"
    assert "CAR T" not in patient_client.get(reverse("assignments:my_reading")).content.decode()
    page = clinician_client.get(response.url).content.decode()
    assert "Kept for the record" in page


def test_cancelling_a_finished_reading_is_refused_kindly(clinician_client, patient):
    assignment = AssignmentFactory(patient=patient, status="completed")
    response = clinician_client.post(
        reverse("assignments:assignment_cancel", args=[assignment.pk]), follow=True
    )
    assert "already finished" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "completed"


# --- module overview, chart and results -------------------------------------------------------


@pytest.fixture
def results(clinician, patient, other_patient):
    """Among my patients: one finished (missed question 2), one in progress; one of another
    team's patients who must not be counted."""
    module = PublishedModuleFactory(title="Side effects of immunotherapy")
    second = _add_patient(clinician, name="=cmd|' /C calc'!A0")
    done = AssignmentFactory(patient=patient, module=module, status="completed")
    CheckAttemptFactory(assignment=done, answers=[1, 0], score=1, total=2)
    later = CheckAttemptFactory(assignment=done)  # a second, all-right try
    later.submitted_at = timezone.now() + timedelta(minutes=5)
    later.save()
    reading = AssignmentFactory(patient=second, module=module, status="in_progress")
    CheckAttemptFactory(assignment=reading, answers=[0, 0], score=0, total=2)
    others = AssignmentFactory(patient=other_patient, module=module, status="completed")
    CheckAttemptFactory(assignment=others, answers=[0, 0], score=0, total=2)
    return module


def test_module_overview_counts_my_patients_and_most_missed(clinician_client, results):
    body = clinician_client.get(reverse("assignments:module_overview")).content.decode()
    row = body[body.index("Side effects of immunotherapy</a>") :]
    row = row[: row.index("</tr>")]
    numbers = [c.split("<")[0].strip() for c in row.split('govuk-table__cell--numeric">')[1:]]
    assert numbers == ["2", "1", "1 (50%)", "0"]
    # First tries: question 2 missed by both, question 1 by one.
    assert 'Question 2? <span class="portal-counter">(missed by 2 of 2)' in row
    assert 'Question 1? <span class="portal-counter">(missed by 1 of 2)' in row


def test_completion_chart_is_inline_svg_with_classes_and_a_text_alternative(
    clinician_client, results
):
    body = clinician_client.get(reverse("assignments:module_overview")).content.decode()
    chart = body[body.index('<figure class="portal-chart"') : body.index("</figure>")]
    assert "Side effects of immunotherapy" in chart
    assert "50% finished (1 of 2)" in chart
    assert '<rect class="portal-chart-bar" x="0" y="0" width="50" height="10">' in chart
    assert "style=" not in chart
    assert "<caption" in body and 'scope="col"' in body


def test_module_results_page_and_csv_are_scoped_to_my_patients(
    clinician_client, results, other_patient
):
    page = clinician_client.get(reverse("assignments:module_results", args=[results.pk]))
    assert other_patient.name not in page.content.decode()
    response = clinician_client.get(reverse("assignments:module_results_export", args=[results.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["Name", "Email", "Status"]
    assert len(rows) == 3
    assert other_patient.email not in response.content.decode()
    assert AuditEvent.objects.filter(action="module_results.export").count() == 2


def test_csv_cells_that_look_like_formulas_are_neutralised(clinician_client, results):
    rows = _rows(
        clinician_client.get(reverse("assignments:module_results_export", args=[results.pk]))
    )
    names = [row[0] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    listing = _rows(clinician_client.get(reverse("assignments:patients_export")))
    assert "'=cmd|' /C calc'!A0" in [row[0] for row in listing[1:]]


def test_patient_list_csv_is_scoped_and_follows_the_filters(
    clinician_client, clinician, patient, other_patient
):
    AssignmentFactory(patient=patient, status="completed")
    _add_patient(clinician, name="Nora Nothing")
    rows = _rows(clinician_client.get(reverse("assignments:patients_export")))
    assert [row[0] for row in rows[1:]] == ["Nora Nothing", patient.name]
    assert other_patient.name not in str(rows)
    assert rows[2][4] == "1"  # done
    filtered = _rows(clinician_client.get(reverse("assignments:patients_export"), {"q": "Nora"}))
    assert [row[0] for row in filtered[1:]] == ["Nora Nothing"]


def test_results_of_an_unknown_module_are_404(clinician_client):
    assert (
        clinician_client.get(reverse("assignments:module_results", args=[999])).status_code == 404
    )


def test_my_patients_rows_escape_what_people_type(clinician_client, clinician):
    tricky = _add_patient(clinician, name='<b>Ann</b> & "Bo" O\'Neil', email="ann+<x>@example.org")
    body = clinician_client.get(reverse("assignments:my_patients")).content.decode()

    assert "<b>Ann</b>" not in body
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Bo&quot; O&#x27;Neil" in body
    assert "ann+&lt;x&gt;@example.org" in body
    row = body[
        body.index(f'id="select-{tricky.pk}"') : body.index(
            "</tr>", body.index(f'id="select-{tricky.pk}"')
        )
    ]
    assert f'value="{tricky.pk}"' in row
    assert f'href="{reverse("assignments:patient_detail", args=[tricky.pk])}"' in row
    # No reading yet: zeros, "None yet", and no tags.
    cells = [c.split("<")[0] for c in row.split('govuk-table__cell--numeric">')[1:]]
    assert cells == ["0", "0", "0", "0"]
    assert "None yet" in row
    assert "govuk-tag" not in row
