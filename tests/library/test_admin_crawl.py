"""Every admin page works for every staff role: admin, content editor and content reviewer
open each changelist, add, change and history page (and the library's own pages) and get
200, 302 or 403, never a 500."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from apps.accounts.management.commands.seed_demo import (
    content_editors_group,
    content_reviewers_group,
)
from apps.accounts.models import Invitation, User
from apps.audit.services import audit_log
from apps.library import services
from apps.library.models import Module
from tests.factories import AdminFactory, CareTeamMembershipFactory, ClinicianFactory, ensure_mfa
from tests.questions.factories import AssignmentToAskAboutFactory, QuestionFactory, ReplyFactory
from tests.reminders.factories import NotificationFactory, NotificationPreferenceFactory

from .factories import PublishedModuleFactory, module_with_content, reviewer_with_permission

pytestmark = pytest.mark.django_db

ALLOWED = {200, 302, 403}


def editor_account() -> User:
    editor = AdminFactory(is_superuser=False)
    editor.groups.add(content_editors_group())
    return editor


def reviewer_account() -> User:
    reviewer = ClinicianFactory()
    reviewer.groups.add(content_reviewers_group())
    return reviewer


@pytest.fixture
def every_kind_of_row():
    """At least one row of each model the admin shows, including a module in review."""
    published = PublishedModuleFactory()
    draft = module_with_content(title="Draft in review")
    editor = editor_account()
    services.module_record_edit(module=draft, user=editor)
    services.review_request(module=draft, reviewer=reviewer_with_permission(), requested_by=editor)
    assignment = AssignmentToAskAboutFactory(module=published)
    CareTeamMembershipFactory(clinician=assignment.assigned_by, patient=assignment.patient)
    ReplyFactory(question=QuestionFactory(patient=assignment.patient, module=published))
    NotificationFactory()
    NotificationPreferenceFactory()
    Invitation.objects.create(
        email="new-patient@example.org",
        invited_by=assignment.assigned_by,
        token_hash="x" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    audit_log(actor=assignment.assigned_by, action="patient.view", patient=assignment.patient)
    Group.objects.get_or_create(name="Crawl group")
    return draft


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in apps.get_models():
        if not admin.site.is_registered(model):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        urls.append(reverse("admin:{}_{}_add".format(*info)))
        for obj in model._default_manager.order_by("pk")[:2]:
            for page in ("change", "history"):
                urls.append(reverse("admin:{}_{}_{}".format(*info, page), args=[obj.pk]))
            if model is Module:
                for page in ("preview", "review", "send_for_review", "publish"):
                    urls.append(reverse(f"admin:library_module_{page}", args=[obj.pk]))
    return urls


@pytest.mark.parametrize("role", ["admin", "editor", "reviewer"])
def test_every_admin_page_answers_without_a_server_error(client, every_kind_of_row, role):
    user = {"admin": AdminFactory, "editor": editor_account, "reviewer": reviewer_account}[role]()
    ensure_mfa(user)
    client.force_login(user)
    client.raise_request_exception = False

    answers = {url: client.get(url).status_code for url in admin_urls()}

    assert len(answers) > 40
    assert {url: code for url, code in answers.items() if code not in ALLOWED} == {}
    assert answers[reverse("admin:library_module_changelist")] == 200


def test_a_reviewer_can_open_a_module_and_its_preview(client):
    """Issue 22: every module page was a 500 for view-only reviewers (KeyError in the form)."""
    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    reviewer = reviewer_account()
    ensure_mfa(reviewer)
    client.force_login(reviewer)

    change = client.get(reverse("admin:library_module_change", args=[module.pk]))
    changelist = client.get(reverse("admin:library_module_changelist"))

    assert change.status_code == 200
    assert "Checkpoint inhibitors" in change.content.decode()
    preview = reverse("admin:library_module_preview", args=[module.pk])
    assert preview in change.content.decode()
    assert preview in changelist.content.decode()
    assert client.get(preview).status_code == 200


def test_record_timestamps_are_read_only_not_split_date_time_inputs(client):
    """axe found the admin's split date/time inputs unlabelled; recorded times are not edited."""
    admin_user = AdminFactory()
    ensure_mfa(admin_user)
    client.force_login(admin_user)
    membership = CareTeamMembershipFactory()
    invitation = Invitation.objects.create(
        email="someone@example.org",
        invited_by=membership.clinician,
        token_hash="y" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )

    pages = [
        client.get(reverse("admin:accounts_careteammembership_change", args=[membership.pk])),
        client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="created_at_0"' not in html
        assert 'name="last_sent_at_0"' not in html
