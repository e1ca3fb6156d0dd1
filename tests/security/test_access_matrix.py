"""The access matrix: every URL in the URLconf, for every kind of visitor, and what they get.

How it works
- `iter_routes()` walks the whole URLconf (web pages, the REST API, allauth, the admin).
- `MATRIX` has one entry per URL name (or per route, for a pattern without a name). An entry
  says how to fill the URL's arguments from the scenario, which method to use, and the
  expected answer for each of the seven visitors in ROLES.
- `test_every_url_has_an_entry` fails when a URL is added without an entry (or an entry is
  left behind after its URL went away): a new URL cannot ship unreviewed.
- `test_access` requests each URL as each visitor. Each visitor's request runs in a savepoint
  that is rolled back, so a POST by one visitor cannot change what the next one sees.

The visitors and their objects are in tests/security/scenario.py: `patient` is cared for by
`clinician`, `other_patient` by `other_clinician`, so those two show what happens outside
one's scope (404, never a hint that it exists). Three caregivers (issue 25): `caregiver` reads
for `patient` through an active link, `ended_caregiver`'s link to `patient` was ended (their
session still names the patient: they must get 404 at once), `other_caregiver` reads for
`other_patient`. Caregivers are non-staff people with no patient role: where an entry does
not name them they get what `other_patient` gets (a logged-in person with nothing here);
the reading pages and the caregiver pages name them.

Adding a URL: add an entry next to its neighbours, using the presets below (patient_page,
staff_page, api, ...) and overriding single visitors where the URL differs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin as django_admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.accounts.models import CareTeamMembership
from apps.assignments.models import CheckAttempt
from apps.audit.models import AuditEvent
from apps.fhir.models import ExportJob
from apps.reminders.emails import unsubscribe_token

from .scenario import CAREGIVER_ROLES, ROLES, Scenario
from .urlwalk import iter_routes, route_keys

# --- Expectations ---------------------------------------------------------------------------


class Expect(NamedTuple):
    status: int
    # For redirects: the URL name (or literal path) the Location must start with.
    to: str | None = None

    def describe(self) -> str:
        return f"{self.status}" + (f" -> {self.to}" if self.to else "")


OK = Expect(200)
BAD_REQUEST = Expect(400)
UNAUTHORIZED = Expect(401)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
CONFLICT = Expect(409)
GONE = Expect(410)
TO_LOGIN = Expect(302, "account_login")
TO_MFA = Expect(302, "mfa_activate_totp")
TO_HOME = Expect(302, "home")
TO_ADMIN_LOGIN = Expect(302, "admin:login")
TO_ADMIN_INDEX = Expect(302, "admin:index")


def redirect(to: str) -> Expect:
    return Expect(302, to)


def roles(**expected: Expect) -> dict[str, Expect]:
    for role in CAREGIVER_ROLES:
        expected.setdefault(role, expected.get("other_patient"))
    missing = set(ROLES) - set(expected)
    unknown = set(expected) - set(ROLES)
    if missing or unknown:
        raise ValueError(f"roles() needs exactly {ROLES}; missing {missing}, unknown {unknown}")
    return expected


def same_for_all(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expect)


def patient_page(
    ok: Expect = OK, *, other_patient: Expect | None = None, **overrides: Expect
) -> dict[str, Expect]:
    """Patients only. Staff and caregivers get 403 (wrong role); staff without MFA are sent to
    set it up."""
    expected = {
        "anonymous": TO_LOGIN,
        "patient": ok,
        "other_patient": other_patient or ok,
        "clinician": FORBIDDEN,
        "other_clinician": FORBIDDEN,
        "admin": FORBIDDEN,
        "staff_without_mfa": TO_MFA,
        "caregiver": FORBIDDEN,
        "ended_caregiver": FORBIDDEN,
        "other_caregiver": FORBIDDEN,
    }
    return roles(**(expected | overrides))


def reading_page(ok: Expect = OK) -> dict[str, Expect]:
    """The patient's reading, which the patient's active caregiver shares: 404 for everyone
    else who may read (another patient, an ended caregiver, another patient's caregiver)."""
    return patient_page(
        ok,
        other_patient=NOT_FOUND,
        caregiver=ok,
        ended_caregiver=NOT_FOUND,
        other_caregiver=NOT_FOUND,
    )


def staff_page(
    ok: Expect = OK, *, other_clinician: Expect | None = None, **overrides: Expect
) -> dict[str, Expect]:
    """Clinicians and admins. Patients and caregivers get 403."""
    expected = {
        "anonymous": TO_LOGIN,
        "patient": FORBIDDEN,
        "other_patient": FORBIDDEN,
        "clinician": ok,
        "other_clinician": other_clinician or ok,
        "admin": ok,
        "staff_without_mfa": TO_MFA,
        "caregiver": FORBIDDEN,
        "ended_caregiver": FORBIDDEN,
        "other_caregiver": FORBIDDEN,
    }
    return roles(**(expected | overrides))


def caregiver_page(ok: Expect = OK, **overrides: Expect) -> dict[str, Expect]:
    """Caregivers only (their own account's caregiver pages). Patients and staff get 403."""
    expected = {
        "anonymous": TO_LOGIN,
        "patient": FORBIDDEN,
        "other_patient": FORBIDDEN,
        "clinician": FORBIDDEN,
        "other_clinician": FORBIDDEN,
        "admin": FORBIDDEN,
        "staff_without_mfa": TO_MFA,
        "caregiver": ok,
        "ended_caregiver": ok,
        "other_caregiver": ok,
    }
    return roles(**(expected | overrides))


def any_user_page(ok: Expect = OK, **overrides: Expect) -> dict[str, Expect]:
    """Anyone logged in (caregivers too: their own account's pages)."""
    expected = dict.fromkeys(ROLES, ok) | {"anonymous": TO_LOGIN, "staff_without_mfa": TO_MFA}
    return roles(**(expected | overrides))


def api(
    *,
    patient: Expect,
    clinician: Expect,
    admin: Expect | None = None,
    other_patient: Expect | None = None,
    other_clinician: Expect | None = None,
    caregiver: Expect | None = None,
    other_caregiver: Expect | None = None,
    ended_caregiver: Expect | None = None,
) -> dict[str, Expect]:
    """REST API with a browser session: 401 when not logged in (the API contract), a JSON 403
    for staff without MFA (StaffMFARequired). Caregivers get what `other_patient` gets unless
    named."""
    caregiver_default = other_patient or patient
    return roles(
        caregiver=caregiver or caregiver_default,
        other_caregiver=other_caregiver or caregiver or caregiver_default,
        ended_caregiver=ended_caregiver or caregiver or caregiver_default,
        anonymous=UNAUTHORIZED,
        patient=patient,
        other_patient=other_patient or patient,
        clinician=clinician,
        other_clinician=other_clinician or clinician,
        admin=admin or clinician,
        staff_without_mfa=FORBIDDEN,
    )


# Admin pages need one object of each registered model; new admin models need a line here.
ADMIN_OBJECTS: dict[str, Callable[[Scenario], object]] = {
    "accounts.user": lambda s: s.people["patient"],
    "accounts.careteammembership": lambda s: CareTeamMembership.objects.first(),
    "accounts.invitation": lambda s: s.invitation,
    "accounts.notificationpreference": lambda s: s.preferences,
    "caregivers.caregiverlink": lambda s: s.caregiver_link,
    "audit.auditevent": lambda s: s.audit_event,
    "auth.group": lambda s: s.group,
    "account.emailaddress": lambda s: s.email_address,
    "mfa.authenticator": lambda s: Authenticator.objects.first(),
    "usersessions.usersession": lambda s: s.user_session,
    "django_celery_beat.periodictask": lambda s: s.periodic_task,
    "django_celery_beat.intervalschedule": lambda s: s.interval,
    "django_celery_beat.crontabschedule": lambda s: s.crontab,
    "django_celery_beat.solarschedule": lambda s: s.solar,
    "django_celery_beat.clockedschedule": lambda s: s.clocked,
    "assignments.assignment": lambda s: s.assignment,
    "questions.question": lambda s: s.question,
    "library.module": lambda s: s.module,
    "library.moduleversion": lambda s: s.module.current_version,
    "reminders.notification": lambda s: s.notification,
}


# --- Entries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    expect: dict[str, Expect]
    kwargs: Callable[[Scenario], dict] = lambda s: {}
    method: str = "get"
    data: Callable[[Scenario], dict] = lambda s: {}
    # "application/json" for API writes; None sends a form.
    content_type: str | None = None
    # For a pattern without a name: the path to request.
    path: Callable[[Scenario], str] | None = None
    why: str = ""


def assignment_id(s: Scenario) -> dict:
    return {"assignment_id": s.assignment.pk}


def question_id(s: Scenario) -> dict:
    return {"question_id": s.question.pk}


def api_pk(obj_name: str) -> Callable[[Scenario], dict]:
    return lambda s: {"pk": s.objects[obj_name].pk}


MATRIX: dict[str, Entry] = {
    # --- home, health, language -------------------------------------------------------------
    "home": Entry(
        roles(
            anonymous=TO_LOGIN,
            patient=redirect("assignments:my_reading"),
            other_patient=redirect("assignments:my_reading"),
            clinician=redirect("assignments:my_patients"),
            other_clinician=redirect("assignments:my_patients"),
            admin=TO_ADMIN_INDEX,
            staff_without_mfa=TO_MFA,
        )
    ),
    "healthz": Entry(same_for_all(OK), why="load balancers; says nothing about anyone"),
    "operations:readyz": Entry(same_for_all(OK), why="readiness probes; says nothing about anyone"),
    # The test client connects from 127.0.0.1, a network METRICS_ALLOWED_NETWORKS allows;
    # tests/operations/test_metrics.py shows everyone else gets a 404.
    "operations:metrics": Entry(
        same_for_all(OK), why="counts only, for scrapers on allowed networks"
    ),
    "set_language": Entry(
        same_for_all(Expect(302, "/")), method="post", data=lambda s: {"language": "es"}
    ),
    # --- session warning endpoints ------------------------------------------------------------
    "accounts:session_status": Entry(
        same_for_all(OK),
        why="says only whether this browser is logged in; open on the MFA set-up page too",
    ),
    "accounts:session_keep_alive": Entry(same_for_all(OK) | {"anonymous": TO_LOGIN}, method="post"),
    # --- accounts: invitations, settings --------------------------------------------------------
    "accounts:invitation_list": Entry(staff_page()),
    "accounts:invitation_resend": Entry(
        staff_page(redirect("accounts:invitation_list"), other_clinician=NOT_FOUND),
        kwargs=lambda s: {"invitation_id": s.invitation.pk},
        method="post",
    ),
    "accounts:invitation_revoke": Entry(
        staff_page(redirect("accounts:invitation_list"), other_clinician=NOT_FOUND),
        kwargs=lambda s: {"invitation_id": s.invitation.pk},
        method="post",
    ),
    "accounts:invitation_accept": Entry(
        same_for_all(GONE) | {"staff_without_mfa": TO_MFA},
        kwargs=lambda s: {"token": s.invitation_token},
        why="an unknown or used token says only that the link does not work",
    ),
    "accounts:profile": Entry(any_user_page()),
    "accounts:text_size": Entry(
        any_user_page(Expect(302)), method="post", data=lambda s: {"text_size": "large"}
    ),
    "accounts:language": Entry(
        same_for_all(Expect(302)),
        why="choosing a language shows no patient data, so staff may do it before MFA set-up",
        method="post",
        data=lambda s: {"language": "es"},
    ),
    # --- patient record (records app) -------------------------------------------------------
    "records:my_record_access": Entry(patient_page()),
    "records:my_record_export": Entry(patient_page()),
    "records:my_record_export_json": Entry(patient_page()),
    # --- caregivers (issue 25) ------------------------------------------------------------
    "caregivers:people": Entry(patient_page()),
    "caregivers:person_update": Entry(
        patient_page(redirect("caregivers:people"), other_patient=NOT_FOUND),
        kwargs=lambda s: {"link_id": s.caregiver_link.pk},
        method="post",
    ),
    "caregivers:person_end": Entry(
        patient_page(redirect("caregivers:people"), other_patient=NOT_FOUND),
        kwargs=lambda s: {"link_id": s.caregiver_link.pk},
        method="post",
    ),
    "caregivers:person_confirm": Entry(
        patient_page(redirect("caregivers:people"), other_patient=NOT_FOUND),
        kwargs=lambda s: {"link_id": s.caregiver_link.pk},
        method="post",
        why="the patient's link is active: nothing to confirm, said with a message",
    ),
    "caregivers:clinician_invite": Entry(
        staff_page(other_clinician=NOT_FOUND),
        kwargs=lambda s: {"patient_id": s.people["patient"].pk},
    ),
    "caregivers:accept": Entry(
        same_for_all(GONE) | {"staff_without_mfa": TO_MFA},
        kwargs=lambda s: {"token": s.invitation_token},
        why="an unknown or used token says only that the link does not work",
    ),
    "caregivers:choose": Entry(
        caregiver_page(),
        why="an ended caregiver sees an empty list: nobody to read for",
    ),
    "caregivers:helping": Entry(
        caregiver_page(),
        why="each caregiver lists only their own active links; an ended one lists nobody",
    ),
    "caregivers:helping_stop": Entry(
        caregiver_page(other_caregiver=NOT_FOUND, ended_caregiver=NOT_FOUND),
        kwargs=lambda s: {"link_id": s.caregiver_link.pk},
        why="only the caregiver of an active link may stop it; the confirmation page asks first",
    ),
}


# --- allauth: accounts, two-step verification, sessions -------------------------------------

MATRIX.update(
    {
        "account_login": Entry(
            same_for_all(TO_HOME) | {"anonymous": OK}, why="logged-in people are sent home"
        ),
        "account_logout": Entry(same_for_all(redirect("/")), method="post"),
        "account_inactive": Entry(same_for_all(OK) | {"staff_without_mfa": TO_MFA}),
        "account_signup": Entry(
            same_for_all(Expect(302, "/")) | {"anonymous": OK, "staff_without_mfa": TO_MFA},
            why="no open sign-up; the page only says so",
        ),
        "account_reauthenticate": Entry(same_for_all(OK) | {"anonymous": TO_LOGIN}),
        "account_request_reauthentication_code": Entry(
            same_for_all(OK) | {"anonymous": TO_LOGIN},
            why="offered to people with a verified email address: every login address is",
        ),
        "account_confirm_reauthentication_code": Entry(
            same_for_all(redirect("account_request_reauthentication_code"))
            | {"anonymous": TO_LOGIN},
            why="no code was requested",
        ),
        "account_email": Entry(any_user_page()),
        "account_email_verification_sent": Entry(same_for_all(OK) | {"staff_without_mfa": TO_MFA}),
        "account_change_password": Entry(any_user_page()),
        "account_set_password": Entry(any_user_page(redirect("account_change_password"))),
        "account_reset_password": Entry(same_for_all(OK) | {"staff_without_mfa": TO_MFA}),
        "account_confirm_login_code": Entry(
            same_for_all(redirect("/")) | {"anonymous": redirect("account_login")},
            why="login by code is off; logged-in people are sent home",
        ),
        "account_confirm_email": Entry(
            same_for_all(OK) | {"staff_without_mfa": TO_MFA},
            kwargs=lambda s: {"key": "not-a-real-key"},
        ),
        "account_reset_password_from_key_done": Entry(
            same_for_all(OK) | {"staff_without_mfa": TO_MFA}
        ),
        "account_reset_password_from_key": Entry(
            same_for_all(OK) | {"staff_without_mfa": TO_MFA},
            kwargs=lambda s: {"uidb36": "zz", "key": "not-a-real-key"},
            why="a wrong key shows the 'bad token' page",
        ),
        "account_reset_password_done": Entry(same_for_all(OK) | {"staff_without_mfa": TO_MFA}),
        "mfa_index": Entry(same_for_all(OK) | {"anonymous": TO_LOGIN}),
        "mfa_authenticate": Entry(
            same_for_all(redirect("/")) | {"anonymous": redirect("account_login")},
            why="only during a login that is waiting for its code",
        ),
        "mfa_reauthenticate": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=redirect("account_reauthenticate"),
                other_patient=redirect("account_reauthenticate"),
                clinician=OK,
                other_clinician=OK,
                admin=OK,
                staff_without_mfa=redirect("account_reauthenticate"),
            ),
            why="only people with an authenticator confirm with a code",
        ),
        "mfa_activate_totp": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=redirect("account_reauthenticate"),
                other_patient=redirect("account_reauthenticate"),
                clinician=redirect("account_reauthenticate"),
                other_clinician=redirect("account_reauthenticate"),
                admin=redirect("account_reauthenticate"),
                staff_without_mfa=redirect("account_reauthenticate"),
            )
        ),
        "mfa_deactivate_totp": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=NOT_FOUND,
                other_patient=NOT_FOUND,
                clinician=redirect("account_reauthenticate"),
                other_clinician=redirect("account_reauthenticate"),
                admin=redirect("account_reauthenticate"),
                staff_without_mfa=NOT_FOUND,
            ),
            why="404: no authenticator to turn off",
        ),
        "mfa_view_recovery_codes": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=NOT_FOUND,
                other_patient=NOT_FOUND,
                clinician=NOT_FOUND,
                other_clinician=NOT_FOUND,
                admin=NOT_FOUND,
                staff_without_mfa=NOT_FOUND,
            ),
            why="the test authenticators have no recovery codes",
        ),
        "mfa_generate_recovery_codes": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=redirect("account_reauthenticate"),
                other_patient=redirect("account_reauthenticate"),
                clinician=redirect("account_reauthenticate"),
                other_clinician=redirect("account_reauthenticate"),
                admin=redirect("account_reauthenticate"),
                staff_without_mfa=redirect("account_reauthenticate"),
            )
        ),
        "mfa_download_recovery_codes": Entry(
            same_for_all(NOT_FOUND) | {"anonymous": TO_LOGIN},
            why="the test authenticators have no recovery codes",
        ),
        "usersessions_list": Entry(any_user_page()),
    }
)

