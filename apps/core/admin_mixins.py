"""Admin pieces shared by every app."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _


class LabelledDeleteFormSet(BaseInlineFormSet):
    """Each row's "Delete?" checkbox gets a name of its own: in a table, Django's admin gives
    it only the column heading, which is not its label."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete this row")


class PortalTabularInline(admin.TabularInline):
    """A table of related rows that keyboard users can scroll sideways when it is wider than
    the window (templates/admin/edit_inline/portal_tabular.html)."""

    template = "admin/edit_inline/portal_tabular.html"
    formset = LabelledDeleteFormSet


class ReadOnlyAdminMixin:
    """For records the admin only shows: nobody adds, changes or deletes them there.

    Works for a ModelAdmin and for an inline (whose permission checks also take `obj`).
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
