from django.urls import path

from . import views

app_name = "assignments"

urlpatterns = [
    # Patients
    path("reading/", views.my_reading, name="my_reading"),
    path("reading/wallet-card/", views.wallet_card, name="wallet_card"),
    path("reading/<int:assignment_id>/", views.reading_start, name="reading_start"),
    path(
        "reading/<int:assignment_id>/sections/<int:position>/",
        views.reading_section,
        name="reading_section",
    ),
    path("reading/<int:assignment_id>/all/", views.reading_all, name="reading_all"),
    path("reading/<int:assignment_id>/print/", views.reading_print, name="reading_print"),
    path("reading/<int:assignment_id>/check/", views.reading_check, name="reading_check"),
    path("reading/<int:assignment_id>/complete/", views.reading_complete, name="reading_complete"),
    # Clinicians
    path("patients/", views.my_patients, name="my_patients"),
    path("patients/export.csv", views.patients_export, name="patients_export"),
    path("patients/assign/", views.assign, name="assign"),
    path("patients/modules/", views.module_overview, name="module_overview"),
    path("patients/modules/<int:module_id>/", views.module_results, name="module_results"),
    path(
        "patients/modules/<int:module_id>/export.csv",
        views.module_results_export,
        name="module_results_export",
    ),
    path(
        "patients/assignments/<int:assignment_id>/cancel/",
        views.assignment_cancel,
        name="assignment_cancel",
    ),
    path(
        "patients/assignments/<int:assignment_id>/for-caregiver/",
        views.assignment_for_caregiver,
        name="assignment_for_caregiver",
    ),
    path(
        "patients/assignments/<int:assignment_id>/reread/",
        views.assignment_reread,
        name="assignment_reread",
    ),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/treatment/", views.patient_treatment, name="patient_treatment"),
    path(
        "patients/<int:patient_id>/wallet-card/",
        views.patient_wallet_card,
        name="patient_wallet_card",
    ),
]
