"""The one botocore method we wrap, ``BaseClient._make_api_call``, and what a Bedrock Runtime call hands back.

Every AWS call passes there; only the four paid operations of a ``bedrock-runtime`` client are traced, and
every other call goes straight through (one dict look-up). Each traced call is handed to the framework's
wrapper as a `Call`, which returns what the framework reads:

- ``Converse``: the parsed response (a dict), as botocore returns it;
- ``InvokeModel``: the same dict, whose ``body`` (a ``StreamingBody`` over the wire) is read here, once, and
  put back as a `ReadBody` over the same bytes, so that the caller still reads it all;
- ``ConverseStream`` / ``InvokeModelWithResponseStream``: the ``EventStream`` out of the response, which the
  framework hands back behind its stream proxy; the proxy goes back into the dict the caller gets.

Why a wrapper and not botocore's event hooks: an ``after-call`` hook sees the parsed response, but the stream in
it is the caller's, and reading it there would consume it; a wrapper hands the caller the stream behind a proxy
that sees each event as the caller reads it, and ends the call however the caller leaves it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any, Final

from botocore.response import StreamingBody  # pyright: ignore[reportMissingTypeStubs]

from .._surface import Setup
from .._wrap import Wrapper, sync_method

__all__ = ["OPERATIONS", "Call", "ReadBody", "make_api_call"]

_SERVICE: Final = "bedrock-runtime"

OPERATIONS: Final[Mapping[str, tuple[str, str | None]]] = {
    # operation: (the client's method, the response key of the stream or body the framework gets)
    "Converse": ("converse", None),
    "ConverseStream": ("converse_stream", "stream"),
    "InvokeModel": ("invoke_model", "body"),
    "InvokeModelWithResponseStream": ("invoke_model_with_response_stream", "body"),
}


class ReadBody(StreamingBody):
    """An ``InvokeModel`` body already read from the wire: the caller reads the same bytes, ``data`` keeps them."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data), len(data))
        self.data = data


class Call:
    """One Bedrock Runtime operation, called through the framework's wrapper (see the module docstring)."""

    __slots__ = ("__weakref__", "key", "method", "response", "wrapped")

    def __init__(self, wrapped: Callable[..., Any], method: str, key: str | None) -> None:
        self.wrapped = wrapped
        self.method = method
        self.key = key
        self.response: dict[str, Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        response: dict[str, Any] = self.wrapped(*args, **kwargs)
        self.response = response
        key = self.key
        if key is None:
            return response
        found = response.get(key)
        if key == "body" and isinstance(found, StreamingBody) and not isinstance(found, ReadBody):
            # InvokeModel: read at once, as the caller would; an error reading it is the call's error.
            body: Any = found
            response[key] = ReadBody(bytes(body.read()))
            return response
        return found


def make_api_call(setup: Setup, surface: Any) -> Wrapper:
    """The wrapper of ``BaseClient._make_api_call``: the four paid operations of ``bedrock-runtime`` traced."""
    traced = sync_method(setup, surface)

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        operation = args[0] if args else kwargs.get("operation_name")
        known = OPERATIONS.get(operation) if isinstance(operation, str) else None
        if known is None or _service(instance) != _SERVICE:
            return wrapped(*args, **kwargs)
        method, key = known
        call = Call(wrapped, method, key)
        handed = traced(call, instance, args, kwargs)
        if key is None or operation == "InvokeModel":
            return handed
        response = call.response
        if response is None:  # not reached: the call either returned or raised
            return handed
        if response.get(key) is not handed:
            response[key] = handed  # the stream behind our proxy
        return response

    return wrapper


def _service(instance: Any) -> object:
    meta = getattr(instance, "meta", None)
    model = getattr(meta, "service_model", None)
    return getattr(model, "service_name", None)
