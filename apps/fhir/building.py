"""Resources for one person: the loaded rows of what they may see, turned into FHIR.

Used by the views (for the person making the request) and by the bulk export task (for the
person who asked for it), so both say the same things. `site_url` is the portal's address as
the caller reached it (for the links to the patient-facing pages).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from apps.accounts.models import User
from apps.library.models import ModuleVersion

from . import resources, scopes


def _previous_versions(versions: list[ModuleVersion]) -> dict[int, int]:
    """For each version, the version of the same module it replaced (one query)."""
    numbers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for module_id, number, pk in ModuleVersion.objects.filter(
        module_id__in={version.module_id for version in versions}
    ).values_list("module_id", "number", "pk"):
        numbers[module_id].append((number, pk))
    previous = {}
    for version in versions:
        earlier = [(n, pk) for n, pk in numbers[version.module_id] if n < version.number]
        if earlier:
            previous[version.pk] = max(earlier)[1]
    return previous


@dataclass(frozen=True)
class Builder:
    user: User
    site_url: str

    def url(self, path: str) -> str:
        return self.site_url.rstrip("/") + path

    def documents(self, versions: list[ModuleVersion]) -> list[dict]:
        previous = _previous_versions(versions)
        url = self.url(resources.reading_list_url())
        return [
            resources.document_reference(v, previous_id=previous.get(v.pk), reading_url=url)
            for v in versions
        ]

    def tasks(self, assignments) -> list[dict]:
        """Rows from scopes.tasks (with `sections_viewed`)."""
        attempts = defaultdict(list)
        for assignment_id, pk in (
            scopes.attempts(user=self.user)
            .filter(assignment__in=[a.pk for a in assignments])
            .order_by("-submitted_at", "-id")
            .values_list("assignment_id", "pk")
        ):
            attempts[assignment_id].append(pk)
        return [
            resources.task(
                assignment,
                sections_read=assignment.sections_viewed,
                attempt_ids=attempts[assignment.pk],
                reading_url=self.url(resources.reading_start_url(assignment.pk)),
            )
            for assignment in assignments
        ]

    @staticmethod
    def responses(attempts) -> list[dict]:
        """Rows from scopes.attempts (version and assignment loaded)."""
        return [
            resources.questionnaire_response(attempt, patient_id=attempt.assignment.patient_id)
            for attempt in attempts
        ]

    def communications(self, questions, replies) -> list[dict]:
        """Loaded questions and replies (replies with their question and author)."""
        task_ids = {q.assignment_id for q in questions} | {
            r.question.assignment_id for r in replies
        }
        visible = set(
            scopes.tasks(user=self.user)
            .filter(pk__in=[pk for pk in task_ids if pk])
            .values_list("pk", flat=True)
        )
        return [
            resources.communication_for_question(q, visible_task_ids=visible) for q in questions
        ] + [resources.communication_for_reply(r, visible_task_ids=visible) for r in replies]
