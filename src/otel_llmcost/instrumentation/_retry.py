"""The retry hook: Stainless-built SDKs (openai, anthropic) build each attempt of a request anew in
``BaseClient._build_request``, so the call in flight counts its retries there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._wrap import call_in_flight

__all__ = ["build_request"]


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
