"""The people and objects the access matrix and the CSRF sweep request URLs with.

`patient` is cared for by `clinician`; `other_patient` by `other_clinician`. URLs about one
person's things use the patient's objects, so `other_patient` and `other_clinician` show what
happens outside one's scope. `caregiver` reads for `patient` (an active link, chosen in their
session); `ended_caregiver` did, until the patient ended it (their session still names the
patient); `other_caregiver` reads for `other_patient`. `staff_without_mfa` is a clinician on the patient's care team
who has not set up two-step verification; `admin` is a superuser with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from apps.accounts import services as account_services
from apps.accounts.models import NotificationPreference
from apps.assignments.models import Assignment
from apps.audit.services import audit_log
from apps.caregivers import services as caregiver_services
from apps.caregivers.selectors import SESSION_KEY
from apps.questions.models import Question
from apps.reminders.models import Notification
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    CareTeamMembershipFactory,
    ClinicianFactory,
    PatientFactory,
    caregiver_link,
    ensure_mfa,
)
from tests.library.factories import PublishedModuleFactory

ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "clinician",
    "other_clinician",
    "admin",
    "staff_without_mfa",
    "caregiver",
    "ended_caregiver",
    "other_caregiver",
)
CAREGIVER_ROLES = ("caregiver", "ended_caregiver", "other_caregiver")


@dataclass
class Scenario:
    people: dict
    clients: dict
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def build_scenario() -> Scenario:
    """Everyone in ROLES, logged in with a Client of their own, and one of each object."""
    patient = PatientFactory(email="pat@example.org", name="Pat Patient")
    other_patient = PatientFactory(email="other@example.org", name="Olive Other")
    clinician = ClinicianFactory(email="doc@example.org", name="Dr Dana")
    other_clinician = ClinicianFactory(email="doc2@example.org", name="Dr Other")
    admin = AdminFactory(email="admin@example.org", name="Ada Admin")
    staff_without_mfa = ClinicianFactory(email="new-doc@example.org", name="Dr New")
    CareTeamMembershipFactory(clinician=clinician, patient=patient)
    CareTeamMembershipFactory(clinician=other_clinician, patient=other_patient)
    CareTeamMembershipFactory(clinician=staff_without_mfa, patient=patient)
    for staff in (clinician, other_clinician, admin):
        ensure_mfa(staff)
    caregiver = CaregiverFactory(email="alex@example.org", name="Alex Helper")
    ended_caregiver = CaregiverFactory(email="ended@example.org", name="Eddie Ended")
    other_caregiver = CaregiverFactory(email="other-helper@example.org", name="Otto Helper")
    link = caregiver_link(patient=patient, caregiver=caregiver, can_ask_questions=True)
    ended_link = caregiver_link(patient=patient, caregiver=ended_caregiver)
    caregiver_services.caregiver_end(link=ended_link, actor=patient)
    caregiver_link(patient=other_patient, caregiver=other_caregiver, can_ask_questions=True)
    reading_for = {
        "caregiver": patient,
        "ended_caregiver": patient,
        "other_caregiver": other_patient,
    }
    people = {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "admin": admin,
        "staff_without_mfa": staff_without_mfa,
        "caregiver": caregiver,
        "ended_caregiver": ended_caregiver,
        "other_caregiver": other_caregiver,
    }
    clients = {}
    for role, person in people.items():
        client = Client()
        if person is not None:
            client.force_login(person)
        if role in reading_for:
            session = client.session
            session[SESSION_KEY] = reading_for[role].pk
            session.save()
        clients[role] = client

    module = PublishedModuleFactory(title="Checkpoint inhibitors")
    assignment = Assignment.objects.create(
        patient=patient, module=module, assigned_by=clinician, status=Assignment.Status.IN_PROGRESS
    )
    question = Question.objects.create(
        patient=patient, assignment=assignment, module=module, body="Can I have the flu shot?"
    )
    invitation = account_services.invitation_create(
        invited_by=clinician, email="invitee@example.org", name="Ivy Invitee"
    )
    token = "a-token-that-was-never-issued"
    objects = {
        "module": module,
        "assignment": assignment,
        "question": question,
        "invitation": invitation,
        "invitation_token": token,
        "caregiver_link": link,
        "audit_event": audit_log(actor=clinician, action="patient.view", patient=patient),
        # Every account has its login address, verified (apps.accounts.security).
        "email_address": EmailAddress.objects.get(user=patient, email=patient.email),
        "group": Group.objects.create(name="Editors"),
        "preferences": NotificationPreference.objects.create(user=patient),
        "user_session": UserSession.objects.create(
            user=patient, ip="127.0.0.1", session_key="s" * 32, user_agent="test"
        ),
        "interval": IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS),
        "crontab": CrontabSchedule.objects.create(minute="0", hour="8"),
        "solar": SolarSchedule.objects.create(event="sunrise", latitude=40, longitude=-74),
        "clocked": ClockedSchedule.objects.create(clocked_time=timezone.now()),
    }
    objects["notification"] = Notification.objects.create(
        recipient=patient, kind=Notification.Kind.DUE_SOON, assignment=assignment
    )
    objects["periodic_task"] = PeriodicTask.objects.create(
        name="demo sweep", task="reminders.sweep", interval=objects["interval"]
    )
    return Scenario(people=people, clients=clients, objects=objects)
