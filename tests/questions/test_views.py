import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from apps.audit.models import AuditEvent
from apps.questions import services
from apps.questions.models import Question, QuestionEvent, Reply
from tests.factories import CareTeamMembershipFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory
from tests.questions.factories import AssignmentToAskAboutFactory, QuestionFactory, ReplyFactory

pytestmark = pytest.mark.django_db

ASK_URL = reverse("questions:ask")
INBOX_URL = reverse("questions:inbox")
MY_QUESTIONS_URL = reverse("questions:my_questions")


def detail_url(question) -> str:
    return reverse("questions:detail", kwargs={"question_id": question.pk})


def page(response) -> str:
    return response.content.decode()


# Who may see and do what


def test_patient_cannot_read_or_reply_to_another_patients_question(patient_client, other_patient):
    theirs = QuestionFactory(patient=other_patient, body="Private worry")

    assert patient_client.get(detail_url(theirs)).status_code == 404
    response = patient_client.post(detail_url(theirs), {"body": "Sneaky reply"})
    assert response.status_code == 404
    close_url = reverse("questions:close", kwargs={"question_id": theirs.pk})
    withdraw_url = reverse("questions:withdraw", kwargs={"question_id": theirs.pk})
    assert patient_client.post(close_url).status_code == 404
    assert patient_client.post(withdraw_url).status_code == 404
    assert not Reply.objects.exists()
    theirs.refresh_from_db()
    assert theirs.status == Question.Status.OPEN and theirs.withdrawn_at is None
    assert "Private worry" not in page(patient_client.get(MY_QUESTIONS_URL))


def test_clinician_outside_the_care_team_cannot_read_or_reply(
    staff_login, patient, other_clinician
):
    question = QuestionFactory(patient=patient, body="Only for my team")
    client = staff_login(other_clinician)

    assert client.get(detail_url(question)).status_code == 404
    assert client.post(detail_url(question), {"body": "Hello"}).status_code == 404
    close_url = reverse("questions:close", kwargs={"question_id": question.pk})
    assert client.post(close_url).status_code == 404
    assert "Only for my team" not in page(client.get(INBOX_URL))
    assert not Reply.objects.exists()


