"""The clinicians' library page and preview (issue 23), and the assign form's module hints."""

import pytest
from django.urls import reverse

from apps.assignments.models import SectionProgress
from apps.audit.models import AuditEvent
from apps.library.models import Module
from tests.assignments.factories import AssignmentFactory
from tests.library.factories import ModuleFactory, build_snapshot, publish_version

pytestmark = pytest.mark.django_db


def _published(*, title, review=None, demo=False, **fields):
    module = ModuleFactory(title=title, **fields)
    snapshot = build_snapshot(module)
    snapshot["summary"] = f"{title}: what the patient learns."
    snapshot["estimated_minutes"] = 7
    snapshot["reading_grade"] = 5.4
    snapshot["demo"] = demo
    snapshot["review"] = review
    publish_version(module, snapshot=snapshot)
    return module


REVIEW = {
    "name": "Dr Robin Vale",
    "role": "Clinician",
    "reviewed_on": "2026-11-03",
    "next_review": "2027-11-03",
}


def test_library_lists_published_modules_with_what_patients_are_told(clinician_client):
    reviewed = _published(title="Checkpoint inhibitors", review=REVIEW)
    spanish = _published(title="Inhibidores de puntos de control", language="es")
    spanish.translation_of = reviewed
    spanish.save(update_fields=["translation_of"])
    demo = _published(title="Flu shots", demo=True)
    ModuleFactory(title="Draft only, never published")

    response = clinician_client.get(reverse("library:library"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Checkpoint inhibitors: what the patient learns." in page
    assert "About 7 minutes" in page
    assert "US grade 5.4" in page
    assert "Dr Robin Vale, Clinician, on Nov. 3, 2026" in page
    assert "Draft only, never published" not in page
    # Languages: the English module names its Spanish translation and the other way round.
    preview = reverse("library:module_preview", args=[spanish.pk])
    assert f'href="{preview}"' in page
    assert f'href="{reverse("library:module_preview", args=[reviewed.pk])}"' in page
    cards = {module.pk: module for module in response.context["modules"]}
    assert [m.language for m in cards[reviewed.pk].languages] == ["en", "es"]
    assert [m.language for m in cards[spanish.pk].languages] == ["es", "en"]
    assert cards[demo.pk].is_demo is True
    assert "Demo content, not clinically reviewed." in page


def test_library_never_claims_a_review_that_did_not_happen(clinician_client):
    module = _published(title="No reviewer named")
    # The module row says it was reviewed (publishing sets last_reviewed even for demo content);
    # only a named review in the published version counts.
    Module.objects.filter(pk=module.pk).update(last_reviewed="2026-11-01")
    page = clinician_client.get(reverse("library:library")).content.decode()
    assert "No named review recorded for the version patients read." in page
    assert "Nov. 1, 2026" not in page


def test_library_shows_the_published_text_not_the_draft(clinician_client):
    module = _published(title="Published title", review=REVIEW)
    Module.objects.filter(pk=module.pk).update(summary="A draft summary", estimated_minutes=99)
    page = clinician_client.get(reverse("library:library")).content.decode()
    assert "Published title: what the patient learns." in page
    assert "A draft summary" not in page
    assert "About 99 minutes" not in page


def test_preview_shows_the_reading_as_patients_see_it_and_records_nothing(
    clinician_client, patient, clinician
):
    module = _published(title="Checkpoint inhibitors", review=REVIEW)
    assignment = AssignmentFactory(patient=patient, module=module, assigned_by=clinician)
    audit_rows = AuditEvent.objects.count()

    response = clinician_client.get(reverse("library:module_preview", args=[module.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<p>Plain words for part 1.</p>" in page
    assert "Checkpoint inhibitors: part 3" in page
    assert "Reviewed by Dr Robin Vale, Clinician, on Nov. 3, 2026." in page
    assert "Opening it here records nothing." in page
    assert not SectionProgress.objects.filter(assignment=assignment).exists()
    assignment.refresh_from_db()
    assert assignment.status == "assigned"
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize("module_id", ["draft", "retired", "missing", "huge"])
def test_preview_of_anything_patients_cannot_read_is_404(clinician_client, module_id):
    draft = ModuleFactory()
    retired = _published(title="Old")
    Module.objects.filter(pk=retired.pk).update(status=Module.Status.RETIRED)
    ids = {"draft": draft.pk, "retired": retired.pk, "missing": 999_999, "huge": 2**63}
    response = clinician_client.get(reverse("library:module_preview", args=[ids[module_id]]))
    assert response.status_code == 404


def test_patients_cannot_browse_the_library(patient_client):
    module = _published(title="Checkpoint inhibitors")
    assert patient_client.get(reverse("library:library")).status_code == 403
    assert (
        patient_client.get(reverse("library:module_preview", args=[module.pk])).status_code == 403
    )


def test_assign_form_shows_each_modules_summary_and_a_preview_link(clinician_client):
    module = _published(title="Checkpoint inhibitors", review=REVIEW)
    page = clinician_client.get(reverse("assignments:assign")).content.decode()
    assert "Checkpoint inhibitors: what the patient learns." in page
    assert "About 7 minutes" in page
    assert "US grade 5.4" in page
    assert f'href="{reverse("library:module_preview", args=[module.pk])}"' in page
    assert 'aria-describedby="id_modules_0-hint"' in page


def test_library_page_query_count_does_not_grow(clinician_client, django_assert_num_queries):
    for index in range(2):
        _published(title=f"Module {index}", review=REVIEW)
    clinician_client.get(reverse("library:library"))
    # The request's three (session, user, authenticator) and the modules; the menu's badge was
    # cached by the first request (apps.accounts.team_counts).
    with django_assert_num_queries(4):
        clinician_client.get(reverse("library:library"))
    for index in range(2, 12):
        _published(title=f"Module {index}", demo=index % 2 == 0)
    with django_assert_num_queries(4):
        clinician_client.get(reverse("library:library"))


def test_assign_page_shows_no_template_comment_text(clinician_client):
    _published(title="Checkpoint inhibitors")
    page = clinician_client.get(reverse("assignments:assign")).content.decode()
    assert "{#" not in page and "choice_hint" not in page


def test_no_template_has_a_one_line_comment_left_open():
    """{# ... #} ends on its own line in Django; an unclosed one is printed on the page."""
    from pathlib import Path

    from django.conf import settings

    open_comments = [
        f"{path}:{number}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert not open_comments
