"""Email backends for the delivery tests: failing, dying, slow, watching."""

import time

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class AlwaysFailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


class FailsOnceBackend(LocmemBackend):
    """Refuses the first message it is given in the test, then delivers like locmem."""

    def send_messages(self, email_messages):
        if not getattr(mail, "failed_once", False):
            mail.failed_once = True
            raise ConnectionRefusedError("mail server busy")
        return super().send_messages(email_messages)


class WorkerDiesAfterSendingBackend(LocmemBackend):
    """Hands the message over, then the worker process dies before it can record that:
    SystemExit is what a worker's shutdown raises, and delivery must not swallow it."""

    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise SystemExit("worker killed")


class RecordsStateAtSendBackend(LocmemBackend):
    """Delivers like locmem and notes what the database said at the moment of sending."""

    def send_messages(self, email_messages):
        from django.db import connection

        from apps.reminders.models import Notification

        mail.states_at_send = getattr(mail, "states_at_send", [])
        mail.states_at_send.append(
            (
                connection.in_atomic_block,
                list(Notification.objects.values_list("status", "attempts")),
            )
        )
        return super().send_messages(email_messages)


class SlowFileBackend(FileBackend):
    """Writes each message to a file, then waits before it reports success, the way a
    slow mail server acknowledges: a worker killed in that wait has sent an email it
    never recorded."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        time.sleep(0.1)
        return sent
