from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "apps.questions"
    default_auto_field = "django.db.models.BigAutoField"
