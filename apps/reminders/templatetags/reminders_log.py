"""The reminders app's piece of the clinician's patient page (assignments sits below reminders,
so the page loads it here instead of importing it)."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("reminders/_patient_notifications.html", takes_context=True)
def patient_notifications(context, patient):
    return {
        "notifications": selectors.notification_list_for_patient(patient=patient),
        "caregiver_notifications": selectors.notification_list_for_patients_caregivers(
            patient=patient
        ),
        "request": context.request,
    }
