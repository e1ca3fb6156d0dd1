from django.conf import settings
from django.utils.translation import gettext


def portal(request):
    return {
        # The default name has a translation in the catalogue; a deployment's own name is
        # shown as configured.
        "PORTAL_NAME": gettext(settings.PORTAL_NAME),
        "CARE_TEAM_PHONE": settings.CARE_TEAM_PHONE,
    }
