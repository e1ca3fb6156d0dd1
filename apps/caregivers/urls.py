from django.urls import path

from . import views

app_name = "caregivers"

urlpatterns = [
    path("settings/people/", views.people, name="people"),
    path("settings/people/<int:link_id>/", views.person_update, name="person_update"),
    path("settings/people/<int:link_id>/end/", views.person_end, name="person_end"),
    path("settings/people/<int:link_id>/confirm/", views.person_confirm, name="person_confirm"),
    path(
        "patients/<int:patient_id>/caregivers/invite/",
        views.clinician_invite,
        name="clinician_invite",
    ),
    path("helper-invite/<str:token>/", views.accept, name="accept"),
    path("reading-for/", views.choose, name="choose"),
    path("settings/helping/", views.helping, name="helping"),
    path("settings/helping/<int:link_id>/stop/", views.helping_stop, name="helping_stop"),
]
