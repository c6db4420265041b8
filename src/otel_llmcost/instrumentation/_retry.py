"""The retry hooks: each attempt of a call's request, counted (``http.request.resend_count``) and, when it failed
after its request had reached the provider, marked as one the provider may have billed
(``llmcost.retry.maybe_billed``).

Two kinds of hook, both in the framework rather than in each provider:

- Stainless-built SDKs (openai, anthropic) build each attempt anew in ``BaseClient._build_request`` and say how
  many retries came before it: `build_request` reads that count.
- Every attempt's outcome is seen where it is sent: ``send`` of the httpx (and httpx2) clients, which openai,
  anthropic, mistralai, cohere and google-genai send through, and botocore's ``Endpoint._do_get_response``, which
  its retry handler calls once per attempt. An SDK with no retry hook of its own (mistralai, cohere, botocore)
  has its attempts counted there too. Both act only while an instrumented call is in flight in the thread or
  task; a stream's request that is sent while it is read, outside its call, is not seen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Final

from ._genai import Invocation
from ._patches import Patch, as_is
from ._wrap import call_in_flight

__all__ = ["SEND_PATCHES", "async_send", "build_request", "do_get_response", "maybe_billed", "send"]

_log = logging.getLogger("otel_llmcost")

# Statuses that say the request reached the provider, which may have processed (and billed) it before failing:
# an internal error, a gateway that lost the answer, a gateway timeout, and Cloudflare's unknown error and
# origin timeout. Not 408 or 429 (the request was not taken), 503 or 529 (overloaded: refused before any work).
_BILLED_STATUSES: Final = frozenset({500, 502, 504, 520, 524})
# Exceptions, by class name anywhere in their MRO, raised after the request was written in full: a read timeout
# or a connection lost while waiting for the answer (httpx, httpcore, urllib3, requests, botocore, aiohttp).
# Connect, write and pool timeouts and refused connections are not among them: the request never arrived whole.
_LOST_AFTER_SENDING: Final = frozenset(
    {
        "ReadTimeout",  # httpx, httpcore, requests
        "ReadTimeoutError",  # urllib3, botocore
        "ReadError",  # httpx, httpcore: the connection failed while reading the answer
        "RemoteProtocolError",  # httpx, httpcore: the server closed the connection without an answer
        "ConnectionClosedError",  # botocore: the same
        "ServerDisconnectedError",  # aiohttp: the same
        "SocketTimeoutError",  # aiohttp: a read timeout
        "ChunkedEncodingError",  # requests: the answer was cut
    }
)

# Set while an attempt is being sent, so that a send wrapped twice (by two instrumentors) counts once.
_SENDING: ContextVar[bool] = ContextVar("otel_llmcost_sending", default=False)


def maybe_billed(error: BaseException | None, status: int | None) -> bool:
    """Whether an attempt that ended with ``error``, or with an answer of ``status``, may have been billed."""
    if error is not None:
        return any(cls.__name__ in _LOST_AFTER_SENDING for cls in type(error).__mro__)
    return status in _BILLED_STATUSES


def _attempted(invocation: Invocation, error: BaseException | None, status: object) -> None:
    """Count one attempt sent for ``invocation``, which ended with ``error`` or an answer of ``status``."""
    try:
        invocation.sent += 1
        if invocation.attempts == 0 and invocation.sent - 1 > invocation.resend_count:
            invocation.resend_count = invocation.sent - 1  # the SDK has no retry hook of its own: sends are attempts
        if maybe_billed(error, status if isinstance(status, int) else None):
            invocation.maybe_billed += 1
    except Exception:  # noqa: BLE001 - a hook never raises its own failure into the SDK
        _log.debug("otel-llmcost could not count an attempt", exc_info=True)


def build_request(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps the SDK client's ``_build_request``, called once per attempt: the call records its retries."""
    built = wrapped(*args, **kwargs)
    invocation = call_in_flight()
    if invocation is not None:
        invocation.attempts += 1
        retries = kwargs.get("retries_taken")
        if not isinstance(retries, int):  # older SDKs pass no count: each request built is one attempt
            retries = invocation.attempts - 1
        if retries > invocation.resend_count:
            invocation.resend_count = retries
    return built


def send(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps ``httpx.Client.send``: one attempt of the call in flight, and how it ended."""
    invocation = call_in_flight()
    if invocation is None or _SENDING.get():
        return wrapped(*args, **kwargs)
    token = _SENDING.set(True)
    try:
        response = wrapped(*args, **kwargs)
    except BaseException as error:
        _attempted(invocation, error, None)
        raise
    finally:
        _SENDING.reset(token)
    _attempted(invocation, None, getattr(response, "status_code", None))
    return response


async def async_send(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Wraps ``httpx.AsyncClient.send``: one attempt of the call in flight, and how it ended."""
    invocation = call_in_flight()
    if invocation is None or _SENDING.get():
        return await wrapped(*args, **kwargs)
    token = _SENDING.set(True)
    try:
        response = await wrapped(*args, **kwargs)
    except BaseException as error:
        _attempted(invocation, error, None)
        raise
    finally:
        _SENDING.reset(token)
    _attempted(invocation, None, getattr(response, "status_code", None))
    return response


def do_get_response(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps botocore's ``Endpoint._do_get_response``, one attempt: it returns ``((http_response, parsed), None)``
    or ``(None, exception)``, which botocore's retry handler reads next."""
    result = wrapped(*args, **kwargs)
    invocation = call_in_flight()
    if invocation is not None:
        try:
            answered, error = result
            http_response = answered[0] if answered else None
            failure = error if isinstance(error, BaseException) else None
            _attempted(invocation, failure, getattr(http_response, "status_code", None))
        except Exception:  # noqa: BLE001 - a shape this botocore does not have: the attempt goes uncounted
            _log.debug("otel-llmcost could not read a botocore attempt", exc_info=True)
    return result


SEND_PATCHES: Final[tuple[Patch, ...]] = (
    Patch("httpx", "Client.send", as_is(send)),
    Patch("httpx", "AsyncClient.send", as_is(async_send)),
    Patch("httpx2", "Client.send", as_is(send)),  # openai 3.x
    Patch("httpx2", "AsyncClient.send", as_is(async_send)),
)
"""The patches that see each attempt of an httpx-based SDK's call; every such instrumentor's table holds them."""
