"""Admin pieces shared by every app."""


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
