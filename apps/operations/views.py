from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import selectors


@never_cache
@require_GET
def readyz(request):
    """Readiness: can this web process serve? Database, Redis and migrations must be ready.

    The scheduler heartbeat is reported but does not fail readiness: a stopped beat process
    must be fixed, but taking every web node out of the load balancer would not fix it.
    """
    checks = {
        "database": selectors.database_ready(),
        "redis": selectors.redis_ready(),
    }
    checks["migrations"] = checks["database"] and selectors.migrations_applied()
    ready = all(value is not False for value in checks.values())
    checks["scheduler"] = selectors.scheduler_state() if checks["database"] else "unknown"
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
