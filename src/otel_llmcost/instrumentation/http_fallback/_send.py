"""The fallback's wrappers of ``httpx``/``httpx2`` ``Client.send`` and ``requests`` ``Session.send``.

A request to a host that is no known LLM API (`Hosts`) passes through after a dictionary look-up. A billed call
(`route_of` its path) that no one traces yet gets a CLIENT span, current while the request is sent (the HTTP
client's own span, if it is instrumented, is its child). The body the caller reads is never read for them: a
whole response is read from what the client has read already; a streamed one is seen as it passes, through a
stream put in the place of the response's own (``httpx``'s ``Response.stream``, ``requests``' ``Response.raw``),
which ends the call when it is exhausted or closed.

Nobody traces the call yet when no SDK call of ours is in flight (`call_in_flight`) and the current span is no
model call's (an SDK instrumentor's, or an SDK's native one, says ``gen_ai.operation.name`` ``chat``,
``text_completion``, ``generate_content`` or ``embeddings``, or only ``gen_ai.system``; OpenInference's says
``openinference.span.kind`` ``LLM`` or ``EMBEDDING``), or it has ended. An agent's or a workflow's span around
the call does not count: the call is still untraced.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from time import time_ns
from typing import Any, Final
from urllib.parse import urlsplit

from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from ... import _attributes as a
from ...usage import Usage
from .._genai import Invocation, Telemetry
from .._guard import guarded
from .._wrap import call_in_flight
from ._formats import EventStream, Reading, Route, Stream, model_in, read_body, route_of
from ._hosts import Hosts
from ._services import SERVICE_PROVIDERS, ServiceFormat, once, read_service, service_route

__all__ = ["Fallback", "HTTPStatusError", "async_httpx_send", "httpx_send", "requests_send"]

_EVENT_STREAM: Final = "text/event-stream"
_AWS_EVENT_STREAM: Final = "application/vnd.amazon.eventstream"
_OP = a.GenAiOperationNameValues
# The operations of one model call: an agent's or a workflow's span may be current around calls of its own.
_CALLS: Final = frozenset({_OP.CHAT, _OP.TEXT_COMPLETION, _OP.GENERATE_CONTENT, _OP.EMBEDDINGS})
_OPENINFERENCE_CALLS: Final = frozenset({a.OpeninferenceSpanKindValues.LLM, a.OpeninferenceSpanKindValues.EMBEDDING})
# The context key OpenLLMetry's instrumentors set while they trace a model call under a span they do not make
# current (their LiteLLM one's ``litellm.chat``): a language-model span is being recorded around this request.
_OPENLLMETRY_SUPPRESS: Final = "suppress_language_model_instrumentation"
# The paths of a streamed call that its body does not mark with ``"stream": true`` (Gemini's, Bedrock's).
_STREAM_PATHS: Final = (":streamGenerateContent", "-stream")
_DECODERS: Final[dict[str, Callable[[], Any]]] = {
    "gzip": lambda: zlib.decompressobj(zlib.MAX_WBITS | 16),
    "deflate": lambda: zlib.decompressobj(),
}


class HTTPStatusError(Exception):
    """The ``error.type`` of a call the API answered with an error status: the status code."""


class Fallback:
    """What the wrappers share: the instrumentor's telemetry and the hosts it knows."""

    __slots__ = ("hosts", "telemetry")

    def __init__(self, telemetry: Telemetry, hosts: Hosts) -> None:
        self.telemetry = telemetry
        self.hosts = hosts

    def begin(
        self, host: str, port: int | None, path: str, body: Callable[[], bytes], method: str = "POST", query: str = ""
    ) -> _Call | None:
        """The call of a request to ``host``/``path``, or `None` when the fallback leaves it alone."""
        provider = self.hosts.provider(host, port)
        if provider is None:
            return None
        service = provider in SERVICE_PROVIDERS
        route = service_route(provider, method, path, query, body) if service else route_of(path)
        if route is None or not self.telemetry.active or call_in_flight() is not None:
            return None
        if not is_instrumentation_enabled() or _traced(trace.get_current_span()):
            return None
        if service:
            model, streams = route.model, False
        else:
            model, streams = model_in(json.loads(body() or b"null"))
            model = model or route.model
            if not streams and not path.endswith(_STREAM_PATHS) and context.get_value(_OPENLLMETRY_SUPPRESS):
                # OpenLLMetry's span around this call gets the whole response's usage: it is the call's span.
                # Streams keep ours: LiteLLM hands theirs no usage unless asked (the processor marks the
                # second of two priced spans of one response id as its duplicate).
                return None
        server = (host, port) if port is not None else None
        if route.late:
            return _Call(_Late(self.telemetry, route.operation, provider, model, server), route, streams)
        invocation = self.telemetry.start(route.operation, provider, model, {}, server)
        return _Call(invocation, route, streams)


