"""Give modules published before the review schedule a next-review date (a year after their
current version was published), and create the monthly beat schedule that tells editors how
many modules are due for review. The schedule is editable in the admin like the others."""

import datetime

from django.db import migrations
from django.utils import timezone

SCHEDULE_NAME = "library: monthly review schedule email"
REVIEW_INTERVAL = datetime.timedelta(days=365)


def set_next_review_dates(apps, schema_editor):
    Module = apps.get_model("library", "Module")
    modules = Module.objects.filter(
        next_review_on__isnull=True, current_version__isnull=False
    ).select_related("current_version")
    for module in modules:
        published_on = timezone.localdate(module.current_version.published_at)
        module.next_review_on = published_on + REVIEW_INTERVAL
        module.save(update_fields=["next_review_on"])


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    first_of_the_month, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "task": "apps.library.tasks.remind_editors_of_due_reviews",
            "interval": None,
            "crontab": first_of_the_month,
            "expire_seconds": 86400,
            "enabled": True,
            "description": "Tell editors how many modules are due or overdue for review.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0003_review_loop"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(set_next_review_dates, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
