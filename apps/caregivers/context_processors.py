def caregiver(request):
    """The banner every page shows a caregiver: whose reading they are looking at."""
    link = getattr(request, "caregiver_link", None)
    if link is None:
        return {}
    return {"caregiver_reading_for": link.patient}