# Headless (app) endpoints authenticate with X-Session-Token only: to a browser session they
# are anonymous, whoever is logged in. tests/api covers them with tokens.
_HEADLESS_GET = {
    "config": OK,
    "account:current_session": UNAUTHORIZED,
    "account:reauthenticate": UNAUTHORIZED,
    "account:confirm_login_code": CONFLICT,
    "account:request_reauthentication_code": UNAUTHORIZED,
    "account:confirm_reauthentication_code": UNAUTHORIZED,
    "account:resend_reauthentication_code": UNAUTHORIZED,
    "account:request_password_reset": NOT_ALLOWED,
    "account:reset_password": BAD_REQUEST,
    "account:login": NOT_ALLOWED,
    "account:signup": NOT_ALLOWED,
    "account:verify_email": BAD_REQUEST,
    "account:resend_email_verification_code": NOT_ALLOWED,
    "account:verify_phone": CONFLICT,
    "account:resend_phone_verification_code": NOT_ALLOWED,
    "account:change_password": UNAUTHORIZED,
    "account:manage_email": UNAUTHORIZED,
    "account:manage_phone": UNAUTHORIZED,
    "mfa:authenticate": UNAUTHORIZED,
    "mfa:reauthenticate": UNAUTHORIZED,
    "mfa:authenticators": UNAUTHORIZED,
    "mfa:manage_totp": UNAUTHORIZED,
    "mfa:manage_recovery_codes": UNAUTHORIZED,
    "usersessions:sessions": UNAUTHORIZED,
    "tokens:refresh": NOT_ALLOWED,
}
MATRIX.update(
    {f"headless:app:{name}": Entry(same_for_all(expect)) for name, expect in _HEADLESS_GET.items()}
)
MATRIX.update(
    {
        name: Entry(
            same_for_all(OK),
            why="allauth's description of its login API: public when the API's is "
            "(API_DOCS_PUBLIC, tests/security/test_api_docs_access.py); holds no data",
        )
        for name in (
            "api-login-schema-json",
            "api-login-schema-yaml",
            # allauth's own routes for the same addresses, reached only through the two above.
            "headless:openapi_yaml",
            "headless:openapi_json",
        )
    }
)


