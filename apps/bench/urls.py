"""The benchmark's URLconf (portal.settings.bench only): the portal's own URLs plus the floor."""

from django.urls import include, path

from . import views

floor_patterns = [
    path("floor/", views.floor_web, name="floor_web"),
    path("floor/api/", views.FloorApiView.as_view(), name="floor_api"),
]

urlpatterns = [
    path("bench/", include((floor_patterns, "bench"))),
    path("", include("portal.urls")),
]
