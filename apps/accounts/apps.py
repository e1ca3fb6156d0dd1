from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account.signals import (
            email_added,
            email_changed,
            password_changed,
            password_reset,
            password_set,
        )
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save, pre_save

        from . import security
        from .models import User

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

        # Session safety rules, wired here so that they hold in every process (web, worker, shell).
        pre_save.connect(
            security.remember_privileges, sender=User, dispatch_uid="portal_privileges_before"
        )
        post_save.connect(
            security.end_sessions_on_privilege_change,
            sender=User,
            dispatch_uid="portal_privilege_change_sessions",
        )
        for signal in (password_changed, password_set):
            signal.connect(
                security.end_other_sessions_on_password_change,
                dispatch_uid=f"portal_password_sessions_{id(signal)}",
            )
        password_reset.connect(
            security.end_all_sessions_on_password_reset, dispatch_uid="portal_password_reset"
        )
        user_logged_in.connect(security.start_session_clocks, dispatch_uid="portal_session_clocks")

        # The security event log (who logged in, failed, changed a password or an authenticator).
        for signal, handler in (
            (user_logged_in, security.log_login),
            (user_logged_out, security.log_logout),
            (user_login_failed, security.log_login_failed),
            (mfa_signals.authentication_failed, security.log_mfa_failed),
            (mfa_signals.authenticator_added, security.log_authenticator_added),
            (mfa_signals.authenticator_removed, security.log_authenticator_removed),
            (password_changed, security.log_password_changed),
            (password_reset, security.log_password_reset),
        ):
            signal.connect(handler, dispatch_uid=f"portal_security_log_{handler.__name__}")
