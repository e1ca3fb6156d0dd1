"""Facts about the request that several apps record."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the person, not of the proxy in front of the portal.

    One answer for rate limits, "where you are logged in", the audit trail and the security
    log: allauth's, which reads X-Forwarded-For only through the trusted proxies
    (ALLAUTH_TRUSTED_PROXY_COUNT or ALLAUTH_TRUSTED_CLIENT_IP_HEADER).
    """
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None
