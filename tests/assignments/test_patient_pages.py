"""The patient's pages: My reading, one section at a time, the long page, the check, print."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(patient, clinician):
    module = PublishedModuleFactory(title="What is immunotherapy?")
    return AssignmentFactory(patient=patient, module=module, assigned_by=clinician)


def _section_url(assignment, position):
    return reverse("assignments:reading_section", args=[assignment.pk, position])


# --- My reading -------------------------------------------------------------------------------


def test_my_reading_groups_new_started_and_done(patient_client, patient):
    new = AssignmentFactory(patient=patient, module=PublishedModuleFactory(title="Alpha module"))
    started = AssignmentFactory(
        patient=patient, module=PublishedModuleFactory(title="Beta module"), status="in_progress"
    )
    SectionProgressFactory(assignment=started, position=1)
    AssignmentFactory(
        patient=patient,
        module=PublishedModuleFactory(title="Gamma module"),
        status="completed",
        completed_at=datetime(2030, 1, 2, 15, 0, tzinfo=ZoneInfo("UTC")),
    )
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    new_heading, started_heading, done_heading = (
        body.index(f'govuk-heading-m">{heading} <span class="portal-counter">(1)</span>')
        for heading in ("New for you", "Started", "Done")
    )
    assert new_heading < body.index("Alpha module") < started_heading
    assert started_heading < body.index("Beta module") < done_heading < body.index("Gamma module")
    assert "You have read 1 of 3 sections." in body
    assert reverse("assignments:reading_start", args=[new.pk]) in body


@time_machine.travel(datetime(2030, 3, 10, 3, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_due_dates_and_overdue_follow_the_patients_time_zone(client, patient):
    # 03:00 UTC on 10 March: still 9 March in New York. (Logged in inside the frozen time, or
    # the session's absolute lifetime would have run out.)
    client.force_login(patient)
    patient_client = client
    patient.timezone = "America/New_York"
    patient.save()
    AssignmentFactory(patient=patient, due_on=date(2030, 3, 9), module=PublishedModuleFactory())
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "Please read this by Saturday, March 9, 2030." in body
    assert "That is today." in body
    assert "hoped you could read this" not in body

    patient.timezone = "Europe/Berlin"
    patient.save()
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert (
        "Your care team hoped you could read this by Saturday, March 9, 2030. That is fine" in body
    )
    assert "portal-overdue-kind" in body


def test_clinicians_note_is_shown_with_the_reading(patient_client, assignment, clinician):
    assignment.note = "Read this before Tuesday's visit."
    assignment.save()
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert f"A note from {clinician.name}:" in body
    assert "Read this before Tuesday&#x27;s visit." in body


def test_finished_day_follows_the_patients_time_zone_and_language(patient_client, patient):
    # 02:30 UTC on 2 January is still 1 January in Los Angeles.
    AssignmentFactory(
        patient=patient,
        module=PublishedModuleFactory(title="Finished module"),
        status="completed",
        completed_at=datetime(2030, 1, 2, 2, 30, tzinfo=ZoneInfo("UTC")),
    )
    patient.timezone = "America/Los_Angeles"
    patient.save()
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "You finished this on Tuesday, Jan. 1, 2030." in body
    patient.preferred_language = "es"
    patient.save()
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "Lo terminó el martes, 1 de enero de 2030." in body
    assert "Leer otra vez" in body and "Read again" not in body


def test_titles_and_notes_are_escaped_and_a_reread_is_marked(patient_client, patient, clinician):
    module = PublishedModuleFactory(title="<b>Bold</b> & title")
    AssignmentFactory(
        patient=patient, module=module, status="completed", completed_at=timezone.now()
    )
    AssignmentFactory(
        patient=patient, module=module, assigned_by=clinician, note="<script>x</script>\nLine 2"
    )
    body = patient_client.get(reverse("assignments:my_reading")).content.decode()
    assert "<b>Bold</b>" not in body and "&lt;b&gt;Bold&lt;/b&gt; &amp; title" in body
    assert "<script>x" not in body
    assert "&lt;script&gt;x&lt;/script&gt;<br>Line 2" in body
    assert "Updated since you read it" in body


# --- one section at a time --------------------------------------------------------------------


def test_start_resumes_at_the_first_section_not_read(patient_client, assignment):
    start = reverse("assignments:reading_start", args=[assignment.pk])
    assert patient_client.get(start).url == _section_url(assignment, 1)
    SectionProgressFactory(assignment=assignment, position=1)
    SectionProgressFactory(assignment=assignment, position=2)
    assert patient_client.get(start).url == _section_url(assignment, 3)
    SectionProgressFactory(assignment=assignment, position=3)
    assert patient_client.get(start).url == reverse(
        "assignments:reading_check", args=[assignment.pk]
    )


def test_opening_a_section_records_progress_and_shows_where_you_are(patient_client, assignment):
    response = patient_client.get(_section_url(assignment, 2))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Section 2 of 3" in body
    assert "1 of 3 sections read" in body
    assert "<h1" in body and body.count("<h1") == 1
    assert "Plain words for part 2." in body
    assert 'rel="prev"' in body and 'rel="next"' in body
    assert 'aria-current="step"' in body
    assert f"/questions/ask/?assignment={assignment.pk}&amp;section=2" in body
    assert list(assignment.progress.values_list("position", flat=True)) == [2]
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS


def test_next_and_previous_work_as_plain_links_and_with_htmx(patient_client, assignment):
    body = patient_client.get(_section_url(assignment, 2)).content.decode()
    for position in (1, 3):
        url = _section_url(assignment, position)
        assert f'href="{url}"' in body
        assert f'hx-get="{url}"' in body
    assert 'hx-push-url="true"' in body
    assert 'hx-target="#reading-panel"' in body


def test_htmx_request_gets_only_the_panel(patient_client, assignment):
    response = patient_client.get(_section_url(assignment, 3), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="reading-panel"')
    assert "<html" not in body and "<h1" not in body
    assert "Section 3 of 3" in body
    assert "HX-Request" in response["Vary"]
    assert SectionProgress.objects.filter(assignment=assignment, position=3).exists()


def test_full_page_without_htmx_and_on_history_restore(patient_client, assignment):
    plain = patient_client.get(_section_url(assignment, 1)).content.decode()
    restore = patient_client.get(
        _section_url(assignment, 1),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ).content.decode()
    for body in (plain, restore):
        assert "<html" in body and 'id="reading-panel"' in body


def test_last_section_leads_to_the_check(patient_client, assignment):
    body = patient_client.get(_section_url(assignment, 3)).content.decode()
    assert reverse("assignments:reading_check", args=[assignment.pk]) in body
    assert "Next: check your understanding" in body


def test_unknown_section_is_404(patient_client, assignment):
    assert patient_client.get(_section_url(assignment, 7)).status_code == 404


def test_pages_have_no_inline_styles_or_scripts(patient_client, assignment):
    for url in (
        reverse("assignments:my_reading"),
        _section_url(assignment, 1),
        reverse("assignments:reading_all", args=[assignment.pk]),
        reverse("assignments:reading_check", args=[assignment.pk]),
        reverse("assignments:reading_print", args=[assignment.pk]),
    ):
        body = patient_client.get(url).content.decode()
        assert " style=" not in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url


# --- the long page and print ------------------------------------------------------------------


def test_long_page_shows_every_section_with_contents_and_records_nothing(
    patient_client, assignment
):
    body = patient_client.get(
        reverse("assignments:reading_all", args=[assignment.pk])
    ).content.decode()
    for position in (1, 2, 3):
        assert f'href="#section-{position}"' in body
        assert f"Plain words for part {position}." in body
    assert assignment.progress.count() == 0  # recorded by the "Next" button (a POST)


def test_print_page_shows_the_whole_module_without_recording_progress(patient_client, assignment):
    body = patient_client.get(
        reverse("assignments:reading_print", args=[assignment.pk])
    ).content.decode()
    assert all(f"Plain words for part {n}." in body for n in (1, 2, 3))
    assert "National Cancer Institute: Immunotherapy" in body
    assert "print.css" in body
    assert not assignment.progress.exists()


# --- the check and finishing ------------------------------------------------------------------


def test_check_shows_radio_groups_in_fieldsets(patient_client, assignment):
    body = patient_client.get(
        reverse("assignments:reading_check", args=[assignment.pk])
    ).content.decode()
    assert body.count('<fieldset class="govuk-fieldset"') == 2
    assert body.count("<legend") == 2
    assert 'type="radio" name="q1"' not in body  # id comes first, as in GOV.UK markup
    assert body.count('class="govuk-radios__input"') == 6
    assert "I have read and understood this" not in body


def test_missing_answer_is_explained_and_keeps_the_other_answer(patient_client, assignment):
    url = reverse("assignments:reading_check", args=[assignment.pk])
    response = patient_client.post(url, {"q1": "1"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose an answer to question 2." in body
    assert 'href="#id_q2_0"' in body
    assert 'id="id_q1_1" name="q1" type="radio" value="1" checked' in body
    assert not CheckAttempt.objects.exists()


def test_answers_are_marked_with_explanations_then_reading_can_be_finished(
    patient_client, assignment
):
    url = reverse("assignments:reading_check", args=[assignment.pk])
    response = patient_client.post(url, {"q1": "1", "q2": "0"})
    assert response.status_code == 302
    body = patient_client.get(response.url).content.decode()
    assert "You got 1 of 2 right." in body
    assert body.count("govuk-tag--green") == 1
    assert "Not quite" in body
    assert "The answer is: <strong>Choice C</strong>" in body
    assert "Because of reason 1." in body and "Because of reason 2." in body
    assert "I have read and understood this" in body
    assignment.refresh_from_db()
    assert assignment.check_failed is True


def test_finishing_with_unread_sections_says_which(patient_client, assignment):
    SectionProgressFactory(assignment=assignment, position=1)
    response = patient_client.post(
        reverse("assignments:reading_complete", args=[assignment.pk]), follow=True
    )
    body = response.content.decode()
    assert "Please open every section before you finish." in body
    assert "What is immunotherapy?: part 2" in body
    assignment.refresh_from_db()
    assert assignment.status != Assignment.Status.COMPLETED


def test_finishing_after_reading_everything(patient_client, assignment):
    patient_client.post(reverse("assignments:reading_all", args=[assignment.pk]))
    response = patient_client.post(
        reverse("assignments:reading_complete", args=[assignment.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "assignments:reading_check", args=[assignment.pk]
    )
    body = response.content.decode()
    assert '<h1 class="govuk-panel__title">You have finished this reading</h1>' in body
    assert body.count("<h1") == 1
    assert "I have read and understood this" not in body
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.COMPLETED
    assert assignment.completed_version == assignment.module.current_version


def test_finishing_needs_a_post(patient_client, assignment):
    assert (
        patient_client.get(
            reverse("assignments:reading_complete", args=[assignment.pk])
        ).status_code
        == 405
    )


def test_the_same_moment_is_each_patients_own_day(client, patient, other_patient):
    # Two patients in different zones who finished at the same instant see their own day.
    moment = datetime(2030, 1, 2, 2, 30, tzinfo=ZoneInfo("UTC"))
    for person, zone in ((patient, "America/Los_Angeles"), (other_patient, "Europe/Berlin")):
        person.timezone = zone
        person.save()
        AssignmentFactory(
            patient=person,
            module=PublishedModuleFactory(),
            status="completed",
            completed_at=moment,
        )
    client.force_login(patient)
    assert "You finished this on Tuesday, Jan. 1, 2030." in client.get("/reading/").content.decode()
    client.force_login(other_patient)
    assert (
        "You finished this on Wednesday, Jan. 2, 2030." in client.get("/reading/").content.decode()
    )
