"""The benchmark's floor: the cheapest useful request the portal can answer.

Each floor authenticates exactly like the pages or the API it is compared with (the same
middleware, the same session lookup, the same DRF authentication and permission classes) and
then runs one query by primary key. Whatever an endpoint costs above its floor is the
endpoint's own work. Routed only by the benchmark's settings (portal.settings.bench).
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User


def _own_row(user: User) -> dict:
    return User.objects.values("id", "role").get(pk=user.pk)


@login_required
def floor_web(request):
    """Session cookie, every middleware, one indexed query."""
    return JsonResponse(_own_row(request.user))


class FloorApiView(APIView):
    """The API's authentication (X-Session-Token or session) and permissions, one indexed query."""

    schema = None

    def get(self, request):
        return Response(_own_row(request.user))
