"""Email backends that fail, for the delivery retry tests."""

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
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
