"""Create the two beat schedules in django-celery-beat's tables, editable in the admin.

The dispatcher runs every 5 minutes and is short: it inserts due reminders and queues
their delivery. The digest dispatcher runs hourly and sends each clinician's daily summary
in the first run after 07:00 (their time) that falls outside their quiet hours.
Both expire before their next run, so a backed-up queue never runs a pile of stale sweeps.
"""

from django.db import migrations
from django.utils import timezone

DISPATCH_NAME = "reminders: dispatch due reminders"
DIGEST_NAME = "reminders: clinician daily digests"


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="2",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=DISPATCH_NAME,
        defaults={
            "task": "apps.reminders.tasks.dispatch_reminders",
            "interval": every_five_minutes,
            "crontab": None,
            "expire_seconds": 240,
            "enabled": True,
            "description": "Find reminders that are due and queue their delivery.",
        },
    )
    PeriodicTask.objects.update_or_create(
        name=DIGEST_NAME,
        defaults={
            "task": "apps.reminders.tasks.dispatch_digests",
            "interval": None,
            "crontab": hourly,
            "expire_seconds": 3000,
            "enabled": True,
            "description": "Send each clinician's daily summary in their morning.",
        },
    )
    # Tell a running beat that the schedule changed (what the admin does on save).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[DISPATCH_NAME, DIGEST_NAME]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0002_notification_delivery_state"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
