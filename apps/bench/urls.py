from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("floor/", views.floor_web, name="floor_web"),
    path("floor/api/", views.FloorApiView.as_view(), name="floor_api"),
]
