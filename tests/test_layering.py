"""The apps import each other only downwards (docs/architecture.md draws the layers).

grimp reads the source of every module under apps/ and portal/ (nothing is imported), so
the check also sees imports written inside functions.
"""

import grimp
import pytest

# Lowest first. An app may import the ones before it, never the ones after it. Apps that
# share a line are siblings: they may not import each other either.
LAYERS: list[tuple[str, ...]] = [
    ("apps.core",),
    ("apps.audit",),
    ("apps.accounts",),
    ("apps.caregivers",),
    ("apps.library",),
    ("apps.assignments",),
    ("apps.questions",),
    ("apps.reminders",),
    ("apps.records", "apps.operations"),
    ("apps.api", "apps.fhir"),
    ("apps.bench",),
    ("portal",),
]


# The one import against the layers still allowed, with why. "My patients" filters and sorts
# on a waiting question in SQL, so the clinician's dashboards read the questions table; the
# way out is moving the clinician pages to an app above questions (issue 20's follow-up).
KNOWN_UPWARD_IMPORTS = [
    "apps.assignments.dashboards -> apps.questions.models",
]


def upward_imports(graph, layers: list[tuple[str, ...]]) -> list[str]:
    """Every import from a package into one on a higher layer or a sibling on its own layer,
    as "importer -> imported (line n)"."""
    found = []
    for level, members in enumerate(layers):
        forbidden = [other for line in layers[level:] for other in line]
        for lower in members:
            for higher in forbidden:
                if higher == lower or higher not in graph.modules:
                    continue
                for expression in (f"{lower}.** -> {higher}.**", f"{lower}.** -> {higher}"):
                    for found_import in graph.find_matching_direct_imports(
                        import_expression=expression
                    ):
                        details = graph.get_import_details(
                            importer=found_import["importer"], imported=found_import["imported"]
                        )
                        lines = ", ".join(str(detail["line_number"]) for detail in details)
                        found.append(
                            f"{found_import['importer']} -> {found_import['imported']} (line {lines})"
                        )
    return sorted(set(found))


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("apps", "portal", cache_dir=None)


def test_every_app_is_on_a_layer(graph):
    apps = graph.find_children("apps")
    placed = {member for line in LAYERS for member in line}
    assert apps <= placed, (
        f"put these on a layer in LAYERS and docs/architecture.md: {apps - placed}"
    )


def test_no_app_imports_one_above_it(graph):
    """A new upward import fails here; so does a known one that is gone (remove it above)."""
    found = upward_imports(graph, LAYERS)
    assert [line for line in found if line.split(" (line")[0] not in KNOWN_UPWARD_IMPORTS] == []
    assert sorted({line.split(" (line")[0] for line in found}) == sorted(KNOWN_UPWARD_IMPORTS)


def test_an_upward_import_is_reported():
    """The check can fail: a graph with one import against the layers is caught."""
    fake = grimp.ImportGraph()
    for module in ("low", "low.models", "high", "high.views", "side", "side.tasks"):
        fake.add_module(module)
    fake.add_import(importer="high.views", imported="low.models", line_number=3, line_contents="")
    fake.add_import(importer="low.models", imported="high.views", line_number=7, line_contents="")
    fake.add_import(importer="side.tasks", imported="high.views", line_number=9, line_contents="")

    assert upward_imports(fake, [("low",), ("high", "side")]) == [
        "low.models -> high.views (line 7)",
        "side.tasks -> high.views (line 9)",
    ]