# --- patient reading (assignments) --------------------------------------------------------------

MATRIX.update(
    {
        "assignments:my_reading": Entry(
            patient_page(
                caregiver=OK,
                other_caregiver=OK,
                ended_caregiver=redirect("caregivers:choose"),
            ),
            why="a caregiver sees the reading of the patient they chose; an ended link is "
            "forgotten and they are asked to choose again",
        ),
        "assignments:reading_start": Entry(reading_page(Expect(302)), kwargs=assignment_id),
        "assignments:reading_section": Entry(
            reading_page(),
            kwargs=lambda s: {"assignment_id": s.assignment.pk, "position": 1},
        ),
        "assignments:reading_all": Entry(reading_page(), kwargs=assignment_id),
        "assignments:reading_print": Entry(reading_page(), kwargs=assignment_id),
        "assignments:reading_check": Entry(
            patient_page(other_patient=NOT_FOUND),
            kwargs=assignment_id,
            why="the check is the patient's own; caregivers read only",
        ),
        "assignments:wallet_card": Entry(
            patient_page(), why="each patient sees only their own card: the URL names no one"
        ),
        "assignments:reading_complete": Entry(
            patient_page(Expect(302), other_patient=NOT_FOUND),
            kwargs=assignment_id,
            method="post",
        ),
        # --- clinician dashboard ----------------------------------------------------------
        "assignments:my_patients": Entry(staff_page()),
        "assignments:patients_export": Entry(staff_page()),
        "assignments:assign": Entry(staff_page()),
        "library:library": Entry(staff_page()),
        "library:module_preview": Entry(staff_page(), kwargs=lambda s: {"module_id": s.module.pk}),
        "assignments:module_overview": Entry(staff_page()),
        "assignments:module_results": Entry(
            staff_page(), kwargs=lambda s: {"module_id": s.module.pk}
        ),
        "assignments:module_results_export": Entry(
            staff_page(), kwargs=lambda s: {"module_id": s.module.pk}
        ),
        "assignments:assignment_cancel": Entry(
            staff_page(other_clinician=NOT_FOUND), kwargs=assignment_id
        ),
        "assignments:assignment_for_caregiver": Entry(
            staff_page(Expect(302), other_clinician=NOT_FOUND),
            kwargs=assignment_id,
            method="post",
        ),
        "assignments:assignment_reread": Entry(
            staff_page(Expect(302), other_clinician=NOT_FOUND),
            kwargs=assignment_id,
            method="post",
        ),
        "assignments:patient_detail": Entry(
            staff_page(other_clinician=NOT_FOUND),
            kwargs=lambda s: {"patient_id": s.people["patient"].pk},
        ),
        "assignments:patient_treatment": Entry(
            staff_page(Expect(302), other_clinician=NOT_FOUND),
            kwargs=lambda s: {"patient_id": s.people["patient"].pk},
            method="post",
            data=lambda s: {"treatment_name": "nivolumab"},
        ),
        "assignments:patient_wallet_card": Entry(
            staff_page(other_clinician=NOT_FOUND),
            kwargs=lambda s: {"patient_id": s.people["patient"].pk},
            why="a clinician prints the card for a patient in their care team",
        ),
    }
)

