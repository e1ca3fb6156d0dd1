from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """A patient's own record: who looked at it, and a copy of everything the portal holds.
    It reads every other app, so it sits on top of them."""

    name = "apps.records"
    verbose_name = _("Patient records")
