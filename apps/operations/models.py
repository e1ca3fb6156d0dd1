from django.db import models


class Heartbeat(models.Model):
    """The last time a scheduled task ran on a worker: beat sent it and a worker ran it."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
