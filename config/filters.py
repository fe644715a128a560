"""Filtering and ordering of every list under /api/v1/: one convention, declared here.

A list view mixes in ListConventions and declares both halves of it:
- `filterset_class` (a django-filter FilterSet), or `filterset_fields` (`()` when the list has no filters);
- `ordering_fields`: the allow-list of `?ordering=` (`-name` descending, commas for several); `()` when the
  list has a fixed order (history pages, ranked lists).
An ordering outside the allow-list answers 400 `invalid_ordering`; a filter value that does not parse answers
400 `invalid_filter` (extra.fields says which). Both are documented in the OpenAPI schema of each list, and
tests/test_list_conventions.py fails for a list route that declares neither.

The `after`/`before` message-id paging of chat histories (rooms, guilds, DMs) is declared here too.
"""

from django_filters.rest_framework import DjangoFilterBackend, TypedChoiceFilter
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework.filters import OrderingFilter

from config.errors import ApplicationError, CommonError


class BooleanFilter(TypedChoiceFilter):
    """`true` or `false`; anything else is refused (django-filter's own BooleanFilter ignores it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true",
                         **kwargs)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; a value its FilterSet refuses answers 400 `invalid_filter`."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ApplicationError(CommonError.INVALID_FILTER, "A filter's value is not valid.",
                                   {"fields": {name: list(errors) for name, errors in filterset.errors.items()}})
        return filterset.qs


class FilterBackendSchema(DjangoFilterExtension):
    """Lists without filters (`filterset_fields = ()`) document none, and need no model to say so."""

    target_class = "config.filters.FilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        view = auto_schema.view
        if not (getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)):
            return []
        return super().get_schema_operation_parameters(auto_schema, *args, **kwargs)


class OrderingBackend(OrderingFilter):
    """`?ordering=` from the view's `ordering_fields` only (never DRF's "every serializer field"); a term outside
    it answers 400 `invalid_ordering`. Ties are broken by the primary key, so pages stay stable."""

    def allowed(self, view) -> tuple[str, ...]:
        return tuple(getattr(view, "ordering_fields", None) or ())

    def get_ordering(self, request, queryset, view):
        param = request.query_params.get(self.ordering_param)
        if param is None:
            return None
        terms = [term.strip() for term in param.split(",") if term.strip()]
        allowed = self.allowed(view)
        unknown = [term for term in terms if term.lstrip("-") not in allowed]
        if unknown or not terms:
            message = (f"Order by one of: {', '.join(allowed)} ('-' first for descending)." if allowed
                       else "This list has a fixed order.")
            raise ApplicationError(CommonError.INVALID_ORDERING, message,
                                   {"fields": {self.ordering_param: unknown or [param]}, "allowed": list(allowed)})
        return terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        tiebreak = "-pk" if ordering[-1].startswith("-") else "pk"
        return queryset.order_by(*ordering, tiebreak)

    def get_schema_operation_parameters(self, view):
        allowed = self.allowed(view)
        if not allowed:
            return []
        return [{
            "name": self.ordering_param, "required": False, "in": "query", "style": "form", "explode": False,
            "description": "Sort by these fields, in order ('-' first for descending); another answers 400 "
                           "`invalid_ordering`.",
            "schema": {"type": "array", "items": {"type": "string",
                                                  "enum": [f"{sign}{field}" for field in allowed for sign in ("", "-")]}},
        }]


class ListConventions:
    """Mixed into every list view of /api/v1/ (generic or a plain APIView that calls `filter_queryset`)."""

    filter_backends = (FilterBackend, OrderingBackend)  # also DEFAULT_FILTER_BACKENDS (settings/api.py)

    def filter_queryset(self, queryset):
        for backend in self.filter_backends:
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset


# -- chat histories: ?after= / ?before= a message id ----------------------------------------------------------
MAX_ID = 2**63 - 1  # PostgreSQL's bigint

HISTORY_PARAMETERS = [
    OpenApiParameter("after", int, description="messages after this id (resync after a reconnect)"),
    OpenApiParameter("before", int, description="older history before this id"),
]


def history_bounds(params) -> dict[str, int | None]:
    """`after_id` and `before_id` from the query (None where absent); a value that is not an id answers 400."""
    bounds = {}
    for name in ("after", "before"):
        value = params.get(name) or ""
        if value and not (value.isascii() and value.isdigit() and int(value) <= MAX_ID):
            raise ApplicationError(CommonError.INVALID, f"'{name}' is a message id.", {"fields": {name: ["Not an id."]}})
        bounds[f"{name}_id"] = int(value) if value else None
    return bounds
