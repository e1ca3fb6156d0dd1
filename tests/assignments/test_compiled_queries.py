"""The reading list and the one-assignment lookup run SQL compiled once per process
(portal.compiled). They must load exactly what Django's own evaluation of the same queryset
loads, for every patient, and refuse what cannot be an assignment without asking the database."""

from datetime import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from apps.assignments import selectors
from apps.assignments.models import Assignment
from apps.library.models import Module
from portal.compiled import CompiledQuery
from tests.assignments.factories import AssignmentFactory, SectionProgressFactory
from tests.factories import ClinicianFactory, PatientFactory
from tests.library.factories import PublishedModuleFactory

pytestmark = pytest.mark.django_db


def _snapshot(assignment: Assignment) -> tuple:
    """Every value "My reading" and the reading pages use, related objects included."""
    version = assignment.module.current_version
    return (
        assignment.pk,
        assignment.patient_id,
        assignment.status,
        assignment.due_on,
        assignment.assigned_at,
        assignment.note,
        getattr(assignment, "sections_viewed", None),
        assignment.module.pk,
        assignment.module.title,
        assignment.module.language,
        version.pk if version else None,
        version.section_count if version else None,
        assignment.assigned_by.name if "assigned_by" in assignment._state.fields_cache else None,
    )


@pytest.fixture
def library(db):
    return [PublishedModuleFactory(title=f"Module {n}") for n in range(4)]


@pytest.fixture
def reading(patient, library):
    clinician = ClinicianFactory(name="Dr Rivera")
    started = AssignmentFactory(patient=patient, module=library[0], assigned_by=clinician)
    started.status = Assignment.Status.IN_PROGRESS
    started.save()
    for position in (1, 2):
        SectionProgressFactory(
            assignment=started, position=position, version=library[0].current_version
        )
    AssignmentFactory(patient=patient, module=library[1], assigned_by=clinician, note="Read me")
    cancelled = AssignmentFactory(patient=patient, module=library[2], assigned_by=clinician)
    cancelled.status = Assignment.Status.CANCELLED
    cancelled.save()
    retired = AssignmentFactory(patient=patient, module=library[3], assigned_by=clinician)
    Module.objects.filter(pk=library[3].pk).update(status=Module.Status.RETIRED)
    # Someone else's reading never shows.
    AssignmentFactory(patient=PatientFactory(), module=library[0], assigned_by=clinician)
    return {"started": started, "cancelled": cancelled, "retired": retired}


def test_reading_list_loads_what_django_loads(patient, reading):
    compiled = selectors.reading_list_for_patient(patient=patient)
    django = list(selectors.assignment_list_for_patient(patient=patient))
    assert [_snapshot(a) for a in compiled] == [_snapshot(a) for a in django]
    assert len(compiled) == 2  # not the cancelled one, nor the retired module's
    started = next(a for a in compiled if a.pk == reading["started"].pk)
    assert started.sections_viewed == 2
    assert started.assigned_by.name == "Dr Rivera"
    # The version's text was deferred by the queryset: the compiled rows defer it too.
    assert "snapshot" in started.module.current_version.get_deferred_fields()


def test_reading_list_of_another_patient_is_theirs_alone(patient, other_patient, reading):
    assert selectors.reading_list_for_patient(patient=other_patient) == []
    theirs = AssignmentFactory(patient=other_patient)
    assert [a.pk for a in selectors.reading_list_for_patient(patient=other_patient)] == [theirs.pk]


def test_reading_list_is_one_query(patient, reading, django_assert_num_queries):
    selectors.reading_list_for_patient(patient=patient)
    with django_assert_num_queries(1):
        rows = selectors.reading_list_for_patient(patient=patient)
        for row in rows:
            assert row.module.current_version.section_count > 0
            assert row.assigned_by.name


def test_one_assignment_matches_django_and_stays_in_scope(patient, other_patient, reading):
    started = reading["started"]
    found = selectors.assignment_get_for_patient(patient=patient, assignment_id=str(started.pk))
    expected = Assignment.objects.select_related("module", "module__current_version").get(
        pk=started.pk
    )
    assert _snapshot(found)[:6] == _snapshot(expected)[:6]
    assert _snapshot(found)[7:12] == _snapshot(expected)[7:12]
    assert found.patient is patient
    for outside in (reading["cancelled"], reading["retired"]):
        with pytest.raises(Http404):
            selectors.assignment_get_for_patient(patient=patient, assignment_id=outside.pk)
    with pytest.raises(Http404):
        selectors.assignment_get_for_patient(patient=other_patient, assignment_id=started.pk)


@pytest.mark.parametrize("bad", ["abc", None, "", "1.5", 0, -3, 2**63, "9" * 40])
def test_what_cannot_be_an_assignment_is_404_without_a_query(patient, bad):
    with CaptureQueriesContext(connection) as queries, pytest.raises(Http404):
        selectors.assignment_get_for_patient(patient=patient, assignment_id=bad)
    assert len(queries) == 0


