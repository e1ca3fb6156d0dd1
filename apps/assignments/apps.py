from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "apps.assignments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from .models import Assignment
        from .services import on_assignment_saved

        # The staff list's cached number of assignments (apps.accounts.team_counts).
        post_save.connect(
            on_assignment_saved, sender=Assignment, dispatch_uid="portal_team_counts_assignment"
        )
