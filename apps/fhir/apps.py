from django.apps import AppConfig


class FhirConfig(AppConfig):
    """HL7 FHIR R4 at /fhir/r4/: a read and assign view across the apps (docs/fhir.md).

    It sits on top of every other app and nothing imports it but the root URLconf.
    """

    name = "apps.fhir"
    default_auto_field = "django.db.models.BigAutoField"
