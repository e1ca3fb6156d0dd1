"""A per-person limit on API writes, counted in the shared cache (Redis when REDIS_URL is set),
so every web process sees the same count."""

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteRateThrottle(UserRateThrottle):
    """Limit unsafe requests per user at the "writes" rate (settings: API_WRITE_RATE).

    Reading is never throttled: a patient paging through their reading list should not be
    told to wait. Anonymous writes are refused by authentication before this matters, but
    they would be counted per IP address.
    """

    scope = "writes"

    def get_rate(self) -> str | None:
        # Read the rate when the request arrives, not at import, so a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
