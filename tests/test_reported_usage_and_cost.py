"""What other sources report, priced right: a provider's reported cost is a charge only when it is a finite
number >= 0 (otherwise the call is priced locally and the span says why; an `inf` would end the cost counter's
series for good), and usage by modality in the conventions' names is priced at each modality's rate."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx2
import pytest

import test_processor
from metrics_support import cost_points
from openai_support import MESSAGES, client, openai_recording
from test_processor import OFFICIAL, Pipeline, call

pipeline = test_processor.pipeline  # the fixture

# OFFICIAL: gpt-4o-mini, 600 uncached x $0.15 + 400 cached x $0.075 + 200 out x $0.60, per million.
OFFICIAL_USD = Decimal(600 * Decimal("0.15") + 400 * Decimal("0.075") + 200 * Decimal("0.6")) / 10**6

if TYPE_CHECKING:
    from conftest import Tracing


def cost_sum(pipeline: Pipeline) -> float:
    return sum(value for _, value in pipeline.metric_points("llmcost.cost"))


@pytest.mark.parametrize(
    ("reported", "shown"),
    [(float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "nan"), (-0.0, "-0.0"), (-0.5, "-0.5")],
)
def test_an_unusable_reported_cost_is_priced_locally_and_says_why(
    pipeline: Pipeline, reported: float, shown: str
) -> None:
    call(pipeline.tracer, "odd", {**OFFICIAL, "llmcost.provider_reported.cost": reported})
    call(pipeline.tracer, "next", {**OFFICIAL, "gen_ai.response.id": "next", "llmcost.provider_reported.cost": 0.002})

    odd = pipeline.attributes("odd")
    assert odd["llmcost.status"] == "priced"
    assert odd["gen_ai.usage.cost.source"] == "local"
    assert Decimal(repr(odd["gen_ai.usage.cost.amount"])) == OFFICIAL_USD
    assert odd["llmcost.reason"] == "provider_cost_invalid"
    assert odd["llmcost.reason.detail"] == (
        f"the provider reported a cost of {shown}, not a finite non-negative number; priced locally"
    )
    # The counter stays finite and keeps counting: the local price, then the next call's reported $0.002.
    assert cost_sum(pipeline) == pytest.approx(float(OFFICIAL_USD) + 0.002, rel=1e-12)


def test_a_reported_zero_is_a_charge_of_zero(pipeline: Pipeline) -> None:
    call(pipeline.tracer, "free", {**OFFICIAL, "llmcost.provider_reported.cost": 0})

    free = pipeline.attributes("free")
    assert (free["llmcost.status"], free["gen_ai.usage.cost.amount"]) == ("provider_reported", 0.0)
    assert "llmcost.reason" not in free


def _openrouter_with_cost(cost_json: str) -> httpx2.Response:
    recorded = openai_recording("chat_openrouter_cost")
    text = recorded.content.decode()
    assert '"cost": 1.17e-05' in text
    return httpx2.Response(
        200, headers=dict(recorded.headers), content=text.replace('"cost": 1.17e-05', f'"cost": {cost_json}').encode()
    )


def test_openrouters_infinite_cost_never_reaches_the_counter(priced: Tracing) -> None:
    sdk, _ = client(_openrouter_with_cost("1e999"), base_url="https://openrouter.ai/api/v1")

    sdk.chat.completions.create(model="openai/gpt-4o-mini", messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    attributes: dict[str, Any] = dict(span.attributes or {})
    # The usage the SDK returned is kept, and the call is priced from it at OpenRouter's listed price for
    # openai/gpt-4o-mini ($0.15 in, $0.60 out per million): 22 * 0.15/1e6 + 14 * 0.60/1e6 = 0.0000117.
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (22, 14)
    assert (attributes["llmcost.status"], attributes["llmcost.reason"]) == ("priced", "provider_cost_invalid")
    assert attributes["llmcost.reason.detail"] == (
        "the provider reported a cost of inf, not a finite non-negative number; priced locally"
    )
    assert attributes["gen_ai.usage.cost.amount"] == 0.0000117
    assert attributes["gen_ai.usage.cost.source"] == "local"
    assert [point.value for point in cost_points(priced.metric_reader)] == [0.0000117]
    assert json.loads("1e999") == float("inf")  # what the SDK's JSON reading made of it


def test_audio_reported_by_modality_is_priced_at_the_audio_rate(pipeline: Pipeline) -> None:
    # Another instrumentation's gpt-realtime span in the conventions' names (semantic-conventions-genai #440).
    call(
        pipeline.tracer,
        "realtime",
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-realtime",
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.output_tokens": 500,
            "gen_ai.usage.cache_read.input_tokens": 200,
            "gen_ai.usage.audio.input_tokens": 600,
            "gen_ai.usage.audio.cache_read.input_tokens": 100,
            "gen_ai.usage.audio.output_tokens": 400,
        },
    )

    attributes = pipeline.attributes("realtime")
    # 300 text x $4 + 100 cached text x $0.40 + 500 audio x $32 + 100 cached audio x $0.40 + 100 text out x $16
    # + 400 audio out x $64, per million
    expected = (
        300 * Decimal(4) + 100 * Decimal("0.4") + 500 * Decimal(32) + 100 * Decimal("0.4") + 100 * 16 + 400 * 64
    ) / 10**6
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == expected
    assert Decimal(repr(attributes["llmcost.cost.audio"])) == (500 * 32 + 400 * 64) / Decimal(10**6)
