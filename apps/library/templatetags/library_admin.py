"""The library's counts on the admin home page."""

from django import template

from apps.library import selectors

register = template.Library()


@register.inclusion_tag("admin/library/_review_work.html", takes_context=True)
def library_review_work(context):
    user = context["request"].user
    if not user.has_perm("library.view_module"):
        return {}
    return {
        "user": user,
        "waiting": selectors.module_list_waiting_for_reviewer(user=user).count(),
        "due": selectors.module_list_due_for_review().count(),
        "overdue": selectors.module_list_overdue_for_review().count(),
    }