# --- questions ------------------------------------------------------------------------------

MATRIX.update(
    {
        "questions:my_questions": Entry(
            patient_page(
                caregiver=OK,
                other_caregiver=OK,
                ended_caregiver=redirect("caregivers:choose"),
            ),
            why="a caregiver lists the questions they asked for the patient they chose",
        ),
        "questions:ask": Entry(
            patient_page(caregiver=OK, other_caregiver=OK, ended_caregiver=NOT_FOUND),
            why="the scenario's caregivers may ask; an ended link reaches nobody",
        ),
        "questions:detail": Entry(
            any_user_page(
                other_patient=NOT_FOUND,
                other_clinician=NOT_FOUND,
                **dict.fromkeys(CAREGIVER_ROLES, NOT_FOUND),
            ),
            kwargs=question_id,
        ),
        "questions:close": Entry(
            any_user_page(
                Expect(302),
                other_patient=NOT_FOUND,
                other_clinician=NOT_FOUND,
                admin=FORBIDDEN,
                **dict.fromkeys(CAREGIVER_ROLES, NOT_FOUND),
            ),
            kwargs=question_id,
            method="post",
            why="admins may read a thread but only the patient and care team close it",
        ),
        "questions:withdraw": Entry(
            patient_page(Expect(302), other_patient=NOT_FOUND),
            kwargs=question_id,
            method="post",
        ),
        "questions:inbox": Entry(staff_page()),
    }
)

