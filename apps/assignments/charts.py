"""A server-rendered bar chart: completion per module, drawn with inline SVG.

No chart library and no JavaScript. Each module is one row: its name and numbers as HTML text
(which wraps and zooms like any text, so the chart stays readable on a phone and at 200%)
and an SVG bar scaled to the share finished. SVG elements carry CSS classes only: the
Content-Security-Policy forbids inline styles. The table under the chart holds the same
numbers.
"""

from dataclasses import dataclass

from .dashboards import ModuleOverviewRow


@dataclass(frozen=True)
class Bar:
    label: str
    completed: int
    assigned: int
    percent: int


def completion_chart(rows: list[ModuleOverviewRow]) -> list[Bar]:
    """One bar per module that has been assigned, most finished first."""
    bars = [
        Bar(
            label=row.module.title,
            completed=row.completed,
            assigned=row.assigned,
            percent=row.completion_percent,
        )
        for row in rows
        if row.assigned
    ]
    return sorted(bars, key=lambda bar: (-bar.percent, bar.label))
