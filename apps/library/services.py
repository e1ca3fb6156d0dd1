"""Writes for the library: editing, review, publishing and retiring modules.

The review loop: an editor sends the draft to a named clinician reviewer
(review_request), who approves it or asks for changes (module_approve,
module_request_changes); the reviewer or an editor then publishes it (module_publish).
Whoever approves did not write the draft, and at least
settings.LIBRARY_REVIEW_DISTINCT_PEOPLE different people take part. Each publish freezes
the module into an immutable ModuleVersion; patients only ever read versions.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.models import User

from . import emails, rendering, selectors, tasks
from .models import Module, ModuleReview, ModuleVersion

# How long a clinical review stays current: patients see the next review date, and the
# module is due for review again after it.
REVIEW_INTERVAL = datetime.timedelta(days=365)


def _grade(value) -> float | None:
    return None if value is None else float(value)


def build_snapshot(*, module: Module) -> dict:
    """The module as patients will read it, in the shape documented on ModuleVersion.

    Section HTML is rendered and sanitised here, once, so a version never changes even if
    the renderer does later.
    """
    sections = []
    for section in module.sections.order_by("position"):
        grade = rendering.markdown_reading_grade(section.body_markdown, language=module.language)
        row = {
            "position": section.position,
            "title": section.title,
            "body_markdown": section.body_markdown,
            "html": rendering.render_markdown(section.body_markdown),
            "reading_grade": _grade(grade),
        }
        caregiver = section.caregiver_markdown.strip()
        if caregiver:
            # Only when there is one, so versions of modules without notes keep their hash.
            row["caregiver_markdown"] = caregiver
            row["caregiver_html"] = rendering.render_markdown(caregiver)
            row["caregiver_reading_grade"] = _grade(
                rendering.markdown_reading_grade(caregiver, language=module.language)
            )
        sections.append(row)
    checks = []
    for check in module.checks.order_by("position"):
        row = {
            "position": check.position,
            "prompt": check.prompt,
            "choices": list(check.choices),
            "correct_index": check.correct_index,
            "explanation": check.explanation,
        }
        if check.is_multiple:
            row["correct_indexes"] = list(check.correct_indexes)
        checks.append(row)
    grade = rendering.combined_reading_grade(
        [
            text
            for section in sections
            for text in (section["body_markdown"], section.get("caregiver_markdown"))
            if text
        ],
        language=module.language,
    )
    return {
        "title": module.title,
        "summary": module.summary,
        "language": module.language,
        "topic": module.topic,
        "estimated_minutes": module.estimated_minutes,
        "reading_grade": _grade(grade),
        "sources": list(module.sources or []),
        "last_reviewed": module.last_reviewed.isoformat() if module.last_reviewed else None,
        "sections": sections,
        "checks": checks,
        "demo": False,
        "review": None,
    }


def review_record(*, module: Module, reviewer: User, on: datetime.date) -> dict | None:
    """What patients are told about who reviewed a version: only a reviewer with a name."""
    name = (reviewer.name or "").strip()
    if not name:
        return None
    with translation.override(module.language):
        role = str(reviewer.get_role_display())
    return {
        "name": name,
        "role": role,
        "reviewed_on": on.isoformat(),
        "next_review": (on + REVIEW_INTERVAL).isoformat(),
    }


def snapshot_hash(snapshot: dict) -> str:
    return hashlib.sha256(
        json.dumps(snapshot, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _check_reviewer(*, module: Module, reviewer: User | None) -> None:
    if reviewer is None:
        raise ValidationError(
            _("“%(title)s” needs a reviewer: choose the clinician who checked its content.")
            % {"title": module.title}
        )
    if not reviewer.is_clinician:
        raise ValidationError(
            _("The reviewer of “%(title)s” must be a clinician. %(name)s is not a clinician.")
            % {"title": module.title, "name": reviewer.get_full_name() or reviewer.email}
        )
    if not reviewer.is_active:
        raise ValidationError(
            _(
                "The reviewer of “%(title)s”, %(name)s, no longer has an active account. "
                "Choose another clinician."
            )
            % {"title": module.title, "name": reviewer.get_full_name() or reviewer.email}
        )


def _check_content(*, module: Module) -> None:
    sections = list(module.sections.all())
    if not sections:
        raise ValidationError(
            _("“%(title)s” has no sections yet. Add at least one before publishing.")
            % {"title": module.title}
        )
    for section in sections:
        if not section.title.strip() or not section.body_markdown.strip():
            raise ValidationError(
                _("Section %(position)s of “%(title)s” needs a title and some text.")
                % {"position": section.position, "title": module.title}
            )
    for check in module.checks.all():
        try:
            check.clean()
        except ValidationError as error:
            raise ValidationError(
                _("Question %(position)s of “%(title)s”: %(problem)s")
                % {
                    "position": check.position,
                    "title": module.title,
                    "problem": " ".join(error.messages),
                }
            ) from None


def draft_writers(*, module: Module) -> set[int]:
    """Ids of everyone who changed the draft since it was last published."""
    writers = set(module.draft_editors.values_list("pk", flat=True))
    if module.last_edited_by_id is not None:
        writers.add(module.last_edited_by_id)
    return writers


def _check_people(*, module: Module, approver: User, publisher: User | None = None) -> None:
    """Whoever approves did not write this draft, and enough different people took part."""
    writers = draft_writers(module=module)
    if approver.pk in writers:
        raise ValidationError(
            _(
                "%(name)s changed the draft of “%(title)s”, so someone else must approve it. "
                "Send it to another reviewer."
            )
            % {"name": approver.get_full_name() or approver.email, "title": module.title}
        )
    people = writers | {approver.pk}
    if publisher is not None:
        people.add(publisher.pk)
    needed = settings.LIBRARY_REVIEW_DISTINCT_PEOPLE
    if publisher is not None and len(people) < needed:
        raise ValidationError(
            _(
                "“%(title)s” needs %(needed)d different people between writing, approving "
                "and publishing; so far %(count)d. Ask someone else to publish it."
            )
            % {"title": module.title, "needed": needed, "count": len(people)}
        )


def _sync(target: Module, source: Module, fields: list[str]) -> None:
    """Bring the caller's copy of a module up to date with what was just saved."""
    for field in fields:
        setattr(target, field, getattr(source, field))


