"""The API's only wiring: the /api/v1/ router and the schema views. Serializers and viewsets
live in the app they serve (apps/<app>/api.py)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from apps.accounts.api import PatientViewSet
from apps.assignments.api import AssignmentViewSet, PatientTreatmentView, WalletCardView
from apps.assignments.api_modules import ModuleViewSet
from apps.caregivers.api import CaregiverViewSet, MeView
from apps.questions.api import QuestionViewSet

from .permissions import ApiDocsAccess
from .views import not_found

# Public only when settings.API_DOCS_PUBLIC says so (off by default in production). They
# describe the API and hold no patient data, so staff need no second factor to read them.
DOCS_PERMISSIONS = [ApiDocsAccess]

# SimpleRouter: no browsable root view and no format suffixes, only the documented paths.
router = SimpleRouter(trailing_slash=True)
router.register("modules", ModuleViewSet, basename="api-module")
router.register("patients", PatientViewSet, basename="api-patient")
router.register("assignments", AssignmentViewSet, basename="api-assignment")
router.register("questions", QuestionViewSet, basename="api-question")
router.register("caregivers", CaregiverViewSet, basename="api-caregiver")

urlpatterns = [
    path("api/v1/me/", MeView.as_view(), name="api-me"),
    path("api/v1/wallet-card/", WalletCardView.as_view(), name="api-wallet-card"),
    path(
        "api/v1/patients/<int:pk>/treatment/",
        PatientTreatmentView.as_view(),
        name="api-patient-treatment",
    ),
    path("api/v1/", include(router.urls)),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=DOCS_PERMISSIONS),
        name="api-schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            template_name="api/swagger_ui.html",
            permission_classes=DOCS_PERMISSIONS,
        ),
        name="api-docs",
    ),
    # Last: only addresses nothing above matched. Ending in "/" so that APPEND_SLASH still
    # redirects /api/v1/me to /api/v1/me/.
    re_path(r"^api/.*/$", not_found),
]
