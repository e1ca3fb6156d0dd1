"""Reading progress, the comprehension check, completion, and forward-only status."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assignments import services
from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import PublishedModuleFactory, publish_version

pytestmark = pytest.mark.django_db

Status = Assignment.Status


@pytest.fixture
def assignment(patient):
    # Three sections; checks: question 1 answer index 1, question 2 answer index 2.
    return AssignmentFactory(patient=patient, module=PublishedModuleFactory())


def _fresh(assignment):
    return Assignment.objects.select_related("module__current_version").get(pk=assignment.pk)


def test_first_view_moves_new_to_in_progress_and_notes_activity(assignment):
    with time_machine.travel(timezone.now(), tick=False):
        services.progress_record(assignment=assignment, position=2)
        now = timezone.now()
    saved = _fresh(assignment)
    assert saved.status == Status.IN_PROGRESS
    assert saved.started_at == now
    assert saved.last_activity_at == now
    progress = SectionProgress.objects.get(assignment=assignment)
    assert (progress.position, progress.version, progress.first_viewed_at) == (
        2,
        assignment.module.current_version,
        now,
    )


def test_viewing_a_section_twice_keeps_one_row_and_the_first_view_time(assignment):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.progress_record(assignment=assignment, position=1)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        services.progress_record(assignment=_fresh(assignment), position=1)
    progress = SectionProgress.objects.get(assignment=assignment)
    assert progress.first_viewed_at == start
    assert _fresh(assignment).last_activity_at == start + timedelta(hours=2)


def test_paging_back_within_a_minute_does_not_rewrite_the_assignment(assignment):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.progress_record(assignment=assignment, position=1)
    loaded = _fresh(assignment)
    # The first view of section 2 is kept; last activity is kept to the minute.
    with (
        time_machine.travel(start + timedelta(seconds=30), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        services.progress_record(assignment=loaded, position=2)
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    assert "INSERT" in statements
    assert "UPDATE" not in statements
    saved = _fresh(assignment)
    assert saved.last_activity_at == start
    assert set(saved.progress.values_list("position", flat=True)) == {1, 2}
    assert saved.progress.get(position=2).first_viewed_at == start + timedelta(seconds=30)
    with time_machine.travel(start + services.ACTIVITY_RESOLUTION, tick=False):
        services.progress_record(assignment=_fresh(assignment), position=1)
    assert _fresh(assignment).last_activity_at == start + services.ACTIVITY_RESOLUTION


def test_a_section_seen_before_is_not_written_again(assignment):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.progress_record(assignment=assignment, position=1)
    loaded = _fresh(assignment)
    loaded.patient = assignment.patient
    viewed = {1}
    with (
        time_machine.travel(start + timedelta(seconds=20), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        services.progress_record(assignment=loaded, position=1, viewed=viewed)
    # Only the test's own transaction bookkeeping (savepoints); nothing read or written.
    assert all("SAVEPOINT" in query["sql"] for query in queries.captured_queries)
    # A new one is written, and the caller's set follows.
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        services.progress_record(assignment=loaded, position=3, viewed=viewed)
    assert viewed == {1, 3}
    assert set(SectionProgress.objects.values_list("position", flat=True)) == {1, 3}


def test_a_new_reading_is_always_moved_to_in_progress(assignment):
    # Even with a recent last activity (set by something else), the first view starts it.
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(last_activity_at=now)
    with time_machine.travel(now + timedelta(seconds=5), tick=False):
        services.progress_record(assignment=_fresh(assignment), position=1)
    saved = _fresh(assignment)
    assert saved.status == Status.IN_PROGRESS
    assert saved.started_at == now + timedelta(seconds=5)


def test_two_tabs_with_the_same_stale_assignment_make_one_row_and_no_error(assignment):
    # Both "tabs" loaded the assignment before either recorded anything.
    tab_one, tab_two = _fresh(assignment), _fresh(assignment)
    services.progress_record(assignment=tab_one, position=1)
    services.progress_record(assignment=tab_two, position=1)
    assert SectionProgress.objects.filter(assignment=assignment).count() == 1
    assert _fresh(assignment).status == Status.IN_PROGRESS


def test_unknown_section_is_refused(assignment):
    with pytest.raises(ValidationError, match="no section 9"):
        services.progress_record(assignment=assignment, position=9)
    assert not SectionProgress.objects.exists()


def test_reading_a_finished_assignment_changes_nothing(patient):
    done = AssignmentFactory(patient=patient, status=Status.COMPLETED)
    services.progress_record(assignment=done, position=1)
    assert not SectionProgress.objects.exists()
    assert _fresh(done).status == Status.COMPLETED


def test_long_page_records_every_section(assignment):
    services.progress_record_all(assignment=assignment)
    assert sorted(
        SectionProgress.objects.filter(assignment=assignment).values_list("position", flat=True)
    ) == [1, 2, 3]


# --- completion -------------------------------------------------------------------------------


def test_completion_requires_every_section(assignment):
    services.progress_record(assignment=assignment, position=1)
    services.progress_record(assignment=assignment, position=3)
    with pytest.raises(ValidationError) as error:
        services.assignment_complete(assignment=assignment)
    assert error.value.code == "sections_unread"
    assert "part 2" in error.value.messages[0]
    assert _fresh(assignment).status == Status.IN_PROGRESS


def test_completion_records_the_version_read(assignment):
    services.progress_record_all(assignment=assignment)
    done = services.assignment_complete(assignment=assignment)
    saved = _fresh(assignment)
    assert saved.status == Status.COMPLETED
    assert saved.completed_version == assignment.module.current_version
    assert saved.completed_at is not None
    assert done.status == Status.COMPLETED


def test_completing_twice_is_not_an_error(assignment):
    services.progress_record_all(assignment=assignment)
    first = services.assignment_complete(assignment=assignment)
    second = services.assignment_complete(assignment=_fresh(assignment))
    assert second.completed_at == first.completed_at


def test_completion_needs_the_sections_of_the_current_version(assignment):
    services.progress_record_all(assignment=assignment)
    # Re-published with a fourth section while the patient was reading.
    publish_version(assignment.module, sections=4)
    with pytest.raises(ValidationError, match="part 4"):
        services.assignment_complete(assignment=_fresh(assignment))
    services.progress_record(assignment=_fresh(assignment), position=4)
    assert services.assignment_complete(assignment=_fresh(assignment)).completed_version.number == 2


def test_wrong_answers_never_block_completion(assignment):
    services.progress_record_all(assignment=assignment)
    services.check_submit(assignment=_fresh(assignment), answers=[0, 0])
    assert services.assignment_complete(assignment=_fresh(assignment)).status == Status.COMPLETED
    assert _fresh(assignment).check_failed is True


# --- status moves forward only ----------------------------------------------------------------


def test_finished_assignment_is_never_reopened_by_reading(assignment):
    services.progress_record_all(assignment=assignment)
    services.assignment_complete(assignment=assignment)
    services.progress_record(assignment=_fresh(assignment), position=1)
    assert _fresh(assignment).status == Status.COMPLETED


def test_cancelled_assignment_cannot_be_completed(assignment, clinician):
    services.progress_record_all(assignment=assignment)
    services.assignment_cancel(assignment=assignment, cancelled_by=clinician)
    with pytest.raises(ValidationError, match="was cancelled"):
        services.assignment_complete(assignment=assignment)
    assert _fresh(assignment).status == Status.CANCELLED


def test_progress_on_a_cancelled_assignment_does_not_revive_it(assignment, clinician):
    stale = _fresh(assignment)
    services.assignment_cancel(assignment=assignment, cancelled_by=clinician)
    services.progress_record(assignment=stale, position=1)
    assert _fresh(assignment).status == Status.CANCELLED


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        (Status.ASSIGNED, Status.IN_PROGRESS, True),
        (Status.ASSIGNED, Status.CANCELLED, True),
        (Status.IN_PROGRESS, Status.COMPLETED, True),
        (Status.IN_PROGRESS, Status.ASSIGNED, False),
        (Status.COMPLETED, Status.IN_PROGRESS, False),
        (Status.COMPLETED, Status.CANCELLED, False),
        (Status.CANCELLED, Status.ASSIGNED, False),
    ],
)
def test_status_moves_only_forward_except_cancel(current, new, allowed):
    assert services.status_can_move(current=current, new=new) is allowed


# --- the comprehension check ------------------------------------------------------------------


def test_check_marks_each_question_and_explains(assignment):
    outcome = services.check_submit(assignment=assignment, answers=[1, 0])
    assert [(a.position, a.is_correct) for a in outcome.answers] == [(1, True), (2, False)]
    assert outcome.answers[1].chosen_text == "Choice A"
    assert outcome.answers[1].correct_text == "Choice C"
    assert outcome.answers[1].explanation == "Because of reason 2."
    attempt = CheckAttempt.objects.get()
    assert (attempt.score, attempt.total, attempt.answers) == (1, 2, [1, 0])
    assert attempt.version == assignment.module.current_version
    saved = _fresh(assignment)
    assert saved.check_failed is True
    assert saved.status == Status.IN_PROGRESS


def test_a_later_all_right_attempt_clears_the_failed_flag(assignment):
    services.check_submit(assignment=assignment, answers=[0, 0])
    services.check_submit(assignment=_fresh(assignment), answers=[1, 2])
    assert _fresh(assignment).check_failed is False
    assert CheckAttempt.objects.count() == 2


@pytest.mark.parametrize("answers", [[1], [1, 2, 0], [1, 7], [1, "2"], [1, None], [True, 2]])
def test_malformed_answers_are_refused(assignment, answers):
    with pytest.raises(ValidationError):
        services.check_submit(assignment=assignment, answers=answers)
    assert not CheckAttempt.objects.exists()


def test_check_cannot_be_answered_after_finishing(patient):
    done = AssignmentFactory(patient=patient, status=Status.COMPLETED)
    with pytest.raises(ValidationError, match="already finished"):
        services.check_submit(assignment=done, answers=[1, 2])