# --- reminders --------------------------------------------------------------------------------

MATRIX.update(
    {
        "reminders:preferences": Entry(any_user_page()),
        "reminders:unsubscribe": Entry(
            same_for_all(OK) | {"staff_without_mfa": TO_MFA},
            kwargs=lambda s: {"token": unsubscribe_token(user_id=s.people["patient"].pk)},
            why="the signed link is the authority; a GET only asks to confirm",
        ),
    }
)

# --- REST API (session clients; tests/api covers token clients) -------------------------------
# Writes send an empty JSON body: enough to show who gets past the permission and scope
# checks (400 for a bad body) and who does not (403 wrong role, 404 outside one's scope).


def api_write(expect: dict[str, Expect], obj_name: str, **options) -> Entry:
    return Entry(
        expect,
        kwargs=api_pk(obj_name),
        method="post",
        data=lambda s: {},
        content_type="application/json",
        **options,
    )


MATRIX.update(
    {
        "api-me": Entry(api(patient=OK, clinician=OK)),
        "route:^api/.*/$": Entry(
            same_for_all(NOT_FOUND),
            path=lambda s: "/api/v1/no-such-endpoint/",
            why="unknown API addresses answer with a JSON 404, and say nothing more",
        ),
        "api-schema": Entry(same_for_all(OK), why="describes the API; holds no patient data"),
        "api-docs": Entry(same_for_all(OK), why="describes the API; holds no patient data"),
        "api-module-list": Entry(api(patient=OK, clinician=OK)),
        "api-module-detail": Entry(
            api(
                patient=OK,
                other_patient=NOT_FOUND,
                clinician=OK,
                caregiver=OK,
                other_caregiver=NOT_FOUND,
                ended_caregiver=NOT_FOUND,
            ),
            kwargs=lambda s: {"slug": s.module.slug},
            why="patients see only modules assigned to them, caregivers those assigned to the "
            "patients they read for now; staff see the published library",
        ),
        "api-patient-list": Entry(api(patient=FORBIDDEN, clinician=OK)),
        "api-patient-treatment": Entry(
            api(patient=FORBIDDEN, clinician=OK, other_clinician=NOT_FOUND, admin=OK),
            kwargs=lambda s: {"pk": s.people["patient"].pk},
        ),
        "api-wallet-card": Entry(
            api(patient=OK, clinician=FORBIDDEN, caregiver=FORBIDDEN),
            why="each patient reads only their own card (not their caregivers): the URL names no one",
        ),
        "api-assignment-list": Entry(api(patient=OK, clinician=OK)),
        "api-assignment-detail": Entry(
            api(
                patient=OK,
                other_patient=NOT_FOUND,
                clinician=OK,
                other_clinician=NOT_FOUND,
                caregiver=OK,
                other_caregiver=NOT_FOUND,
                ended_caregiver=NOT_FOUND,
            ),
            kwargs=api_pk("assignment"),
        ),
        "api-assignment-check": api_write(
            api(
                patient=BAD_REQUEST,
                other_patient=NOT_FOUND,
                clinician=FORBIDDEN,
                caregiver=FORBIDDEN,
            ),
            "assignment",
        ),
        "api-assignment-complete": api_write(
            api(
                patient=BAD_REQUEST,
                other_patient=NOT_FOUND,
                clinician=FORBIDDEN,
                caregiver=FORBIDDEN,
            ),
            "assignment",
            why="400 for the patient: the sections are not read yet",
        ),
        "api-assignment-bulk": Entry(
            api(patient=FORBIDDEN, clinician=BAD_REQUEST),
            method="post",
            data=lambda s: {},
            content_type="application/json",
            why="an empty body: staff get the per-field 400, patients 403 (tests/api/"
            "test_bulk_assign.py assigns for real)",
        ),
        "api-assignment-progress": api_write(
            api(
                patient=BAD_REQUEST,
                other_patient=NOT_FOUND,
                clinician=FORBIDDEN,
                caregiver=BAD_REQUEST,
                ended_caregiver=NOT_FOUND,
                other_caregiver=NOT_FOUND,
            ),
            "assignment",
            why="a caregiver records their own reading (CaregiverProgress), as on the web",
        ),
        "api-assignment-reread": api_write(
            api(patient=FORBIDDEN, clinician=BAD_REQUEST, other_clinician=NOT_FOUND),
            "assignment",
            why="400 for the care team: only finished reading can be sent back",
        ),
        "api-question-list": Entry(api(patient=OK, clinician=OK)),
        "api-question-detail": Entry(
            api(patient=OK, other_patient=NOT_FOUND, clinician=OK, other_clinician=NOT_FOUND),
            kwargs=api_pk("question"),
        ),
        "api-question-close": api_write(
            api(
                patient=OK,
                other_patient=NOT_FOUND,
                clinician=OK,
                other_clinician=NOT_FOUND,
                admin=FORBIDDEN,
            ),
            "question",
            why="admins may read a thread but only the patient and care team close it",
        ),
        "api-question-replies": api_write(
            api(
                patient=BAD_REQUEST,
                other_patient=NOT_FOUND,
                clinician=BAD_REQUEST,
                other_clinician=NOT_FOUND,
            ),
            "question",
        ),
        "api-question-withdraw": api_write(
            api(
                patient=OK,
                other_patient=NOT_FOUND,
                clinician=FORBIDDEN,
                other_clinician=NOT_FOUND,
                admin=FORBIDDEN,
            ),
            "question",
            why="only the patient withdraws; staff outside the care team get 404",
        ),
        # Caregivers (issue 25): the patient manages their own, the care team sees them; a
        # caregiver never sees who else helps (403 on all of it, ended or not).
        "api-caregiver-list": Entry(api(patient=OK, clinician=OK, caregiver=FORBIDDEN)),
        "api-caregiver-detail": Entry(
            api(
                patient=OK,
                other_patient=NOT_FOUND,
                clinician=OK,
                other_clinician=NOT_FOUND,
                caregiver=FORBIDDEN,
            ),
            kwargs=api_pk("caregiver_link"),
        ),
        "api-caregiver-confirm": api_write(
            api(
                patient=BAD_REQUEST,
                other_patient=NOT_FOUND,
                clinician=FORBIDDEN,
                caregiver=FORBIDDEN,
            ),
            "caregiver_link",
            why="400 for the patient: the link is active, nothing to confirm; only the patient confirms",
        ),
    }
)


