from django.utils.functional import SimpleLazyObject

from .selectors import open_question_count_for_clinician


def questions(request):
    """The number of questions waiting for a clinician's care team, for the navigation.

    Lazy: the count query runs only when a page actually shows it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_clinician:
        return {}
    return {
        "open_questions_count": SimpleLazyObject(
            lambda: open_question_count_for_clinician(user=user)
        )
    }
