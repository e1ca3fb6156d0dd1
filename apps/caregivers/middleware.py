from . import selectors


class CaregiverMiddleware:
    """Check, on every request, whose reading a logged-in caregiver chose.

    The choice lives in the session; the link behind it is looked up again each time, so a link
    the patient ended or narrowed counts from the very next request. An ended link's choice is
    forgotten. `request.caregiver_link` is the active link, or None (and None for everyone else).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.caregiver_link = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_caregiver:
            patient_id = request.session.get(selectors.SESSION_KEY)
            if patient_id is not None:
                link = selectors.active_link_for_caregiver(caregiver=user, patient_id=patient_id)
                if link is None:
                    del request.session[selectors.SESSION_KEY]
                request.caregiver_link = link
        return self.get_response(request)
