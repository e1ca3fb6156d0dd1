"""Marking a comprehension check against the version it was asked from.

Pure functions, no database: the check service, the clinician's patient page and the module
overview all mark answers the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MarkedAnswer:
    """One question of a check as the patient answered it."""

    position: int
    prompt: str
    choices: list[str]
    chosen_index: int | None
    correct_index: int
    explanation: str

    @property
    def is_correct(self) -> bool:
        return self.chosen_index == self.correct_index

    @property
    def chosen_text(self) -> str:
        if self.chosen_index is None or not 0 <= self.chosen_index < len(self.choices):
            return ""
        return self.choices[self.chosen_index]

    @property
    def correct_text(self) -> str:
        if not 0 <= self.correct_index < len(self.choices):
            return ""
        return self.choices[self.correct_index]


def mark_answers(*, checks: Sequence[dict], answers: Sequence[int | None]) -> list[MarkedAnswer]:
    """Pair each check of a version with the chosen choice index (answers are in check order).

    A missing answer (a shorter list, or None) counts as wrong rather than failing: an attempt
    stored long ago must still display even if its version had a different number of checks.
    """
    marked = []
    for index, check in enumerate(checks):
        chosen = answers[index] if index < len(answers) else None
        marked.append(
            MarkedAnswer(
                position=check.get("position", index + 1),
                prompt=check.get("prompt", ""),
                choices=list(check.get("choices", [])),
                chosen_index=chosen if isinstance(chosen, int) else None,
                correct_index=check.get("correct_index", -1),
                explanation=check.get("explanation", ""),
            )
        )
    return marked


def score(marked: Sequence[MarkedAnswer]) -> int:
    return sum(1 for answer in marked if answer.is_correct)
