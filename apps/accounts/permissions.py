"""Role checks for views. A wrong role gets 403; objects out of scope get 404 elsewhere."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            allowed = user.role in roles or (user.is_superuser and "admin" in roles)
            if not allowed:
                raise PermissionDenied("This page is not available for your account.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


patient_required = role_required("patient")
clinician_required = role_required("clinician", "admin")
