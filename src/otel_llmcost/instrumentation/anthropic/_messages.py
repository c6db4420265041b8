"""The Messages API: ``messages.create`` (streamed or not), ``messages.stream()``, their beta twins, ``parse``.

A call's span reads its request (model, sampling, service tier, region) and its Message, or its
stream's events (`Tally`). ``messages.stream()`` calls no ``create()``: it hands back a manager whose request
is sent when the ``with`` block is entered, so the manager's request is traced (`stream_helper`), and the
``MessageStream`` reads the SDK stream behind our proxy: every way of reading it (iteration, ``text_stream``,
``get_final_message``, ``until_done``, ``close``, early exit) passes through the proxy's hooks.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, ClassVar, Final, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from .._genai import Attributes, Invocation, bounded_json
from .._guard import guarded
from .._read import field, number, text
from .._reading import StreamReading
from .._surface import Reading, Request, Setup
from .._wrap import Wrapper, async_method, sync_method
from ._content import StreamedMessage, input_messages, output_messages
from ._events import Tally
from ._usage import message_attributes, message_usage

__all__ = [
    "MESSAGES",
    "STREAMED_MESSAGES",
    "MessageStream",
    "Messages",
    "async_stream_helper",
    "rebuilt_stream",
    "stream_helper",
]

_NUMBERS: Final = (
    (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
    (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
)
_AUTO: Final = "auto"


class Messages:
    """The Messages API, a call of ``create`` / ``parse``, or (``helper``) the request of a ``stream()`` manager."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def __init__(self, *, helper: bool = False) -> None:
        self._helper = helper

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        attributes: Attributes = {}
        for key, name in _NUMBERS:
            if name in kwargs:
                value = number(kwargs[name])
                if value is not None:
                    attributes[key] = value
        for key, name in ((gen_ai.GEN_AI_REQUEST_MAX_TOKENS, "max_tokens"), (gen_ai.GEN_AI_REQUEST_TOP_K, "top_k")):
            limit = kwargs.get(name)
            if isinstance(limit, int) and not isinstance(limit, bool):
                attributes[key] = float(limit) if name == "top_k" else limit
        stop = kwargs.get("stop_sequences")
        if isinstance(stop, (list, tuple)):
            sequences = [item for item in cast("Sequence[object]", stop) if isinstance(item, str)]
            if sequences:
                attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = sequences
        geo = text(kwargs.get("inference_geo"))
        if geo is not None:
            attributes[a.LLMCOST_REQUEST_REGION] = geo  # "us" selects the US-only price of newer models
        tier = text(kwargs.get("service_tier"))
        if tier is not None and tier != _AUTO:
            attributes[a.ANTHROPIC_REQUEST_SERVICE_TIER] = tier
        if setup.telemetry.capture_content:
            prompt = input_messages(kwargs.get("system"), kwargs.get("messages"))
            attributes[gen_ai.GEN_AI_INPUT_MESSAGES] = bounded_json(prompt)
        stream = self._helper or kwargs.get("stream") is True
        if stream:
            attributes[gen_ai.GEN_AI_REQUEST_STREAM] = True
        return Request(text(kwargs.get("model")), attributes, kwargs, stream)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        usage = field(result, "usage")
        attributes: Attributes = {}
        message_attributes(result, usage, attributes)
        if setup.telemetry.capture_content:
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(output_messages(result))
        return Reading(attributes, message_usage(usage))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> MessageStream:
        return MessageStream(invocation, request.model, setup.telemetry.capture_content)


class MessageStream(StreamReading):
    """Reads a Messages stream's events into its call; see `Tally` for how a stream left early is counted."""

    __slots__ = ("_content", "_tally")

    def __init__(self, invocation: Invocation, model: str | None, capture: bool = False) -> None:
        super().__init__(invocation)
        self._tally = Tally(model)
        self._content = StreamedMessage() if capture else None

    def chunk(self, chunk: object) -> None:
        self._tally.add(chunk)
        if self._content is not None:
            self._content.add(chunk)
        if field(chunk, "type") == "content_block_delta":
            self._invocation.chunk()

    def _reading(self) -> Reading:
        attributes, usage, status = self._tally.outcome()
        if self._content:
            reasons = attributes.get(gen_ai.GEN_AI_RESPONSE_FINISH_REASONS)
            reason = reasons[0] if isinstance(reasons, list) and reasons else None
            attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES] = bounded_json(self._content.messages(cast("str | None", reason)))
        return Reading(attributes, usage, status)


