"""The usage model: every naming family seen in the wild -> `Usage`, and `Usage` -> the current conventions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from otel_llmcost.pricing import RequestContext, Usage
from otel_llmcost.usage import operation_of, read_call, usage_attributes


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 1000,
                "gen_ai.usage.cache_read.input_tokens": 300,
                "gen_ai.usage.cache_creation.input_tokens": 200,
                "gen_ai.usage.output_tokens": 500,
                "gen_ai.usage.reasoning.output_tokens": 350,
            },
            Usage(input=500, cache_read=300, cache_write=200, output=150, reasoning=350),
            id="current-conventions",
        ),
        pytest.param(
            {"gen_ai.usage.prompt_tokens": 1000, "gen_ai.usage.completion_tokens": 20},
            Usage(input=1000, output=20),
            id="deprecated-prompt-completion",
        ),
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 5100,
                "gen_ai.usage.cache_read.input_tokens": 2000,
                "gen_ai.usage.cache_write.input_tokens": 3000,
                "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2000,
                "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 1000,
                "gen_ai.usage.output_tokens": 500,
            },
            Usage(input=100, cache_read=2000, cache_write=2000, cache_write_1h=1000, output=500),
            id="anthropic-sdk-native",
        ),
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 100,
                "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 40,
                "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 60,
                "gen_ai.usage.output_tokens": 1,
            },
            Usage(input=0, cache_write=40, cache_write_1h=60, output=1),
            id="cache-write-total-from-its-split",
        ),
        pytest.param(
            {
                "gen_ai.usage.prompt_tokens": 1200,
                "gen_ai.usage.cache_read_input_tokens": 1000,
                "gen_ai.usage.cache_creation_input_tokens": 100,
                "gen_ai.usage.completion_tokens": 30,
                "gen_ai.usage.reasoning_tokens": 10,
                "llm.usage.total_tokens": 1230,
            },
            Usage(input=100, cache_read=1000, cache_write=100, output=20, reasoning=10),
            id="openllmetry",
        ),
        pytest.param(
            {
                "llm.token_count.prompt": 900,
                "llm.token_count.prompt_details.cache_read": 100,
                "llm.token_count.prompt_details.cache_write": 50,
                "llm.token_count.prompt_details.audio": 200,
                "llm.token_count.completion": 300,
                "llm.token_count.completion_details.reasoning": 100,
                "llm.token_count.completion_details.audio": 50,
            },
            Usage(
                input=550, cache_read=100, cache_write=50, input_audio=200, output=150, reasoning=100, output_audio=50
            ),
            id="openinference",
        ),
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.cache_read.input_tokens": 90,
                "gen_ai.usage.output_tokens": 1,
            },
            Usage(input=10, cache_read=90, output=1),
            id="cache-outside-the-input-total-is-folded-in",
        ),
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.usage.output_tokens": 5,
                "gen_ai.usage.reasoning.output_tokens": 40,
            },
            Usage(input=10, output=5, reasoning=40),
            id="thinking-outside-the-output-total-is-folded-in",
        ),
        pytest.param(
            {
                "gen_ai.usage.input_tokens": 100,
                "gen_ai.usage.output_tokens": 10,
                "anthropic.usage.compaction.input_tokens": 1000,
                "anthropic.usage.compaction.output_tokens": 200,
            },
            Usage(input=1100, output=210),
            id="anthropic-compaction-is-billed-on-top",
        ),
        pytest.param(
            {
                "llmcost.usage.input_audio_seconds": 90.5,
                "llmcost.usage.input_characters": 1200,
                "llmcost.usage.images": 2,
                "llmcost.request.image.size": "1024x1024",
                "llmcost.request.image.quality": "hd",
                "llmcost.usage.web_search_calls": 3,
            },
            Usage(
                input_audio_seconds=Decimal("90.5"),
                input_characters=1200,
                images=(("1024x1024/hd", 2),),
                requests=(("web_search", 3),),
            ),
            id="non-token-units",
        ),
    ],
)
def test_every_naming_family_reads_into_disjoint_buckets(attributes: dict[str, Any], expected: Usage) -> None:
    assert read_call(attributes).usage == expected


def test_current_names_win_over_older_ones() -> None:
    call = read_call({"gen_ai.usage.input_tokens": 10, "gen_ai.usage.prompt_tokens": 99, "llm.token_count.prompt": 98})
    assert call.usage == Usage(input=10)


def test_spans_without_usage_have_none_and_bad_counts_say_why() -> None:
    assert read_call({"gen_ai.request.model": "gpt-4o"}).usage is None
    bad = read_call({"gen_ai.usage.input_tokens": 1.5})
    assert (bad.usage, bad.invalid_usage) == (None, "gen_ai.usage.input_tokens is 1.5, not a count")
    boolean = read_call({"gen_ai.usage.output_tokens": True})
    assert boolean.invalid_usage == "gen_ai.usage.output_tokens is True, not a count"
    seconds = read_call({"llmcost.usage.input_audio_seconds": "long"})
    assert seconds.invalid_usage == "llmcost.usage.input_audio_seconds is 'long', not a duration"


def test_integral_float_counts_read_as_ints_and_odd_text_fields_as_absent() -> None:
    counts = {"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 20}
    texts = {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o"}
    as_ints = read_call({**texts, **counts})
    assert as_ints.usage == Usage(input=1000, output=20)
    assert read_call({**texts, **{key: float(value) for key, value in counts.items()}}) == as_ints
    odd = read_call(
        {"gen_ai.provider.name": 5, "gen_ai.request.model": "", "gen_ai.response.model": "gpt-4o", **counts}
    )
    assert (odd.provider, odd.request_model, odd.response_model) == (None, None, "gpt-4o")
    assert odd.usage == Usage(input=1000, output=20)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((1000, 200, 400, 0, 0), Usage(input=600, cache_read=400, output=200)),
        ((100, 0, 2000, 300, 0), Usage(input=100, cache_read=2000, cache_write=300)),  # cache outside the input
        ((10, 5, 0, 0, 50), Usage(input=10, output=5, reasoning=50)),  # thinking outside the output
        ((7, 9, 7, 0, 9), Usage(cache_read=7, reasoning=9)),
        ((0, 0, 0, 0, 0), Usage()),
    ],
)
def test_the_usual_counts_read_as_they_do_beside_any_other(counts: tuple[int, ...], expected: Usage) -> None:
    keys = (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.reasoning.output_tokens",
    )
    usual = dict(zip(keys, counts, strict=True))
    assert read_call(usual).usage == expected
    # A zero count of audio tokens changes nothing, but it is not a usual count: the general reading takes it.
    assert read_call({**usual, "llmcost.usage.input_audio_tokens": 0}).usage == expected


def test_provider_model_and_context_come_from_every_family() -> None:
    call = read_call(
        {
            "gen_ai.system": "az.ai.openai",
            "gen_ai.request.model": "my-deployment",
            "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.response.id": "chatcmpl-1",
            "openai.response.service_tier": "Flex",
            "openai.request.service_tier": "auto",
            "llmcost.request.region": "EU",
            "llmcost.usage.status": "estimated",
        }
    )
    assert (call.provider, call.request_model, call.response_model, call.response_id) == (
        "az.ai.openai",
        "my-deployment",
        "gpt-4o-2024-08-06",
        "chatcmpl-1",
    )
    assert call.context == RequestContext(batch=False, service_tier="flex", region="eu")
    assert call.usage_status == "estimated"
    openinference = read_call({"llm.provider": "anthropic", "llm.model_name": "claude-sonnet-4-5"})
    assert (openinference.provider, openinference.request_model) == ("anthropic", "claude-sonnet-4-5")
    batch = read_call({"anthropic.response.service_tier": "batch"})
    assert batch.context == RequestContext(batch=True, service_tier="batch")
    assert read_call({"llmcost.request.batch": True}).context.batch is True


@pytest.mark.parametrize(
    ("attributes", "operation"),
    [
        ({"gen_ai.operation.name": "chat"}, "chat"),
        ({"gen_ai.operation.name": "Chat"}, "chat"),
        ({"gen_ai.operation.name": "embeddings"}, "embeddings"),
        ({"gen_ai.operation.name": "invoke_agent"}, None),
        ({"gen_ai.operation.name": "execute_tool"}, None),
        ({"llm.request.type": "completion"}, "completion"),
        ({"openinference.span.kind": "LLM"}, "llm"),
        ({"openinference.span.kind": "EMBEDDING"}, "embedding"),
        ({"openinference.span.kind": "CHAIN"}, None),
        ({"gen_ai.operation.name": 3}, None),
        ({"http.method": "GET"}, None),
    ],
)
def test_only_calls_are_priced(attributes: dict[str, Any], operation: str | None) -> None:
    assert operation_of(attributes) == operation


def test_usage_round_trips_through_the_current_conventions() -> None:
    usage = Usage.from_totals(
        input_tokens=5000,
        cache_read_tokens=1000,
        cache_write_tokens=800,
        cache_write_1h_tokens=300,
        input_audio_tokens=400,
        cache_read_audio_tokens=100,
        input_image_tokens=50,
        output_tokens=900,
        reasoning_tokens=500,
        output_audio_tokens=100,
        output_image_tokens=10,
        input_characters=77,
        input_audio_seconds="12.5",
        images={"1024x1024/hd": 2},
        requests={"web_search": 4},
    )
    attributes = usage_attributes(usage)
    assert attributes == {
        "gen_ai.usage.input_tokens": 5000,
        "gen_ai.usage.output_tokens": 900,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cache_creation.input_tokens": 800,
        "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 300,
        "gen_ai.usage.reasoning.output_tokens": 500,
        "gen_ai.usage.audio.input_tokens": 400,
        "gen_ai.usage.audio.cache_read.input_tokens": 100,
        "gen_ai.usage.image.input_tokens": 50,
        "gen_ai.usage.audio.output_tokens": 100,
        "gen_ai.usage.image.output_tokens": 10,
        "gen_ai.usage.text.input_tokens": 4550,  # 5000 - 400 audio - 50 image
        "gen_ai.usage.text.output_tokens": 790,  # 900 - 100 audio - 10 image (reasoning is text)
        "llmcost.usage.input_characters": 77,
        "llmcost.usage.web_search_calls": 4,
        "llmcost.usage.input_audio_seconds": 12.5,
        "llmcost.usage.images": 2,
        "llmcost.request.image.size": "1024x1024",
        "llmcost.request.image.quality": "hd",
    }
    assert read_call(attributes).usage == usage


def test_plain_usage_writes_only_the_totals() -> None:
    assert usage_attributes(Usage(input=3, output=4)) == {
        "gen_ai.usage.input_tokens": 3,
        "gen_ai.usage.output_tokens": 4,
    }


def test_a_call_billed_by_other_units_writes_no_token_zeros() -> None:
    assert usage_attributes(Usage(input_characters=120)) == {"llmcost.usage.input_characters": 120}
    assert usage_attributes(Usage(input_audio_seconds=Decimal("3.5"))) == {"llmcost.usage.input_audio_seconds": 3.5}
    assert usage_attributes(Usage()) == {"gen_ai.usage.input_tokens": 0, "gen_ai.usage.output_tokens": 0}


@pytest.mark.parametrize("field", [name for name in Usage._fields if name not in ("images", "requests", "videos")])
def test_each_bucket_alone_is_written_and_read_back(field: str) -> None:
    value = Decimal("2.5") if field == "input_audio_seconds" else 7
    usage = Usage(**{field: value})
    attributes = usage_attributes(usage)
    assert read_call({"gen_ai.operation.name": "chat", **attributes}).usage == usage
    zero_tokens = field in (
        "input_characters",
        "input_audio_seconds",
        "compute_seconds",
        "output_megapixels",
        "input_megapixels",
    )
    assert ("gen_ai.usage.input_tokens" in attributes) is not zero_tokens


def test_from_reported_takes_consistent_totals_as_from_totals_does() -> None:
    totals: dict[str, Any] = {
        "input_tokens": 1000,
        "output_tokens": 500,
        "cache_read_tokens": 300,
        "cache_write_tokens": 200,
        "cache_write_1h_tokens": 50,
        "input_audio_tokens": 100,
        "cache_read_audio_tokens": 40,
        "input_image_tokens": 60,
        "reasoning_tokens": 350,
        "output_audio_tokens": 20,
        "output_image_tokens": 10,
        "input_characters": 7,
        "images": {"1024x1024": 1},
        "requests": {"web_search": 2},
    }
    # input 1000 - (300 + 200 + 100 - 40 + 60) = 380; cache_read 300 - 40; cache_write 200 - 50; audio 100 - 40
    # output 500 - (350 + 20 + 10) = 120
    expected = Usage(
        380, 260, 150, 50, 60, 40, 60, 120, 350, 20, 10, 7, Decimal(0), (("1024x1024", 1),), (("web_search", 2),)
    )
    assert Usage.from_totals(**totals) == expected
    assert Usage.from_reported(**totals, total_tokens=1500) == expected


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        # Gemini: thinking beside the candidates, the total says so: output 20 + 30 of reasoning.
        pytest.param(
            {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 30, "total_tokens": 150},
            Usage(input=100, output=20, reasoning=30),
            id="reasoning-beside-output-by-total",
        ),
        # No total, but 30 reasoning tokens cannot be inside an output of 20.
        pytest.param(
            {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 30},
            Usage(input=100, output=20, reasoning=30),
            id="reasoning-beside-output-by-size",
        ),
        # Reasoning inside the output (OpenAI): 50 - 30 plain output tokens.
        pytest.param(
            {"input_tokens": 100, "output_tokens": 50, "reasoning_tokens": 30, "total_tokens": 150},
            Usage(input=100, output=20, reasoning=30),
            id="reasoning-inside-output",
        ),
        # DeepSeek-style: 40 cached beside 100 uncached, total 100 + 40 + 10.
        pytest.param(
            {"input_tokens": 100, "output_tokens": 10, "cache_read_tokens": 40, "total_tokens": 150},
            Usage(input=100, cache_read=40, output=10),
            id="cache-beside-input-by-total",
        ),
        # Anthropic's raw usage: reads 300 and writes 200 cannot be inside an input of 50.
        pytest.param(
            {"input_tokens": 50, "output_tokens": 10, "cache_read_tokens": 300, "cache_write_tokens": 200},
            Usage(input=50, cache_read=300, cache_write=200, output=10),
            id="cache-beside-input-by-size",
        ),
        # A 1-hour part above all writes is all of them: 80 written, all for an hour.
        pytest.param(
            {"input_tokens": 100, "cache_write_tokens": 80, "cache_write_1h_tokens": 90},
            Usage(input=20, cache_write_1h=80),
            id="one-hour-writes-capped",
        ),
    ],
)
def test_from_reported_folds_parts_counted_beside_their_totals(reported: dict[str, Any], expected: Usage) -> None:
    assert Usage.from_reported(**reported) == expected


def test_from_reported_rejects_what_no_reading_makes_consistent() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        Usage.from_reported(output_tokens=-1)
    # 30 audio tokens in an input of 20, with no cache to have counted beside it.
    with pytest.raises(ValueError, match=r"exceed input_tokens \(20\)"):
        Usage.from_reported(input_tokens=20, input_audio_tokens=30)
    # 30 image tokens in an output of 20: only reasoning is ever counted beside the output.
    with pytest.raises(ValueError, match=r"exceed output_tokens \(20\)"):
        Usage.from_reported(output_tokens=20, output_image_tokens=30)
    with pytest.raises(ValueError, match="a part of both"):
        Usage.from_reported(input_tokens=100, cache_read_tokens=10, input_audio_tokens=5, cache_read_audio_tokens=8)


def test_spans_whose_parts_exceed_their_totals_say_so() -> None:
    call = read_call({"gen_ai.usage.input_tokens": 20, "llmcost.usage.input_audio_tokens": 30})
    assert call.usage is None
    assert call.invalid_usage is not None
    assert "exceed input_tokens (20)" in call.invalid_usage


def test_named_tuples_built_as_tuples_are_those_their_constructors_build() -> None:
    # The usage room builds Usage and GenAICall with tuple.__new__ (`new_tuple`) on the processor's path:
    # should a Python upgrade make named tuples more than tuples, this fails.
    from otel_llmcost.usage import GenAICall
    from otel_llmcost.usage._model import new_tuple

    fields = (
        *(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, Decimal("1.5")),
        (("1024x1024", 1),),
        (("web_search", 2),),
        Decimal("7.5"),
        (("1080p", Decimal(8)),),
        Decimal("2.1"),
        Decimal("1.05"),
    )
    assert new_tuple(Usage, fields) == Usage(*fields)
    assert type(new_tuple(Usage, fields)) is Usage
    assert new_tuple(Usage, fields).input_audio_seconds == Decimal("1.5")
    call_fields = (
        "chat",
        "openai",
        "gpt-4o",
        None,
        "r1",
        Usage(input=1),
        "reported",
        RequestContext(),
        None,
        None,
        None,
        None,
    )
    assert new_tuple(GenAICall, call_fields) == GenAICall(*call_fields)
    assert new_tuple(GenAICall, call_fields).model == "gpt-4o"


# The conventions' usage by modality (semantic-conventions-genai #440), as another instrumentation writes it.
# gpt-realtime: 1,000 input tokens of which 600 audio (100 of them cached) and 200 cached in all; 500 output
# tokens of which 400 audio.
REALTIME_BY_MODALITY = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-realtime",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 500,
    "gen_ai.usage.cache_read.input_tokens": 200,
    "gen_ai.usage.text.input_tokens": 400,
    "gen_ai.usage.text.cache_read.input_tokens": 100,
    "gen_ai.usage.audio.input_tokens": 600,
    "gen_ai.usage.audio.cache_read.input_tokens": 100,
    "gen_ai.usage.text.output_tokens": 100,
    "gen_ai.usage.audio.output_tokens": 400,
}


def test_usage_by_modality_in_the_conventions_names_is_read_into_its_buckets() -> None:
    assert read_call(REALTIME_BY_MODALITY).usage == Usage(
        input=300,  # 1000 - 200 cached - 500 uncached audio
        cache_read=100,  # text
        input_audio=500,
        cache_read_audio=100,
        output=100,
        output_audio=400,
    )


def test_the_conventions_names_win_over_the_older_ones_which_are_still_read() -> None:
    older = {key: value for key, value in REALTIME_BY_MODALITY.items() if not key.startswith("gen_ai.usage.audio.")} | {
        "llmcost.usage.input_audio_tokens": 600,
        "llmcost.usage.cache_read_audio_tokens": 100,
        "llmcost.usage.output_audio_tokens": 400,
    }
    assert read_call(older).usage == read_call(REALTIME_BY_MODALITY).usage
    both = {**REALTIME_BY_MODALITY, "llmcost.usage.input_audio_tokens": 1}
    assert read_call(both).usage == read_call(REALTIME_BY_MODALITY).usage


def test_cached_image_tokens_are_priced_once_as_cache_reads() -> None:
    # The conventions' worked example, with 50 of the 200 image tokens cached too: input 300, cache reads 90.
    attributes = {
        "gen_ai.usage.input_tokens": 300,
        "gen_ai.usage.output_tokens": 10,
        "gen_ai.usage.cache_read.input_tokens": 90,
        "gen_ai.usage.text.input_tokens": 100,
        "gen_ai.usage.text.cache_read.input_tokens": 40,
        "gen_ai.usage.image.input_tokens": 200,
        "gen_ai.usage.image.cache_read.input_tokens": 50,
        "gen_ai.usage.video.input_tokens": 0,
    }
    assert read_call(attributes).usage == Usage(input=60, cache_read=90, input_image=150, output=10)
    too_many = {**attributes, "gen_ai.usage.image.cache_read.input_tokens": 250}
    assert read_call(too_many).invalid_usage == "the cached image tokens exceed the image input or the cache reads"
