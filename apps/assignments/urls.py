from django.urls import path

from . import views

app_name = "assignments"

urlpatterns = [
    path("reading/", views.my_reading, name="my_reading"),
    path("patients/", views.my_patients, name="my_patients"),
]