@transaction.atomic
def module_record_edit(*, module: Module, user: User | None) -> Module:
    """Note that the draft changed. A published module goes back to draft for its next
    review; patients keep reading its current version until the next publish."""
    locked = Module.objects.select_for_update().get(pk=module.pk)
    locked.last_edited_by = user
    locked.has_unpublished_changes = True
    update_fields = ["last_edited_by", "has_unpublished_changes", "updated_at"]
    if locked.status in (Module.Status.IN_REVIEW, Module.Status.APPROVED):
        # What was reviewed is not what would be published any more.
        locked.reviews.filter(decision=ModuleReview.Decision.PENDING).update(
            decision=ModuleReview.Decision.WITHDRAWN, decided_at=timezone.now()
        )
    if locked.status in (
        Module.Status.PUBLISHED,
        Module.Status.IN_REVIEW,
        Module.Status.APPROVED,
    ):
        locked.status = Module.Status.DRAFT
        update_fields.append("status")
    if user is not None:
        locked.draft_editors.add(user)
    locked.save(update_fields=update_fields)
    _sync(module, locked, update_fields + ["status"])
    return locked


def module_refresh_grades(*, module: Module) -> Module:
    """Recompute every section's grade and the module's (after a change of language, say)."""
    for section in module.sections.all():
        section.module = module
        section.save(update_fields=["reading_grade"])
    module.refresh_reading_grade()
    return module


@transaction.atomic
def module_submit_for_review(
    *, module: Module, reviewer: User | None = None, user: User | None = None
) -> Module:
    """Draft → in review. `reviewer` replaces the module's chosen reviewer when given."""
    caller_copy = module
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status in (Module.Status.IN_REVIEW, Module.Status.APPROVED):
        raise ValidationError(_("“%(title)s” is already in review.") % {"title": module.title})
    if module.status == Module.Status.PUBLISHED and not module.has_unpublished_changes:
        raise ValidationError(
            _("“%(title)s” has no changes since it was published, so there is nothing to review.")
            % {"title": module.title}
        )
    if reviewer is not None:
        module.reviewed_by = reviewer
    _check_reviewer(module=module, reviewer=module.reviewed_by)
    module.status = Module.Status.IN_REVIEW
    module.save(update_fields=["status", "reviewed_by", "updated_at"])
    _sync(caller_copy, module, ["status", "reviewed_by", "updated_at"])
    return module


