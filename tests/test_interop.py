"""Spans from third-party instrumentations, priced by `CostSpanProcessor`.

The real instrumentation packages wrap the real SDK clients, which talk to a fake transport that replays
recorded responses (``recordings/openai``: ``<name>.json`` holds the status, headers and JSON body; a
stream's body is ``<name>.sse``). The processor is not told who wrote a span: it has to read each
instrumentor's own attribute names.

- the official OpenTelemetry instrumentation, ``opentelemetry-instrumentation-genai-openai`` (``official``: it continues
  ``opentelemetry-instrumentation-openai-v2``);
- OpenLLMetry, ``opentelemetry-instrumentation-openai`` and ``-anthropic`` (``openllmetry``);
- OpenInference, ``openinference-instrumentation-openai`` (``openinference``).

Expected costs are worked out by hand from the published prices, in US dollars per million tokens:
gpt-4o-mini input 0.15, cached input 0.075, output 0.60; text-embedding-3-small 0.02; Claude Sonnet 4.5
input 3, output 15.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anthropic
import httpx2
import openai
import pytest
import wrapt
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor
from opentelemetry.sdk.trace import ReadableSpan

from metrics_support import cost_points
from replay import Replay, recorded

if TYPE_CHECKING:
    from conftest import Tracing

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]

V2 = "official"
OPENLLMETRY = "openllmetry"
OPENINFERENCE = "openinference"
WRAPPER_MODULES = {
    V2: "opentelemetry.instrumentation.genai.openai.",
    OPENLLMETRY: "opentelemetry.instrumentation.openai.",
    OPENINFERENCE: "openinference.instrumentation.openai.",
}

# chat_gpt_4o_mini and chat_gpt_4o_mini_stream: prompt_tokens 1,000 of which cached_tokens 400,
# completion_tokens 200 of which reasoning_tokens 0.
#   input         600 x $0.15  / 1M = $0.00009
#   cached input  400 x $0.075 / 1M = $0.00003
#   output        200 x $0.60  / 1M = $0.00012
#   total                             $0.00024
CHAT_WITH_CACHE = Decimal("0.00024")
CHAT_ENTRY = "openai/gpt-4o-mini"

# embeddings_text_embedding_3_small: prompt_tokens 8.
#   input  8 x $0.02 / 1M = $0.00000016
EMBEDDINGS = Decimal("0.00000016")
EMBEDDINGS_ENTRY = "openai/text-embedding-3-small"

# What each instrumentor writes about the usage of chat_gpt_4o_mini (its own names, left as they were),
# and what those attributes imply.
CHAT_USAGE: dict[str, tuple[dict[str, Any], Decimal]] = {
    # Since 1.3 the chat wrapper reads prompt_tokens_details too (openai-v2 2.4 left the 400 cached tokens out,
    # and they were priced at the full input rate).
    V2: (
        {
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.cache_read.input_tokens": 400,
            "gen_ai.usage.output_tokens": 200,
        },
        CHAT_WITH_CACHE,
    ),
    OPENLLMETRY: (
        {
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.cache_read.input_tokens": 400,
            "gen_ai.usage.output_tokens": 200,
            "gen_ai.usage.reasoning_tokens": 0,
            "gen_ai.usage.total_tokens": 1200,
        },
        CHAT_WITH_CACHE,
    ),
    OPENINFERENCE: (
        {
            "llm.token_count.prompt": 1000,
            "llm.token_count.prompt_details.cache_read": 400,
            "llm.token_count.prompt_details.audio": 0,
            "llm.token_count.completion": 200,
            "llm.token_count.completion_details.reasoning": 0,
            "llm.token_count.completion_details.audio": 0,
            "llm.token_count.total": 1200,
        },
        CHAT_WITH_CACHE,
    ),
}

# OpenLLMetry's openai package declares a pydantic model with a class-based `config` when its Responses API
# wrappers are imported, which pydantic 2 warns about; it is not ours to fix.
openllmetry_import_warning = pytest.mark.filterwarnings(
    "ignore:Support for class-based `config` is deprecated:pydantic.warnings.PydanticDeprecatedSince20"
)
# The Anthropic SDK warns that claude-sonnet-4-5 reaches end of life on 2026-11-30; its prices are still the ones
# under test.
sonnet_deprecation_warning = pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5:DeprecationWarning")


def openai_instrumentor(name: str) -> BaseInstrumentor:
    """The OpenAI instrumentor of ``name``, imported only when a test asks for it (one warns on import)."""
    if name == V2:
        from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor as V2Instrumentor

        return V2Instrumentor()
    if name == OPENLLMETRY:
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetryInstrumentor

        return OpenLLMetryInstrumentor()
    from openinference.instrumentation.openai import OpenAIInstrumentor as OpenInferenceInstrumentor

    return OpenInferenceInstrumentor()


def leftover_wrappers(wrapper_module: str) -> list[tuple[type, str, wrapt.FunctionWrapper]]:
    """The wrappers from ``wrapper_module`` still on the openai SDK's classes."""
    found: list[tuple[type, str, wrapt.FunctionWrapper]] = []
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("openai."):
            continue
        for cls in list(vars(module).values()):
            if not isinstance(cls, type) or cls.__module__ != module_name:
                continue
            for attribute, value in vars(cls).items():
                if isinstance(value, (wrapt.FunctionWrapper, wrapt.BoundFunctionWrapper)) and getattr(
                    value._self_wrapper, "__module__", ""
                ).startswith(wrapper_module):
                    found.append((cls, attribute, value))
    return found


