"""Every page's frame (templates/base.html): title, header, menu, text size and footer."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from apps.accounts.models import User
from tests.factories import CareTeamMembershipFactory, ClinicianFactory, PatientFactory, ensure_mfa

pytestmark = pytest.mark.django_db


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def test_the_title_names_the_page_then_the_portal(client):
    page = client.get(reverse("account_login")).content.decode()
    assert _title(page) == "Log in – Patient education portal"


def test_the_title_is_translated_with_its_separator(client):
    with translation.override("es"):
        page = client.get(reverse("account_login"), headers={"accept-language": "es"})
    title = _title(page.content.decode())
    assert title.endswith(" – Portal de educación para pacientes"), title
    assert not title.startswith(" –")


@pytest.mark.parametrize(
    ("role", "address", "title"),
    [
        ("patient", "/reading/", "My reading"),
        ("patient", "/questions/", "My questions"),
        ("clinician", "/patients/", "My patients"),
        ("clinician", "/team/invitations/", "Invite a patient"),
    ],
)
def test_signed_in_pages_keep_the_separator(client, role, address, title):
    person = PatientFactory() if role == "patient" else ClinicianFactory()
    if role == "clinician":
        ensure_mfa(person)
    client.force_login(person)
    page = client.get(address).content.decode()
    assert _title(page) == f"{title} – Patient education portal"


def test_pages_show_each_person_their_own_name_escaped_and_tokens_that_work():
    first = PatientFactory(name="Ann <Lee> & Co")
    second = PatientFactory(name="Second Person")
    pages = {}
    for person in (first, second):
        client = Client(enforce_csrf_checks=True)
        client.force_login(person)
        page = client.get("/reading/").content.decode()
        pages[person.pk] = page
        # Log out, text size, language and the timeout's log out: each token is accepted.
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert len(tokens) == 4
        for token in tokens:
            answer = client.post(
                reverse("accounts:text_size"),
                {"csrfmiddlewaretoken": token, "text_size": "large", "next": "/reading/"},
            )
            assert answer.status_code == 302
    assert "Ann &lt;Lee&gt; &amp; Co" in pages[first.pk]
    assert "Ann <Lee>" not in pages[first.pk]
    assert "Second Person" not in pages[first.pk]
    assert "Second Person" in pages[second.pk]


def test_the_menu_follows_the_role_and_the_body_the_text_size(client):
    patient = PatientFactory(text_size=User.TextSize.LARGER)
    client.force_login(patient)
    page = client.get("/reading/").content.decode()
    assert "portal-text-larger" in page
    assert reverse("assignments:my_reading") in page
    assert reverse("assignments:my_patients") not in page
    clinician = ClinicianFactory()
    ensure_mfa(clinician)
    client.force_login(clinician)
    page = client.get("/patients/").content.decode()
    assert "portal-text-standard" in page
    assert reverse("assignments:my_patients") in page
    assert 'href="/reading/"' not in page


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


def test_the_footer_follows_a_changed_setting_at_once(client, settings):
    client.force_login(PatientFactory())
    assert "555-0199" not in client.get("/reading/").content.decode()
    settings.CARE_TEAM_PHONE = "555-0199"
    assert "555-0199" in client.get("/reading/").content.decode()


def test_signed_out_pages_have_no_menu_and_one_form(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "portal-nav" not in page
    assert "data-text-size-form" not in page
    assert 'action="/i18n/' in page or reverse("accounts:language") in page


def test_the_cached_frame_follows_text_size_language_and_staff_at_once(client):
    patient = PatientFactory(preferred_language="en")
    client.force_login(patient)
    page = client.get("/reading/").content.decode()
    assert "portal-text-standard" in page and "Log out" in page
    client.post(reverse("accounts:text_size"), {"text_size": "larger", "next": "/reading/"})
    page = client.get("/reading/").content.decode()
    assert "portal-text-larger" in page
    assert (
        'value="larger" class="portal-text-size__button portal-text-size__button--larger" aria-pressed="true"'
        in page
    )
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    page = client.get("/reading/").content.decode()
    assert "Cerrar sesión" in page and "Log out" not in page

    staff = ClinicianFactory()
    clinician = ClinicianFactory(is_staff=False)
    for person in (staff, clinician):
        ensure_mfa(person)
    client.force_login(staff)
    assert reverse("admin:index") in client.get("/patients/").content.decode()
    client.force_login(clinician)
    assert reverse("admin:index") not in client.get("/patients/").content.decode()
