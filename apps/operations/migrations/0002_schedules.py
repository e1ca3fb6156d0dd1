"""Beat schedules for operations, in django-celery-beat's tables (editable in the admin).

The heartbeat runs every minute so /readyz can tell when beat or the workers stopped; the
retention job runs once a day in the small hours (UTC).
"""

from django.db import migrations
from django.utils import timezone

HEARTBEAT_NAME = "operations: scheduler heartbeat"
RETENTION_NAME = "operations: retention (expired sessions, old notification rows)"


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="17",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=HEARTBEAT_NAME,
        defaults={
            "task": "apps.operations.tasks.heartbeat",
            "interval": every_minute,
            "crontab": None,
            "expire_seconds": 50,
            "enabled": True,
            "description": "Proves beat and a worker are running (shown on /readyz).",
        },
    )
    PeriodicTask.objects.update_or_create(
        name=RETENTION_NAME,
        defaults={
            "task": "apps.operations.tasks.retention",
            "interval": None,
            "crontab": nightly,
            "expire_seconds": 3600,
            "enabled": True,
            "description": "Deletes expired sessions and old notification log rows.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[HEARTBEAT_NAME, RETENTION_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
