"""/fhir/r4/: the FHIR R4 endpoint (docs/fhir.md). No trailing slashes, as FHIR spells them."""

from django.urls import path, re_path

from . import views

app_name = "fhir"

urlpatterns = [
    path("fhir/r4/metadata", views.MetadataView.as_view(), name="metadata"),
    path("fhir/r4/Patient", views.PatientSearchView.as_view(), name="patient-search"),
    path("fhir/r4/Patient/<str:resource_id>", views.PatientReadView.as_view(), name="patient-read"),
    path(
        "fhir/r4/Patient/<str:resource_id>/$everything",
        views.PatientEverythingView.as_view(),
        name="patient-everything",
    ),
    path(
        "fhir/r4/Practitioner", views.PractitionerSearchView.as_view(), name="practitioner-search"
    ),
    path(
        "fhir/r4/Practitioner/<str:resource_id>",
        views.PractitionerReadView.as_view(),
        name="practitioner-read",
    ),
    path(
        "fhir/r4/DocumentReference",
        views.DocumentReferenceSearchView.as_view(),
        name="documentreference-search",
    ),
    path(
        "fhir/r4/DocumentReference/<str:resource_id>",
        views.DocumentReferenceReadView.as_view(),
        name="documentreference-read",
    ),
    path("fhir/r4/Task", views.TaskView.as_view(), name="task-search"),
    path("fhir/r4/Task/<str:resource_id>", views.TaskReadView.as_view(), name="task-read"),
    path(
        "fhir/r4/Questionnaire",
        views.QuestionnaireSearchView.as_view(),
        name="questionnaire-search",
    ),
    path(
        "fhir/r4/Questionnaire/<str:resource_id>",
        views.QuestionnaireReadView.as_view(),
        name="questionnaire-read",
    ),
    path(
        "fhir/r4/QuestionnaireResponse",
        views.QuestionnaireResponseSearchView.as_view(),
        name="questionnaireresponse-search",
    ),
    path(
        "fhir/r4/QuestionnaireResponse/<str:resource_id>",
        views.QuestionnaireResponseReadView.as_view(),
        name="questionnaireresponse-read",
    ),
    path(
        "fhir/r4/Communication",
        views.CommunicationSearchView.as_view(),
        name="communication-search",
    ),
    path(
        "fhir/r4/Communication/<str:resource_id>",
        views.CommunicationReadView.as_view(),
        name="communication-read",
    ),
    path("fhir/r4/$export", views.ExportView.as_view(), name="export"),
    path(
        "fhir/r4/$export-status/<uuid:job_id>",
        views.ExportStatusView.as_view(),
        name="export-status",
    ),
    path(
        "fhir/r4/$export-file/<uuid:job_id>/<int:file_id>",
        views.ExportFileView.as_view(),
        name="export-file",
    ),
    # Last: anything else under /fhir/ is a 404 OperationOutcome.
    re_path(r"^fhir/", views.NotFoundView.as_view()),
]
