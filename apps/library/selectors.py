"""Scoped reads of modules, shared by the web views and the API.

"Published" means Module.objects.published(): a current version that is not retired. Patients
see only the published modules their care team assigned to them; staff see every one.
"""

import datetime

from django.contrib.auth.models import Permission
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import User

from .models import Module


def module_list_published(*, language: str | None = None) -> QuerySet[Module]:
    modules = Module.objects.published().select_related("current_version").order_by("title")
    if language:
        modules = modules.filter(language=language)
    return modules


def with_published_facts(modules: QuerySet[Module]) -> QuerySet[Module]:
    """Annotate what patients are told about each module's current version, from its snapshot.

    The snapshot is the published text (what patients read), so a draft edit does not change
    what a clinician is shown; only these keys are read from it, never the whole module:
    published_summary, published_minutes, published_grade, is_demo, and the named review
    (review_name, review_role, reviewed_on), which is empty unless a named reviewer approved
    that version in the portal.
    """
    # KT() does not follow a relation (it reads the key off the foreign key's column), so the
    # transforms are spelled out on the joined snapshot.
    snapshot = "current_version__snapshot"
    review = KeyTransform("review", snapshot)
    return modules.annotate(
        published_summary=KeyTextTransform("summary", snapshot),
        published_minutes=Cast(KeyTextTransform("estimated_minutes", snapshot), IntegerField()),
        published_grade=KeyTextTransform("reading_grade", snapshot),
        is_demo=Case(
            When(**{f"{snapshot}__demo": True}, then=Value(True)),
            default=Value(False),
        ),
        review_name=KeyTextTransform("name", review),
        review_role=KeyTextTransform("role", review),
        reviewed_on=KeyTextTransform("reviewed_on", review),
    )


def module_catalogue() -> list[Module]:
    """Every published module for the clinicians' library page, with its published facts
    (with_published_facts) and `languages`: the published modules it can be read as, itself
    first, then its translations or the module it translates (and that one's translations)."""
    published = Module.objects.published()
    modules = list(
        with_published_facts(published)
        .defer("current_version__snapshot", "sources")
        .select_related("current_version")
        .order_by("title", "id")
    )
    # A family is a module and its translations: the root is the module translated from.
    families: dict[int, list[Module]] = {}
    for module in modules:
        families.setdefault(module.translation_of_id or module.pk, []).append(module)
    for module in modules:
        family = families[module.translation_of_id or module.pk]
        module.languages = [module] + sorted(
            (other for other in family if other.pk != module.pk),
            key=lambda other: (other.language, other.title),
        )
    return modules


def module_get_published(*, module_id) -> Module:
    """A module patients can read now (for a clinician's preview), or 404."""
    try:
        module_id = int(module_id)
    except (ValueError, TypeError):
        raise Http404("No such module.") from None
    # Ids are bigint: anything outside that range cannot be a module (and must not reach the
    # database, which would refuse it rather than find nothing).
    module = None
    if 0 < module_id < 2**63:
        module = Module.objects.published().select_related("current_version").filter(pk=module_id)
        module = module.first()
    if module is None:
        raise Http404("No such module.")
    return module


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
