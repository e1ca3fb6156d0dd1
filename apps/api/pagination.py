from django.core.paginator import Paginator
from django.utils.translation import gettext as _
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

    A page size that is not a whole number from 1 up is refused (400) rather than quietly
    replaced; one above the maximum is served at the maximum, as the description says.
    """

    django_paginator_class = FirstPagePaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    page_query_description = "Page number, from 1. A page past the end gives 404."
    page_size_query_description = "Rows per page: 25 unless asked, never more than 100."

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        try:
            size = int(value)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Give the page size as a whole number from 1.")]}
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters
