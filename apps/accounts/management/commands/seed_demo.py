"""Create the demo accounts and their care teams. Safe to run again: nothing is duplicated."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import CareTeamMembership, User

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - documented demo password, demo data only

DEMO_USERS = [
    ("admin@example.com", "Avery Admin", User.Role.ADMIN),
    ("clinician@example.com", "Dr Casey Morgan", User.Role.CLINICIAN),
    ("clinician2@example.com", "Nurse Jordan Lee", User.Role.CLINICIAN),
    ("patient@example.com", "Pat Rivera", User.Role.PATIENT),
    ("patient2@example.com", "Sam Okafor", User.Role.PATIENT),
    ("patient3@example.com", "Alex Chen", User.Role.PATIENT),
    # Library staff: an editor who writes modules and a clinician who reviews them. There is
    # no editor role: the editor is a staff clinician with no care team, so sees no patient.
    ("editor@example.com", "Eden Editor", User.Role.CLINICIAN),
    ("reviewer@example.com", "Dr Robin Reyes", User.Role.CLINICIAN),
    # A family member Pat Rivera invited to read alongside them (issue 25).
    ("caregiver@example.com", "Alex Rivera", User.Role.CAREGIVER),
]
# Accounts that only edit the library: staff, not reviewers, in no care team.
DEMO_EDITORS = {"editor@example.com"}
CONTENT_EDITORS = "Content editors"
CONTENT_REVIEWERS = "Content reviewers"


def content_reviewers_group() -> Group:
    """Clinicians review modules: they read the library (and its patient preview) in the
    admin and approve drafts or ask for changes; editing stays with editors."""
    group, _created = Group.objects.get_or_create(name=CONTENT_REVIEWERS)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="library").filter(
            Q(codename__startswith="view_") | Q(codename="review_module")
        )
    )
    return group


def content_editors_group() -> Group:
    """Editors write modules, send them for review and publish approved ones. They see
    nothing of patients: no assignments, questions or accounts."""
    group, _created = Group.objects.get_or_create(name=CONTENT_EDITORS)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="library").exclude(
            codename__in=["review_module", "add_moduleversion", "change_moduleversion"]
        )
    )
    return group


# (caregiver, patient): active links, as if the patient had invited and the caregiver accepted.
DEMO_CAREGIVERS = [("caregiver@example.com", "patient@example.com")]

DEMO_CARE_TEAMS = [
    ("clinician@example.com", "patient@example.com"),
    ("clinician@example.com", "patient2@example.com"),
    ("clinician2@example.com", "patient3@example.com"),
]


class Command(BaseCommand):
    help = "Create the demo accounts (password portal-demo-2026) and their care teams."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {}
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, name=name, role=role
                )
                self.stdout.write(f"created {email}")
            if email in DEMO_EDITORS:
                if not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
            elif role == User.Role.ADMIN and not (user.is_staff and user.is_superuser):
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            if role == User.Role.CLINICIAN and not user.is_staff:
                # Clinicians review modules in the admin.
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            users[email] = user
        reviewers = content_reviewers_group()
        editors = content_editors_group()
        for email, _name, role in DEMO_USERS:
            if email in DEMO_EDITORS:
                users[email].groups.add(editors)
            elif role == User.Role.CLINICIAN:
                users[email].groups.add(reviewers)
        for clinician, patient in DEMO_CARE_TEAMS:
            CareTeamMembership.objects.get_or_create(
                clinician=users[clinician], patient=users[patient]
            )
        self._seed_caregivers(users)
        self.stdout.write(self.style.SUCCESS("Demo accounts ready (password: portal-demo-2026):"))
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {email}")

    def _seed_caregivers(self, users) -> None:
        # Looked up by name: accounts sits below the caregivers app and does not import it.
        caregiver_link = apps.get_model("caregivers", "CaregiverLink")
        for caregiver_email, patient_email in DEMO_CAREGIVERS:
            caregiver, patient = users[caregiver_email], users[patient_email]
            if caregiver_link.objects.filter(caregiver=caregiver, patient=patient).exists():
                continue
            now = timezone.now()
            caregiver_link.objects.create(
                patient=patient,
                caregiver=caregiver,
                email=caregiver.email,
                name=caregiver.name,
                invited_by=patient,
                can_ask_questions=True,
                receives_reminders=False,
                status="active",
                patient_confirmed_at=now,
                accepted_at=now,
                activated_at=now,
            )
