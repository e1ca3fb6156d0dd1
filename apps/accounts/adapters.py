from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .emails import QueuedEmailBackend


class PortalAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: patients join through a clinician's invitation."""

    def is_open_for_signup(self, request):
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's emails (password reset, security notices) go through the worker, which
        tries again while the mail server is down (apps.accounts.emails)."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        message.connection = QueuedEmailBackend()
        return message
