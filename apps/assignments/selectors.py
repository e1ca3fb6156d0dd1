"""Scoped reads of assignments, shared by the web views and the API."""

from django.db.models import QuerySet

from apps.accounts.models import User

from .models import Assignment


def assignment_list_for_patient(*, patient: User) -> QuerySet[Assignment]:
    """What a patient sees: their own assignments, never cancelled ones."""
    return (
        Assignment.objects.filter(patient=patient)
        .exclude(status=Assignment.Status.CANCELLED)
        .select_related("module", "module__current_version")
        .order_by("status", "due_on", "-assigned_at")
    )