@contextmanager
def openai_instrumentors(tracing: Tracing, *names: str) -> Iterator[tuple[str, ...]]:
    """The instrumentors of ``names``, applied in order on ``tracing``, and removed (in reverse) after."""
    instrumentors = [openai_instrumentor(name) for name in names]
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    yield names
    for name, instrumentor in zip(reversed(names), reversed(instrumentors), strict=True):
        instrumentor.uninstrument()
        left = leftover_wrappers(WRAPPER_MODULES[name])
        if name == OPENLLMETRY:
            # OpenLLMetry's uninstrument() unwraps nothing on the openai SDK: it calls
            # unwrap("openai.resources.chat.completions", "Completions.create"), and that helper takes a dotted
            # attribute for a missing one. Take its wrappers off here, or they trace into the next test.
            for cls, attribute, wrapper in left:
                setattr(cls, attribute, wrapper.__wrapped__)
        else:
            assert left == []


@pytest.fixture
def instrumented(request: pytest.FixtureRequest, tracing: Tracing) -> Iterator[tuple[str, ...]]:
    """The instrumentors named by the test's parameter (one name or several, in order), on ``tracing``."""
    names: tuple[str, ...] = request.param if isinstance(request.param, tuple) else (request.param,)
    with openai_instrumentors(tracing, *names):
        yield names


@contextmanager
def our_instrumentor(tracing: Tracing) -> Iterator[None]:
    """This package's OpenAI instrumentor, on ``tracing``."""
    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    yield
    instrumentor.uninstrument()


def openai_client(replay: Replay) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )


def chat(replay: Replay) -> openai.types.chat.ChatCompletion:
    return openai_client(replay).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]


def chat_stream(replay: Replay) -> int:
    """Reads a streamed chat completion to its end; the number of chunks the caller got."""
    stream = openai_client(replay).chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    return sum(1 for _ in stream)


def usage_attributes(span: ReadableSpan) -> dict[str, Any]:
    """The token counts an instrumentor wrote, under whichever names it uses."""
    return {
        key: value
        for key, value in (span.attributes or {}).items()
        if key.startswith(("gen_ai.usage.", "llm.token_count.")) and not key.startswith("gen_ai.usage.cost")
    }


def assert_priced(span: ReadableSpan, usd: Decimal, entry: str) -> None:
    attributes = span.attributes or {}
    assert attributes["llmcost.status"] == "priced"
    assert attributes["gen_ai.usage.cost.amount"] == float(usd)
    assert type(attributes["gen_ai.usage.cost.amount"]) is float
    assert attributes["gen_ai.usage.cost.currency"] == "USD"
    assert attributes["llmcost.price.entry"] == entry


def cost_total(tracing: Tracing) -> float:
    """The sum of the ``llmcost.cost`` counter over all its points."""
    return sum(point.value for point in cost_points(tracing.metric_reader))


