"""A patient's own record: who looked at it, and a copy of everything the portal holds."""

import json

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from apps.accounts.models import User
from apps.accounts.permissions import patient_required
from apps.audit import selectors

from .export import patient_record_build

# Groups (one person, one day) per page.
ACCESS_PAGE_SIZE = 25


@never_cache
@patient_required
def my_record_access(request):
    """Who on the care team, which caregiver, or which admin viewed or changed this patient's
    information."""
    groups = selectors.access_groups_for_patient(patient=request.user)
    page = Paginator(groups, ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
    groups_here = list(page.object_list)
    details = selectors.access_group_details(patient=request.user, groups=groups_here)
    roles = dict(User.Role.choices)
    for group in groups_here:
        group["role"] = roles.get(group["actor__role"], "")
        group["actions"] = details.get((group["actor_id"], group["day"]), [])
    return render(request, "records/my_record_access.html", {"page": page, "groups": groups_here})


@never_cache
@patient_required
def my_record_export(request):
    """The whole record as a page to read or print (save as PDF from the print dialog)."""
    record = patient_record_build(patient=request.user)
    return render(request, "records/my_record_export.html", {"record": record})


@never_cache
@patient_required
def my_record_export_json(request):
    """The whole record as a JSON file to keep or give to another provider."""
    record = patient_record_build(patient=request.user)
    filename = f"my-record-{timezone.localdate(timezone=request.user.tzinfo):%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
