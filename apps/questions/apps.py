from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "apps.questions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Question
        from .services import on_question_changed

        # The menu badge's cached number of waiting questions (apps.accounts.team_counts).
        for signal in (post_save, post_delete):
            signal.connect(
                on_question_changed,
                sender=Question,
                dispatch_uid=f"portal_team_counts_question_{signal is post_save}",
            )
