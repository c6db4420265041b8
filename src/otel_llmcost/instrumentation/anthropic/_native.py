"""What the SDK's own spans miss, filled in without a span of ours: the output of a stream left early.

Recent anthropic SDKs (1.17, 2.x) trace their calls themselves (``anthropic.messages.create`` spans, priced by
`CostSpanProcessor`). Their ``StreamedMessage`` records a streamed Message on the span as the application
reads it, and ends the span when the stream ends. A stream left before ``message_delta`` (``break``,
``close()``, a dropped stream, a server that cut it) gets the input usage of ``message_start`` and no output
count: priced as it is, the call would cost its input only. So ``StreamedMessage.item`` is observed (the
events are added up in a `Tally`, nothing else), and before ``StreamedMessage.end`` ends such a span, the
tokens streamed so far are counted and put on it as ``gen_ai.usage.output_tokens`` with
``llmcost.usage.status`` ``estimated`` (``partial`` when no tiktoken encoding is at hand). A complete stream's
span is left exactly as the SDK made it.

The SDK's spans also leave out server-side web searches, billed per search: the count of searches goes on the
span as ``llmcost.usage.web_search_calls``, from the Message its ``record_messages_create`` records (a plain
call), or from the stream's events (a streamed one).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ... import _attributes as a
from .._guard import guarded
from .._read import count, field
from .._surface import Setup
from .._wrap import Wrapper
from ._events import Tally

__all__ = ["NATIVE_CALL", "NATIVE_STREAM", "record_messages_create", "streamed_message_end", "streamed_message_item"]

NATIVE_STREAM = "anthropic.lib._tracing._streaming"
"""The SDK module whose ``StreamedMessage`` records a stream on the SDK's own span."""

NATIVE_CALL = "anthropic.lib._tracing._api_call"
"""The SDK module that records a plain Message on the SDK's own span."""

_S = a.LlmcostUsageStatusValues
_TALLIES: weakref.WeakKeyDictionary[object, Tally] = weakref.WeakKeyDictionary()


def _add(instance: object, event: object) -> None:
    tally = _TALLIES.get(instance)
    if tally is None:
        tally = _TALLIES[instance] = Tally()
    tally.add(event)


def _fill(instance: object) -> None:
    """Puts the estimated output on the span of a stream that ended before ``message_delta``."""
    tally = _TALLIES.pop(instance, None)
    if tally is None or not tally.started:
        return
    span: Any = getattr(instance, "_span", None)
    if span is None or not span.is_recording():
        return
    _searches(span, tally.usage)
    if tally.complete:
        return
    estimate = tally.estimated_output()
    if estimate is None:
        span.set_attribute(a.LLMCOST_USAGE_STATUS, _S.PARTIAL)
        return
    span.set_attributes({a.GEN_AI_USAGE_OUTPUT_TOKENS: estimate, a.LLMCOST_USAGE_STATUS: _S.ESTIMATED})


def streamed_message_item(setup: Setup) -> Wrapper:
    """Wraps ``StreamedMessage.item``: each event the application reads is added up."""
    telemetry = setup.telemetry

    def item(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = wrapped(*args, **kwargs)
        if telemetry.active and args:
            guarded(_add, instance, args[0])
        return result

    return item


def streamed_message_end(setup: Setup) -> Wrapper:
    """Wraps ``StreamedMessage.end``: a stream that ended early gets its output counted before its span ends."""
    telemetry = setup.telemetry

    def end(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if telemetry.active:
            guarded(_fill, instance)
        return wrapped(*args, **kwargs)

    return end


def _searches(span: Any, usage: object) -> None:
    searches = count(field(usage, "server_tool_use"), "web_search_requests")
    if searches and span.is_recording():
        span.set_attribute(a.LLMCOST_USAGE_WEB_SEARCH_CALLS, searches)


def record_messages_create(setup: Setup) -> Wrapper:
    """Wraps the SDK's ``record_messages_create(client, span, result, returns)``: a plain call's span also gets
    the Message's web searches (a streamed call's come from its events, in `streamed_message_end`)."""
    telemetry = setup.telemetry

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        observer = wrapped(*args, **kwargs)
        if telemetry.active and len(args) >= 3:
            guarded(_searches, args[1], field(field(args[2], "data"), "usage"))
        return observer

    return wrapper
