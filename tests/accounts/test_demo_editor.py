"""The demo editor edits the library and sees no patient's information."""

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from tests.factories import ensure_mfa

pytestmark = pytest.mark.django_db


def test_the_demo_editor_sees_no_patient_on_the_web_or_the_api(client):
    call_command("seed_demo", verbosity=0)
    editor = User.objects.get(email="editor@example.com")
    assert editor.is_staff and not editor.is_superuser and not editor.is_portal_admin
    assert editor.has_perm("library.change_module")
    assert not editor.has_perm("library.review_module")
    ensure_mfa(editor)
    client.force_login(editor)

    api = client.get("/api/v1/patients/")
    assert api.status_code == 200
    assert api.json()["results"] == []
    patient = User.objects.get(email="patient@example.com")
    assert client.get(f"/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/api/v1/assignments/?patient={patient.pk}").json()["results"] == []
    assert client.get("/admin/audit/auditevent/").status_code in (302, 403)
