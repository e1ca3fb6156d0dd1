"""A patient's own record: who looked at it, and a copy of everything the portal holds."""

import json

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from apps.accounts.permissions import patient_required
from apps.audit import selectors

from .export import patient_record_build

ACCESS_PAGE_SIZE = 25


@never_cache
@patient_required
def my_record_access(request):
    """Who on the care team (or an admin) viewed or changed this patient's information."""
    events = selectors.access_list_for_patient(patient=request.user)
    page = Paginator(events, ACCESS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, selectors.action_describe(event.action)) for event in page.object_list]
    return render(request, "records/my_record_access.html", {"page": page, "rows": rows})


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
