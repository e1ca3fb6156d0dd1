from django.shortcuts import render

from apps.accounts import selectors as account_selectors
from apps.accounts.permissions import clinician_required, patient_required

from . import selectors


@patient_required
def my_reading(request):
    assignments = selectors.assignment_list_for_patient(patient=request.user)
    return render(request, "assignments/my_reading.html", {"assignments": assignments})


@clinician_required
def my_patients(request):
    patients = account_selectors.patient_list_for_user(user=request.user).order_by("name")
    return render(request, "assignments/my_patients.html", {"patients": patients})