def test_wrong_roles_get_403(patient_client, clinician, staff_login):
    assert patient_client.get(INBOX_URL).status_code == 403
    client = staff_login(clinician)
    assert client.get(ASK_URL).status_code == 403
    assert client.get(MY_QUESTIONS_URL).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client, patient):
    question = QuestionFactory(patient=patient)
    for url in (ASK_URL, MY_QUESTIONS_URL, INBOX_URL, detail_url(question)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_admin_can_read_but_not_answer(staff_login, admin_user, patient):
    question = QuestionFactory(patient=patient)
    client = staff_login(admin_user)

    response = client.get(detail_url(question))
    assert response.status_code == 200
    assert 'name="body"' not in page(response)
    assert client.post(detail_url(question), {"body": "Admin here"}).status_code == 403
    assert not Reply.objects.exists()


# Asking


def test_patient_asks_about_the_section_they_were_reading(patient_client, patient):
    module = PublishedModuleFactory(title="Immunotherapy basics")
    assignment = AssignmentToAskAboutFactory(patient=patient, module=module)

    form_page = page(patient_client.get(ASK_URL, {"assignment": assignment.pk, "section": 2}))
    assert "Immunotherapy basics: part 2" in form_page
    assert f'<option value="{assignment.pk}" selected>' in form_page
    assert '<option value="2" selected>' in form_page

    response = patient_client.post(
        ASK_URL,
        {"assignment": assignment.pk, "section_position": 2, "body": "Is a rash normal?"},
    )

    question = Question.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(question)
    assert (question.module, question.section_position) == (module, 2)
    shown = page(patient_client.get(response.url))
    assert "Immunotherapy basics" in shown
    assert "Part 2: Immunotherapy basics: part 2" in shown
    assert "Version 1, published" in shown
    assert "Your question was sent to your care team." in shown


def test_patient_asks_a_general_question(patient_client, patient):
    response = patient_client.post(ASK_URL, {"body": "Can I go swimming?"})
    question = Question.objects.get()
    assert response.status_code == 302
    assert question.patient == patient and question.module is None
    assert "A general question" in page(patient_client.get(detail_url(question)))


def test_link_to_someone_elses_reading_becomes_a_general_question(patient_client, other_patient):
    theirs = AssignmentToAskAboutFactory(patient=other_patient)
    response = patient_client.get(ASK_URL, {"assignment": theirs.pk, "section": 1})
    assert response.status_code == 200
    assert "We could not find that reading in your list" in page(response)
    assert theirs.module.title not in page(response)

    response = patient_client.post(ASK_URL, {"assignment": theirs.pk, "body": "Hello"})
    assert response.status_code == 400
    assert "Choose one of your reading modules from the list" in page(response)
    assert not Question.objects.exists()


def test_over_long_question_is_refused_and_the_text_kept(patient_client, patient):
    assignment = AssignmentToAskAboutFactory(patient=patient)
    typed = "Why <is> this & that? " + "x" * 1979  # 2,001 characters

    response = patient_client.post(
        ASK_URL, {"assignment": assignment.pk, "section_position": 3, "body": typed}
    )

    body = page(response)
    assert response.status_code == 400
    assert "There is a problem" in body
    assert "Your question is 2,001 characters long." in body
    assert escape(typed) in body
    assert f'<option value="{assignment.pk}" selected>' in body
    assert '<option value="3" selected>' in body
    assert not Question.objects.exists()


@pytest.mark.parametrize("typed", ["", "    ", "\r\n\r\n  "])
def test_empty_question_is_refused_with_a_clear_error(patient_client, typed):
    response = patient_client.post(ASK_URL, {"body": typed})
    assert response.status_code == 400
    assert "Type your question before sending it." in page(response)
    assert 'href="#id_body"' in page(response)  # the error summary links to the box
    assert not Question.objects.exists()


def test_question_text_is_shown_as_text_not_html(patient_client, patient, clinician, staff_login):
    typed = '<script>alert("x")</script><b onmouseover="steal()">bold</b>'
    patient_client.post(ASK_URL, {"body": typed})
    question = Question.objects.get()
    assert question.body == typed

    clinician_client = staff_login(clinician)
    pages = [
        page(patient_client.get(detail_url(question))),
        page(patient_client.get(MY_QUESTIONS_URL)),
        page(clinician_client.get(detail_url(question))),
        page(clinician_client.get(INBOX_URL)),
    ]
    for body in pages:
        assert "<script>alert" not in body
        assert "<b onmouseover" not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)" in body
    # The thread shows the whole text, escaped, exactly as typed.
    assert escape(typed) in pages[0] and escape(typed) in pages[2]


def test_ask_page_has_the_character_count_and_hint(patient_client):
    body = page(patient_client.get(ASK_URL))
    assert "data-question-counter" in body
    assert 'data-maxlength="2000"' in body
    assert "You can enter up to 2,000 characters" in body
    assert "js/questions.js" in body


@pytest.mark.parametrize("url_name", ["ask", "my_questions", "detail"])
def test_every_patient_question_page_shows_the_safety_notice(
    patient_client, patient, settings, url_name
):
    settings.CARE_TEAM_PHONE = "555-0199"
    question = QuestionFactory(patient=patient)
    url = detail_url(question) if url_name == "detail" else reverse(f"questions:{url_name}")

    body = page(patient_client.get(url))

    assert "Questions are not for urgent problems." in body
    assert "fever, trouble breathing, severe diarrhea or a new rash" in body
    assert 'href="tel:555-0199"' in body


# The thread


