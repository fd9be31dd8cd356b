"""Page-number paging for the API's lists: one COUNT and one page query."""

from __future__ import annotations

from typing import Annotated, TypeVar

from django.db.models import Model, QuerySet
from ninja import Query

M = TypeVar("M", bound=Model)

PAGE_SIZE_MAX = 100
PAGE_MAX = 10_000

PageNumber = Annotated[int, Query(ge=1, le=PAGE_MAX, description="1-based page number.")]
PageSize = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="Items per page.")]


def page_of(queryset: QuerySet[M], page: int, page_size: int) -> tuple[int, list[M]]:
    """(total count, the items of 1-based ``page``); a page past the end is empty."""
    start = (page - 1) * page_size
    return queryset.count(), list(queryset[start : start + page_size])
