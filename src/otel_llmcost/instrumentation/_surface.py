"""What a provider package tells the framework about one API surface: its requests and its responses.

A surface (chat completions, embeddings...) turns a call's arguments into a `Request` and a response into a
`Reading`; the framework's wrappers (`_wrap`) do everything else. `Setup` is what the wrappers of one
instrumentation share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple, Protocol

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from .. import _attributes as a
from ..usage import Usage
from ._adapter import Adapter
from ._genai import Attributes, Invocation, Telemetry
from ._stream import StreamHooks

__all__ = ["Reading", "Request", "Setup", "Surface", "Unstreamed", "embeddings_request"]


class Setup(NamedTuple):
    """What the wrappers of one instrumentation share."""

    telemetry: Telemetry
    adapter: Adapter
    request_stream_usage: bool = False


class Reading(NamedTuple):
    """What a response says: its attributes and usage, and how sure that usage is."""

    attributes: Attributes | None
    usage: Usage | None = None
    usage_status: str = a.LlmcostUsageStatusValues.REPORTED


class Request(NamedTuple):
    """What a surface read from a call's arguments.

    Attributes:
        model: the requested model, for the span name and ``gen_ai.request.model``.
        attributes: the span's start attributes (request parameters, captured input).
        kwargs: the keyword arguments to call the SDK with: the user's, unless an option added one.
        stream: whether the response is a stream.
        hide: which stream items the user does not see (those an option asked for).
        state: whatever the surface keeps for reading the response (input messages to estimate from).
        known: what the request alone determines (the characters of speech), even for a response never read.
        operation: the ``gen_ai.operation.name`` of this call when the request, not the surface, decides it
            (Bedrock's InvokeModel of an embedding model); `None`: the surface's.
    """

    model: str | None
    attributes: Attributes
    kwargs: Mapping[str, Any]
    stream: bool = False
    hide: Callable[[object], bool] | None = None
    state: object = None
    known: Reading | None = None
    operation: str | None = None


class Surface(Protocol):
    """One API surface: what its requests and responses say."""

    operation: ClassVar[str]
    """The ``gen_ai.operation.name`` of its calls."""

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        """The request's model, start attributes and the arguments to call with."""
        ...

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        """The response attributes and usage of a parsed (not streamed) result."""
        ...

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        """The hooks that read a streamed result into ``invocation`` and end it."""
        ...


class Unstreamed:
    """The `Surface.stream` of a surface whose calls are never streamed: the framework calls ``stream`` only for a
    `Request` that streams, which such a surface never makes."""

    __slots__ = ()

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError(f"{type(self).__name__} calls are never streamed")


def embeddings_request(kwargs: Mapping[str, Any], dimension: str) -> Request:
    """An embeddings call's `Request`: its model, and ``gen_ai.embeddings.dimension.count`` when the caller set
    the output size (the SDK's ``dimension`` parameter)."""
    attributes: Attributes = {}
    size = kwargs.get(dimension)
    if isinstance(size, int) and not isinstance(size, bool):
        attributes[gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = size
    model = kwargs.get("model")
    return Request(model if isinstance(model, str) and model else None, attributes, kwargs)
