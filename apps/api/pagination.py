from collections.abc import Callable
from functools import cached_property, partial

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class FirstPagePaginator(Paginator):
    """A Paginator that does not count the rows when the first page already shows them all.

    Page 1 always exists, so it can be fetched before anything is counted; when it comes
    back short of a full page, its length is the count. A patient's own lists are nearly
    always one page, so they run one query instead of two. Any other page is counted, by
    `count_rows` when given (a number the view may know already, e.g. from the cache).

    With `page_by_ids`, a page's rows are fetched by their ids, picked in a subquery
    (`WHERE id IN (SELECT id ... ORDER BY ... LIMIT n)`): still one query, but PostgreSQL
    plans the choice of the page apart from the joins and subqueries of the rows it shows.
    """

    def __init__(
        self,
        object_list,
        per_page,
        *,
        count_rows: Callable[[], int] | None = None,
        page_by_ids: bool = False,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.count_rows = count_rows or object_list.count
        self.page_by_ids = page_by_ids

    @cached_property
    def count(self) -> int:
        return self.count_rows()

    def rows(self, bottom: int, top: int):
        if self.page_by_ids:
            return self.object_list.filter(pk__in=self.object_list.values("pk")[bottom:top])
        return self.object_list[bottom:top]

    def page(self, number):
        if str(number).strip() == "1":
            rows = list(self.rows(0, self.per_page))
            if len(rows) < self.per_page:
                self.count = len(rows)  # sets the cached property: nothing left to count
            return Page(rows, 1, self)
        # As Paginator.page, with the rows from self.rows.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(self.rows(bottom, top), number, self)


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

    def paginate_queryset(self, queryset, request, view=None):
        """A view may say how to count its list (`list_count`: a function, e.g. reading the
        cache, or None), and may ask for its pages to be picked by id first (`page_by_ids`)."""
        self.django_paginator_class = partial(
            FirstPagePaginator,
            count_rows=view.list_count(queryset) if hasattr(view, "list_count") else None,
            page_by_ids=getattr(view, "page_by_ids", False),
        )
        return super().paginate_queryset(queryset, request, view)

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
