"""Django: a middleware class that attributes each request's calls from a header, a URL argument or a callable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import Token
from typing import Any

from opentelemetry import context
from opentelemetry.context import Context

from ._web import Source, resolve, start_request

__all__ = ["django_middleware"]


def django_middleware(**sources: Source) -> type:
    """A Django middleware class that attributes the calls of each request; cleared when it ends, on every path.

    Example, in the project's ``middleware.py``, then listed in ``MIDDLEWARE``::

        TenantMiddleware = django_middleware(tenant=header("X-Tenant-Id"), customer=path_param("customer"))

    Keywords are those of `otel_llmcost.attribute`; a `path_param` reads the URL pattern's keyword
    arguments, and a callable gets the ``HttpRequest``. The values are set once the URL is resolved (in
    ``process_view``), so put it after ``opentelemetry-instrumentation-django``'s middleware, which it does not
    replace. Synchronous requests.
    """

    class AttributionMiddleware:
        def __init__(self, get_response: Callable[[Any], Any]) -> None:
            self.get_response = get_response

        def __call__(self, request: Any) -> Any:
            try:
                return self.get_response(request)
            finally:
                token: Token[Context] | None = request.__dict__.pop("_otel_llmcost_attribution", None)
                if token is not None:
                    context.detach(token)

        def process_view(
            self, request: Any, view: object, args: tuple[object, ...], kwargs: Mapping[str, object]
        ) -> None:
            values = resolve(sources, request, request.headers.get, lambda: kwargs)
            token = start_request(values)
            if token is not None:
                request.__dict__["_otel_llmcost_attribution"] = token

    return AttributionMiddleware
