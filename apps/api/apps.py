from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the OpenAPI extensions (auth schemes, error bodies) before any schema is built.
        from . import schema  # noqa: F401
