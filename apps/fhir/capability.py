"""The CapabilityStatement served at /fhir/r4/metadata: what this server does, and no more."""

from django.utils import timezone

from . import codes

# resource type -> (interactions, search parameters as (name, type, documentation))
SUPPORTED = {
    "Patient": (
        ["read", "search-type"],
        [
            ("_id", "token", "The portal's id of the patient."),
            ("identifier", "token", "The portal's user identifier (system|value or value)."),
            ("email", "token", "The login email address, exactly (not case-sensitive)."),
        ],
    ),
    "Practitioner": (
        ["read", "search-type"],
        [
            ("_id", "token", "The portal's id of the clinician or admin."),
            ("identifier", "token", "The portal's user identifier (system|value or value)."),
            ("email", "token", "The login email address, exactly (not case-sensitive)."),
        ],
    ),
    "DocumentReference": (
        ["read", "search-type"],
        [
            ("_id", "token", "The id of a published module version."),
            ("language", "token", "The module's language: en or es."),
            ("status", "token", "current (the version patients read now) or superseded."),
            ("identifier", "token", "The module's slug."),
        ],
    ),
    "Task": (
        ["read", "search-type", "create"],
        [
            ("_id", "token", "The assignment id."),
            ("patient", "reference", "Patient/<id>, or the id."),
            ("status", "token", "requested, in-progress, completed or cancelled (comma: or)."),
            ("_lastUpdated", "date", "Prefixes eq, gt, ge, lt, le; may be repeated (and)."),
        ],
    ),
    "Questionnaire": (
        ["read", "search-type"],
        [("_id", "token", "The id of a published module version (its check).")],
    ),
    "QuestionnaireResponse": (
        ["read", "search-type"],
        [
            ("_id", "token", "The id of one submission of a check."),
            ("patient", "reference", "Patient/<id>, or the id."),
        ],
    ),
    "Communication": (
        ["read", "search-type"],
        [("patient", "reference", "Patient/<id>, or the id.")],
    ),
}


def capability_statement(*, base_url: str) -> dict:
    resources = []
    for kind, (interactions, parameters) in SUPPORTED.items():
        resource = {
            "type": kind,
            "interaction": [{"code": code} for code in interactions],
            "searchParam": [
                {"name": name, "type": kind_, "documentation": text}
                for name, kind_, text in parameters
            ],
        }
        if kind == "Patient":
            resource["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "publisher": "Patient education portal",
        "kind": "instance",
        "software": {"name": "Patient education portal"},
        "implementation": {
            "description": "Reading given to patients, and whether they read it.",
            "url": base_url,
        },
        "fhirVersion": codes.FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Search results are paged with _count (1 to 100) and page.",
                "security": {
                    "description": (
                        "Log in with POST /_allauth/app/v1/auth/login and send the session "
                        "token in the X-Session-Token header (docs/fhir.md). Staff accounts "
                        "need two-step verification."
                    )
                },
                "resource": resources,
                "operation": [
                    {
                        "name": "export",
                        "definition": (
                            "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
                        ),
                    }
                ],
            }
        ],
    }
