from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "apps.audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Audit trail")

    def ready(self):
        # Session safety rules (apps.accounts.security) are wired here, with the rest of the
        # security and privacy work, so that they hold in every process (web, worker, shell).
        from allauth.account.signals import password_changed, password_reset, password_set
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save, pre_save

        from apps.accounts import security
        from apps.accounts.models import User

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
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_out, user_login_failed

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
