from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from apps.accounts import views as account_views
from apps.api import views as api_views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Patient education portal: administration"
admin.site.site_title = "Portal admin"

handler500 = "apps.accounts.views.server_error"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("", include("apps.operations.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # allauth's description of its login API, under the same access rule as /api/schema/.
    path("_allauth/openapi.json", api_views.login_api_schema_json, name="api-login-schema-json"),
    path("_allauth/openapi.yaml", api_views.login_api_schema_yaml, name="api-login-schema-yaml"),
    path("_allauth/", include("allauth.headless.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.caregivers.urls")),
    path("", include("apps.library.urls")),
    path("", include("apps.assignments.urls")),
    path("", include("apps.questions.urls")),
    path("", include("apps.reminders.urls")),
    path("", include("apps.records.urls")),
    path("", include("apps.api.urls")),
    path("", include("apps.fhir.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
