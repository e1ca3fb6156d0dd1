from django.urls import path

from . import security, views

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
    path("settings/text-size/", views.text_size, name="text_size"),
    path("settings/language/", views.language, name="language"),
    path("session/status/", security.session_status, name="session_status"),
    path("session/keep-alive/", security.session_keep_alive, name="session_keep_alive"),
]
