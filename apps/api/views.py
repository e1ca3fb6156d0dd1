from allauth.headless.spec.views import OpenAPIJSONView, OpenAPIYAMLView
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from .permissions import ApiDocsAccess


def not_found(request, *args, **kwargs):
    """An unknown address under /api/ answers in JSON, like every other API error."""
    return JsonResponse({"detail": _("There is no API endpoint at this address.")}, status=404)


class FirstRenderer(BaseContentNegotiation):
    """Any Accept header will do: the answer is allauth's document, or a JSON error."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0]


class LoginApiSchemaView(APIView):
    """allauth's OpenAPI description of its login API (settings.HEADLESS_SERVE_SPECIFICATION),
    under the rule that covers the portal's own schema (ApiDocsAccess): public when
    API_DOCS_PUBLIC is on, otherwise for people who are logged in. Routed ahead of allauth's
    own URLs at the same addresses (portal/urls.py)."""

    permission_classes = [ApiDocsAccess]
    content_negotiation_class = FirstRenderer
    throttle_classes = []
    schema = None  # not part of the portal's schema: it is another API's document
    allauth_view = None

    def get(self, request):
        return self.allauth_view(request._request)


login_api_schema_json = LoginApiSchemaView.as_view(allauth_view=OpenAPIJSONView.as_view())
login_api_schema_yaml = LoginApiSchemaView.as_view(allauth_view=OpenAPIYAMLView.as_view())
