from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaregiversConfig(AppConfig):
    """Caregivers: people a patient lets read alongside them, within what the patient allows.

    Sits just above accounts and audit (it writes consent changes to the audit trail) and below
    library, so reading, questions and reminders can all ask it whose reading a caregiver may see.
    """

    name = "apps.caregivers"
    verbose_name = _("Caregivers")
