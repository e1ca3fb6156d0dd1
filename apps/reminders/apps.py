from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from apps.questions.signals import question_asked, reply_posted

        from . import receivers

        question_asked.connect(
            receivers.on_question_asked, dispatch_uid="reminders.on_question_asked"
        )
        reply_posted.connect(receivers.on_reply_posted, dispatch_uid="reminders.on_reply_posted")