@transaction.atomic
def module_publish(*, module: Module, publisher: User, demo: bool = False) -> ModuleVersion:
    """In review → published, as a new immutable version patients read from now on.

    `demo`: demo data publishing text no clinician approved (load_library --demo), straight
    from review. The version then tells patients so, and names no reviewer. Otherwise the
    module must be approved, and its reviewer is named to patients with the date and the
    next review date.
    """
    caller_copy = module
    module = (
        Module.objects.select_for_update(of=("self",))
        .select_related("reviewed_by", "last_edited_by", "current_version")
        .get(pk=module.pk)
    )
    publishable = [Module.Status.APPROVED] + ([Module.Status.IN_REVIEW] if demo else [])
    if module.status not in publishable:
        raise ValidationError(
            _(
                "Only an approved module can be published. “%(title)s” needs its reviewer's "
                "approval first."
            )
            % {"title": module.title}
        )
    _check_reviewer(module=module, reviewer=module.reviewed_by)
    if not (publisher.is_active and publisher.is_staff_role):
        raise ValidationError(_("Only an active clinician or admin account can publish modules."))
    if publisher.pk != module.reviewed_by_id and not publisher.has_perm("library.change_module"):
        raise ValidationError(
            _("Only the reviewer of “%(title)s” or an editor can publish it.")
            % {"title": module.title}
        )
    _check_people(module=module, approver=module.reviewed_by, publisher=publisher)
    _check_content(module=module)

    if module.last_reviewed is None:
        module.last_reviewed = timezone.localdate()
    snapshot = build_snapshot(module=module)
    snapshot["demo"] = demo
    if not demo:
        snapshot["review"] = review_record(
            module=module, reviewer=module.reviewed_by, on=timezone.localdate()
        )
    content_hash = snapshot_hash(snapshot)
    current = module.current_version
    if current is not None and current.content_hash == content_hash:
        # Changes that were undone: the current version already says exactly this.
        version = current
    else:
        last_number = module.versions.aggregate(last=Max("number"))["last"] or 0
        version = ModuleVersion.objects.create(
            module=module,
            number=last_number + 1,
            published_at=timezone.now(),
            published_by=publisher,
            reviewed_by=module.reviewed_by,
            snapshot=snapshot,
            section_count=len(snapshot["sections"]),
            content_hash=content_hash,
        )
    module.current_version = version
    module.status = Module.Status.PUBLISHED
    module.has_unpublished_changes = False
    module.next_review_on = timezone.localdate() + REVIEW_INTERVAL
    published_fields = [
        "current_version",
        "status",
        "has_unpublished_changes",
        "last_reviewed",
        "reading_grade",
        "next_review_on",
        "updated_at",
    ]
    module.save(update_fields=published_fields)
    module.reviews.filter(decision=ModuleReview.Decision.APPROVED, version__isnull=True).update(
        version=version
    )
    module.draft_editors.clear()
    _sync(caller_copy, module, published_fields)
    return version


@transaction.atomic
def module_retire(*, module: Module) -> Module:
    """Withdraw a module: patients stop seeing it. Its versions stay for the record.

    The current version is cleared so that sending the module for review again later cannot
    make the old text visible before someone publishes the new one.
    """
    caller_copy = module
    module = Module.objects.select_for_update().get(pk=module.pk)
    if module.status == Module.Status.RETIRED:
        raise ValidationError(_("“%(title)s” is already retired.") % {"title": module.title})
    module.status = Module.Status.RETIRED
    module.current_version = None
    module.has_unpublished_changes = True
    retired_fields = ["status", "current_version", "has_unpublished_changes", "updated_at"]
    module.save(update_fields=retired_fields)
    _sync(caller_copy, module, retired_fields)
    return module


def _name(user: User) -> str:
    return user.get_full_name() or user.email


