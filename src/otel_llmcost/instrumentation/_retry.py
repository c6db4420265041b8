"""The retry hook: each attempt of a call's request, counted (``http.request.resend_count``) and, when it failed
after its request had reached the provider, marked as one the provider may have billed
(``llmcost.retry.maybe_billed``).

Every attempt is seen where it is sent, in the framework rather than in each provider: ``send`` of the httpx (and
httpx2) clients, which openai, anthropic, mistralai, cohere and google-genai send through, and botocore's
``Endpoint._do_get_response``, which its retry handler calls once per attempt. Each attempt sent after the first
is a resend, whatever sent it again (the SDK's retry, or a Stainless SDK's resend after refreshing its
credentials), as the HTTP conventions count ``http.request.resend_count``; an SDK hook that counts the SDK's own
retries (google-genai's ``_request_once``, in `Invocation.attempts`) sets the count instead. Both act only while
an instrumented call is in flight in the thread or task; a stream's request that is sent while it is read,
outside its call, is not seen.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from ._genai import Invocation
from ._patches import Patch, as_is
from ._wrap import call_in_flight

__all__ = ["SEND_PATCHES", "async_send", "do_get_response", "maybe_billed", "send"]

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


def maybe_billed(error: BaseException | None, status: int | None) -> bool:
    """Whether an attempt that ended with ``error``, or with an answer of ``status``, may have been billed."""
    if error is not None:
        return any(cls.__name__ in _LOST_AFTER_SENDING for cls in type(error).__mro__)
    return status in _BILLED_STATUSES


def _attempted(invocation: Invocation, error: BaseException | None, response: object = None) -> None:
    """Count one attempt sent for ``invocation``, which ended with ``error`` or the HTTP ``response``; the next
    send is an attempt of its own again."""
    invocation.sending = False
    try:
        status = getattr(response, "status_code", None)
        invocation.sent += 1
        if invocation.attempts == 0 and invocation.sent - 1 > invocation.resend_count:
            invocation.resend_count = invocation.sent - 1  # no count of the SDK's own: each send is an attempt
        if maybe_billed(error, status if isinstance(status, int) else None):
            invocation.maybe_billed += 1
    except Exception:  # noqa: BLE001 - a hook never raises its own failure into the SDK
        _log.debug("otel-llmcost could not count an attempt", exc_info=True)


def send(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps ``httpx.Client.send``: one attempt of the call in flight, and how it ended."""
    invocation = call_in_flight()
    if invocation is None or invocation.sending:
        return wrapped(*args, **kwargs)
    invocation.sending = True  # a send wrapped twice (by two hooks) counts once
    try:
        response = wrapped(*args, **kwargs)
    except BaseException as error:
        _attempted(invocation, error)
        raise
    _attempted(invocation, None, response)
    return response


async def async_send(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Wraps ``httpx.AsyncClient.send``: one attempt of the call in flight, and how it ended."""
    invocation = call_in_flight()
    if invocation is None or invocation.sending:
        return await wrapped(*args, **kwargs)
    invocation.sending = True  # a send wrapped twice (by two hooks) counts once
    try:
        response = await wrapped(*args, **kwargs)
    except BaseException as error:
        _attempted(invocation, error)
        raise
    _attempted(invocation, None, response)
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
            _attempted(invocation, failure, http_response)
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
