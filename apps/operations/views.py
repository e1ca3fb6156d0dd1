import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from apps.core.requests import client_ip

from . import checks
from .metrics import BackgroundWorkCollector


@never_cache
@require_GET
def readyz(request):
    """Readiness: can this web process serve? Database, Redis and migrations must be ready.

    The scheduler heartbeat is reported but does not fail readiness: a stopped beat process
    must be fixed, but taking every web node out of the load balancer would not fix it.
    """
    state = {
        "database": checks.database_ready(),
        "redis": checks.redis_ready(),
    }
    state["migrations"] = state["database"] and checks.migrations_applied()
    ready = all(value is not False for value in state.values())
    state["scheduler"] = checks.scheduler_state() if state["database"] else "unknown"
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", **state}, status=200 if ready else 503
    )


def metrics_allowed(request) -> bool:
    """A scraper on a configured network, or with the token.

    The address is the client's behind the trusted proxies (apps.core.requests.client_ip):
    a proxy on this machine would otherwise make every visitor look like 127.0.0.1.
    """
    token = settings.METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if offered and hmac.compare_digest(offered, token):
            return True
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


@never_cache
@require_GET
def metrics(request):
    """django-prometheus's metrics plus the background work's, for allowed scrapers only.

    Anyone else gets the 404 any unknown address gets.
    """
    if not metrics_allowed(request):
        raise Http404
    registry = CollectorRegistry()
    registry.register(BackgroundWorkCollector())
    body = ExportToDjangoView(request).content + generate_latest(registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
