"""The wrappers around google-genai's methods: one span per model call, the SDK called once, unguarded.

Each surface (`_generate`, `_embed`...) says what a request and a response mean; the wrappers here do the rest:
skip when suppressed, uninstrumented, nested in another traced call, or traced by another GenAI instrumentor
(`traced_elsewhere`); start the span at the client's real endpoint; call the SDK; hand back its result, or its
stream behind a `traced_stream` proxy.

``generate_content`` is traced at the SDK's ``_generate_content`` / ``_generate_content_stream``, the methods
that send one request each: automatic function calling, automatic continuation and chats
(``chats.create(...).send_message``) go through them, so every model call gets its own span and its own cost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, ClassVar, Final, NamedTuple, Protocol, cast
from urllib.parse import urlsplit

import wrapt
from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from ... import _attributes as a
from ...pricing import Usage
from .._genai import Attributes, Invocation, Telemetry, guarded
from .._stream import StreamHooks, traced_stream
from ..openai._read import field, text

__all__ = [
    "GENAI_TRACERS",
    "Endpoint",
    "Reading",
    "Setup",
    "Surface",
    "Wrapper",
    "async_method",
    "async_stream",
    "endpoint_of",
    "error_type",
    "sync_method",
    "sync_stream",
]

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]

_P = a.GenAiProviderNameValues
_INVOCATION: ContextVar[Invocation | None] = ContextVar("otel_llmcost_google_genai_invocation", default=None)

GENAI_TRACERS: Final = (
    "opentelemetry.instrumentation.google_genai.",  # the official OpenTelemetry instrumentation
    "opentelemetry.instrumentation.google_generativeai.",  # OpenLLMetry (Traceloop)
    "openinference.instrumentation.google_genai.",  # OpenInference (Arize)
    "openlit.instrumentation.google_ai_studio.",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for google-genai calls: where one wraps, ours steps aside."""

_WRAPPERS: Final = (wrapt.FunctionWrapper, wrapt.BoundFunctionWrapper)
_MAX_DEPTH: Final = 16
_VERTEX_HOST_SUFFIX: Final = "aiplatform.googleapis.com"


class Setup(NamedTuple):
    """What the wrappers of one instrumentation share."""

    telemetry: Telemetry


class Reading(NamedTuple):
    """What a response says: its attributes and usage, and how sure that usage is."""

    attributes: Attributes
    usage: Usage | None = None
    usage_status: str = a.LlmcostUsageStatusValues.REPORTED


class Surface(Protocol):
    """One API surface: what its requests and responses say."""

    operation: ClassVar[str]
    """The ``gen_ai.operation.name`` of its calls."""
    public: ClassVar[str]
    """The public method other instrumentors wrap for it: where theirs is, ours steps aside."""

    def request(self, kwargs: Mapping[str, Any], capture: bool) -> tuple[str | None, Attributes]:
        """The requested model and the span's start attributes."""
        ...

    def response(self, result: Any, kwargs: Mapping[str, Any], capture: bool) -> Reading:
        """The response attributes and usage of a result."""
        ...

    def stream(self, invocation: Invocation, kwargs: Mapping[str, Any], capture: bool) -> StreamHooks:
        """The hooks that read a streamed result into ``invocation`` and end it."""
        ...


class Endpoint(NamedTuple):
    """Where a client's requests go: its ``gen_ai.provider.name`` and server address and port."""

    provider: str
    server: tuple[str, int] | None


_ENDPOINTS: dict[tuple[object, bool], Endpoint] = {}


def endpoint_of(api_client: object) -> Endpoint:
    """The endpoint of a google-genai ``BaseApiClient``: Vertex AI when its ``vertexai`` flag or its host says so."""
    base_url = text(field(getattr(api_client, "_http_options", None), "base_url"))
    vertex = getattr(api_client, "vertexai", None) is True
    key = (base_url, vertex)
    found = _ENDPOINTS.get(key)
    if found is None:
        found = _ENDPOINTS[key] = _endpoint(base_url, vertex)
    return found


def _endpoint(base_url: str | None, vertex: bool) -> Endpoint:
    server = None
    host = None
    if base_url is not None:
        parts = urlsplit(base_url)
        host = parts.hostname
        try:
            port = parts.port or (80 if parts.scheme == "http" else 443)
        except ValueError:
            port = None
        if host and port:
            server = (host, port)
    if vertex or (host is not None and host.endswith(_VERTEX_HOST_SUFFIX)):
        return Endpoint(_P.GCP_VERTEX_AI, server)
    return Endpoint(_P.GCP_GEMINI, server)


def error_type(error: BaseException) -> str:
    """The API's status (``RESOURCE_EXHAUSTED``, ``INVALID_ARGUMENT``), else the exception's class name."""
    status = getattr(error, "status", None)
    if isinstance(status, str) and status:
        return status
    return type(error).__qualname__