def test_compiled_query_refuses_what_it_cannot_run_ahead_of_time(patient):
    prefetching = CompiledQuery(
        lambda patient_id: Assignment.objects.filter(patient_id=patient_id).prefetch_related(
            "progress"
        ),
        "patient_id",
    )
    with pytest.raises(ValueError, match="prefetch"):
        prefetching.run(patient_id=patient.pk)
    values = CompiledQuery(
        lambda patient_id: Assignment.objects.filter(patient_id=patient_id).values("pk"),
        "patient_id",
    )
    with pytest.raises(ValueError, match="model instances"):
        values.run(patient_id=patient.pk)
    # A placeholder the query never uses would silently be ignored: refused instead.
    unused = CompiledQuery(lambda patient_id: Assignment.objects.all(), "patient_id")
    with pytest.raises(ValueError, match="exactly once"):
        unused.run(patient_id=patient.pk)
    # One used twice would be bound in one place only.
    twice = CompiledQuery(
        lambda patient_id: Assignment.objects.filter(patient_id=patient_id).exclude(
            assigned_by_id=patient_id
        ),
        "patient_id",
    )
    with pytest.raises(ValueError, match="exactly once"):
        twice.run(patient_id=patient.pk)


def test_answered_banner_loads_what_django_loads(patient, other_patient, library):
    from apps.questions import selectors as question_selectors
    from apps.questions.models import Question
    from tests.questions.factories import QuestionFactory

    for n in range(12):
        QuestionFactory(
            patient=patient,
            module=library[n % 2] if n % 3 else None,
            status=Question.Status.ANSWERED if n != 5 else Question.Status.OPEN,
        )
    QuestionFactory(patient=other_patient, status=Question.Status.ANSWERED)
    compiled = question_selectors.answered_banner_for_patient(patient=patient)
    django = list(question_selectors.question_list_answered_for_patient(patient=patient)[:10])
    assert len(compiled) == 10
    assert [(q.pk, q.last_activity_at, q.module.title if q.module else None) for q in compiled] == [
        (q.pk, q.last_activity_at, q.module.title if q.module else None) for q in django
    ]
    assert all(q.patient_id == patient.pk for q in compiled)


