"""The review loop in the admin: send to a named reviewer, who is emailed, sees a count and a
diff, asks for changes or approves; the reviewer or the editor publishes; history kept."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.accounts.management.commands.seed_demo import (
    content_editors_group,
    content_reviewers_group,
)
from apps.library import diffing, selectors, services
from apps.library.models import Module, ModuleReview
from tests.factories import AdminFactory, ClinicianFactory, ensure_mfa

from .factories import PublishedModuleFactory, module_with_content, reviewer_with_permission

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    editor = AdminFactory(name="Eden Editor", is_superuser=False)
    editor.groups.add(content_editors_group())
    ensure_mfa(editor)
    return editor


@pytest.fixture
def reviewer(db):
    reviewer = ClinicianFactory(name="Dr Robin Reyes")
    reviewer.groups.add(content_reviewers_group())
    ensure_mfa(reviewer)
    return reviewer


def url(name, module):
    return reverse(f"admin:library_module_{name}", args=[module.pk])


def edited_draft(editor, **fields) -> Module:
    module = module_with_content(**fields)
    services.module_record_edit(module=module, user=editor)
    return module


# Services ----------------------------------------------------------------------------------


def test_review_request_names_the_reviewer_and_emails_them_without_health_details(
    editor, reviewer, django_capture_on_commit_callbacks
):
    module = edited_draft(editor, title="Checkpoint inhibitors")

    with django_capture_on_commit_callbacks(execute=True):
        review = services.review_request(
            module=module, reviewer=reviewer, requested_by=editor, note="New side effects part."
        )

    module.refresh_from_db()
    assert module.status == Module.Status.IN_REVIEW
    assert module.reviewed_by == reviewer
    assert review.decision == ModuleReview.Decision.PENDING
    assert list(review.writers.all()) == [editor]
    [email] = mail.outbox
    assert email.to == [reviewer.email]
    assert "/admin/" in email.body
    assert "Checkpoint" not in email.body + email.subject
    assert "side effects" not in email.body + email.subject


def test_review_request_refuses_yourself_a_writer_and_someone_without_the_permission(
    editor, reviewer
):
    module = edited_draft(editor)

    with pytest.raises(ValidationError, match="Choose someone else to review your work"):
        services.review_request(module=module, reviewer=editor, requested_by=editor)
    with pytest.raises(ValidationError, match="may not review modules"):
        services.review_request(module=module, reviewer=ClinicianFactory(), requested_by=editor)
    services.module_record_edit(module=module, user=reviewer)
    with pytest.raises(ValidationError, match="changed this draft, so they cannot review it"):
        services.review_request(module=module, reviewer=reviewer, requested_by=editor)
    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert not ModuleReview.objects.exists()


def test_only_the_named_reviewer_decides(editor, reviewer):
    module = edited_draft(editor)
    services.review_request(module=module, reviewer=reviewer, requested_by=editor)

    with pytest.raises(ValidationError, match="Only the reviewer named"):
        services.module_approve(module=module, reviewer=reviewer_with_permission())
    with pytest.raises(ValidationError, match="Say what needs to change"):
        services.module_request_changes(module=module, reviewer=reviewer, comment="  ")


def test_an_approver_who_edited_the_draft_is_refused(editor, reviewer):
    module = edited_draft(editor)
    services.review_request(module=module, reviewer=reviewer, requested_by=editor)
    # Someone with both rights edits while it is in review: the draft goes back to draft.
    services.module_record_edit(module=module, user=reviewer)
    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.reviews.get().decision == ModuleReview.Decision.WITHDRAWN

    module.status = Module.Status.IN_REVIEW
    module.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="changed the draft .* someone else must approve"):
        services.module_approve(module=module, reviewer=reviewer)


def test_an_edit_after_approval_needs_a_new_review(editor, reviewer):
    module = edited_draft(editor)
    services.review_request(module=module, reviewer=reviewer, requested_by=editor)
    services.module_approve(module=module, reviewer=reviewer)

    services.module_record_edit(module=module, user=editor)

    with pytest.raises(ValidationError, match="needs its reviewer's approval first"):
        services.module_publish(module=module, publisher=editor)


def test_publishing_keeps_the_review_with_the_version_and_sets_the_next_review_date(
    editor, reviewer
):
    module = edited_draft(editor)
    services.review_request(module=module, reviewer=reviewer, requested_by=editor)
    services.module_approve(module=module, reviewer=reviewer, comment="Clear and correct.")

    with time_machine.travel(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False):
        version = services.module_publish(module=module, publisher=reviewer)

    review = module.reviews.get()
    assert review.version == version
    assert review.comment == "Clear and correct."
    assert review.decision == ModuleReview.Decision.APPROVED
    module.refresh_from_db()
    assert module.next_review_on == datetime.date(2027, 3, 1)
    assert not module.draft_editors.exists()


def test_modules_due_and_overdue_for_review_and_the_monthly_email(editor):
    today = datetime.date(2027, 1, 10)
    overdue = PublishedModuleFactory(title="Old text")
    due = PublishedModuleFactory(title="Soon")
    fine = PublishedModuleFactory(title="Fresh")
    Module.objects.filter(pk=overdue.pk).update(next_review_on=today - datetime.timedelta(days=1))
    Module.objects.filter(pk=due.pk).update(next_review_on=today + datetime.timedelta(days=20))
    Module.objects.filter(pk=fine.pk).update(next_review_on=today + datetime.timedelta(days=200))
    ClinicianFactory()  # not an editor: no email

    assert set(selectors.module_list_due_for_review(today=today)) == {overdue, due}
    assert list(selectors.module_list_overdue_for_review(today=today)) == [overdue]
    sent = services.review_schedule_remind(today=today)

    recipients = {address for email in mail.outbox for address in email.to}
    assert sent == len(mail.outbox) == len(recipients)
    assert editor.email in recipients
    assert all(
        user.is_superuser or user == editor
        for user in selectors.editor_list()
        if user.email in recipients
    )
    email = mail.outbox[0]
    assert "2 modules are due" in email.body and "1 already overdue" in email.body
    assert "Old text" not in email.body


def test_the_monthly_email_task_is_scheduled_by_a_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="apps.library.tasks.remind_editors_of_due_reviews")
    assert task.enabled and task.crontab.day_of_month == "1"


# Diff ----------------------------------------------------------------------------------------


def test_diff_shows_changed_sections_checks_and_metadata():
    module = PublishedModuleFactory(title="Flu shots")
    published = module.current_version.snapshot
    draft = {**published, "title": "Flu shots this winter"}
    draft["sections"] = [
        {**published["sections"][0], "body_markdown": "Brand new advice."},
        *published["sections"][1:],
    ]
    draft["checks"] = published["checks"][:1]

    diff = diffing.snapshot_diff(published, draft)

    title = diff["metadata"][0]
    assert title.state == "changed"
    assert [(line.op, line.text) for line in title.lines] == [
        ("removed", "Flu shots"),
        ("added", "Flu shots this winter"),
    ]
    assert diff["sections"][0].state == "changed"
    assert ("added", "Brand new advice.") in [(ln.op, ln.text) for ln in diff["sections"][0].lines]
    assert {part.state for part in diff["sections"][1:]} == {"same"}
    assert [part.state for part in diff["checks"]] == ["same", "removed"]


# The admin, walked through ---------------------------------------------------------------------


def test_the_loop_in_the_admin(client, editor, reviewer, django_capture_on_commit_callbacks):
    module = module_with_content(title="Vaccines", sections=1)
    services.module_submit_for_review(module=module, reviewer=reviewer)
    services.module_approve(module=module, reviewer=reviewer)
    services.module_publish(module=module, publisher=AdminFactory())
    client.force_login(editor)
    module.sections.update(body_markdown="Get the flu shot each autumn.")
    services.module_record_edit(module=module, user=editor)

    # The editor sends it to the reviewer; only people with the permission are offered.
    form = client.get(url("send_for_review", module))
    assert reviewer in form.context["form"].fields["reviewer"].queryset
    assert editor not in form.context["form"].fields["reviewer"].queryset
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url("send_for_review", module), {"reviewer": reviewer.pk, "note": "Hi"})
    assert sent.status_code == 302
    assert [email.to for email in mail.outbox] == [[reviewer.email]]
    assert client.post(url("review", module), {"decision": "approve"}).status_code == 403

    # The reviewer sees a count, the diff, and asks for changes.
    client.force_login(reviewer)
    home = client.get(reverse("admin:index")).content.decode()
    assert "1 module waits for your review" in home
    review_page = client.get(url("review", module))
    page = review_page.content.decode()
    assert review_page.status_code == 200
    assert "Get the flu shot each autumn." in page and "<ins>" in page
    refused = client.post(url("review", module), {"decision": "request_changes", "comment": ""})
    assert "Say what needs to change" in refused.content.decode()
    client.post(url("review", module), {"decision": "request_changes", "comment": "Say when."})
    module.refresh_from_db()
    assert module.status == Module.Status.DRAFT
    assert module.reviews.get().comment == "Say when."

    # The editor edits and sends again; the reviewer approves and publishes.
    client.force_login(editor)
    services.module_record_edit(module=module, user=editor)
    client.post(url("send_for_review", module), {"reviewer": reviewer.pk})
    client.force_login(reviewer)
    client.post(url("review", module), {"decision": "approve", "comment": "Good."})
    module.refresh_from_db()
    assert module.status == Module.Status.APPROVED
    assert client.get(url("publish", module)).status_code == 200
    client.post(url("publish", module))

    module.refresh_from_db()
    assert module.status == Module.Status.PUBLISHED
    assert module.current_version.number == 2
    assert module.current_version.published_by == reviewer
    history = client.get(reverse("admin:library_module_change", args=[module.pk])).content
    history = history.decode()
    assert "Say when." in history and "Good." in history and "Eden Editor" in history