@openllmetry_import_warning
@pytest.mark.parametrize("instrumented", [V2, OPENLLMETRY, OPENINFERENCE], indirect=True)
def test_a_chat_completion_is_priced_from_the_instrumentors_own_usage_attributes(
    tracing: Tracing, instrumented: tuple[str, ...]
) -> None:
    (name,) = instrumented
    replay = Replay(recorded("openai", "chat_gpt_4o_mini"))
    completion = chat(replay)
    assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    (span,) = tracing.exporter.get_finished_spans()
    usage, usd = CHAT_USAGE[name]
    assert usage_attributes(span) == usage
    assert_priced(span, usd, CHAT_ENTRY)
    assert span.attributes is not None
    assert span.attributes["llmcost.price.model"] == "gpt-4o-mini-2024-07-18"
    assert cost_total(tracing) == pytest.approx(float(usd), rel=1e-12)


@openllmetry_import_warning
@pytest.mark.parametrize("instrumented", [V2, OPENLLMETRY, OPENINFERENCE], indirect=True)
def test_a_streamed_chat_completion_is_priced_from_its_usage_chunk(
    tracing: Tracing, instrumented: tuple[str, ...]
) -> None:
    # All three read the final chunk that stream_options={"include_usage": True} asks for, with the same
    # attributes as for a plain response, except that OpenLLMetry leaves out the reasoning tokens of a stream.
    (name,) = instrumented
    replay = Replay(recorded("openai", "chat_gpt_4o_mini_stream"))
    assert chat_stream(replay) == 71
    assert json.loads(replay.requests[0].content)["stream_options"] == {"include_usage": True}
    (span,) = tracing.exporter.get_finished_spans()
    usage, usd = CHAT_USAGE[name]
    if name == OPENLLMETRY:
        usage = {key: value for key, value in usage.items() if key != "gen_ai.usage.reasoning_tokens"}
    assert usage_attributes(span) == usage
    assert_priced(span, usd, CHAT_ENTRY)


@openllmetry_import_warning
@pytest.mark.parametrize(
    ("instrumented", "usage"),
    [
        pytest.param(V2, {"gen_ai.usage.input_tokens": 8}, id=V2),
        pytest.param(
            OPENLLMETRY,
            {
                "gen_ai.usage.input_tokens": 8,
                "gen_ai.usage.cache_read.input_tokens": 0,
                "gen_ai.usage.total_tokens": 8,
            },
            id=OPENLLMETRY,
        ),
        pytest.param(
            OPENINFERENCE,
            {"llm.token_count.prompt": 8, "llm.token_count.total": 8},
            id=OPENINFERENCE,  # the model comes from embedding.model_name
        ),
    ],
    indirect=["instrumented"],
)
def test_an_embeddings_call_is_priced(
    tracing: Tracing, instrumented: tuple[str, ...], usage: Mapping[str, Any]
) -> None:
    replay = Replay(recorded("openai", "embeddings_text_embedding_3_small"))
    result = openai_client(replay).embeddings.create(model="text-embedding-3-small", input=MESSAGES[0]["content"])
    assert len(result.data[0].embedding) == 1536
    (span,) = tracing.exporter.get_finished_spans()
    assert usage_attributes(span) == usage
    assert_priced(span, EMBEDDINGS, EMBEDDINGS_ENTRY)


@openllmetry_import_warning
@pytest.mark.parametrize(
    ("instrumented", "stream", "priced", "usd", "other"),
    [
        # The instrumentor applied last wraps outermost, so its span ends last: the inner one is priced.
        pytest.param((V2, OPENLLMETRY), False, "chat gpt-4o-mini", CHAT_WITH_CACHE, "duplicate", id="official-inside"),
        pytest.param((OPENLLMETRY, V2), False, "openai.chat", CHAT_WITH_CACHE, "duplicate", id="openllmetry-inside"),
        pytest.param(
            (OPENLLMETRY, V2), True, "openai.chat", CHAT_WITH_CACHE, "duplicate", id="openllmetry-inside-stream"
        ),
        # OpenLLMetry reads the official wrapper's stream proxy as a stream (it did not with openai-v2 2.4, and
        # ended its span unpriced when create() returned): its span has the same usage, a duplicate.
        pytest.param(
            (V2, OPENLLMETRY), True, "chat gpt-4o-mini", CHAT_WITH_CACHE, "duplicate", id="official-inside-stream"
        ),
    ],
    indirect=["instrumented"],
)
def test_the_official_and_openllmetry_instrumentors_on_one_call_price_it_once(
    tracing: Tracing, instrumented: tuple[str, ...], stream: bool, priced: str, usd: Decimal, other: str
) -> None:
    if stream:
        chat_stream(Replay(recorded("openai", "chat_gpt_4o_mini_stream")))
    else:
        chat(Replay(recorded("openai", "chat_gpt_4o_mini")))
    spans = {span.name: span for span in tracing.exporter.get_finished_spans()}
    assert sorted(spans) == ["chat gpt-4o-mini", "openai.chat"]
    (other_name,) = set(spans) - {priced}
    assert_priced(spans[priced], usd, CHAT_ENTRY)
    other_attributes = spans[other_name].attributes or {}
    assert other_attributes["llmcost.status"] == other
    assert "gen_ai.usage.cost.amount" not in other_attributes
    assert cost_total(tracing) == pytest.approx(float(usd), rel=1e-12)


