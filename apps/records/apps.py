from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """A patient's own record: who looked at it, and a copy of everything the portal holds.
    It reads every other app, so it sits on top of them. No models, so no admin label."""

    name = "apps.records"
