"""Where a web request says whom it is for: a header, a path parameter or a callable; and the ASGI middleware.

The helpers sit on top of the standard OpenTelemetry framework instrumentations and replace none of them: they
set the attribution for the request's code (so every span it starts carries it), put it on the request's
server span when one is current, and clear it when the request ends, on every path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from contextvars import Token
from typing import Any, NamedTuple

from opentelemetry import context, trace
from opentelemetry.context import Context

from ._context import set_attributes

__all__ = ["AttributionMiddleware", "Header", "PathParam", "Source", "header", "path_param", "resolve", "start_request"]


class Header(NamedTuple):
    """A value read from a request header (case-insensitive); made by `header`."""

    name: str


class PathParam(NamedTuple):
    """A value read from a path parameter of the request's route; made by `path_param`."""

    name: str


def header(name: str) -> Header:
    """Reads a value from the request header ``name``, such as ``header("X-Tenant-Id")``."""
    return Header(name)


def path_param(name: str) -> PathParam:
    """Reads a value from the route's path parameter ``name``, such as ``path_param("tenant")`` for
    ``/tenants/{tenant}/chat``."""
    return PathParam(name)


Source = Header | PathParam | Callable[[Any], object]
"""Where a value comes from: `header`, `path_param`, or a callable that gets the framework's request (the ASGI
scope, Flask's ``request``, Django's ``HttpRequest``) and returns the value or None."""


def resolve(
    sources: Mapping[str, Source],
    request: object,
    headers: Callable[[str], str | None],
    params: Callable[[], Mapping[str, object]],
) -> dict[str, object]:
    """The keyword values (``customer``, ``tenant``...) ``sources`` name, read from ``request``."""
    found: dict[str, object] = {}
    for keyword, source in sources.items():
        if isinstance(source, Header):
            value: object = headers(source.name)
        elif isinstance(source, PathParam):
            value = params().get(source.name)
        else:
            value = source(request)
        if value is not None and value != "":
            found[keyword] = value
    return found


def start_request(values: Mapping[str, object]) -> Token[Context] | None:
    """Sets ``values`` for the request, and on its server span; the token for `context.detach`, or None."""
    if not values:
        return None
    token = set_attributes(**values)
    span = trace.get_current_span()
    if span.is_recording():
        from ._context import current_attributes

        span.set_attributes(dict(current_attributes()))
    return token


_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AttributionMiddleware:
    """ASGI middleware (FastAPI, Starlette and any ASGI app) that attributes each request's calls.

    Example::

        app.add_middleware(AttributionMiddleware, tenant=header("X-Tenant-Id"), customer=path_param("customer"))

    Keywords are those of `otel_llmcost.attribute`; each value is a `header`, a `path_param` (matched against
    the Starlette routes of ``scope["app"]``) or a callable that gets the ASGI scope. Requests of other types
    (lifespan) pass through. The values are cleared when the request ends, however it ends.
    """

    def __init__(self, app: Callable[[_Scope, _Receive, _Send], Awaitable[None]], **sources: Source) -> None:
        self.app = app
        self.sources = sources

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = start_request(
            resolve(self.sources, scope, lambda name: _asgi_header(scope, name), lambda: _params(scope))
        )
        try:
            await self.app(scope, receive, send)
        finally:
            if token is not None:
                context.detach(token)


def _asgi_header(scope: _Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    raw: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()
    for key, value in raw:
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def _params(scope: _Scope) -> Mapping[str, object]:
    """The path parameters of the route that will serve the request (the middleware runs before routing)."""
    found: object = scope.get("path_params")
    if isinstance(found, Mapping) and found:
        return found  # pyright: ignore[reportUnknownVariableType]
    app = scope.get("app")
    routes: object = getattr(getattr(app, "router", None), "routes", None)
    if not isinstance(routes, list):
        return {}
    from starlette.routing import Match

    for route in routes:  # pyright: ignore[reportUnknownVariableType]
        match, child = route.matches(scope)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if match == Match.FULL:
            params: object = child.get("path_params")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            return params if isinstance(params, Mapping) else {}  # pyright: ignore[reportUnknownVariableType]
    return {}
