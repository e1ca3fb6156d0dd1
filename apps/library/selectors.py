"""Scoped reads of modules, shared by the web views and the API.

"Published" means Module.objects.published(): a current version that is not retired. Patients
see only the published modules their care team assigned to them; staff see every one.
"""

import datetime

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User

from .models import Module


def module_list_published(*, language: str | None = None) -> QuerySet[Module]:
    modules = Module.objects.published().select_related("current_version").order_by("title")
    if language:
        modules = modules.filter(language=language)
    return modules


# The admin's review work ------------------------------------------------------------------

# A module is "due for review" this many days before its next-review date.
REVIEW_DUE_WINDOW = datetime.timedelta(days=30)


def reviewer_list(*, exclude: set[int] = frozenset()) -> QuerySet[User]:
    """Active clinicians who hold the review permission (directly or through a group)."""
    permission = Permission.objects.filter(
        content_type__app_label="library", codename="review_module"
    )
    return (
        User.objects.filter(is_active=True, role=User.Role.CLINICIAN)
        .filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .exclude(pk__in=exclude)
        .distinct()
        .order_by("name", "email")
    )


def editor_list() -> QuerySet[User]:
    """Active staff who may change modules: they hear about modules due for review."""
    permission = Permission.objects.filter(
        content_type__app_label="library", codename="change_module"
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
        .order_by("email")
    )


def module_list_waiting_for_reviewer(*, user: User) -> QuerySet[Module]:
    return Module.objects.filter(status=Module.Status.IN_REVIEW, reviewed_by=user)


def module_list_due_for_review(*, today: datetime.date | None = None) -> QuerySet[Module]:
    """Published modules whose next review date is within the window or already passed."""
    today = today or timezone.localdate()
    return Module.objects.published().filter(next_review_on__lte=today + REVIEW_DUE_WINDOW)


def module_list_overdue_for_review(*, today: datetime.date | None = None) -> QuerySet[Module]:
    today = today or timezone.localdate()
    return Module.objects.published().filter(next_review_on__lt=today)
