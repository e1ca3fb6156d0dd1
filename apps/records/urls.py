from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("my-record/access/", views.my_record_access, name="my_record_access"),
    path("my-record/export/", views.my_record_export, name="my_record_export"),
    path("my-record/export.json", views.my_record_export_json, name="my_record_export_json"),
]