@pytest.fixture
def openllmetry_anthropic(tracing: Tracing) -> Iterator[BaseInstrumentor]:
    from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor

    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    yield instrumentor
    instrumentor.uninstrument()


SONNET_MESSAGE = {
    "id": "msg_01Q7rVb2XkN4mT8pLw3sYd6H",
    "type": "message",
    "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "The second charge is the prorated upgrade to the Team plan."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 1250,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 310,
        "service_tier": "standard",
    },
}
# 1,250 input and 310 output tokens.
#   input  1,250 x $3  / 1M = $0.00375
#   output   310 x $15 / 1M = $0.00465
#   total                     $0.0084
SONNET = Decimal("0.0084")


@sonnet_deprecation_warning
def test_openllmetry_around_the_anthropic_sdks_own_span_prices_the_call_once(
    tracing: Tracing, openllmetry_anthropic: BaseInstrumentor
) -> None:
    replay = Replay(httpx2.Response(200, json=SONNET_MESSAGE, headers={"request-id": "req_011CVPK9x2Lm7Qd"}))
    client = anthropic.Anthropic(
        api_key="test-no-key",
        http_client=httpx2.Client(transport=httpx2.MockTransport(replay)),
        open_telemetry={"tracer_provider": tracing.tracer_provider},
        max_retries=0,
    )
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=MESSAGES)  # type: ignore[arg-type]
    assert message.id == "msg_01Q7rVb2XkN4mT8pLw3sYd6H"
    spans = {span.name: span for span in tracing.exporter.get_finished_spans()}
    assert sorted(spans) == ["anthropic.chat", "anthropic.messages.create"]
    # OpenLLMetry's span is not the native span's parent (the two are siblings), so the second one to end is
    # caught by the response id they share.
    native, openllmetry = spans["anthropic.messages.create"], spans["anthropic.chat"]
    assert usage_attributes(openllmetry) == {
        "gen_ai.usage.input_tokens": 1250,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.cache_creation.input_tokens": 0,
        "gen_ai.usage.output_tokens": 310,
        "gen_ai.usage.total_tokens": 1560,
    }
    assert_priced(native, SONNET, "anthropic/claude-sonnet-4-5")
    duplicate = openllmetry.attributes or {}
    assert (duplicate["llmcost.status"], duplicate["llmcost.reason"]) == ("duplicate", "duplicate_response_id")
    assert "gen_ai.usage.cost.amount" not in duplicate
    assert cost_total(tracing) == pytest.approx(float(SONNET), rel=1e-12)


# The other instrumentor's span, one per call, whichever of the two wrapped the SDK last.
THEIR_CHAT_SPAN = {V2: "chat gpt-4o-mini", OPENLLMETRY: "openai.chat", OPENINFERENCE: "ChatCompletion"}
THEIR_SCOPE = {
    V2: "opentelemetry.instrumentation.genai.openai",
    OPENLLMETRY: "opentelemetry.instrumentation.openai.v1",
    OPENINFERENCE: "openinference.instrumentation.openai",
}
OUR_SCOPE = "otel_llmcost.instrumentation.openai"