# --- Django admin -----------------------------------------------------------------------------
# Generated by the admin for every registered model, so they get one rule: staff only (with
# MFA), model pages need model permissions (clinicians have none unless a model says so),
# and the exceptions below where a ModelAdmin refuses something even to a superuser.

_ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")
_ADMIN_REFUSED = {
    # (app_label.model, view): why even a superuser gets 403
    ("audit.auditevent", "add"): "the audit trail is append-only",
    ("audit.auditevent", "delete"): "the audit trail is append-only",
    ("accounts.user", "delete"): "people are deactivated, never deleted",
    ("usersessions.usersession", "add"): "sessions start by logging in",
    ("usersessions.usersession", "delete"): "a session is ended by the action, not deleted",
    ("mfa.authenticator", "add"): "people add their own authenticator",
    ("library.module", "delete"): "a published module keeps its versions for the record",
    ("reminders.notification", "add"): "messages are recorded by the reminder sweep",
    ("reminders.notification", "delete"): "the log of what was sent is kept",
    ("library.moduleversion", "add"): "versions are made by publishing",
    ("library.moduleversion", "delete"): "a published version is kept for the record",
    ("assignments.assignment", "add"): "clinicians assign in the portal; the admin only reads",
    ("assignments.assignment", "delete"): "assignments are cancelled, and kept for the record",
    ("questions.question", "add"): "patients ask in the portal; the admin only reads",
    ("questions.question", "delete"): "questions are kept for the record",
    ("caregivers.caregiverlink", "add"): "patients give access in the portal, not the admin",
    ("caregivers.caregiverlink", "delete"): "links are ended (audited), and kept for the record",
}


def _admin_model_view(key: str) -> tuple[str, str] | None:
    """("app_label.model", view) for an admin URL name such as admin:accounts_user_change."""
    for model in django_admin.site._registry:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}_"
        if key.startswith(prefix) and key.removeprefix(prefix) in _ADMIN_MODEL_VIEWS:
            return meta.label_lower, key.removeprefix(prefix)
    return None


_ADMIN_STAFF_ONLY = {
    "anonymous": TO_ADMIN_LOGIN,
    "patient": TO_ADMIN_LOGIN,
    "other_patient": TO_ADMIN_LOGIN,
    "staff_without_mfa": TO_MFA,
    **dict.fromkeys(CAREGIVER_ROLES, TO_ADMIN_LOGIN),
}


def _module_admin_page(admin: Expect, **extra) -> Entry:
    """One of the library's own admin pages for the scenario's module: clinicians without
    library permissions get 403."""
    return Entry(
        roles(**_ADMIN_STAFF_ONLY, clinician=FORBIDDEN, other_clinician=FORBIDDEN, admin=admin),
        kwargs=lambda s: {"object_id": s.module.pk},
        **extra,
    )


def _admin_entry(key: str, route: str) -> Entry | None:
    """The entry for an admin URL generated for a registered model, from the rule above."""
    model_view = _admin_model_view(key)
    if model_view is not None:
        label, view = model_view
        expect = _ADMIN_STAFF_ONLY | {
            # Clinicians have no model permissions unless a model's admin grants them.
            "clinician": FORBIDDEN,
            "other_clinician": FORBIDDEN,
            "admin": FORBIDDEN if (label, view) in _ADMIN_REFUSED else OK,
        }
        if view in {"change", "delete", "history"}:
            return Entry(
                roles(**expect),
                kwargs=lambda s, label=label: {"object_id": ADMIN_OBJECTS[label](s).pk},
            )
        return Entry(roles(**expect))
    if key.startswith("route:admin/") and route.endswith("/<path:object_id>/"):
        # /admin/<app>/<model>/<id>/ only redirects to the change page.
        app, model = route.split("/")[1:3]
        return Entry(
            roles(
                **_ADMIN_STAFF_ONLY,
                clinician=Expect(302),
                other_clinician=Expect(302),
                admin=Expect(302),
            ),
            path=lambda s, app=app, model=model: (
                f"/admin/{app}/{model}/{ADMIN_OBJECTS[f'{app}.{model}'](s).pk}/"
            ),
        )
    return None


