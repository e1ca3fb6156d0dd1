"""Web pages for caregivers: the patient's "People who help me", a clinician's invitation for a
patient, accepting an invitation, and a caregiver choosing whose reading to look at.

Views stay thin: check the role, look the link up through a scoped selector (404 outside one's
own), call one service, render.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts import security
from apps.accounts.forms import SetPasswordForm, add_validation_errors
from apps.accounts.permissions import clinician_required, patient_required, role_required
from apps.accounts.selectors import patient_get_for_user
from apps.accounts.services import InvitationInvalid
from apps.audit.services import audit_log

from . import selectors, services
from .forms import ChooseForm, InviteForm, PermissionsForm

caregiver_required = role_required("caregiver")

_RATE_LIMIT_MESSAGE = gettext_lazy(
    "You have sent a lot of invitations in the last hour. Please wait an hour and try again. "
    "The details you typed are still here."
)


def _invite(request, form, *, patient) -> bool:
    """Send the invitation the form describes; False (errors on the form) when it cannot."""
    if security.invitation_rate_limit_exceeded(user=request.user):
        form.add_error(None, str(_RATE_LIMIT_MESSAGE))
        return False
    try:
        services.caregiver_invite(
            patient=patient,
            invited_by=request.user,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            can_ask_questions=form.cleaned_data["can_ask_questions"],
            receives_reminders=form.cleaned_data["receives_reminders"],
            request=request,
        )
    except ValidationError as error:
        add_validation_errors(form, error)
        return False
    return True


# --- The patient ------------------------------------------------------------------------------


@patient_required
def people(request):
    """People who help me: everyone invited or reading with the patient, and an invitation."""
    form = InviteForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _invite(request, form, patient=request.user)
    ):
        messages.success(
            request,
            _("We sent an invitation to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("caregivers:people")
    links = list(selectors.links_for_patient(patient=request.user))
    return render(
        request,
        "caregivers/people.html",
        {
            "form": form,
            "open_links": [
                (link, PermissionsForm(initial=_permissions(link), prefix=f"link{link.pk}"))
                for link in links
                if link.status != link.Status.ENDED
            ],
            "ended_links": [link for link in links if link.status == link.Status.ENDED],
        },
        status=400 if request.method == "POST" else 200,
    )


def _permissions(link) -> dict:
    return {
        "can_ask_questions": link.can_ask_questions,
        "receives_reminders": link.receives_reminders,
    }


@patient_required
@require_POST
def person_update(request, link_id):
    link = selectors.link_get_for_patient(patient=request.user, link_id=link_id)
    form = PermissionsForm(request.POST, prefix=f"link{link.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose what this person may do, then save."))
        return redirect("caregivers:people")
    try:
        services.caregiver_update(
            link=link,
            actor=request.user,
            can_ask_questions=form.cleaned_data["can_ask_questions"],
            receives_reminders=form.cleaned_data["receives_reminders"],
            request=request,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved. The change works straight away."))
    return redirect("caregivers:people")


@patient_required
@require_POST
def person_end(request, link_id):
    link = selectors.link_get_for_patient(patient=request.user, link_id=link_id)
    services.caregiver_end(link=link, actor=request.user, request=request)
    messages.success(request, _("%(name)s can no longer see your reading.") % {"name": link.name})
    return redirect("caregivers:people")


@patient_required
@require_POST
def person_confirm(request, link_id):
    link = selectors.link_get_for_patient(patient=request.user, link_id=link_id)
    try:
        services.caregiver_confirm(link=link, patient=request.user, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Thank you. We sent %(name)s an invitation.") % {"name": link.name},
        )
    return redirect("caregivers:people")


# --- A clinician, for a patient of their care team ---------------------------------------------


@clinician_required
def clinician_invite(request, patient_id):
    patient = patient_get_for_user(user=request.user, patient_id=patient_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _invite(request, form, patient=patient):
        messages.success(
            request,
            _("Saved. %(patient)s will be asked to agree before we send the invitation.")
            % {"patient": patient.name},
        )
        return redirect("assignments:patient_detail", patient_id=patient.pk)
    audit_log(actor=request.user, action="patient.view", patient=patient, request=request)
    return render(
        request,
        "caregivers/clinician_invite.html",
        {"form": form, "patient": patient},
        status=400 if request.method == "POST" else 200,
    )


# --- The person invited -----------------------------------------------------------------------


def _invalid(request, error) -> object:
    return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)


@never_cache
def accept(request, token):
    """Accept an invitation: set a password for a new account, or add it to one's own."""
    try:
        link = services.link_for_token(token=token)
    except InvitationInvalid as error:
        return _invalid(request, error)
    logged_in = request.user.is_authenticated
    form = None if logged_in else SetPasswordForm(request.POST or None, email=link.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            caregiver, link = services.caregiver_accept(
                token=token,
                user=request.user,
                password=form.cleaned_data["password1"] if form is not None else "",
            )
        except InvitationInvalid as error:
            return _invalid(request, error)
        except services.AcceptRefused as error:
            messages.error(request, str(error))
        else:
            if not logged_in:
                login(request, caregiver, backend="django.contrib.auth.backends.ModelBackend")
            if link.is_active:
                request.session[selectors.SESSION_KEY] = link.patient_id
            messages.success(
                request,
                _("Thank you. You can now read with %(name)s.") % {"name": link.patient.name},
            )
            return redirect("home")
    return render(
        request,
        "caregivers/accept.html",
        {"form": form, "link": link},
        status=400 if request.method == "POST" else 200,
    )


# --- The caregiver ----------------------------------------------------------------------------


@caregiver_required
def choose(request):
    """Whose reading to look at. Only patients with an active link are offered or accepted."""
    links = list(selectors.active_links_for_caregiver(caregiver=request.user))
    if request.method == "GET" and len(links) == 1 and request.caregiver_link is None:
        # Only one person to read for: no choice to make.
        request.session[selectors.SESSION_KEY] = links[0].patient_id
        return redirect("assignments:my_reading")
    form = ChooseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = selectors.active_link_get_for_caregiver(
            caregiver=request.user, patient_id=form.cleaned_data["patient"]
        )
        request.session[selectors.SESSION_KEY] = link.patient_id
        return redirect("assignments:my_reading")
    return render(
        request,
        "caregivers/choose.html",
        {"links": links, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@caregiver_required
def helping(request):
    """The people this caregiver reads for now, what each allowed, and a way to stop."""
    links = list(selectors.active_links_for_caregiver(caregiver=request.user))
    return render(request, "caregivers/helping.html", {"links": links})


@caregiver_required
def helping_stop(request, link_id):
    """A caregiver stops reading for someone: asked to confirm, then ended at once, as when the
    patient ends it. With nobody left to read for, their sessions end and they are logged out."""
    link = selectors.active_link_get_by_id_for_caregiver(caregiver=request.user, link_id=link_id)
    if request.method != "POST":
        return render(request, "caregivers/helping_stop.html", {"link": link})
    services.caregiver_end(link=link, actor=request.user, request=request)
    message = _("You no longer read for %(name)s. They can see this in their settings.") % {
        "name": link.patient.name
    }
    if not selectors.active_links_for_caregiver(caregiver=request.user).exists():
        # caregiver_end has ended every session of theirs, this one included.
        logout(request)
        messages.success(request, message)
        return redirect("account_login")
    if request.session.get(selectors.SESSION_KEY) == link.patient_id:
        del request.session[selectors.SESSION_KEY]
    messages.success(request, message)
    return redirect("caregivers:helping")
