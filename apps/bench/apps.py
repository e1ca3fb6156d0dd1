from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The performance benchmark: seeding, the floor endpoint and `manage.py run_bench`."""

    name = "apps.bench"
    default_auto_field = "django.db.models.BigAutoField"
