from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class FirstPagePaginator(Paginator):
    """A Paginator that does not count the rows when the first page already shows them all.

    Page 1 always exists, so it can be fetched before anything is counted; when it comes
    back short of a full page, its length is the count. A patient's own lists are nearly
    always one page, so they run one query instead of two. Any other page counts as usual.
    """

    def page(self, number):
        if str(number).strip() != "1":
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # Paginator.count is a cached_property.
        return self._get_page(rows, 1, self)


class PortalPagination(PageNumberPagination):
    """Every list paginates; clients may ask for up to 100 rows a page, never more.

    `page` and `page_size` are checked as the schema states them (whole numbers, from 1;
    a page size up to 100): anything else is a 400 on the parameter, in the portal's words,
    rather than quietly replaced. A page past the end is a 404.
    """

    django_paginator_class = FirstPagePaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "Page number, from 1. A page past the end gives 404."
    page_size_query_description = "Rows per page: 25 unless asked, at most 100."
    invalid_page_message = gettext_lazy(
        "There is no page {page_number} in this list. The first page is page 1."
    )

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        return self._whole_number(
            value,
            name=self.page_size_query_param,
            maximum=self.max_page_size,
            message=_("Give the page size as a whole number from 1 to %(maximum)d.")
            % {"maximum": self.max_page_size},
        )

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is None:
            return 1
        if value in self.last_page_strings:
            return paginator.num_pages
        return self._whole_number(
            value,
            name=self.page_query_param,
            message=_("Give the page number as a whole number from 1."),
        )

    @staticmethod
    def _whole_number(value: str, *, name: str, message: str, maximum: int | None = None) -> int:
        number = int(value) if value.isascii() and value.isdigit() else 0
        if number < 1 or (maximum is not None and number > maximum):
            raise ValidationError({name: [message]})
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
