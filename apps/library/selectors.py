"""Scoped reads of modules, shared by the web views and the API.

"Published" means Module.objects.published(): a current version that is not retired. Patients
see only the published modules their care team assigned to them; staff see every one.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.assignments.models import Assignment

from .models import Module


def module_list_published(*, language: str | None = None) -> QuerySet[Module]:
    modules = Module.objects.published().select_related("current_version").order_by("title")
    if language:
        modules = modules.filter(language=language)
    return modules


def module_list_for_user(*, user: User, language: str | None = None) -> QuerySet[Module]:
    modules = module_list_published(language=language)
    if not user.is_authenticated or not user.is_active:
        return modules.none()
    if user.is_staff_role:
        return modules
    if user.is_patient:
        assigned = Assignment.objects.filter(module=OuterRef("pk"), patient=user).exclude(
            status=Assignment.Status.CANCELLED
        )
        return modules.filter(Exists(assigned))
    return modules.none()


def module_get_for_user(*, user: User, slug: str) -> Module:
    """One readable module in the user's scope, or 404 (never say whether it exists)."""
    try:
        return module_list_for_user(user=user).get(slug=slug)
    except Module.DoesNotExist:
        raise Http404("No such module.") from None
