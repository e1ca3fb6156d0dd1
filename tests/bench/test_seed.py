"""seed_bench: the proportions the benchmark relies on, repeatable, bench data only."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from apps.accounts.models import CareTeamMembership, User
from apps.assignments.models import Assignment, CheckAttempt, SectionProgress
from apps.bench import seed
from apps.questions.models import Question, Reply
from apps.reminders.models import Notification
from tests.factories import PatientFactory
from tests.reminders.factories import AssignmentFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def seed_bench(**options) -> str:
    out = StringIO()
    call_command("seed_bench", stdout=out, **options)
    return out.getvalue()


def bench_counts() -> dict:
    bench = seed.bench_users()
    return {
        "patients": bench.filter(role=User.Role.PATIENT).count(),
        "clinicians": bench.filter(role=User.Role.CLINICIAN).count(),
        "links": CareTeamMembership.objects.filter(patient__in=bench).count(),
        "assignments": Assignment.objects.filter(patient__in=bench).count(),
        "progress": SectionProgress.objects.filter(assignment__patient__in=bench).count(),
        "attempts": CheckAttempt.objects.filter(assignment__patient__in=bench).count(),
        "questions": Question.objects.filter(patient__in=bench).count(),
        "notifications": Notification.objects.filter(recipient__in=bench).count(),
    }


def test_twenty_patients_get_care_teams_reading_and_history(library):
    seed_bench(patients=20)

    patients = seed.bench_users().filter(role=User.Role.PATIENT)
    assert patients.count() == 20
    assert all(
        email.endswith("@bench.invalid") for email in patients.values_list("email", flat=True)
    )
    big = User.objects.get(email=seed.BIG_CLINICIAN_EMAIL)
    # Under 2,000 patients the big clinician cares for all of them; every 5th has a second.
    assert CareTeamMembership.objects.filter(clinician=big).count() == 20
    assert (
        CareTeamMembership.objects.filter(patient__in=patients).exclude(clinician=big).count() == 4
    )

    per_patient = (
        Assignment.objects.filter(patient__in=patients)
        .values("patient")
        .annotate(n=Count("id"), modules=Count("module", distinct=True))
    )
    assert len(per_patient) == 20
    for row in per_patient:
        assert 8 <= row["n"] <= 11
        assert row["modules"] == row["n"]

    # Every 4th patient (numbers 1, 5, 9, 13, 17) asked one question.
    assert Question.objects.filter(patient__in=patients).count() == 5
    questions = Question.objects.filter(patient__in=patients)
    assert (
        Reply.objects.filter(question__in=questions).count()
        == questions.exclude(status=Question.Status.OPEN).count()
    )
    assert Notification.objects.filter(kind=Notification.Kind.NEW_QUESTION).count() == 5


def test_history_matches_each_assignment_status(library):
    seed_bench(patients=20)

    for assignment in Assignment.objects.filter(patient__in=seed.bench_users()).select_related(
        "module__current_version"
    ):
        viewed = assignment.progress.count()
        sections = assignment.module.current_version.section_count
        if assignment.status == Assignment.Status.COMPLETED:
            assert viewed == sections
            assert assignment.completed_version_id == assignment.module.current_version_id
            assert assignment.attempts.exists()
            latest = assignment.attempts.order_by("-submitted_at").first()
            assert latest.passed is not assignment.check_failed
        elif assignment.status == Assignment.Status.IN_PROGRESS:
            assert 1 <= viewed < max(sections, 2)
            assert assignment.started_at is not None
        else:
            assert viewed == 0
            assert not assignment.attempts.exists()
        if assignment.status == Assignment.Status.CANCELLED:
            assert assignment.cancelled_by_id == assignment.assigned_by_id


def test_statuses_follow_the_stated_shares(library):
    seed_bench(patients=300)

    statuses = (
        Assignment.objects.filter(patient__in=seed.bench_users())
        .values("status")
        .annotate(n=Count("id"))
    )
    total = sum(row["n"] for row in statuses)
    assert total == pytest.approx(300 * 10, rel=0.05)
    for row in statuses:
        assert row["n"] / total == pytest.approx(seed.STATUS_WEIGHTS[row["status"]], abs=0.03)


def test_bench_accounts_log_in_with_the_bench_password_and_clinicians_have_totp(library):
    from allauth.mfa.models import Authenticator

    seed_bench(patients=20)

    patient = seed.bench_users().filter(role=User.Role.PATIENT).first()
    assert patient.check_password(seed.BENCH_PASSWORD)
    clinicians = seed.bench_users().filter(role=User.Role.CLINICIAN)
    assert all(clinician.is_staff for clinician in clinicians)
    assert (
        Authenticator.objects.filter(user__in=clinicians, type=Authenticator.Type.TOTP).count()
        == clinicians.count()
    )


def test_running_again_changes_nothing(library):
    seed_bench(patients=20)
    before = bench_counts()

    output = seed_bench(patients=20)

    assert "already there" in output
    assert bench_counts() == before


def test_reset_replaces_the_bench_data_with_the_same_data(library):
    seed_bench(patients=20)
    before = bench_counts()

    seed_bench(patients=20, reset=True)

    assert bench_counts() == before


def test_a_different_size_needs_reset(library):
    seed_bench(patients=20)

    with pytest.raises(CommandError, match="--reset"):
        seed_bench(patients=30)

    seed_bench(patients=30, reset=True)
    assert bench_counts()["patients"] == 30


def test_reset_leaves_everyone_else_alone(library):
    outsider = PatientFactory(email="real.patient@example.org")
    assignment = AssignmentFactory(patient=outsider, module=library[0])
    NotificationFactory(recipient=outsider, assignment=assignment, sequence=1)
    seed_bench(patients=20)

    seed_bench(patients=20, reset=True)
    seed.bench_data_delete()

    assert bench_counts()["patients"] == 0
    assert User.objects.filter(pk=outsider.pk).exists()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert Notification.objects.filter(recipient=outsider).count() == 1


def test_seeding_needs_a_published_library():
    with pytest.raises(ValueError, match="load_library"):
        seed.bench_data_seed(patients=5)


def test_seed_bench_is_unknown_without_the_benchmarks_settings(settings, library):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "apps.bench"]
    with pytest.raises(CommandError, match="Unknown command"):
        seed_bench(patients=5)
    assert not seed.bench_data_exists()


def test_growth_clinicians_have_exactly_their_panel_sizes(library, monkeypatch):
    # The real sizes (200, 2,000, 20,000) scaled down: the same layout with 25 patients.
    monkeypatch.setattr(seed, "BIG_PANEL_SIZE", 4)
    monkeypatch.setattr(seed, "GROWTH_PANEL_SIZES", (2, 4, 8))
    monkeypatch.setattr(seed, "PANEL_SIZE", 3)
    seed_bench(patients=25)

    emails = seed.growth_clinician_emails(25)
    assert list(emails) == [2, 4, 8]
    assert emails[4] == seed.BIG_CLINICIAN_EMAIL
    for size, email in emails.items():
        # Second clinicians are only ever the others, so these panels stay exact.
        assert CareTeamMembership.objects.filter(clinician__email=email).count() == size
    others = seed.bench_users().filter(role=User.Role.CLINICIAN).exclude(email__in=emails.values())
    assert others.count() == 4  # 11 patients left, in panels of 3


def test_growth_sizes_that_do_not_fit_are_left_out():
    assert seed.leading_panels(100) == (seed.BIG_PANEL_SIZE,)
    assert seed.leading_panels(10_000) == (2_000, 200)
    assert seed.leading_panels(100_000) == (2_000, 200, 20_000)
