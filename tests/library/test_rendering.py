"""Markdown is rendered to HTML that can never run anything in a patient's browser."""

import re
from decimal import Decimal

import pytest

from apps.library.rendering import html_to_text, reading_grade, render_markdown

# (name, hostile Markdown/HTML, what must not survive in the output)
HOSTILE_INPUTS = [
    ("script tag", "Hello <script>alert('x')</script> there", r"<script|alert"),
    ("script tag, odd case", "<ScRiPt>alert(1)</sCrIpT>", r"(?i)<script|alert"),
    ("script split by comment", "<scr<!-- -->ipt>alert(1)</script>", r"(?i)<script"),
    ("img onerror", '<img src="/static/x.png" onerror="alert(1)">', r"(?i)onerror|alert"),
    ("p onclick", '<p onclick="steal()">Tap me</p>', r"(?i)onclick|steal"),
    ("a onmouseover", '<a href="https://example.org" onmouseover="x()">hi</a>', r"(?i)onmouseover"),
    ("svg onload", '<svg onload="alert(1)"><circle r="4"/></svg>', r"(?i)<svg|onload|alert"),
    ("body onload", '<body onload="alert(1)">text</body>', r"(?i)onload|<body"),
    ("markdown javascript link", "[click](javascript:alert(1))", r"(?i)javascript"),
    ("mixed-case javascript link", '<a href="JaVaScRiPt:alert(1)">x</a>', r"(?i)javascript"),
    ("javascript link with entities", '<a href="&#106;avascript&#58;alert(1)">x</a>', r"(?i)href"),
    ("javascript link with hex entities", '<a href="jav&#x61;script:alert(1)">x</a>', r"(?i)href"),
    ("javascript link with tab", '<a href="java\tscript:alert(1)">x</a>', r"(?i)href"),
    ("javascript link with leading space", '<a href=" javascript:alert(1)">x</a>', r"(?i)href"),
    ("vbscript link", '<a href="vbscript:msgbox(1)">x</a>', r"(?i)vbscript"),
    ("data: link", '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', r"(?i)data:"),
    ("iframe", '<iframe src="https://evil.example"></iframe>', r"(?i)<iframe|evil"),
    ("frameset", "<frameset><frame src=x></frameset>", r"(?i)<frame"),
    ("style tag", "<style>body { display: none }</style>Text", r"(?i)<style|display"),
    ("style attribute", '<p style="background:url(javascript:x)">T</p>', r"(?i)style|javascript"),
    ("object", '<object data="evil.swf"></object>', r"(?i)<object|evil"),
    ("embed", '<embed src="evil.swf">', r"(?i)<embed|evil"),
    ("form", '<form action="https://evil.example"><input name="pw"></form>', r"(?i)<form|<input"),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://evil">', r"(?i)<meta"),
    ("base tag", '<base href="https://evil.example/">', r"(?i)<base"),
    ("link tag", '<link rel="stylesheet" href="https://evil.example/x.css">', r"(?i)<link"),
    ("data: image", "![x](data:image/png;base64,iVBORw0KGgo=)", r"(?i)data:|src="),
    (
        "data: svg image",
        '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
        r"(?i)data:|onload",
    ),
    ("remote image", "![tracker](https://evil.example/pixel.png)", r"(?i)evil|src="),
    ("protocol-relative image", "![x](//evil.example/static/x.png)", r"(?i)evil|src="),
    ("image escaping static", "![x](/static/../media/secret.png)", r"(?i)secret|src="),
    ("javascript image", '<img src="javascript:alert(1)">', r"(?i)javascript|src="),
    (
        "srcset",
        '<img src="/static/a.png" srcset="https://evil.example/a.png 2x">',
        r"(?i)srcset|evil",
    ),
    ("id clobbering", '<p id="main-content" name="x">T</p>', r'(?i)id="main-content"|name='),
    ("author classes", '<p class="govuk-visually-hidden">T</p>', r"(?i)visually-hidden"),
    ("template", "<template><script>alert(1)</script></template>", r"(?i)<template|alert"),
    ("math", '<math><a xlink:href="javascript:alert(1)">x</a></math>', r"(?i)javascript|<math"),
    ("noscript", "<noscript><img src=x onerror=alert(1)></noscript>", r"(?i)onerror|alert"),
]


