"""Message Batches: each succeeded result is a call, priced at the batch rate when the application reads it.

``messages.batches.results()`` hands back a JSON Lines decoder; the calls it reports ran inside Anthropic long
before, so they get no span while the batch runs. As the application reads each line, a result that succeeded
gets a ``chat {model}`` span of its own, ended at once, with the Message's usage and ``llmcost.request.batch``
(the batch price variant). Errored, cancelled and expired results cost nothing and get no span. This is done
whether or not the SDK traces itself: its own spans of the results download carry no usage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ... import _attributes as a
from .._genai import Attributes
from .._guard import guarded
from .._read import field, text
from .._stream import traced_stream
from .._surface import Setup
from .._wrap import Wrapper
from ._usage import message_attributes, message_usage

__all__ = ["async_batch_results", "batch_results"]

_SUCCEEDED: Final = "succeeded"
_CHAT: Final = a.GenAiOperationNameValues.CHAT


class _Results:
    """Stream hooks of a results decoder: a span per succeeded result, as it is read."""

    __slots__ = ("_instance", "_setup")

    def __init__(self, setup: Setup, instance: Any) -> None:
        self._setup = setup
        self._instance = instance

    def chunk(self, chunk: object) -> None:
        result = field(chunk, "result")
        if field(result, "type") != _SUCCEEDED or not self._setup.telemetry.active:
            return
        message = field(result, "message")
        usage = field(message, "usage")
        endpoint = self._setup.adapter.endpoint(self._instance)
        server = (endpoint.address, endpoint.port) if endpoint.address and endpoint.port else None
        start: Attributes = {a.LLMCOST_REQUEST_BATCH: True}
        invocation = self._setup.telemetry.start(_CHAT, endpoint.provider, text(field(message, "model")), start, server)
        attributes: Attributes = {}
        message_attributes(message, usage, attributes)
        invocation.end(attributes, message_usage(usage))

    def end(self) -> None:
        pass

    def error(self, error: BaseException) -> None:
        pass


def _traced(setup: Setup, instance: Any, decoder: object) -> object:
    return traced_stream(decoder, _Results(setup, instance))


def batch_results(setup: Setup) -> Wrapper:
    """Wraps ``Batches.results``: the decoder it returns makes a span of each succeeded result read."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        decoder = wrapped(*args, **kwargs)
        if not setup.telemetry.active:
            return decoder
        traced = guarded(_traced, setup, instance, decoder)
        return decoder if traced is None else traced

    return wrapper


def async_batch_results(setup: Setup) -> Wrapper:
    """`batch_results` for ``AsyncBatches.results``, a coroutine."""
    inner = batch_results(setup)

    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        decoder = await wrapped(*args, **kwargs)
        return inner(lambda *_, **__: decoder, instance, (), {})

    return wrapper