def _wraps_traced(chain: Any) -> bool:
    for _ in range(_MAX_DEPTH):
        if not isinstance(chain, _WRAPPERS):
            return False
        wrapper: object = getattr(cast(Any, chain), "_self_wrapper", None)
        module = getattr(wrapper, "__module__", None)
        if isinstance(module, str) and module.startswith(GENAI_TRACERS):
            return True
        chain = cast(Any, chain).__wrapped__
    return False


def traced_elsewhere(instance: object, surface: Surface) -> bool:
    """Whether another GenAI instrumentor wraps the public method of ``surface`` on ``instance``'s class."""
    for klass in type(instance).__mro__:
        found = vars(klass).get(surface.public)
        if found is not None:
            return _wraps_traced(found)
    return False


def _skip(setup: Setup, instance: object, surface: Surface) -> bool:
    return (
        not setup.telemetry.active
        or _INVOCATION.get() is not None
        or not is_instrumentation_enabled()
        or traced_elsewhere(instance, surface)
    )


def _start(setup: Setup, surface: Surface, instance: object, kwargs: Mapping[str, Any]) -> Invocation:
    endpoint = endpoint_of(getattr(instance, "_api_client", None))
    model, attributes = surface.request(kwargs, setup.telemetry.capture_content)
    return setup.telemetry.start(surface.operation, endpoint.provider, model, attributes, endpoint.server)


def _failed(invocation: Invocation, error: BaseException) -> None:
    invocation.end(error=error, error_type=error_type(error))


def _respond(setup: Setup, surface: Surface, invocation: Invocation, kwargs: Mapping[str, Any], result: object) -> None:
    invocation.end(*surface.response(result, kwargs, setup.telemetry.capture_content))


def _streamed(setup: Setup, surface: Surface, invocation: Invocation, kwargs: Mapping[str, Any], stream: Any) -> Any:
    return traced_stream(stream, surface.stream(invocation, kwargs, setup.telemetry.capture_content))


def _handed_back(
    finish: Callable[[Setup, Surface, Invocation, Mapping[str, Any], Any], Any],
    setup: Setup,
    surface: Surface,
    invocation: Invocation,
    kwargs: Mapping[str, Any],
    result: Any,
) -> Any:
    """``finish``'s answer (the result, or a proxy of it); the result itself if reading it failed."""
    handed = guarded(_answer, finish, setup, surface, invocation, kwargs, result)
    if handed is None:
        guarded(invocation.end)
        return result
    return handed[0]


def _answer(
    finish: Callable[[Setup, Surface, Invocation, Mapping[str, Any], Any], Any],
    setup: Setup,
    surface: Surface,
    invocation: Invocation,
    kwargs: Mapping[str, Any],
    result: Any,
) -> tuple[Any]:
    answer = finish(setup, surface, invocation, kwargs, result)
    return (result if answer is None else answer,)


def _method(setup: Setup, surface: Surface, streamed: bool) -> Wrapper:
    finish = _streamed if streamed else _respond

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _skip(setup, instance, surface):
            return wrapped(*args, **kwargs)
        invocation = guarded(_start, setup, surface, instance, kwargs)
        if invocation is None:
            return wrapped(*args, **kwargs)
        token = context.attach(trace.set_span_in_context(invocation.span))
        _INVOCATION.set(invocation)
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as error:
            guarded(_failed, invocation, error)
            raise
        finally:
            _INVOCATION.set(None)  # it was None before: nested calls do not get this far
            context.detach(token)
        return _handed_back(finish, setup, surface, invocation, kwargs, result)

    return wrapper


def _async_method(setup: Setup, surface: Surface, streamed: bool) -> Wrapper:
    finish = _streamed if streamed else _respond

    async def wrapper(
        wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if _skip(setup, instance, surface):
            return await wrapped(*args, **kwargs)
        invocation = guarded(_start, setup, surface, instance, kwargs)
        if invocation is None:
            return await wrapped(*args, **kwargs)
        token = context.attach(trace.set_span_in_context(invocation.span))
        _INVOCATION.set(invocation)
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as error:  # CancelledError included: the call ends with it
            guarded(_failed, invocation, error)
            raise
        finally:
            _INVOCATION.set(None)
            context.detach(token)
        return _handed_back(finish, setup, surface, invocation, kwargs, result)

    return wrapper


def sync_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of a synchronous SDK method that returns its result whole."""
    return _method(setup, surface, streamed=False)


def sync_stream(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of a synchronous SDK method that returns a stream (a generator: it sends on first ``next``)."""
    return _method(setup, surface, streamed=True)


def async_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of an asynchronous SDK method that returns its result whole."""
    return _async_method(setup, surface, streamed=False)


def async_stream(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of an asynchronous SDK method whose awaited result is an async stream."""
    return _async_method(setup, surface, streamed=True)