class _Late:
    """The invocation of a call whose response says whether it is billed (a polled AssemblyAI transcript, a Pinecone
    write): its span starts, dated when the request was sent, only when the response brings a usage, once per
    response id."""

    __slots__ = ("_model", "_operation", "_provider", "_server", "_started", "_telemetry", "ended")

    span = trace.INVALID_SPAN

    def __init__(
        self, telemetry: Telemetry, operation: str, provider: str, model: str | None, server: tuple[str, int] | None
    ) -> None:
        self._telemetry = telemetry
        self._model = model
        self._operation = operation
        self._provider = provider
        self._server = server
        self._started = time_ns()
        self.ended = False

    def chunk(self) -> None:
        pass

    def end(
        self,
        attributes: Mapping[str, str | float] | None = None,
        usage: Usage | None = None,
        *,
        error: BaseException | None = None,
        error_type: str | None = None,
    ) -> None:
        ended, self.ended = self.ended, True
        if ended or usage is None or error is not None:
            return  # ended already; or a poll of a transcript still in progress, or a failed call: nothing billed
        found = (attributes or {}).get(a.GEN_AI_RESPONSE_ID)
        if isinstance(found, str) and not once(found):
            return
        invocation = self._telemetry.start(
            self._operation, self._provider, self._model, {}, self._server, start_time=self._started
        )
        invocation.end(attributes, usage)


def _traced(span: object) -> bool:
    """Whether ``span`` is one model call's, still open: the conventions' (or their older ``gen_ai.system``
    alone), or OpenInference's.

    A span that has ended covers no call made now, though it may still be current: an instrumentor that makes
    its span current until the stream it returns ends leaves it so when that stream is never finished (the
    official openai-v2 instrumentation's under OpenLLMetry's, which does not hand its stream on). Every call
    after it in that thread would go untraced.
    """
    attributes: Any = getattr(span, "attributes", None)
    if not attributes or getattr(span, "end_time", None) is not None:
        return False
    operation = attributes.get(a.GEN_AI_OPERATION_NAME)
    if operation is not None:
        return operation in _CALLS
    return a.GEN_AI_SYSTEM in attributes or attributes.get(a.OPENINFERENCE_SPAN_KIND) in _OPENINFERENCE_CALLS