MATRIX.update(
    {
        "admin:index": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=OK,
                other_clinician=OK,
                admin=OK,
                staff_without_mfa=TO_MFA,
            )
        ),
        "admin:login": Entry(
            roles(
                anonymous=TO_LOGIN,
                patient=FORBIDDEN,
                other_patient=FORBIDDEN,
                clinician=TO_ADMIN_INDEX,
                other_clinician=TO_ADMIN_INDEX,
                admin=TO_ADMIN_INDEX,
                staff_without_mfa=TO_MFA,
            ),
            why="allauth's secure_admin_login: the portal login, with MFA and rate limits",
        ),
        "admin:logout": Entry(
            roles(
                anonymous=TO_ADMIN_INDEX,
                patient=TO_ADMIN_INDEX,
                other_patient=TO_ADMIN_INDEX,
                clinician=NOT_ALLOWED,
                other_clinician=NOT_ALLOWED,
                admin=NOT_ALLOWED,
                staff_without_mfa=TO_MFA,
            ),
            why="logging out takes a POST",
        ),
        "admin:password_change": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=OK,
                other_clinician=OK,
                admin=OK,
                staff_without_mfa=TO_MFA,
            )
        ),
        "admin:password_change_done": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=OK,
                other_clinician=OK,
                admin=OK,
                staff_without_mfa=TO_MFA,
            )
        ),
        "admin:autocomplete": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=FORBIDDEN,
                other_clinician=FORBIDDEN,
                admin=FORBIDDEN,
                staff_without_mfa=TO_MFA,
            ),
            why="without a model to search, nobody may use it",
        ),
        "admin:jsi18n": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=OK,
                other_clinician=OK,
                admin=OK,
                staff_without_mfa=TO_MFA,
            )
        ),
        "admin:view_on_site": Entry(
            same_for_all(NOT_FOUND) | _ADMIN_STAFF_ONLY,
            kwargs=lambda s: {
                "content_type_id": ContentType.objects.get_for_model(AuditEvent).pk,
                "object_id": s.audit_event.pk,
            },
            why="no model here has a page on the site to jump to",
        ),
        "admin:auth_user_password_change": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=FORBIDDEN,
                other_clinician=FORBIDDEN,
                admin=OK,
                staff_without_mfa=TO_MFA,
            ),
            kwargs=lambda s: {"id": s.people["patient"].pk},
        ),
        "admin:library_module_preview": Entry(
            roles(
                **_ADMIN_STAFF_ONLY,
                clinician=FORBIDDEN,
                other_clinician=FORBIDDEN,
                admin=OK,
            ),
            kwargs=lambda s: {"object_id": s.module.pk},
        ),
        "admin:library_module_send_for_review": _module_admin_page(OK),
        "admin:library_module_review": _module_admin_page(OK),
        "admin:library_module_publish": _module_admin_page(
            FORBIDDEN,
            why="only an approved module can be published; the scenario's is already published",
        ),
        "admin:app_list": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=NOT_FOUND,
                other_clinician=NOT_FOUND,
                admin=OK,
                staff_without_mfa=TO_MFA,
            ),
            kwargs=lambda s: {"app_label": "accounts"},
        ),
        "route:admin/(?P<url>.*)$": Entry(
            roles(
                anonymous=TO_ADMIN_LOGIN,
                patient=TO_ADMIN_LOGIN,
                other_patient=TO_ADMIN_LOGIN,
                clinician=NOT_FOUND,
                other_clinician=NOT_FOUND,
                admin=NOT_FOUND,
                staff_without_mfa=TO_MFA,
            ),
            path=lambda s: "/admin/no-such-page/",
        ),
    }
)


# --- FHIR R4 (session clients; tests/fhir covers token clients, writes and bad input) ----------


def fhir_id(get: Callable[[Scenario], object]) -> Callable[[Scenario], dict]:
    return lambda s: {"resource_id": str(get(s))}


def _check_attempt(s: Scenario):
    """The patient's answers to the check, made the first time an entry asks for them."""
    if "check_attempt" not in s.objects:
        version = s.module.current_version
        s.objects["check_attempt"] = CheckAttempt.objects.create(
            assignment=s.assignment,
            version=version,
            answers=[check["correct_index"] for check in version.checks],
            score=len(version.checks),
            total=len(version.checks),
        )
    return s.objects["check_attempt"]


def _export_job(s: Scenario):
    """The clinician's export, with one file, made the first time an entry asks for it."""
    if "export_job" not in s.objects:
        job = ExportJob.objects.create(
            requested_by=s.people["clinician"], request_url="/fhir/r4/$export", site_url="/"
        )
        s.objects["export_file"] = job.files.create(resource_type="Task", count=0, content="")
        s.objects["export_job"] = job
    return s.objects["export_job"]


# Only the clinician who asked for an export may poll it or fetch its files.
FHIR_EXPORTERS_OWN = dict.fromkeys(ROLES, NOT_FOUND) | {
    "anonymous": UNAUTHORIZED,
    "staff_without_mfa": FORBIDDEN,
}

# The patient's things: the patient and their care team see them; the other patient and the
# other team get 404; the admin sees everyone's.
FHIR_PATIENTS_OWN = api(
    patient=OK, other_patient=NOT_FOUND, clinician=OK, other_clinician=NOT_FOUND
)

MATRIX.update(
    {
        "fhir:metadata": Entry(
            same_for_all(OK), why="the CapabilityStatement describes the server; no patient data"
        ),
        "route:^fhir/": Entry(
            same_for_all(NOT_FOUND),
            path=lambda s: "/fhir/r4/Observation",
            why="unknown FHIR addresses answer with a 404 OperationOutcome, and say nothing more",
        ),
        "fhir:patient-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:patient-read": Entry(
            FHIR_PATIENTS_OWN, kwargs=fhir_id(lambda s: s.people["patient"].pk)
        ),
        "fhir:patient-everything": Entry(
            FHIR_PATIENTS_OWN, kwargs=fhir_id(lambda s: s.people["patient"].pk)
        ),
        "fhir:practitioner-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:practitioner-read": Entry(
            api(patient=OK, other_patient=NOT_FOUND, clinician=OK),
            kwargs=fhir_id(lambda s: s.people["clinician"].pk),
            why="patients see their care team; staff see the staff directory",
        ),
        "fhir:documentreference-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:documentreference-read": Entry(
            api(patient=OK, other_patient=NOT_FOUND, clinician=OK),
            kwargs=fhir_id(lambda s: s.module.current_version_id),
            why="patients see the versions of what they were given; staff the library",
        ),
        "fhir:questionnaire-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:questionnaire-read": Entry(
            api(patient=OK, other_patient=NOT_FOUND, clinician=OK),
            kwargs=fhir_id(lambda s: s.module.current_version_id),
        ),
        "fhir:task-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:task-read": Entry(FHIR_PATIENTS_OWN, kwargs=fhir_id(lambda s: s.assignment.pk)),
        "fhir:questionnaireresponse-search": Entry(
            api(patient=OK, clinician=OK),
            kwargs=lambda s: _check_attempt(s) and {},
            why="with the patient's check answers in it, so the care team's search is audited",
        ),
        "fhir:questionnaireresponse-read": Entry(
            FHIR_PATIENTS_OWN, kwargs=fhir_id(lambda s: _check_attempt(s).pk)
        ),
        "fhir:communication-search": Entry(api(patient=OK, clinician=OK)),
        "fhir:export": Entry(
            api(patient=FORBIDDEN, clinician=BAD_REQUEST),
            why="staff only; without Prefer: respond-async it is a 400 (tests/fhir/test_export.py)",
        ),
        "fhir:export-status": Entry(
            FHIR_EXPORTERS_OWN | {"clinician": Expect(202)},
            kwargs=lambda s: {"job_id": _export_job(s).pk},
            why="202 while the export is being built",
        ),
        "fhir:export-file": Entry(
            FHIR_EXPORTERS_OWN | {"clinician": OK},
            kwargs=lambda s: {"job_id": _export_job(s).pk, "file_id": s.export_file.pk},
        ),
        "fhir:communication-read": Entry(
            FHIR_PATIENTS_OWN, kwargs=fhir_id(lambda s: f"q-{s.question.pk}")
        ),
    }
)


