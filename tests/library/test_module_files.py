"""Rules every module file in fixtures/modules keeps: checked without loading them."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from apps.library import rendering
from apps.library.loading import find_module_files, parse_module_file

FIXTURES = Path(settings.BASE_DIR) / "fixtures" / "modules"
MODULE_FILES = find_module_files(FIXTURES)
# A reader who picks the longest answer should not pass: at most this share of a module's
# questions may have a right answer as their longest choice (ties count as longest).
LONGEST_RIGHT_ANSWER_LIMIT = 0.4


def by_name(paths):
    return [pytest.param(path, id=path.stem) for path in paths]


def test_there_are_module_files_to_check():
    assert len(MODULE_FILES) >= 9


@pytest.mark.parametrize("path", by_name(MODULE_FILES))
def test_every_module_expands_the_shared_urgent_list(path):
    module = parse_module_file(path)
    shared = (FIXTURES / "_shared" / f"urgent-signs.{module.language}.md").read_text().strip()

    bodies = [section.body_markdown for section in module.sections]

    assert sum(body.count(shared) for body in bodies) == 1, "the urgent list, once"
    assert not any("::: include" in body for body in bodies)
    html = "".join(rendering.render_markdown(body) for body in bodies)
    assert settings.EMERGENCY_NUMBER in html
    assert "{{" not in html


@pytest.mark.parametrize("path", by_name(MODULE_FILES))
def test_the_right_answer_is_not_usually_the_longest(path):
    checks = parse_module_file(path).checks

    longest = [
        check.prompt
        for check in checks
        if any(
            len(check.choices[index]) >= max(map(len, check.choices))
            for index in check.correct_indexes or (check.correct_index,)
        )
    ]

    assert len(longest) / len(checks) <= LONGEST_RIGHT_ANSWER_LIMIT, longest


@pytest.mark.parametrize("path", by_name(MODULE_FILES))
def test_every_module_ends_with_questions_for_the_care_team(path):
    module = parse_module_file(path)

    questions = module.sections[-1]

    assert questions.title in {
        "Questions to ask your care team",
        "Preguntas para su equipo de atención",
    }
    assert questions.body_markdown.count("?") >= 4


CHOOSE_ALL = {"en": "Choose all that apply.", "es": "Elija todas las que correspondan."}


@pytest.mark.parametrize("path", by_name(MODULE_FILES))
def test_every_module_asks_a_choose_all_that_apply_question(path):
    module = parse_module_file(path)

    multiple = [check for check in module.checks if len(check.correct_indexes) >= 2]

    assert multiple, "no question with more than one right choice"
    assert all(check.prompt.endswith(CHOOSE_ALL[module.language]) for check in multiple)


IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")


def test_the_three_diagrams_are_in_the_modules_the_issue_names():
    sources = {
        match.group("src")
        for path in MODULE_FILES
        for section in parse_module_file(path).sections
        for match in IMAGE.finditer(section.body_markdown)
    }

    assert {
        "/static/library/diagrams/checkpoint-brakes.svg",
        "/static/library/diagrams/car-t-journey.svg",
        "/static/library/diagrams/live-and-non-live-vaccines.svg",
    } <= sources


@pytest.mark.parametrize("path", by_name(MODULE_FILES))
def test_every_diagram_exists_and_says_in_words_what_it_shows(path):
    for section in parse_module_file(path).sections:
        for match in IMAGE.finditer(section.body_markdown):
            src, alt = match.group("src"), match.group("alt")
            assert finders.find(src.removeprefix(settings.STATIC_URL)), src
            assert len(alt.split()) >= 20, f"{src}: the text alternative is too short"
            html = rendering.render_markdown(section.body_markdown)
            assert f'src="{src}"' in html and f'alt="{alt}"' in html
