"""portal.stencil and the page chrome built on it (apps.accounts.chrome).

A stencil must give exactly what the template engine gives for the same values, whichever
variant was rendered first, and must never carry one person's values into another's page.
"""

import pytest
from django.template import Template, TemplateSyntaxError
from django.test import RequestFactory, override_settings
from django.urls import set_script_prefix
from django.utils import translation

from apps.accounts import chrome
from apps.accounts.models import User
from portal.stencil import Stencil, names_used
from tests.factories import (
    AdminFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
    ensure_mfa,
)

pytestmark = pytest.mark.django_db


def _keys_and_holes(user, *, waiting=0, path="/somewhere/?page=2&q=<b>"):
    signed_in = user is not None
    keys = {
        "PORTAL_NAME": "Patient education portal",
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_OPTIONS": (("en", "English"), ("es", "Español")),
        "CARE_TEAM_PHONE": "555-0100",
        "signed_in": signed_in,
        "role": user.role if signed_in and user.role != User.Role.ADMIN else "",
        "is_staff": signed_in and user.is_staff,
        "text_size": user.text_size if signed_in else "standard",
        "session_idle_minutes": 15 if signed_in else "",
        "questions_waiting": bool(waiting),
    }
    holes = {
        "csrf_token": 'tok"en<&>',
        "user_label": (user.name or user.email) if signed_in else "",
        "full_path": path,
        "waiting_count": str(waiting) if waiting else "",
    }
    return keys, holes


def _people():
    patient = PatientFactory(name="Ann <Lee> & Co", text_size=User.TextSize.LARGER)
    nameless = PatientFactory(name="", email="no.name@example.org")
    clinician = ClinicianFactory(name="Dr O'Neil", text_size=User.TextSize.LARGE)
    admin = AdminFactory(name="Ada Admin")
    return [None, patient, nameless, clinician, admin]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_part_gives_what_the_template_engine_gives(language):
    chrome.PARTS["top"].forget()
    with translation.override(language):
        for person in _people():
            for waiting in (0, 3):
                keys, holes = _keys_and_holes(person, waiting=waiting)
                for part, stencil in chrome.PARTS.items():
                    mine = {k: keys[k] for k in stencil.keys}
                    theirs = {h: holes[h] for h in stencil.holes}
                    # Twice: the first call cuts the stencil, the second uses the kept pieces.
                    for _ in range(2):
                        assert stencil.render(keys=mine, holes=theirs) == (
                            stencil.render_plainly(keys=mine, holes=theirs)
                        ), (part, person, waiting)


def test_holes_are_escaped_and_the_menu_follows_the_keys():
    patient, clinician = PatientFactory(), ClinicianFactory()
    keys, holes = _keys_and_holes(patient)
    holes["user_label"] = "<script>alert(1)</script>"
    top = chrome.PARTS["top"].render(keys=keys, holes=holes)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in top
    assert "<script>alert" not in top
    assert 'value="tok&quot;en&lt;&amp;&gt;"' in top
    assert "My reading" in top and "My patients" not in top
    keys, holes = _keys_and_holes(clinician, waiting=7)
    top = chrome.PARTS["top"].render(keys=keys, holes=holes)
    assert "My patients" in top and "My reading" not in top
    assert '<span class="portal-nav__count">7<span' in top


def test_pages_show_each_person_their_own_name_and_a_token_that_works():
    import re

    from django.test import Client
    from django.urls import reverse

    first = PatientFactory(name="First Person")
    second = PatientFactory(name="Second Person")
    pages = {}
    for person in (first, second):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        page = client.get("/reading/").content.decode()
        pages[person.name] = page
        # Each of the page's forms (log out, text size, language, the timeout's log out)
        # carries a token this browser's cookie accepts.
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert len(tokens) == 4
        for token in tokens:
            answer = client.post(
                reverse("accounts:text_size"),
                {"csrfmiddlewaretoken": token, "text_size": "large", "next": "/reading/"},
            )
            assert answer.status_code == 302, answer.status_code
    assert "First Person" in pages["First Person"]
    assert "Second Person" not in pages["First Person"]
    assert "Second Person" in pages["Second Person"]
    assert "First Person" not in pages["Second Person"]


def test_the_clinicians_menu_shows_the_questions_waiting(client):
    from tests.questions.factories import QuestionFactory

    clinician = ClinicianFactory()
    ensure_mfa(clinician)
    patient = PatientFactory()
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    client.force_login(clinician)
    assert "portal-nav__count" not in client.get("/patients/").content.decode()
    QuestionFactory(patient=patient)
    for address in ("/patients/", "/team/invitations/"):
        page = client.get(address).content.decode()
        assert '<span class="portal-nav__count">1<span' in page, address


def test_a_changed_setting_or_script_prefix_is_shown_at_once(client):
    client.force_login(PatientFactory())
    assert "555-0199" not in client.get("/reading/").content.decode()
    with override_settings(CARE_TEAM_PHONE="555-0199"):
        assert "555-0199" in client.get("/reading/").content.decode()
    assert "555-0199" not in client.get("/reading/").content.decode()
    keys, holes = _keys_and_holes(None)
    set_script_prefix("/clinic/")
    try:
        assert 'href="/clinic/"' in chrome.PARTS["top"].render(keys=keys, holes=holes)
    finally:
        set_script_prefix("/")
    assert 'href="/"' in chrome.PARTS["top"].render(keys=keys, holes=holes)


def test_without_a_request_the_forms_have_no_token():
    from django.template.loader import render_to_string

    html = render_to_string("base.html", {})
    assert "csrfmiddlewaretoken" not in html
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string("base.html", {}, request=request)
    assert html.count('name="csrfmiddlewaretoken"') == 1  # the language form


def test_names_used_finds_what_a_template_reads():
    template = Template(
        "{% load i18n %}{{ a.b|default:c }}{% if d and not e %}{% endif %}"
        "{% for x, y in f %}{{ x }}{{ y }}{{ forloop.counter }}{% endfor %}"
        "{% with g=h %}{{ g }}{% endwith %}"
        "{% blocktranslate with p=i count n=j %}{{ p }}{% plural %}{{ n }}{% endblocktranslate %}"
        "{% csrf_token %}{% translate 'Log out' as k %}{{ k }}"
    )
    assert names_used(template.nodelist) == {"a", "c", "d", "e", "f", "h", "i", "j", "csrf_token"}


@pytest.fixture
def template_dir(tmp_path):
    settings_templates = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [tmp_path],
            "OPTIONS": {"loaders": ["django.template.loaders.filesystem.Loader"]},
        }
    ]
    with override_settings(TEMPLATES=settings_templates):
        yield tmp_path


def test_a_name_the_stencil_does_not_know_is_refused(template_dir):
    (template_dir / "leaky.html").write_text("<p>{{ shown }} {{ request.user.name }}</p>")
    stencil = Stencil("leaky.html", keys=("shown",), holes=())
    with pytest.raises(TemplateSyntaxError, match="request"):
        stencil.render(keys={"shown": 1}, holes={})


def test_a_hole_changed_by_a_filter_is_refused(template_dir):
    (template_dir / "shouty.html").write_text("<p>{{ name|upper }}</p>")
    stencil = Stencil("shouty.html", keys=(), holes=("name",))
    with pytest.raises(TemplateSyntaxError, match="filter"):
        stencil.render(keys={}, holes={"name": "ann"})


def test_a_key_cannot_also_be_a_hole():
    with pytest.raises(ValueError, match="Both"):
        Stencil("x.html", keys=("a", "b"), holes=("b",))