def test_clinician_reply_is_recorded_audited_and_shown_to_the_patient(
    clinician_client, patient_client, patient, clinician
):
    question = QuestionFactory(patient=patient)

    assert clinician_client.get(detail_url(question)).status_code == 200
    response = clinician_client.post(detail_url(question), {"body": "Yes, call us if it itches."})

    reply = Reply.objects.get()
    assert response.status_code == 302
    assert response.url == f"{detail_url(question)}#reply-{reply.pk}"
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED
    audited = list(
        AuditEvent.objects.filter(actor=clinician, subject_patient=patient)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert audited == ["question.view", "question.reply"]
    shown = page(patient_client.get(detail_url(question)))
    assert "Yes, call us if it itches." in shown
    assert "Dr Dana, care team, replied" in shown


def test_patient_viewing_own_question_is_not_audited(patient_client, patient):
    question = QuestionFactory(patient=patient)
    patient_client.get(detail_url(question))
    assert not AuditEvent.objects.exists()


def test_patient_reply_reopens_an_answered_question(patient_client, patient, clinician):
    question = QuestionFactory(patient=patient)
    services.reply_post(question=question, author=clinician, body="Answer.")

    assert "Sending a reply opens your question again" in page(
        patient_client.get(detail_url(question))
    )
    patient_client.post(detail_url(question), {"body": "Thanks, one more thing."})

    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    assert question.events.filter(action=QuestionEvent.Action.REOPENED, actor=patient).exists()


def test_empty_reply_is_refused_and_the_thread_still_shown(clinician_client, patient):
    question = QuestionFactory(patient=patient, body="My original question")
    response = clinician_client.post(detail_url(question), {"body": "   "})
    assert response.status_code == 400
    assert "Type your reply before sending it." in page(response)
    assert "My original question" in page(response)


def test_over_long_reply_keeps_the_text(patient_client, patient):
    question = QuestionFactory(patient=patient)
    typed = "Follow-up " + "y" * 1991
    response = patient_client.post(detail_url(question), {"body": typed})
    assert response.status_code == 400
    assert "Your reply is 2,001 characters long." in page(response)
    assert typed in page(response)


def test_either_side_closes_from_the_page(patient_client, clinician_client, patient, clinician):
    by_patient = QuestionFactory(patient=patient)
    by_clinician = QuestionFactory(patient=patient)

    patient_client.post(reverse("questions:close", kwargs={"question_id": by_patient.pk}))
    clinician_client.post(reverse("questions:close", kwargs={"question_id": by_clinician.pk}))

    by_patient.refresh_from_db()
    by_clinician.refresh_from_db()
    assert by_patient.status == by_clinician.status == Question.Status.CLOSED
    assert AuditEvent.objects.filter(action="question.close", actor=clinician).count() == 1


def test_close_needs_a_post(patient_client, patient):
    question = QuestionFactory(patient=patient)
    url = reverse("questions:close", kwargs={"question_id": question.pk})
    assert patient_client.get(url).status_code == 405


def test_withdrawn_question_leaves_the_inbox_but_stays_with_the_patient(
    patient_client, clinician_client, patient
):
    question = QuestionFactory(patient=patient, body="Never mind this one")
    assert "Never mind this one" in page(clinician_client.get(INBOX_URL))

    response = patient_client.post(
        reverse("questions:withdraw", kwargs={"question_id": question.pk})
    )

    assert response.status_code == 302
    assert response.url == MY_QUESTIONS_URL
    assert Question.objects.filter(pk=question.pk).exists()
    inbox = page(clinician_client.get(INBOX_URL, {"status": "all"}))
    assert "Never mind this one" not in inbox
    mine = page(patient_client.get(MY_QUESTIONS_URL))
    assert "Never mind this one" in mine and "Withdrawn" in mine
    shown = page(patient_client.get(detail_url(question)))
    assert "You withdrew this question on" in shown
    assert 'name="body"' not in shown


# The inbox


def test_inbox_shows_patient_module_and_section(clinician_client, patient):
    module = PublishedModuleFactory(title="Vaccines during treatment")
    assignment = AssignmentToAskAboutFactory(patient=patient, module=module)
    services.question_ask(
        patient=patient, body="Flu shot?", assignment=assignment, section_position=1
    )

    body = page(clinician_client.get(INBOX_URL))

    assert "Pat Patient" in body
    assert "Flu shot?" in body
    assert "Vaccines during treatment" in body
    assert "Part 1: Vaccines during treatment: part 1" in body
    assert "<caption" in body and 'scope="col"' in body


def test_inbox_filters_from_the_query_string(clinician_client, patient, clinician):
    second = PatientFactory(name="Sam Second")
    CareTeamMembershipFactory(clinician=clinician, patient=second)
    QuestionFactory(patient=patient, body="From Pat")
    QuestionFactory(patient=second, body="From Sam")
    answered = QuestionFactory(patient=second, body="Already answered")
    services.reply_post(question=answered, author=clinician, body="Done")

    body = page(clinician_client.get(INBOX_URL, {"patient": second.pk}))
    assert "From Sam" in body and "From Pat" not in body and "Already answered" not in body
    body = page(clinician_client.get(INBOX_URL, {"status": "answered"}))
    assert "Already answered" in body and "From Sam" not in body


def test_inbox_filter_for_a_patient_outside_the_team_is_an_error_not_a_leak(
    clinician_client, patient, other_patient
):
    QuestionFactory(patient=other_patient, body="Not for you")
    QuestionFactory(patient=patient, body="For you")

    response = clinician_client.get(INBOX_URL, {"patient": other_patient.pk})

    body = page(response)
    assert response.status_code == 200
    assert "Choose one of your patients from the list." in body
    assert "Not for you" not in body and "For you" in body


def test_inbox_query_count_does_not_grow_with_questions(
    clinician_client, clinician, django_assert_num_queries
):
    def add_questions(count):
        for _ in range(count):
            patient = PatientFactory()
            CareTeamMembershipFactory(clinician=clinician, patient=patient)
            assignment = AssignmentToAskAboutFactory(patient=patient)
            question = services.question_ask(
                patient=patient, body="Why?", assignment=assignment, section_position=1
            )
            ReplyFactory(question=question, author=patient)

    add_questions(2)
    # Frozen time and a first request keep the session bookkeeping (first-visit inserts,
    # periodic activity writes) the same for the two requests that are compared.
    with time_machine.travel("2026-11-10 09:00 +0000", tick=False):
        clinician_client.get(INBOX_URL)
        with CaptureQueriesContext(connection) as baseline:
            assert clinician_client.get(INBOX_URL, {"status": "all"}).status_code == 200
        expected = len(baseline.captured_queries)  # (each request empties the log)

        add_questions(8)
        # The new questions make the menu's cached badge count again once (team_counts).
        clinician_client.get(INBOX_URL, {"status": "all"})
        with django_assert_num_queries(expected):
            response = clinician_client.get(INBOX_URL, {"status": "all"})
    assert page(response).count('class="govuk-table__row"') == 10 + 1  # rows + header


def test_navigation_shows_the_number_of_waiting_questions(clinician_client, patient, clinician):
    QuestionFactory.create_batch(2, patient=patient)
    answered = QuestionFactory(patient=patient)
    services.reply_post(question=answered, author=clinician, body="Done")

    body = page(clinician_client.get(INBOX_URL))

    assert f'href="{INBOX_URL}">Questions <span class="portal-nav__count">2<' in body
    assert "waiting for an answer" in body


def test_patient_navigation_links_to_my_questions(patient_client):
    body = page(patient_client.get(MY_QUESTIONS_URL))
    assert f'href="{MY_QUESTIONS_URL}">My questions</a>' in body
    assert "portal-nav__count" not in body


def test_inbox_pages_keep_their_filters(clinician_client, patient):
    QuestionFactory.create_batch(51, patient=patient)

    first = page(clinician_client.get(INBOX_URL, {"status": "open", "patient": patient.pk}))
    second = page(
        clinician_client.get(INBOX_URL, {"status": "open", "patient": patient.pk, "page": 2})
    )

    assert "51 questions, longest waiting first" in first
    assert f"?status=open&amp;patient={patient.pk}&amp;page=2" in first
    assert first.count('class="govuk-table__row"') == 50 + 1
    assert second.count('class="govuk-table__row"') == 1 + 1
    assert "Page 2 of 2" in second
