"""The wrappers around the SDK's methods: one span per call; the SDK called once, unguarded, with its result.

Each surface module (chat, responses, embeddings...) says what a request and a response of its API mean
(`Surface`); the wrappers here do the rest for all of them: skip when suppressed, uninstrumented, nested in
another traced call (``parse()`` and ``stream()`` helpers that call ``create()``) or traced by another GenAI
instrumentor (`traced_elsewhere`), start the span, call the SDK, and hand back its result, a stream behind a
`traced_stream` proxy, or a raw response whose body is read later behind a `LazyResponse`.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar, Token
from typing import Any, ClassVar, NamedTuple, Protocol, cast

import openai
from openai._legacy_response import LegacyAPIResponse
from openai._response import BaseAPIResponse
from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from ... import _attributes as a
from ...attribution import budgets_active, check_budget
from ...pricing import Usage
from .._genai import Attributes, Invocation, Telemetry, guarded
from .._stream import StreamHooks, traced_stream
from ._others import traced_elsewhere
from ._providers import Endpoints
from ._raw import LazyResponse

__all__ = [
    "Reading",
    "Request",
    "Setup",
    "Surface",
    "Wrapper",
    "async_helper_stream_close",
    "async_method",
    "build_request",
    "error_type",
    "helper_stream_close",
    "sync_method",
]

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]

# The call whose SDK method is running, in this thread or task: a traced method it calls (``parse()`` and the
# ``stream()`` helpers call ``create()``) steps aside, and each attempt of its request counts its retries. A
# variable of our own, not an OpenTelemetry context key: setting it copies no context.
_INVOCATION: ContextVar[Invocation | None] = ContextVar("otel_llmcost_openai_invocation", default=None)

# The end of each traced stream, by the SDK stream it wraps: the SDK's ``stream()`` helpers close the HTTP
# response rather than the stream they read, so their ``close`` tells us here (see `helper_stream_close`).
_STREAM_ENDS: weakref.WeakKeyDictionary[object, Callable[[], None]] = weakref.WeakKeyDictionary()


class Setup(NamedTuple):
    """What the wrappers of one instrumentation share."""

    telemetry: Telemetry
    endpoints: Endpoints
    request_stream_usage: bool = False


class Reading(NamedTuple):
    """What a response says: its attributes and usage, and how sure that usage is."""

    attributes: Attributes
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
    """

    model: str | None
    attributes: Attributes
    kwargs: Mapping[str, Any]
    stream: bool = False
    hide: Callable[[object], bool] | None = None
    state: object = None
    known: Reading | None = None


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


def error_type(error: BaseException) -> str:
    """The API's error code (``rate_limit_exceeded``, ``invalid_api_key``), else the exception's class name."""
    if isinstance(error, openai.APIError):
        code = error.code
        if isinstance(code, str) and code:
            return code
    return type(error).__qualname__


def _skip(setup: Setup, instance: Any, wrapped: Any) -> bool:
    """Whether this call goes untraced: uninstrumented, suppressed, inside one of our calls, or traced elsewhere."""
    return (
        not setup.telemetry.active
        or _INVOCATION.get() is not None
        or not is_instrumentation_enabled()
        or traced_elsewhere(instance, wrapped)
    )


def sync_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of a synchronous SDK method of ``surface``."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _skip(setup, instance, wrapped):
            return wrapped(*args, **kwargs)
        started = guarded(_start, setup, surface, instance, args, kwargs)
        if started is None:
            return wrapped(*args, **kwargs)
        invocation, request, token = started
        try:
            if budgets_active():
                _check_budget(setup, surface, instance, request)
            result = wrapped(*args, **request.kwargs)
        except BaseException as error:
            guarded(_failed, invocation, error)
            raise
        finally:
            _INVOCATION.set(None)  # it was None before: nested calls do not get this far
            context.detach(token)
        return _handed_back(setup, surface, invocation, request, result)

    return wrapper


