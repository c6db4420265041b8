"""Flask: attribute each request's calls from a header, a view argument or a callable."""

from __future__ import annotations

from contextvars import Token
from typing import Any

from opentelemetry import context
from opentelemetry.context import Context

from ._web import Source, resolve, start_request

__all__ = ["flask_attribution"]

_TOKEN = "_otel_llmcost_attribution"


def flask_attribution(app: Any, **sources: Source) -> None:
    """Attributes the calls of each request of the Flask ``app``; cleared when the request ends, on every path.

    Example::

        flask_attribution(app, tenant=header("X-Tenant-Id"), customer=path_param("customer"))

    Keywords are those of `otel_llmcost.attribute`; a `path_param` reads the view arguments, and a callable
    gets ``flask.request``. It uses ``before_request`` and ``teardown_request`` hooks, beside (not instead of)
    ``opentelemetry-instrumentation-flask``.
    """
    import flask

    def before() -> None:
        request = flask.request
        values = resolve(sources, request, request.headers.get, lambda: request.view_args or {})
        token = start_request(values)
        if token is not None:
            setattr(flask.g, _TOKEN, token)

    def teardown(error: BaseException | None) -> None:
        token: Token[Context] | None = flask.g.pop(_TOKEN, None)
        if token is not None:
            context.detach(token)

    app.before_request(before)
    app.teardown_request(teardown)
