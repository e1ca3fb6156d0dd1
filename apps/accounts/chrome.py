"""Every page's head links, header, menu, text-size buttons, footer and scripts, as stencils.

base.html writes `{% chrome "head" %}`, `{% chrome "top" %}` and `{% chrome "bottom" %}`. Each
part is a template under templates/includes/chrome/, rendered once per language and variant
(portal/stencil.py explains how, and why that is safe). This module says which values choose a
variant (the keys: signed in or not, the menu for the person's role, the text size) and which
are filled in on every request (the holes: the CSRF token, the person's name, the page's
address, the number of questions waiting).

The values come from the page's context, as the template's own `{{ }}` would read them, so a
view that already knows one (My patients knows the questions waiting) can pass it in.
"""

from django.template import Context
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from portal.stencil import Stencil

PARTS = {
    "head": Stencil("includes/chrome/head.html", keys=(), holes=()),
    "top": Stencil(
        "includes/chrome/top.html",
        keys=(
            "PORTAL_NAME",
            "signed_in",
            "role",
            "is_staff",
            "text_size",
            "session_idle_minutes",
            "questions_waiting",
        ),
        holes=("csrf_token", "user_label", "full_path", "waiting_count"),
    ),
    "bottom": Stencil(
        "includes/chrome/bottom.html",
        keys=("LANGUAGE_CODE", "LANGUAGE_OPTIONS", "CARE_TEAM_PHONE", "session_idle_minutes"),
        holes=("csrf_token", "full_path"),
    ),
}


def values(context: Context) -> tuple[dict, dict]:
    """(keys, holes) for the chrome of the page being rendered."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    waiting = context.get("open_questions_count") if signed_in and user.is_clinician else None
    keys = {
        "PORTAL_NAME": context.get("PORTAL_NAME", ""),
        "LANGUAGE_CODE": get_language(),
        "LANGUAGE_OPTIONS": context.get("LANGUAGE_OPTIONS", ()),
        "CARE_TEAM_PHONE": context.get("CARE_TEAM_PHONE", ""),
        "signed_in": signed_in,
        "role": user.role if signed_in and (user.is_patient or user.is_clinician) else "",
        "is_staff": signed_in and user.is_staff,
        "text_size": (getattr(user, "text_size", "") if signed_in else "") or "standard",
        "session_idle_minutes": context.get("session_idle_minutes") or "",
        "questions_waiting": bool(waiting),
    }
    holes = {
        "user_label": (user.name or user.email) if signed_in else "",
        "full_path": request.get_full_path() if request is not None else "",
        "waiting_count": localize(waiting) if waiting else "",
    }
    token = context.get("csrf_token")
    if token and token != _NO_TOKEN:
        holes["csrf_token"] = str(token)
    return keys, holes


# What Django's csrf context processor gives when there is no token (not a secret).
_NO_TOKEN = "NOTPROVIDED"  # noqa: S105
_VALUES = object()  # where a page's keys and holes are kept while it renders


def render(part: str, context: Context) -> SafeString:
    stencil = PARTS[part]
    # Worked out once per page, for its three parts.
    keys_and_holes = context.render_context.get(_VALUES)
    if keys_and_holes is None:
        keys_and_holes = context.render_context[_VALUES] = values(context)
    keys, holes = keys_and_holes
    if "csrf_token" in stencil.holes and "csrf_token" not in holes:
        # No CSRF token in the context (no request, or the view is exempt): {% csrf_token %}
        # writes nothing then, which the kept variants, made with a token, cannot do.
        return stencil.render_plainly(keys=keys, holes=holes)
    return stencil.render(keys=keys, holes=holes)
