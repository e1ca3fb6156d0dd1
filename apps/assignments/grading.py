"""Marking a comprehension check against the version it was asked from.

Pure functions, no database: the check service, the clinician's patient page and the module
overview all mark answers the same way.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MarkedAnswer:
    """One question of a check as the patient answered it.

    A "choose all that apply" question (its check has "correct_indexes") is right only when
    the patient chose exactly its right choices; `chosen_indexes` and `correct_indexes` hold
    them. For a one-answer question they hold the one chosen and the one right choice.
    """

    position: int
    prompt: str
    choices: list[str]
    chosen_index: int | None
    correct_index: int
    explanation: str
    chosen_indexes: tuple[int, ...] = ()
    correct_indexes: tuple[int, ...] = ()
    multiple: bool = False

    @property
    def is_correct(self) -> bool:
        if self.multiple:
            return bool(self.chosen_indexes) and self.chosen_indexes == self.correct_indexes
        return self.chosen_index == self.correct_index

    def _texts(self, indexes: tuple[int, ...]) -> str:
        return "; ".join(self.choices[index] for index in indexes if 0 <= index < len(self.choices))

    @property
    def chosen_text(self) -> str:
        return self._texts(self.chosen_indexes)

    @property
    def correct_text(self) -> str:
        return self._texts(self.correct_indexes)


def _indexes(value) -> tuple[int, ...]:
    """An answer as sorted choice indexes: one index, a list of them, or nothing."""
    values = value if isinstance(value, list) else [value]
    return tuple(
        sorted({one for one in values if isinstance(one, int) and not isinstance(one, bool)})
    )


def mark_answers(*, checks: Sequence[dict], answers: Sequence) -> list[MarkedAnswer]:
    """Pair each check of a version with the chosen answer (answers are in check order): a
    choice index, or a list of them for a "choose all that apply" question.

    A missing answer (a shorter list, or None) counts as wrong rather than failing: an attempt
    stored long ago must still display even if its version had a different number of checks.
    """
    marked = []
    for index, check in enumerate(checks):
        chosen = answers[index] if index < len(answers) else None
        correct_index = check.get("correct_index", -1)
        multiple = bool(check.get("correct_indexes"))
        chosen_indexes = _indexes(chosen)
        marked.append(
            MarkedAnswer(
                position=check.get("position", index + 1),
                prompt=check.get("prompt", ""),
                choices=list(check.get("choices", [])),
                chosen_index=chosen_indexes[0] if len(chosen_indexes) == 1 else None,
                correct_index=correct_index,
                explanation=check.get("explanation", ""),
                chosen_indexes=chosen_indexes,
                correct_indexes=_indexes(check.get("correct_indexes") or correct_index),
                multiple=multiple,
            )
        )
    return marked


def score(marked: Sequence[MarkedAnswer]) -> int:
    return sum(1 for answer in marked if answer.is_correct)
