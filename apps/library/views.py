"""The library as clinicians browse it: what each published module says, and a preview.

Only staff roles (clinicians, admins) reach these pages. Nothing here is a patient's health
information, so nothing is audited, and a preview records no reading progress: it reads the
published version directly, never through an assignment.
"""

from django.shortcuts import render

from apps.accounts.permissions import clinician_required

from . import selectors


@clinician_required
def library(request):
    return render(request, "library/library.html", {"modules": selectors.module_catalogue()})


@clinician_required
def module_preview(request, module_id):
    """The published version of a module laid out as a patient reads it on one page."""
    module = selectors.module_get_published(module_id=module_id)
    version = module.current_version
    return render(
        request,
        "library/module_preview.html",
        {
            "module": module,
            "version": version,
            "snapshot": version.snapshot,
            "sections": version.sections,
        },
    )
