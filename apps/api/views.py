from django.http import JsonResponse
from django.utils.translation import gettext as _


def not_found(request, *args, **kwargs):
    """An unknown address under /api/ answers in JSON, like every other API error."""
    return JsonResponse({"detail": _("There is no API endpoint at this address.")}, status=404)
