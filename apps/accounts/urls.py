from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("team/invitations/", views.invitation_list, name="invitation_list"),
    path(
        "team/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/", views.profile, name="profile"),
]
