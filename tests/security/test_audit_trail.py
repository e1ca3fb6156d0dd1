"""The audit trail: append-only, read-only in the admin, and shown to the patient."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.admin import AuditEventAdmin
from apps.audit.models import AuditEvent
from apps.audit.services import audit_log
from tests.factories import ClinicianFactory

pytestmark = pytest.mark.django_db

ACCESS_PAGE = reverse("records:my_record_access")


@pytest.fixture
def event(clinician, patient):
    return audit_log(actor=clinician, action="patient.view", patient=patient, obj=patient)


def test_a_saved_row_cannot_be_changed(event):
    event.action = "patient.update"
    with pytest.raises(PermissionDenied):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"


def test_a_row_cannot_be_deleted(event):
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_rows_cannot_be_updated_in_bulk(event):
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().update(action="nothing.happened")
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"


@pytest.mark.services
def test_postgres_refuses_raw_updates_and_deletes(require_services, event):
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET action = 'nothing.happened' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"


def test_a_patient_looking_at_their_own_record_is_not_logged(patient):
    assert audit_log(actor=patient, action="patient.view", patient=patient) is None
    assert not AuditEvent.objects.exists()


def test_the_event_records_who_what_whom_when_and_from_where(rf, clinician, patient):
    request = rf.get("/", REMOTE_ADDR="203.0.113.9")
    event = audit_log(
        actor=clinician, action="patient.view", patient=patient, request=request, channel="api"
    )
    assert (event.actor, event.subject_patient, event.action, event.channel, event.ip) == (
        clinician,
        patient,
        "patient.view",
        "api",
        "203.0.113.9",
    )
    assert timezone.now() - event.at < timedelta(seconds=5)


# --- Django admin -------------------------------------------------------------------------


def test_admins_read_the_trail_filtered_by_patient_and_actor(
    logged_in, admin_user, clinician, patient, other_patient, event
):
    audit_log(actor=clinician, action="assignment.create", patient=other_patient)
    admin = logged_in(admin_user)
    url = reverse("admin:audit_auditevent_changelist")

    def rows(**filters) -> str:
        page = admin.get(url, filters).content.decode()
        if 'id="result_list"' not in page:
            return ""
        return page.split('id="result_list"')[1].split("</table>")[0]

    everything = rows()
    assert "assignment.create" in everything and "patient.view" in everything
    by_patient = rows(subject_patient__id__exact=patient.pk)
    assert "patient.view" in by_patient and "assignment.create" not in by_patient
    assert patient.email in by_patient and other_patient.email not in by_patient
    by_actor = rows(actor__id__exact=clinician.pk)
    assert "patient.view" in by_actor and "assignment.create" in by_actor
    assert rows(actor__id__exact=admin_user.pk) == ""


def test_the_admin_list_query_count_does_not_grow(
    logged_in, admin_user, clinician, patient, django_assert_max_num_queries
):
    admin = logged_in(admin_user)
    url = reverse("admin:audit_auditevent_changelist")
    audit_log(actor=clinician, action="patient.view", patient=patient)
    admin.get(url)
    with CaptureQueriesContext(connection) as few:
        admin.get(url)
    for _n in range(20):
        audit_log(actor=ClinicianFactory(), action="patient.view", patient=patient)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        # One more at most: the filter sidebar lists the extra people in a single query.
        assert admin.get(url).status_code == 200


def test_nobody_adds_changes_or_deletes_in_the_admin(logged_in, admin_user, event, rf):
    admin = logged_in(admin_user)
    assert admin.get(reverse("admin:audit_auditevent_add")).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[event.pk])
    assert admin.get(delete_url).status_code == 403
    assert admin.post(delete_url, {"post": "yes"}).status_code == 403
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])
    page = admin.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin.post(change_url, {"action": "patient.update"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.view"

    request = rf.get("/")
    request.user = admin_user
    model_admin = AuditEventAdmin(AuditEvent, None)
    assert admin_user.is_superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_clinicians_cannot_read_the_whole_trail_in_the_admin(logged_in, clinician, event):
    client = logged_in(clinician)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403


# --- Who viewed my record -----------------------------------------------------------------


def test_patient_sees_who_on_the_care_team_viewed_their_record(
    logged_in, patient, other_patient, clinician, event
):
    audit_log(actor=clinician, action="assignment.create", patient=patient)
    audit_log(actor=clinician, action="patient.view", patient=other_patient)
    body = logged_in(patient).get(ACCESS_PAGE).content.decode()
    assert "Who viewed my record" in body
    assert "Dr Dana" in body
    assert "Looked at your record" in body
    assert "Gave you something to read" in body
    # One entry for the person and day (issue 23), counting two actions: not the view of the
    # other patient.
    assert body.count("Dr Dana") == 1
    assert "2 times on" in body


def test_the_page_never_shows_a_code_for_an_unknown_action(logged_in, patient, clinician):
    audit_log(actor=clinician, action="chart.view", patient=patient)
    audit_log(actor=clinician, action="something.strange", patient=patient)
    body = logged_in(patient).get(ACCESS_PAGE).content.decode()
    assert "Looked at your information" in body
    assert "Looked at or changed your information" in body
    assert "something.strange" not in body


def test_a_patient_with_no_views_is_told_so(logged_in, patient):
    body = logged_in(patient).get(ACCESS_PAGE).content.decode()
    assert "Nobody else has looked at your information yet." in body


def test_only_patients_have_this_page(client, logged_in, clinician):
    assert client.get(ACCESS_PAGE).url.startswith(reverse("account_login"))
    assert logged_in(clinician).get(ACCESS_PAGE).status_code == 403


def test_the_access_page_pages_and_its_query_count_does_not_grow(
    logged_in, patient, clinician, django_assert_max_num_queries
):
    client = logged_in(patient)
    audit_log(actor=clinician, action="patient.view", patient=patient)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(ACCESS_PAGE)
    for _n in range(30):
        audit_log(actor=ClinicianFactory(), action="patient.view", patient=patient)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(ACCESS_PAGE).content.decode()
    assert "Page 1 of 2" in body
    assert "Page 2 of 2" in client.get(ACCESS_PAGE, {"page": 2}).content.decode()
