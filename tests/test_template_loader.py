"""portal.template_loader: one compiled copy of a template per language, with constant
{% translate %} tags written in. It must render exactly what Django's own loader renders."""

import pytest
from django.template import Context, engines
from django.template.base import TextNode
from django.template.engine import Engine
from django.templatetags.i18n import TranslateNode
from django.utils import translation

SOURCE = (
    "{% load i18n %}"
    "<a>{% translate 'Log out' %}</a>"
    "{% if flag %}<b>{% translate 'Skip to main content' %}</b>{% endif %}"
    "{% for item in items %}<i>{% translate 'Log out' context 'nothing' %}</i>{% endfor %}"
    "{% translate 'Log out' as saved %}[{{ saved }}]"
    "{% translate word %}|{% translate 'Log out'|upper %}|{% translate 'Log out' noop %}"
    "{% language 'es' %}<s>{% translate 'Log out' %}</s>{% endlanguage %}"
    "{% blocktranslate with name=name %}Select {{ name }}{% endblocktranslate %}"
    "<q>{% translate '100% sure' %}</q>"
)
CONTEXT = {"flag": True, "items": [1, 2], "word": "Log out", "name": "<Ann>"}


def _engine(loader: str) -> Engine:
    return Engine(
        loaders=[
            (loader, [("django.template.loaders.locmem.Loader", {"page.html": SOURCE})]),
        ],
        libraries={"i18n": "django.templatetags.i18n"},
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_renders_what_djangos_cached_loader_renders(language):
    ours = _engine("portal.template_loader.Loader")
    django_own = _engine("django.template.loaders.cached.Loader")
    with translation.override(language):
        expected = django_own.get_template("page.html").render(_context(django_own))
        # Twice: the first render compiles and writes the translations in, the second uses
        # the kept copy.
        for _ in range(2):
            assert ours.get_template("page.html").render(_context(ours)) == expected
    if language == "es":
        assert "<a>Cerrar sesión</a>" in expected
        assert "<b>Saltar al contenido principal</b>" in expected
    # The {% language %} block speaks Spanish on an English page too.
    assert "<s>Cerrar sesión</s>" in expected
    assert ("Select &lt;Ann&gt;" if language == "en" else "Seleccionar a &lt;Ann&gt;") in expected
    assert "<q>100% sure</q>" in expected


def _context(engine):
    return Context(CONTEXT)


def test_each_language_has_its_own_copy_and_constant_tags_become_text():
    engine = _engine("portal.template_loader.Loader")
    with translation.override("en"):
        english = engine.get_template("page.html")
    with translation.override("es"):
        spanish = engine.get_template("page.html")
        assert engine.get_template("page.html") is spanish
    assert english is not spanish
    with translation.override("en"):
        assert engine.get_template("page.html") is english
        assert "<a>Log out</a>" in english.render(_context(engine))
    with translation.override("es"):
        assert "<a>Cerrar sesión</a>" in spanish.render(_context(engine))

    def translate_tags(nodelist):
        return [node for node in nodelist.get_nodes_by_type(TranslateNode)]

    left = translate_tags(spanish.nodelist)
    # Kept as tags: `as saved`, a variable, a filter, noop, and the one inside {% language %}.
    assert len(left) == 5
    written = [node.s for node in spanish.nodelist.get_nodes_by_type(TextNode)]
    # The plain tag, and the one with a literal context inside the loop (which has no
    # Spanish translation in that context, so stays as written).
    assert "Cerrar sesión" in written
    assert "Log out" in written


def test_the_portal_uses_it_and_pages_come_out_in_the_users_language(client, patient):
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["portal.template_loader"]
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    client.force_login(patient)
    assert "Saltar al contenido principal" in client.get("/reading/").content.decode()
    patient.preferred_language = "en"
    patient.save(update_fields=["preferred_language"])
    assert "Skip to main content" in client.get("/reading/").content.decode()
