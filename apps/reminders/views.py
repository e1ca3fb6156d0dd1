from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User

from . import selectors, services
from .emails import user_id_from_unsubscribe_token
from .forms import NotificationPreferenceForm


@login_required
def preferences(request):
    prefs = selectors.notification_preferences_get(user=request.user)
    form = NotificationPreferenceForm(request.POST or None, instance=prefs, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.notification_preferences_update(
            user=request.user,
            wanted={kind: data[kind] for kind in form.kinds},
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
            all_off=data["all_off"],
        )
        messages.success(request, _("Your email choices were saved."))
        return redirect("reminders:preferences")
    return render(
        request,
        "reminders/preferences.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# No login and no CSRF token: the signed token in the link is the authority, and mail
# apps send RFC 8058 one-click unsubscribes as a bare POST to this same URL.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    user_id = user_id_from_unsubscribe_token(token)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return render(request, "reminders/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.notifications_unsubscribe_all(user=user)
        return render(request, "reminders/unsubscribe_done.html")
    return render(request, "reminders/unsubscribe_confirm.html", {"token": token})
