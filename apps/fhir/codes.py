"""Systems, codes and the portal's own URIs used in the FHIR resources (docs/fhir.md)."""

from django.conf import settings

from apps.assignments.models import Assignment

FHIR_VERSION = "4.0.1"
MEDIA_TYPE = "application/fhir+json"

# HL7 SDOH Clinical Care guide, "SDOHCC ValueSet Task Code": review-material is "review
# material (e.g., attached instructions)".
SDOHCC_TASK_CODES = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
)
REVIEW_MATERIAL = "review-material"
REVIEW_MATERIAL_DISPLAY = "Review Material"

# R5's DocumentReference.version, carried in R4 as the cross-version extension.
DOCUMENT_VERSION_EXTENSION = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-DocumentReference.version"
)
BCP47 = "urn:ietf:bcp:47"

Status = Assignment.Status
TASK_STATUS = {
    Status.ASSIGNED: "requested",
    Status.IN_PROGRESS: "in-progress",
    Status.COMPLETED: "completed",
    Status.CANCELLED: "cancelled",
}
TASK_STATUS_CODES = {code: status for status, code in TASK_STATUS.items()}


def base_uri() -> str:
    """The canonical base of the portal's own systems (identifiers, codes, extensions)."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/fhir/r4"


def user_identifier_system() -> str:
    return f"{base_uri()}/sid/user"


def module_identifier_system() -> str:
    return f"{base_uri()}/sid/module"


def module_version_identifier_system() -> str:
    return f"{base_uri()}/sid/module-version"


def task_output_system() -> str:
    return f"{base_uri()}/CodeSystem/task-output"


def task_input_system() -> str:
    return f"{base_uri()}/CodeSystem/task-input"


def answer_correct_extension() -> str:
    return f"{base_uri()}/StructureDefinition/check-answer-correct"


def questionnaire_url(version_id: int) -> str:
    return f"{base_uri()}/Questionnaire/{version_id}"