def async_method(setup: Setup, surface: Surface) -> Wrapper:
    """The wrapper of an asynchronous SDK method of ``surface``."""

    async def wrapper(
        wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if _skip(setup, instance, wrapped):
            return await wrapped(*args, **kwargs)
        started = guarded(_start, setup, surface, instance, args, kwargs)
        if started is None:
            return await wrapped(*args, **kwargs)
        invocation, request, token = started
        try:
            if budgets_active():
                _check_budget(setup, surface, instance, request)
            result = await wrapped(*args, **request.kwargs)
        except BaseException as error:  # CancelledError included: the call ends with it
            guarded(_failed, invocation, error)
            raise
        finally:
            _INVOCATION.set(None)  # it was None before: nested calls do not get this far
            context.detach(token)
        return _handed_back(setup, surface, invocation, request, result)

    return wrapper


def _start(
    setup: Setup,
    surface: Surface,
    instance: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> tuple[Invocation, Request, Token[Context]]:
    # The property, not the attribute behind it: the module-level client (``openai.base_url = ...``) answers
    # from elsewhere.
    endpoint = setup.endpoints.of(instance._client.base_url)
    request = surface.request(args, kwargs, endpoint.provider, setup)
    server = (endpoint.address, endpoint.port) if endpoint.address is not None and endpoint.port is not None else None
    invocation = setup.telemetry.start(surface.operation, endpoint.provider, request.model, request.attributes, server)
    token = context.attach(trace.set_span_in_context(invocation.span))
    _INVOCATION.set(invocation)
    return invocation, request, token


def _check_budget(setup: Setup, surface: Surface, instance: Any, request: Request) -> None:
    """Raises `BudgetExceeded` before the request goes out when a budget says so (the span ends with it)."""
    provider = setup.endpoints.of(instance._client.base_url).provider
    check_budget(provider, request.model, request.kwargs, surface.operation)


def _failed(invocation: Invocation, error: BaseException) -> None:
    invocation.end(error=error, error_type=error_type(error))


def _handed_back(setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: Any) -> Any:
    handed = guarded(_finish, setup, surface, invocation, request, result)
    if handed is None:
        guarded(invocation.end)
        return result
    return handed[0]


def _finish(setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: Any) -> tuple[Any]:
    """What the user gets: ``result``, or a proxy of it; the call ends now unless its body comes later."""
    if isinstance(result, (openai.Stream, openai.AsyncStream)):
        return (_traced(setup, surface, invocation, request, result),)
    if isinstance(result, LegacyAPIResponse):
        if not request.stream:
            # The body is already read and the SDK caches what parse() returns: the user's own parse() gets
            # the very object read here, and a caller who only looks at the headers still gets a usage.
            legacy = cast("LegacyAPIResponse[object]", result)
            _respond(setup, surface, invocation, request, legacy.parse())
            return (legacy,)
        return (_lazy(setup, surface, invocation, request, result),)
    if isinstance(result, BaseAPIResponse):  # with_streaming_response: nothing is read yet
        return (_lazy(setup, surface, invocation, request, result),)
    _respond(setup, surface, invocation, request, result)
    return (result,)


def _lazy(setup: Setup, surface: Surface, invocation: Invocation, request: Request, response: Any) -> Any:
    def unread() -> None:
        if request.stream:
            # A stream never read ends as a stream with no chunk: its prompt was sent, and is counted.
            surface.stream(invocation, request, setup).end()
        elif request.known is not None:
            invocation.end(*request.known)
        else:
            invocation.end()

    return LazyResponse(
        response, unread, lambda parsed: _parsed(setup, surface, invocation, request, parsed), _closed_after
    )


def _closed_after(parsed: object) -> None:
    """A raw response was closed after its body was parsed: a stream read from it is over too."""
    if isinstance(parsed, (openai.Stream, openai.AsyncStream)):
        end = _STREAM_ENDS.get(cast(object, parsed))
        if end is not None:
            end()


def _parsed(setup: Setup, surface: Surface, invocation: Invocation, request: Request, parsed: object) -> object:
    """What a raw response's ``parse()`` hands the user: the stream behind a proxy, or the parsed body."""
    if isinstance(parsed, (openai.Stream, openai.AsyncStream)):
        return _traced(setup, surface, invocation, request, parsed)
    _respond(setup, surface, invocation, request, parsed)
    return parsed


def _respond(setup: Setup, surface: Surface, invocation: Invocation, request: Request, result: object) -> None:
    invocation.end(*surface.response(result, request, setup))


def _traced(setup: Setup, surface: Surface, invocation: Invocation, request: Request, stream: Any) -> Any:
    hooks = surface.stream(invocation, request, setup)
    _STREAM_ENDS[stream] = hooks.end
    return traced_stream(stream, hooks, hide=request.hide)


def build_request(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps the SDK client's ``_build_request``, called once per attempt: the call records its retries."""
    built = wrapped(*args, **kwargs)
    invocation = _INVOCATION.get()
    if invocation is not None:
        invocation.attempts += 1
        retries = kwargs.get("retries_taken")
        if not isinstance(retries, int):  # older openai 1.x passes no count: each request built is one attempt
            retries = invocation.attempts - 1
        if retries > invocation.resend_count:
            invocation.resend_count = retries
    return built


def _end_raw_stream(helper: object) -> None:
    raw = getattr(helper, "_raw_stream", None)
    stream = getattr(raw, "__wrapped__", raw)  # our proxy, when the stream was traced
    if isinstance(stream, (openai.Stream, openai.AsyncStream)):
        end = _STREAM_ENDS.get(cast(object, stream))
        if end is not None:
            end()


def helper_stream_close(
    wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Wraps ``close`` of the SDK's ``stream()`` helper streams: closing one ends the raw stream's call."""
    closed = wrapped(*args, **kwargs)
    guarded(_end_raw_stream, instance)
    return closed


async def async_helper_stream_close(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`helper_stream_close` for the asynchronous helper streams."""
    closed = await wrapped(*args, **kwargs)
    guarded(_end_raw_stream, instance)
    return closed
