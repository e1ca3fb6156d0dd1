"""Markdown to safe HTML, and how hard the result is to read.

Module bodies are written by editors, but a patient's browser must never run anything that
arrives through them, whoever typed it. So Markdown is rendered first and the HTML is then
cleaned by nh3 with an allow-list: whatever is not listed here (scripts, event handlers,
iframes, styles, forms, SVG, data: and javascript: URLs) never leaves this module.

Phone numbers: a body says {{EMERGENCY_NUMBER}} or {{CARE_TEAM_PHONE}} where the deployment's
number belongs (settings of the same names), so a clinic outside the US shows its own. They are
filled in when the Markdown is rendered, that is when a version is published or previewed.

Reading grade:
- English: Flesch-Kincaid grade (textstat, US school grade).
- Spanish: Crawford's grade formula (textstat), which was fitted on Spanish school texts.
  Flesch-Kincaid's constants assume English syllable counts; on Spanish text it reports
  grade 11-12 for prose that Spanish formulas place at primary-school level.
"""

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from html import unescape
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from textstat.backend.selections import list_words
from textstat.backend.utils import get_cmudict
from textstat.textstat import textstatistics

MARKDOWN_EXTENSIONS = ["tables", "sane_lists"]

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "hr",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
# Removed together with everything inside them, not just unwrapped: their content is code,
# styling or embedded documents, never text meant for the reader.
REMOVED_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "svg",
    "math",
    "form",
    "textarea",
    "select",
    "button",
    "title",
    "head",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
STATIC_PREFIX = "/static/"

# GOV.UK Frontend classes, set by the sanitiser itself (any class an author typed is dropped),
# so bodies look like the rest of the portal without extra CSS.
GOVUK_CLASSES = {
    "h2": {"class": "govuk-heading-l"},
    "h3": {"class": "govuk-heading-m"},
    "h4": {"class": "govuk-heading-s"},
    "p": {"class": "govuk-body"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "a": {"class": "govuk-link"},
    "blockquote": {"class": "govuk-inset-text"},
    "hr": {"class": "govuk-section-break govuk-section-break--m govuk-section-break--visible"},
    "table": {"class": "govuk-table"},
    "thead": {"class": "govuk-table__head"},
    "tbody": {"class": "govuk-table__body"},
    "tr": {"class": "govuk-table__row"},
    "th": {"class": "govuk-table__header", "scope": "col"},
    "td": {"class": "govuk-table__cell"},
    "img": {"class": "portal-prose-image"},
}


def _is_static_path(value: str) -> bool:
    """Images may only come from our own static files: no tracking pixels, no data: URLs."""
    parts = urlsplit(value)
    return (
        not parts.scheme
        and not parts.netloc
        and parts.path.startswith(STATIC_PREFIX)
        and ".." not in parts.path
        and "\\" not in value
    )


def _is_safe_link(value: str) -> bool:
    """nh3 already allows only LINK_SCHEMES; this also refuses links that would only turn
    into another scheme once whitespace or control characters are ignored ("java script:")."""
    compact = re.sub(r"[\x00-\x20\x7f-\x9f]+", "", value)
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", compact)
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _is_static_path(value) else None
    if tag == "a" and attribute == "href":
        return value if _is_safe_link(value) else None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=REMOVED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=LINK_SCHEMES,
    link_rel="noopener noreferrer",
    set_tag_attribute_values=GOVUK_CLASSES,
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    return _cleaner.clean(html)


# Written in a body as {{NAME}}; NAME is the setting that holds the number.
NUMBER_SETTINGS = ("EMERGENCY_NUMBER", "CARE_TEAM_PHONE")


def fill_numbers(text: str) -> str:
    for name in NUMBER_SETTINGS:
        text = text.replace("{{" + name + "}}", str(getattr(settings, name)))
    return text


def render_markdown(text: str) -> str:
    """Markdown → HTML that is safe to mark safe in a template."""
    html = markdown.markdown(
        fill_numbers(text or ""), extensions=MARKDOWN_EXTENSIONS, output_format="html"
    )
    return sanitise_html(html)


def html_to_text(html: str) -> str:
    """The words a reader sees, for readability scores: tags stripped, entities decoded."""
    return unescape(nh3.clean(html, tags=set(), clean_content_tags=REMOVED_WITH_CONTENT))


# textstat language codes. Anything else is measured as English.
TEXTSTAT_LANGUAGES = {"en": "en_US", "es": "es"}


@lru_cache(maxsize=len(TEXTSTAT_LANGUAGES))
def _textstat_for(lang: str) -> textstatistics:
    # One instance per language: textstat's module-level instance keeps the language as
    # global state, which two requests measuring different languages would trample.
    stats = textstatistics()
    stats.set_lang(lang)
    stats.set_rounding_points(None)
    return stats


def _tolerate_unknown_words(text: str, lang: str) -> None:
    """Let textstat 0.7.7 count syllables of words missing from its pronunciation dictionary.

    textstat 0.7.7 expects cmudict.dict() to be a defaultdict, as it was up to cmudict 1.0.33;
    since cmudict 1.1 a word it lacks ("HPV", "mRNA", most drug names) raises KeyError
    (textstat issue #212, fixed only in releases that download data at run time). An empty
    pronunciation list is what textstat already reads as "unknown word", and it then falls
    back to Pyphen's hyphenation, so that is what missing words are given here.
    """
    pronunciations = get_cmudict(lang)
    if pronunciations is None:
        return
    for word in list_words(text, lowercase=True):
        if word not in pronunciations:
            pronunciations[word] = []


def reading_grade(text: str, *, language: str = "en") -> Decimal | None:
    """US school grade needed to read `text` (plain text), to one decimal; None if no words."""
    if not list_words(text or ""):
        return None
    lang = TEXTSTAT_LANGUAGES.get(language, "en_US")
    stats = _textstat_for(lang)
    if lang == "es":
        grade = stats.crawford(text)
    else:
        _tolerate_unknown_words(text, lang)
        grade = stats.flesch_kincaid_grade(text)
    # A grade below zero means "very easy"; the field and the admin read better with 0.
    return Decimal(str(max(grade, 0.0))).quantize(Decimal("0.1"))


def smog_grade(texts: Iterable[str]) -> Decimal | None:
    """SMOG grade of English Markdown bodies read in order (a second check beside Flesch-Kincaid,
    counting words of three or more syllables). None if there are no words."""
    plain = "\n\n".join(html_to_text(render_markdown(text)) for text in texts)
    if not list_words(plain):
        return None
    stats = _textstat_for("en_US")
    _tolerate_unknown_words(plain, "en_US")
    return Decimal(str(stats.smog_index(plain))).quantize(Decimal("0.1"))


def markdown_reading_grade(text: str, *, language: str = "en") -> Decimal | None:
    return reading_grade(html_to_text(render_markdown(text)), language=language)


def combined_reading_grade(texts: Iterable[str], *, language: str = "en") -> Decimal | None:
    """Grade of several Markdown bodies read one after the other (a whole module)."""
    plain = "\n\n".join(html_to_text(render_markdown(text)) for text in texts)
    return reading_grade(plain, language=language)
