"""Query parameters are input too: a mistake gets a 400 that says what is wrong.

Without this, `?stauts=open` or `?ordering=due` would be silently ignored and a clinician's
script would get every row back believing it had filtered them.
"""

import re

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.settings import api_settings


class KnownQueryParameters(BaseFilterBackend):
    """Refuse query parameters a list does not understand, and known ones left empty.

    Runs before the other filter backends (first in DEFAULT_FILTER_BACKENDS). A list knows
    its filters, `ordering`, and its paginator's `page` and `page_size`.
    """

    def _known(self, view) -> set[str]:
        known: set[str] = set()
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            known.update(filterset_class.base_filters)
        if getattr(view, "ordering_fields", None):
            known.add(api_settings.ORDERING_PARAM)
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            known.update(
                name
                for name in (
                    getattr(paginator, "page_query_param", None),
                    getattr(paginator, "page_size_query_param", None),
                )
                if name
            )
        return known

    def filter_queryset(self, request, queryset, view):
        known = self._known(view)
        errors = {}
        for name, values in request.query_params.lists():
            if name not in known:
                errors[name or "?"] = [
                    _("This list has no parameter called “%(name)s”. It accepts: %(known)s.")
                    % {"name": name, "known": ", ".join(sorted(known)) or _("none")}
                ]
            elif len(values) > 1:
                errors[name] = [_("Give this parameter once.")]
            elif not values[0].strip():
                errors[name] = [_("Give a value, or leave the parameter out.")]
        if errors:
            raise ValidationError(errors)
        return queryset

    def get_schema_operation_parameters(self, view):
        return []


class StrictOrderingFilter(OrderingFilter):
    """OrderingFilter that refuses a field it cannot sort by, instead of ignoring it."""

    ordering_description = "Sort by these fields, comma-separated; a leading - reverses one."

    def _field_names(self, view) -> list[str]:
        # Every portal list names its `ordering_fields`, so no queryset is needed here.
        if not getattr(view, "ordering_fields", None):
            return []
        return [name for name, _label in self.get_valid_fields(None, view, {})]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if value is None:
            return self.get_default_ordering(view)
        valid = set(self._field_names(view))
        terms = [term.strip() for term in value.split(",")]
        wrong = [term for term in terms if term.lstrip("-") not in valid]
        if wrong:
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("“%(term)s” is not something this list can be sorted by. Use: %(valid)s.")
                        % {"term": wrong[0], "valid": ", ".join(sorted(valid))}
                    ]
                }
            )
        return terms

    def get_schema_operation_parameters(self, view):
        names = sorted(self._field_names(view))
        if not names:
            return []
        one = "-?(?:" + "|".join(re.escape(name) for name in names) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description} Fields: {', '.join(names)}.",
                "schema": {"type": "string", "pattern": f"^{one}(?:,{one})*$"},
            }
        ]


class PortalFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the list's filters.

    With no filter asked for (nothing at all, or only a page), every filter would leave the
    list as it is, so the FilterSet and its form are not built.
    """

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "filterset_fields", None):  # filters django-filter makes: not used here
            return super().filter_queryset(request, queryset, view)
        filters = getattr(getattr(view, "filterset_class", None), "base_filters", {})
        if not any(name in filters for name in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
