import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .emails import QueuedEmailBackend

# Failed logins are counted per account and address pair (settings: ACCOUNT_RATE_LIMITS), so
# someone guessing from one address cannot lock the real person out; allauth's own
# "login_failed" count per account is a looser ceiling against guessing from many addresses.
LOGIN_FAILED_PAIR_ACTION = "login_failed_pair"


class PortalAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: patients join through a clinician's invitation."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed attempts to log in to this account. Please wait a few minutes "
            "and try again, or reset your password."
        ),
    }

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

    def get_client_ip(self, request) -> str:
        """The client's address, read through the trusted proxies (ALLAUTH_TRUSTED_PROXY_COUNT).

        allauth refuses a request whose X-Forwarded-For holds fewer addresses than there are
        trusted proxies. Such a request skipped a proxy, so its leftmost address was written
        by the first trusted proxy it passed, which is the closest thing to the client we know.
        """
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            leftmost = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
            try:
                return str(ipaddress.ip_address(leftmost))
            except ValueError:
                return request.META["REMOTE_ADDR"]

    def login_pair_key(self, request, login: str) -> str:
        return f"{login.strip().lower()}|{self.get_client_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        login = str(credentials.get("email") or credentials.get("username") or "")
        if not ratelimit.consume(
            request, action=LOGIN_FAILED_PAIR_ACTION, key=self.login_pair_key(request, login)
        ):
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            # The person got in from this address: their earlier typing mistakes no longer
            # count against it.
            login = str(credentials.get("email") or credentials.get("username") or "")
            ratelimit.clear(
                request, action=LOGIN_FAILED_PAIR_ACTION, key=self.login_pair_key(request, login)
            )
        return user