def _entry_for(key: str, route: str) -> Entry | None:
    return MATRIX.get(key) or _admin_entry(key, route)


# --- The tests --------------------------------------------------------------------------------

ROUTES = {route.key: route for route in iter_routes()}


def test_every_url_has_an_entry():
    missing = [key for key, route in ROUTES.items() if _entry_for(key, route.route) is None]
    stale = sorted(set(MATRIX) - set(ROUTES))
    assert not missing, f"URLs without an access-matrix entry (add them to MATRIX): {missing}"
    assert not stale, f"MATRIX entries for URLs that no longer exist: {stale}"


def test_every_admin_model_has_an_object_for_its_pages():
    registered = {model._meta.label_lower for model in django_admin.site._registry}
    missing = sorted(registered - set(ADMIN_OBJECTS))
    assert not missing, f"add a line to ADMIN_OBJECTS for: {missing}"


def _url(route, entry: Entry, scenario: Scenario) -> str:
    if entry.path is not None:
        return entry.path(scenario)
    return reverse(route.name, kwargs=entry.kwargs(scenario))


def _matches(response, expect: Expect) -> bool:
    if response.status_code != expect.status:
        return False
    if expect.to is None:
        return True
    target = expect.to if expect.to.startswith("/") else reverse(expect.to)
    return response["Location"].startswith(target)


def _describe(response) -> str:
    location = response.get("Location")
    return f"{response.status_code}" + (f" -> {location}" if location else "")


def _request_and_undo(client: Client, entry: Entry, url: str, scenario: Scenario):
    """Make the request, then undo what it changed (rows and cookies) for the next visitor."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        extra = {"content_type": entry.content_type} if entry.content_type else {}
        response = getattr(client, entry.method)(url, entry.data(scenario), **extra)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


@pytest.mark.parametrize("key", route_keys())
def test_access(key, scenario):
    route = ROUTES[key]
    entry = _entry_for(key, route.route)
    if entry is None:
        pytest.fail(f"no access-matrix entry for {key} ({route.route}); see the module docstring")
    url = _url(route, entry, scenario)
    problems = []
    for role in ROLES:
        response = _request_and_undo(scenario.clients[role], entry, url, scenario)
        expect = entry.expect[role]
        if not _matches(response, expect):
            problems.append(f"{role}: expected {expect.describe()}, got {_describe(response)}")
    assert not problems, f"{entry.method.upper()} {url}\n" + "\n".join(problems)


# --- The audit trail: staff looking at patient information leave a row ---------------------

# URLs where a clinician sees or changes the patient's information. A successful request by
# the patient's clinician must write at least one audit row naming that patient.
AUDITED_FOR_STAFF = {
    "assignments:my_patients": "web",
    "assignments:patients_export": "web",
    "assignments:patient_detail": "web",
    "assignments:patient_treatment": "web",
    "assignments:patient_wallet_card": "web",
    "caregivers:clinician_invite": "web",
    "assignments:module_results": "web",
    "assignments:module_results_export": "web",
    "questions:detail": "web",
    "questions:close": "web",
    "questions:inbox": "web",
    "api-patient-list": "api",
    "api-patient-treatment": "api",
    "api-assignment-list": "api",
    "api-assignment-detail": "api",
    "api-question-list": "api",
    "api-question-detail": "api",
    "api-question-close": "api",
    "api-caregiver-list": "api",
    "api-caregiver-detail": "api",
    "fhir:patient-search": "fhir",
    "fhir:patient-read": "fhir",
    "fhir:patient-everything": "fhir",
    "fhir:task-search": "fhir",
    "fhir:task-read": "fhir",
    "fhir:questionnaireresponse-search": "fhir",
    "fhir:questionnaireresponse-read": "fhir",
    "fhir:communication-search": "fhir",
    "fhir:communication-read": "fhir",
}


def test_the_audited_urls_exist():
    assert not set(AUDITED_FOR_STAFF) - set(ROUTES)


@pytest.mark.parametrize("key", sorted(AUDITED_FOR_STAFF))
def test_staff_views_of_patient_information_are_audited(key, scenario):
    route = ROUTES[key]
    entry = _entry_for(key, route.route)
    url = _url(route, entry, scenario)
    clinician, patient = scenario.people["clinician"], scenario.people["patient"]
    before = AuditEvent.objects.count()
    with transaction.atomic():
        extra = {"content_type": entry.content_type} if entry.content_type else {}
        client = scenario.clients["clinician"]
        response = getattr(client, entry.method)(url, entry.data(scenario), **extra)
        rows = list(AuditEvent.objects.order_by("id")[before:])
        transaction.set_rollback(True)
    assert response.status_code < 400, response.status_code
    mine = [row for row in rows if row.actor_id == clinician.pk]
    assert mine, f"{entry.method.upper()} {url} wrote no audit row"
    assert any(row.subject_patient_id == patient.pk for row in mine), [
        (row.action, row.subject_patient_id) for row in mine
    ]
    assert {row.channel for row in mine} == {AUDITED_FOR_STAFF[key]}
