"""The retry hook: google-genai (2.x and later, with ``HttpRetryOptions``) sends each attempt of a request
through ``BaseApiClient._request_once`` / ``_async_request_once``, so the call in flight counts its retries
(``http.request.resend_count``). A stream's request is sent while it is read, outside its call: not counted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .._wrap import call_in_flight

__all__ = ["async_request_once", "request_once"]


def _attempt() -> None:
    invocation = call_in_flight()
    if invocation is not None:
        invocation.attempts += 1
        invocation.resend_count = invocation.attempts - 1


def request_once(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps ``BaseApiClient._request_once``: one attempt of the call in flight."""
    _attempt()
    return wrapped(*args, **kwargs)


async def async_request_once(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Wraps ``BaseApiClient._async_request_once``: one attempt of the call in flight."""
    _attempt()
    return await wrapped(*args, **kwargs)
