from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account.signals import email_added, email_changed, password_reset
        from django.db.models.signals import post_delete, post_save

        from . import security, team_counts
        from .models import CareTeamMembership, User

        password_reset.connect(
            security.forgive_failed_logins_on_password_reset,
            dispatch_uid="portal_forgive_failed_logins",
        )
        # Changing one's email address (issue 18, item 2).
        post_save.connect(
            security.email_address_mark_verified,
            sender=User,
            dispatch_uid="portal_email_address_verified",
        )
        email_added.connect(
            security.notify_email_change_requested, dispatch_uid="portal_email_change_requested"
        )
        email_changed.connect(security.log_email_changed, dispatch_uid="portal_log_email_changed")
        # The cached numbers of a care team (team_counts).
        for signal in (post_save, post_delete):
            signal.connect(
                team_counts.on_membership_changed,
                sender=CareTeamMembership,
                dispatch_uid=f"portal_team_counts_membership_{signal is post_save}",
            )
        post_save.connect(
            team_counts.on_user_saved, sender=User, dispatch_uid="portal_team_counts_user"
        )
        post_delete.connect(
            team_counts.on_user_deleted, sender=User, dispatch_uid="portal_team_counts_user_gone"
        )