def test_positions_opened_are_the_assignments_own(patient, reading):
    started = reading["started"]
    assert selectors.progress_positions(assignment=started) == {1, 2}
    assert selectors.progress_positions(assignment=reading["cancelled"]) == set()
    flat = CompiledQuery(
        lambda assignment_id: Assignment.objects.filter(pk=assignment_id).values_list(
            "assigned_at", flat=True
        ),
        "assignment_id",
    )
    # Values go through the field's converters, as with Django's own evaluation.
    assert isinstance(flat.run(assignment_id=started.pk)[0], datetime)
    assert flat.run(assignment_id=started.pk) == list(
        Assignment.objects.filter(pk=started.pk).values_list("assigned_at", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_query_compiled_in_one_thread_runs_in_another(patient, library):
    """runserver and the test live server answer each request in a new thread, each with its
    own database connection: a compiled query must use the connection of the thread it runs
    in, not the one it was compiled with."""
    import threading

    from django.db import connections

    started = AssignmentFactory(patient=patient, module=library[0])
    query = CompiledQuery(
        lambda patient_id: Assignment.objects.filter(patient_id=patient_id).select_related(
            "module"
        ),
        "patient_id",
    )
    assert [a.pk for a in query.run(patient_id=patient.pk)] == [started.pk]
    outcome = {}

    def other_thread():
        try:
            outcome["rows"] = [(a.pk, a.module.title) for a in query.run(patient_id=patient.pk)]
        except Exception as error:  # reported below, in the test's own thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["rows"] == [(started.pk, library[0].title)]


def _by_patient(patient_id):
    return Assignment.objects.filter(patient_id=patient_id).order_by("-assigned_at", "-id")


def test_a_sliced_query_pages_like_django_and_a_compiled_count_counts_like_django(
    patient, other_patient, library
):
    from django.core.paginator import Paginator

    from portal.compiled import CompiledCount, CompiledList

    for module in library:
        AssignmentFactory(patient=patient, module=module)
    AssignmentFactory(patient=other_patient, module=library[0])
    rows = CompiledQuery(_by_patient, "patient_id", sliced=True)
    count = CompiledCount(_by_patient, "patient_id")

    for person in (patient, other_patient):
        django_rows = list(_by_patient(person.pk))
        assert count.run(patient_id=person.pk) == len(django_rows)
        for offset in range(len(django_rows) + 1):
            page = rows.run(patient_id=person.pk, limit=2, offset=offset)
            assert [a.pk for a in page] == [a.pk for a in django_rows[offset : offset + 2]]

    compiled = Paginator(CompiledList(rows, count, patient_id=patient.pk), 3)
    django = Paginator(_by_patient(patient.pk), 3)
    assert (compiled.count, compiled.num_pages) == (django.count, django.num_pages) == (4, 2)
    for number in (1, 2):
        assert [a.pk for a in compiled.page(number)] == [a.pk for a in django.page(number)]


def test_compiled_counts_and_lists_refuse_what_they_cannot_do(patient):
    from portal.compiled import CompiledCount, CompiledList

    sliced = CompiledQuery(
        lambda patient_id: _by_patient(patient_id)[:5], "patient_id", sliced=True
    )
    with pytest.raises(ValueError, match="limit and offset"):
        sliced.run(patient_id=patient.pk, limit=1, offset=0)
    unused = CompiledCount(lambda patient_id: Assignment.objects.all(), "patient_id")
    with pytest.raises(ValueError, match="exactly once"):
        unused.run(patient_id=patient.pk)
    count = CompiledCount(_by_patient, "patient_id")
    with pytest.raises(ValueError, match="sliced"):
        CompiledList(CompiledQuery(_by_patient, "patient_id"), count, patient_id=patient.pk)
    listed = CompiledList(
        CompiledQuery(_by_patient, "patient_id", sliced=True), count, patient_id=patient.pk
    )
    # Whether a list is empty would mean counting it all: refused rather than done quietly.
    with pytest.raises(TypeError):
        bool(listed)
    with pytest.raises(TypeError):
        listed[0]
    assert listed[3:3] == []
    assert len(listed) == 0


def _by_patient_with_percent(patient_id):
    # A literal percent sign in the SQL (doubled by Django) beside the parameters.
    return _by_patient(patient_id).exclude(note__contains="100% sure")


def test_a_value_written_into_the_sql_gives_the_same_rows(patient, other_patient, library):
    """written_in puts a whole number into the SQL text instead of binding it (so PostgreSQL
    plans the statement once per value): the rows, pages and records stay Django's."""
    for module in library:
        AssignmentFactory(patient=patient, module=module, note="Read before Monday")
    AssignmentFactory(patient=patient, module=library[0], note="100% sure", status="cancelled")
    AssignmentFactory(patient=other_patient, module=library[0])
    rows = CompiledQuery(
        _by_patient_with_percent, "patient_id", sliced=True, written_in=("patient_id",)
    )
    for person in (patient, other_patient):
        django_rows = list(_by_patient_with_percent(person.pk))
        for offset in range(len(django_rows) + 1):
            page = rows.run(patient_id=person.pk, limit=2, offset=offset)
            assert [a.pk for a in page] == [a.pk for a in django_rows[offset : offset + 2]]
        records = rows.run_records(patient_id=person.pk, limit=10, offset=0)
        assert [(r["id"], r["note"]) for r in records] == [(a.pk, a.note) for a in django_rows]
    with CaptureQueriesContext(connection) as context:
        rows.run(patient_id=patient.pk, limit=2, offset=0)
    (query,) = context.captured_queries
    assert f"= {patient.pk})" in query["sql"] or f"= {patient.pk} " in query["sql"]


def test_only_a_whole_number_is_written_into_the_sql(patient):
    rows = CompiledQuery(_by_patient, "patient_id", sliced=True, written_in=("patient_id",))
    for bad in (f"{patient.pk}; DROP TABLE accounts_user", 1.5, True, None):
        with pytest.raises(TypeError, match="whole number"):
            rows.run(patient_id=bad, limit=1, offset=0)
    with pytest.raises(ValueError, match="Not among"):
        CompiledQuery(_by_patient, "patient_id", written_in=("clinician_id",))


def test_splitting_sql_at_its_parameters_keeps_literal_percent_signs():
    from portal.compiled import _split_at_parameters

    assert _split_at_parameters("a = %s AND b LIKE '5%%' OR c = %s", 2) == [
        "a = ",
        " AND b LIKE '5%%' OR c = ",
        "",
    ]
    with pytest.raises(ValueError, match="expected 3"):
        _split_at_parameters("a = %s", 3)


def test_the_latest_check_answers_are_those_django_finds(patient, library):
    from datetime import timedelta

    from django.utils import timezone

    from apps.assignments.models import CheckAttempt
    from tests.library.factories import publish_version

    assignment = AssignmentFactory(patient=patient, module=library[0])
    first_version = library[0].current_version
    assert selectors.latest_attempt(assignment=assignment, version=first_version) is None
    now = timezone.now()
    for minutes, answers in ((3, [0]), (1, [1]), (1, [2])):  # the last two at the same time
        CheckAttempt.objects.create(
            assignment=assignment,
            version=first_version,
            answers=answers,
            score=0,
            total=1,
            submitted_at=now - timedelta(minutes=minutes),
        )
    newer_version = publish_version(library[0], sections=3)
    other = AssignmentFactory(patient=PatientFactory(), module=library[0])
    CheckAttempt.objects.create(
        assignment=other, version=first_version, answers=[3], score=0, total=1, submitted_at=now
    )
    for version in (first_version, newer_version):
        expected = (
            assignment.attempts.filter(version=version).order_by("-submitted_at", "-id").first()
        )
        found = selectors.latest_attempt(assignment=assignment, version=version)
        assert (found and (found.pk, found.answers)) == (
            expected and (expected.pk, expected.answers)
        )
    assert selectors.latest_attempt(assignment=assignment, version=first_version).answers == [2]
