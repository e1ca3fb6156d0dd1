from rest_framework.pagination import PageNumberPagination


class PortalPagination(PageNumberPagination):
    """Every list paginates; clients may ask for up to 100 rows a page, never more."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