@transaction.atomic
def review_request(
    *, module: Module, reviewer: User, requested_by: User, note: str = ""
) -> ModuleReview:
    """An editor sends the draft to a named reviewer, who is told by email."""
    if reviewer.pk == requested_by.pk:
        raise ValidationError(_("Choose someone else to review your work."))
    if not reviewer.has_perm("library.review_module"):
        raise ValidationError(
            _("%(name)s may not review modules. Choose someone from the reviewers' list.")
            % {"name": _name(reviewer)}
        )
    if reviewer.pk in draft_writers(module=module):
        raise ValidationError(
            _("%(name)s changed this draft, so they cannot review it. Choose someone else.")
            % {"name": _name(reviewer)}
        )
    module = module_submit_for_review(module=module, reviewer=reviewer, user=requested_by)
    review = ModuleReview.objects.create(
        module=module, reviewer=reviewer, requested_by=requested_by, note=note.strip()
    )
    review.writers.set(draft_writers(module=module))
    transaction.on_commit(lambda: tasks.notify_review_requested.delay(review.pk))
    return review


def _named_reviewer_only(*, module: Module, reviewer: User) -> None:
    if module.status != Module.Status.IN_REVIEW:
        raise ValidationError(
            _("“%(title)s” is not waiting for a review.") % {"title": module.title}
        )
    if reviewer.pk != module.reviewed_by_id:
        raise ValidationError(
            _("Only the reviewer named for “%(title)s” can decide on it.") % {"title": module.title}
        )


@transaction.atomic
def module_approve(*, module: Module, reviewer: User, comment: str = "") -> Module:
    """In review → approved, by the named reviewer, who did not write the draft."""
    caller_copy = module
    module = Module.objects.select_for_update().get(pk=module.pk)
    _named_reviewer_only(module=module, reviewer=reviewer)
    _check_reviewer(module=module, reviewer=reviewer)
    _check_people(module=module, approver=reviewer)
    _check_content(module=module)
    module.status = Module.Status.APPROVED
    module.save(update_fields=["status", "updated_at"])
    pending = module.reviews.filter(decision=ModuleReview.Decision.PENDING).first()
    if pending is not None:
        pending.decision = ModuleReview.Decision.APPROVED
        pending.decided_at = timezone.now()
        pending.comment = comment.strip()
        pending.save(update_fields=["decision", "decided_at", "comment"])
        transaction.on_commit(lambda: tasks.notify_review_decided.delay(pending.pk))
    _sync(caller_copy, module, ["status", "updated_at"])
    return module


@transaction.atomic
def module_request_changes(*, module: Module, reviewer: User, comment: str) -> Module:
    """In review → draft, with the reviewer's comment kept on the review for the editor."""
    if not comment.strip():
        raise ValidationError(_("Say what needs to change, so the editor knows what to do."))
    caller_copy = module
    module = Module.objects.select_for_update().get(pk=module.pk)
    _named_reviewer_only(module=module, reviewer=reviewer)
    module.status = Module.Status.DRAFT
    module.save(update_fields=["status", "updated_at"])
    pending = module.reviews.filter(decision=ModuleReview.Decision.PENDING).first()
    if pending is None:
        pending = ModuleReview(module=module, reviewer=reviewer)
    pending.decision = ModuleReview.Decision.CHANGES_REQUESTED
    pending.decided_at = timezone.now()
    pending.comment = comment.strip()
    pending.save()
    transaction.on_commit(lambda: tasks.notify_review_decided.delay(pending.pk))
    _sync(caller_copy, module, ["status", "updated_at"])
    return module


def review_notify_requested(*, review_id: int) -> None:
    review = ModuleReview.objects.select_related("reviewer").filter(pk=review_id).first()
    if review is None or review.decision != ModuleReview.Decision.PENDING:
        return
    emails.send_staff_email(recipient=review.reviewer, template="review_requested")


def review_notify_decided(*, review_id: int) -> None:
    review = ModuleReview.objects.select_related("requested_by").filter(pk=review_id).first()
    if review is None or review.requested_by is None or not review.requested_by.is_active:
        return
    emails.send_staff_email(
        recipient=review.requested_by,
        template="review_decided",
        extra={"approved": review.decision == ModuleReview.Decision.APPROVED},
    )


def review_schedule_remind(*, today: datetime.date | None = None) -> int:
    """Email every editor the number of modules due or overdue for review (none: no email)."""
    due = selectors.module_list_due_for_review(today=today).count()
    if not due:
        return 0
    overdue = selectors.module_list_overdue_for_review(today=today).count()
    editors = list(selectors.editor_list())
    for editor in editors:
        emails.send_staff_email(
            recipient=editor, template="review_schedule", extra={"due": due, "overdue": overdue}
        )
    return len(editors)
