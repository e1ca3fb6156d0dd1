from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the portal: readiness, the scheduler heartbeat and data retention.

    Sits on top of the other apps: retention reads their tables; nothing imports it.
    """

    name = "apps.operations"
    label = "operations"
    verbose_name = "Operations"
