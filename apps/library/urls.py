from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("library/", views.library, name="library"),
    path("library/<int:module_id>/", views.module_preview, name="module_preview"),
]
