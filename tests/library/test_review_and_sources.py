"""What patients are told about review, sources and phone numbers in the modules they read."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse

from apps.library import rendering, services
from tests.assignments.factories import AssignmentFactory
from tests.factories import AdminFactory, ClinicianFactory

from .factories import PublishedModuleFactory, module_approved, module_in_review

pytestmark = pytest.mark.django_db

REVIEW_DAY = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("UTC"))
RITAS_REVIEW = {
    "name": "Rita Reviewer",
    "role": "Clinician",
    "reviewed_on": "2026-12-06",
    "next_review": "2027-12-06",
}
SOURCE = {
    "name": "CDC: Altered Immunocompetence",
    "url": "https://www.cdc.gov/vaccines/hcp/acip-recs/general-recs/immunocompetence.html",
    "checked": "2026-12-06",
}


def body_html(snapshot: dict) -> str:
    return render_to_string("library/_version_body.html", {"snapshot": snapshot})


@time_machine.travel(REVIEW_DAY, tick=False)
def test_a_version_approved_in_the_portal_names_its_reviewer_role_date_and_next_review():
    reviewer = ClinicianFactory(name="Rita Reviewer")
    module = module_approved(reviewer=reviewer)

    snapshot = services.module_publish(module=module, publisher=AdminFactory()).snapshot

    assert snapshot["demo"] is False
    assert snapshot["review"] == RITAS_REVIEW
    page = body_html(snapshot)
    assert (
        "Reviewed by Rita Reviewer, Clinician, on Dec. 6, 2026. Next review: Dec. 6, 2027." in page
    )
    assert "Demo content" not in page


def test_a_review_past_its_next_review_date_says_it_is_overdue():
    snapshot = {"language": "en", "sections": [], "review": RITAS_REVIEW}

    with time_machine.travel(datetime(2027, 12, 6, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        on_the_day = body_html(snapshot)
    with time_machine.travel(datetime(2027, 12, 7, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        a_day_late = body_html(snapshot)

    assert "overdue" not in on_the_day
    assert "This review is overdue: ask your care team if anything has changed." in a_day_late


def test_a_reviewer_without_a_name_gets_no_review_line():
    module = module_approved(reviewer=ClinicianFactory(name=""))

    snapshot = services.module_publish(module=module, publisher=AdminFactory()).snapshot

    assert snapshot["review"] is None
    assert "Reviewed by" not in body_html(snapshot)


def test_demo_content_says_so_plainly_and_names_no_reviewer():
    module = module_in_review(reviewer=ClinicianFactory(name="Rita Reviewer"))

    snapshot = services.module_publish(module=module, publisher=AdminFactory(), demo=True).snapshot

    assert (snapshot["demo"], snapshot["review"]) == (True, None)
    page = body_html(snapshot)
    assert "Demo content, not clinically reviewed." in page
    assert "Reviewed by" not in page
    assert "Rita Reviewer" not in page


def test_approving_demo_content_later_publishes_a_new_reviewed_version():
    reviewer = ClinicianFactory(name="Rita Reviewer")
    module = module_in_review(reviewer=reviewer)
    demo = services.module_publish(module=module, publisher=AdminFactory(), demo=True)
    services.module_record_edit(module=module, user=None)
    services.module_submit_for_review(module=module, reviewer=reviewer)
    services.module_approve(module=module, reviewer=reviewer)

    approved = services.module_publish(module=module, publisher=AdminFactory())

    assert approved.number == demo.number + 1
    assert approved.snapshot["demo"] is False
    assert approved.snapshot["review"]["name"] == "Rita Reviewer"


def test_an_older_version_claims_no_review_and_still_lists_its_sources():
    """Versions published before this rule kept "last_reviewed" and plain source names."""
    snapshot = {
        "language": "en",
        "sections": [{"position": 1, "title": "Part 1", "html": "<p>Text.</p>"}],
        "sources": ["National Cancer Institute: Immunotherapy"],
        "last_reviewed": "2026-11-27",
    }

    page = body_html(snapshot)

    assert "Last reviewed" not in page
    assert "Reviewed by" not in page
    assert "<li>National Cancer Institute: Immunotherapy</li>" in page


def test_sources_show_their_name_as_a_link_their_address_and_the_date_checked():
    page = body_html({"language": "en", "sections": [], "sources": [SOURCE]})

    assert f'href="{SOURCE["url"]}"' in page
    assert ">CDC: Altered Immunocompetence</a>" in page
    assert f'<span class="govuk-body-s portal-source-url">{SOURCE["url"]}</span>' in page
    assert "Checked on Dec. 6, 2026" in page


def test_the_patient_reading_one_section_at_a_time_is_told_it_is_demo_content(
    patient_client, patient
):
    module = module_in_review()
    services.module_publish(module=module, publisher=AdminFactory(), demo=True)
    assignment = AssignmentFactory(patient=patient, module=module)

    page = patient_client.get(
        reverse("assignments:reading_section", args=[assignment.pk, 1])
    ).content.decode()

    assert "Demo content, not clinically reviewed." in page


def test_module_bodies_show_the_deployments_emergency_and_care_team_numbers():
    text = "Call {{EMERGENCY_NUMBER}} now. Your team: {{CARE_TEAM_PHONE}}."

    with override_settings(EMERGENCY_NUMBER="999", CARE_TEAM_PHONE="020 7946 0000"):
        html = rendering.render_markdown(text)

    assert html == '<p class="govuk-body">Call 999 now. Your team: 020 7946 0000.</p>'


def test_the_api_gives_sources_as_objects_and_the_review_of_the_version(patient_client, patient):
    module = module_approved(reviewer=ClinicianFactory(name="Rita Reviewer"), sources=[SOURCE])
    with time_machine.travel(REVIEW_DAY, tick=False):
        services.module_publish(module=module, publisher=AdminFactory())
    AssignmentFactory(patient=patient, module=module)

    body = patient_client.get(f"/api/v1/modules/{module.slug}/").json()

    assert body["sources"] == [SOURCE]
    assert body["demo"] is False
    assert body["review"] == RITAS_REVIEW


def test_the_api_gives_an_older_versions_plain_source_names_as_objects(patient_client, patient):
    # Published with the old shape: sources by name only, no demo or review.
    module = PublishedModuleFactory(sources=["NCI: Immunotherapy"])
    AssignmentFactory(patient=patient, module=module)

    body = patient_client.get(f"/api/v1/modules/{module.slug}/").json()

    assert body["sources"] == [{"name": "NCI: Immunotherapy", "url": None, "checked": None}]
    assert (body["demo"], body["review"]) == (False, None)


def test_library_report_lists_smog_and_each_sources_address_and_date():
    module_in_review(title="Flu shots", sources=[SOURCE])
    out = StringIO()

    call_command("library_report", stdout=out)

    report = out.getvalue()
    assert "| SMOG (whole module) |" in report
    assert f"- CDC: Altered Immunocompetence: <{SOURCE['url']}> (checked 2026-12-06)" in report