class _Call:
    """One billed call: its invocation, made current while the request is sent."""

    __slots__ = ("_decoder", "_stream", "_token", "invocation", "route", "streams")

    def __init__(self, invocation: Invocation | _Late, route: Route, streams: bool) -> None:
        self.invocation = invocation
        self.route = route
        self.streams = streams
        self._token = None if route.late else context.attach(trace.set_span_in_context(invocation.span))
        self._stream: Stream | EventStream | list[bytes] | None = None
        self._decoder: Any = None

    def sent(self) -> None:
        if self._token is not None:
            context.detach(self._token)

    def failed(self, error: BaseException) -> None:
        self.invocation.end(error=error)

    def status(self, code: int) -> bool:
        """Whether the API answered with success; else the call ends with the status as its error."""
        if code < 400:
            return True
        self.invocation.end(error=HTTPStatusError(f"HTTP {code}"), error_type=str(code))
        return False

    def _events(self, content_type: str) -> Stream | EventStream | None:
        """The reader of a body of events (server-sent, or AWS's event stream), or `None` for a whole one."""
        if content_type.startswith(_EVENT_STREAM):
            return Stream(self.route.format)
        if content_type.startswith(_AWS_EVENT_STREAM):
            return EventStream(self.route.format)
        return None

    def whole(self, content_type: str, content: bytes) -> None:
        service = self.route.format >= ServiceFormat.DEEPGRAM
        stream = None if service else self._events(content_type)
        if service:
            self._end(Reading(*read_service(self.route, content)))
        elif stream is not None:
            stream.piece(content)
            self._end(stream.reading())
        else:
            self._end(read_body(self.route.format, content))

    def streamed(self, content_type: str, encoding: str) -> None:
        """The body will be seen as the caller reads it (``encoding``: its content coding, read here)."""
        route = self.route
        if route.usage is not None:
            return  # billed by what the request said: the body (audio, an image) is not kept
        service = route.format >= ServiceFormat.DEEPGRAM
        self._stream = (None if service else self._events(content_type)) or []
        if encoding and encoding != "identity":
            decoder = _DECODERS.get(encoding)
            self._decoder = decoder() if decoder is not None else False

    def piece(self, data: bytes) -> None:
        if self.invocation.ended or self._decoder is False:
            return
        if self._decoder is not None:
            data = self._decoder.decompress(data)
        self.invocation.chunk()
        if isinstance(self._stream, list):
            self._stream.append(data)
        elif self._stream is not None:
            self._stream.piece(data)

    def end(self) -> None:
        if self.invocation.ended:
            return
        stream = self._stream
        if self.route.usage is not None:
            self._end(Reading({}, self.route.usage))
        elif isinstance(stream, (Stream, EventStream)):
            self._end(stream.reading())
        elif stream and self._decoder is not False and self.route.format >= ServiceFormat.DEEPGRAM:
            self._end(Reading(*read_service(self.route, b"".join(stream))))
        elif stream and self._decoder is not False:
            self._end(read_body(self.route.format, b"".join(stream)))
        else:
            self.invocation.end()

    def _end(self, reading: Reading) -> None:
        self.invocation.end(reading.attributes, reading.usage)


def _ended(call: _Call) -> None:
    if not call.invocation.ended:
        guarded(call.end)
        call.invocation.end()  # whatever failed in reading, the span ends


# ----- the wrappers of send(), of every client -----

Begin = Callable[[Fallback, tuple[Any, ...], dict[str, Any]], "_Call | None"]
Read = Callable[[_Call, Any, bool], None]


def _raised(call: _Call, error: BaseException) -> None:
    call.sent()
    guarded(call.failed, error)


def _answered(call: _Call, response: Any, stream: bool, read: Read) -> Any:
    """The client returned ``response``: ``read`` reads its status and body, or puts a tee in its stream's place;
    the call ends now unless the caller reads its body later. Returns ``response``, for the caller to return."""
    call.sent()
    guarded(read, call, response, stream)
    if not stream:
        _ended(call)
    return response


def _sync_send(fallback: Fallback, begin: Begin, read: Read) -> Callable[..., Any]:
    """The wrapper of a client's synchronous ``send``; ``async_httpx_send`` is its twin."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = guarded(begin, fallback, args, kwargs)
        if call is None:
            return wrapped(*args, **kwargs)
        try:
            response = wrapped(*args, **kwargs)
        except BaseException as error:
            _raised(call, error)
            raise
        return _answered(call, response, kwargs.get("stream") is True, read)

    return wrapper


# ----- httpx and httpx2 -----


def _httpx_begin(fallback: Fallback, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Call | None:
    request = args[0] if args else kwargs["request"]
    url = request.url
    host = url.host
    port = url.port or _default_port(url.scheme)
    if fallback.hosts.provider(host, port) is None:  # most requests end here
        return None
    query = url.query.decode() if isinstance(url.query, bytes) else str(url.query)
    return fallback.begin(host, port, url.path, lambda: request.content, request.method, query)


def _default_port(scheme: str) -> int | None:
    return 443 if scheme == "https" else 80 if scheme == "http" else None


def _httpx_response(call: _Call, response: Any, stream: bool, tee: Callable[[Any, _Call], Any]) -> None:
    if not call.status(response.status_code):
        return
    headers = response.headers
    content_type = str(headers.get("content-type", ""))
    content = getattr(response, "_content", None)  # a body built from bytes (a mock's) is read already
    if not stream or isinstance(content, bytes):
        call.whole(content_type, response.content)
        return
    call.streamed(content_type, str(headers.get("content-encoding", "")).lower())
    response.stream = tee(response.stream, call)


class _Teeing:
    """What a response's stream and its async twin share: the stream they read and the call that sees it."""

    def __init__(self, stream: Any, call: _Call) -> None:
        self._stream = stream
        self._call = call