@pytest.mark.parametrize(
    ("markdown_text", "forbidden"),
    [pytest.param(text, forbidden, id=name) for name, text, forbidden in HOSTILE_INPUTS],
)
def test_hostile_markdown_is_neutralised(markdown_text, forbidden):
    html = render_markdown(markdown_text)

    assert not re.search(forbidden, html), html
    # Belt and braces: no tag outside the allow-list and no event handler of any kind.
    assert not re.search(r"(?i)\son[a-z]+\s*=", html)
    for tag in re.findall(r"<\s*([a-zA-Z0-9]+)", html):
        assert tag.lower() in {
            "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "a",
            "blockquote", "table", "thead", "tbody", "tr", "th", "td", "img",
        }  # fmt: skip


def test_safe_markdown_keeps_its_structure_with_govuk_classes():
    html = render_markdown(
        "### Before treatment\n\nAsk **your team** about *vaccines*.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> Call us at once.\n\n---\n\n"
        "| Vaccine | Type |\n| --- | --- |\n| Flu shot | Inactivated |\n"
    )

    assert '<h3 class="govuk-heading-m">Before treatment</h3>' in html
    assert "<strong>your team</strong>" in html
    assert "<em>vaccines</em>" in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html
    assert '<blockquote class="govuk-inset-text">' in html
    assert "<hr" in html
    header = re.search(r"<th ([^>]*)>Vaccine</th>", html)
    assert header and 'scope="col"' in header.group(1)
    assert 'class="govuk-table__header"' in header.group(1)
    assert re.search(r'<td class="govuk-table__cell">Inactivated</td>', html)


@pytest.mark.parametrize(
    "href",
    [
        "https://www.cancer.gov/",
        "http://example.org/a?b=1",
        "mailto:team@example.org",
        "/accounts/",
    ],
)
def test_safe_links_are_kept_and_opened_without_opener(href):
    html = render_markdown(f"[a source]({href})")

    assert f'href="{href.replace("&", "&amp;")}"' in html
    assert 'rel="noopener noreferrer"' in html


def test_images_from_static_are_kept_with_their_alt_text():
    html = render_markdown("![A drip in a vein](/static/img/infusion.png)")

    assert 'src="/static/img/infusion.png"' in html
    assert 'alt="A drip in a vein"' in html


def test_plain_text_for_readability_has_no_tags_or_entities():
    html = render_markdown("It's **your** body & mind.\n\n- A list item.")

    assert html_to_text(html).split() == [
        "It's",
        "your",
        "body",
        "&",
        "mind.",
        "A",
        "list",
        "item.",
    ]


def test_reading_grade_of_simple_english_is_low():
    grade = reading_grade(
        "Your care team will help you. Call them if you feel sick. They can help."
    )

    assert grade is not None and grade < Decimal("4")


def test_reading_grade_of_dense_english_is_high():
    grade = reading_grade(
        "Immunotherapeutic interventions frequently precipitate immune-related adverse events "
        "necessitating corticosteroid administration, multidisciplinary consultation and "
        "comprehensive longitudinal surveillance of endocrinological parameters."
    )

    assert grade > Decimal("12")


def test_reading_grade_copes_with_words_missing_from_the_pronunciation_dictionary():
    grade = reading_grade(
        "The HPV vaccine and mRNA vaccines are not live. CAR-T cells are made in a lab."
    )

    assert grade is not None


def test_reading_grade_of_spanish_uses_a_spanish_formula():
    text = "Las vacunas enseñan a sus defensas a combatir un germen. Pregunte a su equipo."

    assert reading_grade(text, language="es") < Decimal("8")


@pytest.mark.parametrize("text", ["", "   ", "...", "— ! ?"])
def test_reading_grade_of_text_without_words_is_none(text):
    assert reading_grade(text) is None
