from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class PortalAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: patients join through a clinician's invitation."""

    def is_open_for_signup(self, request):
        return False

    def get_login_redirect_url(self, request):
        return reverse("home")