MESSAGES: Final = Messages()
STREAMED_MESSAGES: Final = Messages(helper=True)

_API_REQUEST: Final = "__api_request"


def _request_attribute(manager: object) -> str | None:
    """The name-mangled attribute of a ``stream()`` manager's request (``_MessageStreamManager__api_request``)."""
    for klass in type(manager).__mro__:
        name = f"_{klass.__name__.lstrip('_')}{_API_REQUEST}"
        if name in vars(manager):
            return name
    return None


# The stream each traced manager request handed back, by its HTTP response: a ``MessageStream`` of older SDKs (0.40)
# builds a stream of its own over that response and would read past ours (see `rebuilt_stream`).
_HANDED: weakref.WeakKeyDictionary[object, object] = weakref.WeakKeyDictionary()


def _handed(stream: Any) -> Any:
    response = getattr(stream, "response", None)
    if response is not None:
        _HANDED[response] = stream
    return stream


def _trace_request(
    manager: object, traced: Wrapper, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    name = _request_attribute(manager)
    if name is None:
        return
    request: Callable[[], Any] = getattr(manager, name)
    setattr(manager, name, lambda: _handed(traced(lambda *_, **__: request(), instance, args, kwargs)))


class _TracedRequest:
    """An async manager's request: awaiting it traces the SDK's own awaitable (created only when awaited)."""

    __slots__ = ("_args", "_instance", "_kwargs", "_request", "_traced")

    def __init__(
        self, request: Awaitable[Any], traced: Wrapper, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self._request = request
        self._traced = traced
        self._instance = instance
        self._args = args
        self._kwargs = kwargs

    def __await__(self) -> Generator[Any, None, Any]:
        request = self._request
        awaited: Awaitable[Any] = self._traced(lambda *_, **__: request, self._instance, self._args, self._kwargs)
        return _handed((yield from awaited.__await__()))


def _trace_async_request(
    manager: object, traced: Wrapper, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    name = _request_attribute(manager)
    if name is None:
        return
    setattr(manager, name, _TracedRequest(getattr(manager, name), traced, instance, args, kwargs))


def _reuse(instance: Any, response: object) -> None:
    stream = _HANDED.pop(response, None)
    if stream is not None:
        instance._raw_stream = stream


def rebuilt_stream(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps ``MessageStream.__init__`` of SDKs where it takes the ``response`` (0.40 does) and makes a stream of
    its own over it: it reads the traced stream handed back for that response instead, which reads the same bytes.
    """
    wrapped(*args, **kwargs)
    response = kwargs.get("response")
    if response is not None:
        guarded(_reuse, instance, response)


def stream_helper(setup: Setup) -> Wrapper:
    """Wraps ``messages.stream()``: the manager it returns sends a traced request when its block is entered."""
    return _helper(setup, sync_method(setup, STREAMED_MESSAGES), _trace_request)


def async_stream_helper(setup: Setup) -> Wrapper:
    """`stream_helper` for ``AsyncMessages.stream()``, whose manager holds an awaitable request."""
    return _helper(setup, async_method(setup, STREAMED_MESSAGES), _trace_async_request)


def _helper(
    setup: Setup, traced: Wrapper, trace: Callable[[object, Wrapper, Any, tuple[Any, ...], dict[str, Any]], None]
) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        manager = wrapped(*args, **kwargs)
        # Another tracer of stream() shows on this method, not on the request the manager sends later.
        if setup.telemetry.active and not setup.adapter.traced_elsewhere(instance, wrapped):
            guarded(trace, manager, traced, instance, args, kwargs)
        return manager

    return wrapper
