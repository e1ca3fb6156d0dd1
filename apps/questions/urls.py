from django.urls import path

from . import views

app_name = "questions"

urlpatterns = [
    path("questions/", views.my_questions, name="my_questions"),
    path("questions/ask/", views.question_ask, name="ask"),
    path("questions/<int:question_id>/", views.question_detail, name="detail"),
    path("questions/<int:question_id>/close/", views.question_close, name="close"),
    path("questions/<int:question_id>/withdraw/", views.question_withdraw, name="withdraw"),
    path("team/questions/", views.inbox, name="inbox"),
]
