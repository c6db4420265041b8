"""A Messages API ``usage`` object -> `Usage`, and a Message's response attributes, as the SDK's own spans say them.

Anthropic's raw ``input_tokens`` leaves out cache reads and writes; the conventions (and the SDK's own spans)
count them inside ``gen_ai.usage.input_tokens``. A `Usage` keeps every token in one bucket: plain input,
cache reads, 5-minute and 1-hour cache writes; thinking tokens (reported on newer APIs as
``output_tokens_details.thinking_tokens``) are inside ``output_tokens`` and are priced as output. Server tools
are counted per request (``server_tool_use.web_search_requests``).
"""

from __future__ import annotations

from typing import Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import count, field, text

__all__ = ["message_attributes", "message_usage"]

_WEB_SEARCH: Final = "web_search"


def message_usage(usage: object) -> Usage | None:
    """The `Usage` of a Message's ``usage`` (or a merged stream usage mapping); None when it has no input count."""
    if field(usage, "input_tokens") is None:
        return None
    cache_write = count(usage, "cache_creation_input_tokens")
    split = field(usage, "cache_creation")
    cache_write_1h = min(count(split, "ephemeral_1h_input_tokens"), cache_write)
    output = count(usage, "output_tokens")
    thinking = min(count(field(usage, "output_tokens_details"), "thinking_tokens"), output)
    searches = count(field(usage, "server_tool_use"), "web_search_requests")
    return Usage(
        input=count(usage, "input_tokens"),
        cache_read=count(usage, "cache_read_input_tokens"),
        cache_write=cache_write - cache_write_1h,
        cache_write_1h=cache_write_1h,
        output=output - thinking,
        reasoning=thinking,
        requests=((_WEB_SEARCH, searches),) if searches else (),
    )


def message_attributes(message: object, usage: object, attributes: Attributes) -> None:
    """The response attributes of a Message (or a stream's accumulated one) into ``attributes``.

    The 5-minute part of the cache writes and the service tier are written under the names the SDK's own spans
    use; `usage_attributes` writes the totals and the 1-hour part.
    """
    response_id = text(field(message, "id"))
    if response_id is not None:
        attributes[a.GEN_AI_RESPONSE_ID] = response_id
    model = text(field(message, "model"))
    if model is not None:
        attributes[a.GEN_AI_RESPONSE_MODEL] = model
    reason = text(field(message, "stop_reason"))
    if reason is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [reason]
    five_minutes = count(field(usage, "cache_creation"), "ephemeral_5m_input_tokens")
    if five_minutes:
        attributes[a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_5M_INPUT_TOKENS] = five_minutes
    tier = text(field(usage, "service_tier"))
    if tier is not None:
        attributes[a.ANTHROPIC_RESPONSE_SERVICE_TIER] = tier