def httpx_send(fallback: Fallback, module: Any) -> Callable[..., Any]:
    """The wrapper of ``module.Client.send`` (``module`` is ``httpx`` or ``httpx2``)."""

    class Tee(_Teeing, module.SyncByteStream):
        """The response's stream, seen by the call as the caller reads it."""

        def __iter__(self) -> Iterator[bytes]:
            call = self._call
            for chunk in self._stream:
                guarded(call.piece, chunk)
                yield chunk
            _ended(call)

        def close(self) -> None:
            try:
                self._stream.close()
            finally:
                _ended(self._call)

    return _sync_send(fallback, _httpx_begin, partial(_httpx_response, tee=Tee))


def async_httpx_send(fallback: Fallback, module: Any) -> Callable[..., Any]:
    """The wrapper of ``module.AsyncClient.send``."""

    class AsyncTee(_Teeing, module.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            call = self._call
            async for chunk in self._stream:
                guarded(call.piece, chunk)
                yield chunk
            _ended(call)

        async def aclose(self) -> None:
            try:
                await self._stream.aclose()
            finally:
                _ended(self._call)

    begin, read = _httpx_begin, partial(_httpx_response, tee=AsyncTee)

    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        call = guarded(begin, fallback, args, kwargs)
        if call is None:
            return await wrapped(*args, **kwargs)
        try:
            response = await wrapped(*args, **kwargs)
        except BaseException as error:
            _raised(call, error)
            raise
        return _answered(call, response, kwargs.get("stream") is True, read)

    return wrapper


# ----- requests -----


class _RawTee:
    """A ``requests`` response's ``raw`` (urllib3's), whose decoded bytes the call sees as the caller reads them."""

    def __init__(self, raw: Any, call: _Call) -> None:
        self._raw = raw
        self._call = call

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        call = self._call
        for chunk in self._raw.stream(*args, **kwargs):
            guarded(call.piece, chunk)
            yield chunk
        _ended(call)

    def read(self, *args: Any, **kwargs: Any) -> Any:
        data = self._raw.read(*args, **kwargs)
        if data:
            guarded(self._call.piece, data)
        else:
            _ended(self._call)
        return data

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            _ended(self._call)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _requests_begin(fallback: Fallback, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Call | None:
    request = args[0] if args else kwargs["request"]
    parts = urlsplit(str(request.url))
    port = parts.port or _default_port(parts.scheme)
    body: Any = request.body
    method = str(request.method or "GET").upper()
    return fallback.begin(parts.hostname or "", port, parts.path, lambda: _as_bytes(body), method, parts.query)


def _as_bytes(body: object) -> bytes:
    return body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""


def _requests_response(call: _Call, response: Any, stream: bool) -> None:
    if not call.status(response.status_code):
        return
    content_type = str(response.headers.get("content-type", ""))
    if not stream:
        call.whole(content_type, response.content)
        return
    call.streamed(content_type, "")  # urllib3 decodes what requests reads
    response.raw = _RawTee(response.raw, call)


def requests_send(fallback: Fallback) -> Callable[..., Any]:
    """The wrapper of ``requests.Session.send``."""

    return _sync_send(fallback, _requests_begin, _requests_response)
