from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from . import security, selectors, services
from .forms import InvitationForm, ProfileForm, SetPasswordForm, TextSizeForm
from .permissions import clinician_required


@login_required
def home(request):
    """Each role lands on its own home."""
    user = request.user
    if user.is_patient:
        return redirect("assignments:my_reading")
    if user.is_clinician:
        return redirect("assignments:my_patients")
    if user.is_caregiver:
        # The reading pages send a caregiver who has not chosen whose reading yet to choose.
        return redirect("assignments:my_reading")
    return redirect("admin:index")


@never_cache
@requires_csrf_token
def server_error(request):
    """The 500 page, as Django's own (no context processors: they may be what failed), but
    with the two numbers a patient in trouble needs."""
    page = loader.get_template("500.html").render(
        {"CARE_TEAM_PHONE": settings.CARE_TEAM_PHONE, "EMERGENCY_NUMBER": settings.EMERGENCY_NUMBER}
    )
    return HttpResponseServerError(page)


def healthz(request):
    """Database and broker reachability, for load balancers and monitors. No details leak."""
    checks = {"database": False, "broker": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            checks["database"] = cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        checks["database"] = False
    checks["broker"] = _broker_reachable()
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def _broker_reachable() -> bool:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


_INVITATION_RATE_LIMIT_MESSAGE = gettext_lazy(
    "You have sent a lot of invitations in the last hour. To protect people from unwanted "
    "email, please wait an hour and try again. The details you typed are still here."
)


@clinician_required
def invitation_list(request):
    form = InvitationForm(request.POST or None)
    rate_limited = False
    if request.method == "POST" and form.is_valid():
        if security.invitation_rate_limit_exceeded(user=request.user):
            rate_limited = True
            form.add_error(None, _INVITATION_RATE_LIMIT_MESSAGE)
        else:
            try:
                invitation = services.invitation_create(
                    invited_by=request.user,
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("accounts:invitation_list")
    invitations = selectors.invitation_list_pending(user=request.user)
    status = 429 if rate_limited else 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/invitation_list.html",
        {"form": form, "invitations": invitations},
        status=status,
    )


@clinician_required
@require_POST
def invitation_resend(request, invitation_id):
    invitation = selectors.invitation_get_for_user(user=request.user, invitation_id=invitation_id)
    if security.invitation_rate_limit_exceeded(user=request.user):
        messages.error(request, _INVITATION_RATE_LIMIT_MESSAGE)
        return redirect("accounts:invitation_list")
    services.invitation_resend(invitation=invitation)
    messages.success(request, _("A new link was sent to %(email)s.") % {"email": invitation.email})
    return redirect("accounts:invitation_list")


@clinician_required
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = selectors.invitation_get_for_user(user=request.user, invitation_id=invitation_id)
    services.invitation_revoke(invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("accounts:invitation_list")


@never_cache
def invitation_accept(request, token):
    try:
        invitation = services.invitation_get_by_token(token=token)
    except services.InvitationInvalid as error:
        return render(
            request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410
        )
    form = SetPasswordForm(request.POST or None, email=invitation.email, name=invitation.name)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except services.InvitationInvalid as error:
            return render(
                request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Your account is ready."))
        return redirect("home")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        # Say it in the language just chosen: the next page will be in that language.
        translation.activate(request.user.preferred_language)
        messages.success(request, _("Your settings were saved."))
        return redirect(reverse("accounts:profile"))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "session_idle_minutes": _idle_minutes(request.user)},
        status=400 if request.method == "POST" else 200,
    )


def _idle_minutes(user) -> int:
    if user.is_staff_role:
        return settings.SESSION_IDLE_MINUTES_STAFF
    return settings.SESSION_IDLE_MINUTES_PATIENT


@login_required
@require_POST
def text_size(request):
    """The text-size buttons: a plain form post that comes back to the same page.

    static/js/text_size.js sends the same post in the background (so the reader keeps their
    place) and gets an empty 204 answer; without JavaScript the page reloads at the new size.
    """
    form = TextSizeForm(request.POST)
    in_background = request.headers.get("X-Requested-With") == "fetch"
    if form.is_valid():
        services.user_set_text_size(user=request.user, text_size=form.cleaned_data["text_size"])
        if in_background:
            return HttpResponse(status=204)
    else:
        message = form.errors["text_size"][0]
        if in_background:
            return JsonResponse({"text_size": [message]}, status=400)
        messages.error(request, message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("accounts:profile")
    return redirect(back)


@require_POST
def language(request):
    """The language switch in the footer.

    A logged-in person's saved preference decides the language on every page
    (UserLanguageMiddleware), so switching here saves it; Django's set_language then
    remembers it for the browser too and goes back to the page.
    """
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and chosen in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=chosen)
    return set_language(request)