@contextmanager
def both(tracing: Tracing, name: str, ours_first: bool) -> Iterator[None]:
    """Ours and the instrumentor ``name``, applied in the order asked; the SDK as it was after."""
    completions = openai.resources.chat.completions.Completions
    original = vars(completions)["create"]
    with ExitStack() as stack:
        if ours_first:
            stack.enter_context(our_instrumentor(tracing))
        stack.enter_context(openai_instrumentors(tracing, name))
        if not ours_first:
            stack.enter_context(our_instrumentor(tracing))
        yield
    assert vars(completions)["create"] is original


def scope_of(span: ReadableSpan) -> str:
    assert span.instrumentation_scope is not None
    return span.instrumentation_scope.name


@openllmetry_import_warning
@pytest.mark.parametrize("ours_first", [True, False], ids=["ours-first", "theirs-first"])
@pytest.mark.parametrize("name", [V2, OPENLLMETRY, OPENINFERENCE])
def test_beside_another_openai_instrumentor_a_call_gets_one_span_theirs_priced_once(
    tracing: Tracing, name: str, ours_first: bool
) -> None:
    with both(tracing, name, ours_first):
        chat(Replay(recorded("openai", "chat_gpt_4o_mini")))

    (span,) = tracing.exporter.get_finished_spans()
    assert span.name == THEIR_CHAT_SPAN[name]
    assert scope_of(span) == THEIR_SCOPE[name]
    _, usd = CHAT_USAGE[name]
    assert_priced(span, usd, CHAT_ENTRY)
    assert cost_total(tracing) == pytest.approx(float(usd), rel=1e-12)


# completions_gpt_3_5_turbo_instruct: prompt_tokens 13, completion_tokens 34.
#   input   13 x $1.50 / 1M = $0.0000195
#   output  34 x $2.00 / 1M = $0.000068
#   total                     $0.0000875
LEGACY_COMPLETION = Decimal("0.0000875")


@pytest.mark.parametrize("ours_first", [True, False], ids=["ours-first", "theirs-first"])
def test_a_method_the_other_instrumentor_leaves_alone_is_traced_by_ours(tracing: Tracing, ours_first: bool) -> None:
    # The official instrumentation wraps chat completions, embeddings and the Responses API, not the legacy
    # Completions API.
    with both(tracing, V2, ours_first):
        openai_client(Replay(recorded("openai", "completions_gpt_3_5_turbo_instruct"))).completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Customer: Why was I charged twice this month?\nSupport agent:"
        )

    (span,) = tracing.exporter.get_finished_spans()
    assert (span.name, scope_of(span)) == ("text_completion gpt-3.5-turbo-instruct", OUR_SCOPE)
    assert_priced(span, LEGACY_COMPLETION, "openai/gpt-3.5-turbo-instruct")


def test_ours_traces_again_once_the_other_instrumentor_is_removed(tracing: Tracing) -> None:
    body = recorded("openai", "chat_gpt_4o_mini").json()
    later = httpx2.Response(200, json={**body, "id": "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aF"})  # another call
    with our_instrumentor(tracing):
        with openai_instrumentors(tracing, V2):
            chat(Replay(recorded("openai", "chat_gpt_4o_mini")))
        chat(Replay(later))

    first, second = tracing.exporter.get_finished_spans()
    assert (scope_of(first), scope_of(second)) == (THEIR_SCOPE[V2], OUR_SCOPE)
    assert_priced(first, CHAT_WITH_CACHE, CHAT_ENTRY)
    assert_priced(second, CHAT_WITH_CACHE, CHAT_ENTRY)


def test_a_wrapper_that_is_not_a_genai_tracer_leaves_ours_tracing(tracing: Tracing) -> None:
    calls: list[str] = []

    def counting(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        calls.append(kwargs["model"])
        return wrapped(*args, **kwargs)

    completions = openai.resources.chat.completions.Completions
    original = vars(completions)["create"]
    with our_instrumentor(tracing):
        wrapt.wrap_function_wrapper(completions, "create", counting)
        try:
            chat(Replay(recorded("openai", "chat_gpt_4o_mini")))
        finally:
            completions.create = vars(completions)["create"].__wrapped__  # type: ignore[method-assign]
    assert vars(completions)["create"] is original
    assert calls == ["gpt-4o-mini"]
    (span,) = tracing.exporter.get_finished_spans()
    assert scope_of(span) == OUR_SCOPE
    assert_priced(span, CHAT_WITH_CACHE, CHAT_ENTRY)
