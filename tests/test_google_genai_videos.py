"""Veo (``models.generate_videos``) through google-genai's own client, on Vertex AI: priced per second of video.

The span covers the submitting call; its price is known from the request (seconds asked for times the number of
videos, 8 seconds when not given), by resolution and sound. Prices (gcp.vertex_ai.json): Veo 3 $0.40 per second,
$0.20 without audio (cloud.google.com/vertex-ai/generative-ai/pricing, checked 2026-12-07); Veo 3.1 $0.40, $0.60
at 4k; Veo 3.1 Fast $0.10, $0.12 at 1080p (LiteLLM's table).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from google.genai import errors

from google_genai_support import client, instrumented, only_span, recorded, usage_of, usd

if TYPE_CHECKING:
    from conftest import Tracing

# google-genai 3.x warns that prompt= will give way to source= (the older releases have only prompt=).
pytestmark = pytest.mark.filterwarnings("ignore:The generate_videos method with prompt")

OPERATION = (
    "projects/acme-support/locations/us-central1/publishers/google/models/veo-3.0-generate-001/operations/"
    "6d1f3a0e-58c2-4b8e-9a47-2f0c7b1e9d35"
)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "aio"])
def test_veo_is_priced_by_the_seconds_asked_for(tracing: Tracing, asynchronous: bool) -> None:
    sdk, replay = client(recorded("veo_submit"), vertex=True)
    config: dict[str, Any] = {"duration_seconds": 6, "number_of_videos": 2, "generate_audio": False}
    with instrumented(tracing):
        if asynchronous:
            operation = asyncio.run(
                sdk.aio.models.generate_videos(model="veo-3.0-generate-001", prompt="A refund", config=config)
            )
        else:
            operation = sdk.models.generate_videos(model="veo-3.0-generate-001", prompt="A refund", config=config)
    assert operation.name == OPERATION
    assert replay.requests[0].url.path.endswith("/models/veo-3.0-generate-001:predictLongRunning")
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "video_generation veo-3.0-generate-001"
    assert attributes["gen_ai.operation.name"] == "video_generation"
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert attributes["gen_ai.response.id"] == OPERATION
    assert usage_of(span) == {"llmcost.usage.video_seconds": 12.0}
    assert attributes["llmcost.request.video.audio"] is False
    assert "llmcost.request.video.resolution" not in attributes
    assert usd(attributes["gen_ai.usage.cost.amount"]) == 2 * 6 * Decimal("0.20")  # $2.40, video only
    assert attributes["llmcost.price.entry"] == "gcp.vertex_ai/veo-3.0-generate-001"


@pytest.mark.parametrize(
    ("model", "config", "cost"),
    [
        ("veo-3.0-generate-001", {}, 8 * Decimal("0.40")),  # 8 seconds by default, with sound: $3.20
        ("veo-3.1-fast-generate-001", {"resolution": "1080p"}, 8 * Decimal("0.12")),  # $0.96
        ("veo-3.1-fast-generate-001", {"resolution": "720p", "duration_seconds": 4}, 4 * Decimal("0.10")),  # $0.40
        ("veo-3.1-generate-001", {"resolution": "4k", "generate_audio": True}, 8 * Decimal("0.60")),  # $4.80
    ],
    ids=["default-length", "1080p", "720p", "4k-audio"],
)
def test_veo_prices_depend_on_resolution_and_sound(
    tracing: Tracing, model: str, config: dict[str, Any], cost: Decimal
) -> None:
    sdk, _ = client(recorded("veo_submit"), vertex=True)
    with instrumented(tracing):
        sdk.models.generate_videos(model=model, prompt="A refund", config=config or None)
    attributes = dict(only_span(tracing).attributes or {})
    assert usd(attributes["gen_ai.usage.cost.amount"]) == cost
    assert attributes.get("llmcost.request.video.resolution") == config.get("resolution")


def test_polling_the_operation_adds_no_span(tracing: Tracing) -> None:
    sdk, _ = client(recorded("veo_submit"), recorded("veo_done"), vertex=True)
    with instrumented(tracing):
        operation = sdk.models.generate_videos(
            model="veo-3.0-generate-001", prompt="A refund", config={"number_of_videos": 2}
        )
        operation = sdk.operations.get(operation)
    assert operation.done is True
    assert [video.video.uri for video in operation.result.generated_videos] == [
        "gs://acme-support-videos/6d1f3a0e/sample_0.mp4",
        "gs://acme-support-videos/6d1f3a0e/sample_1.mp4",
    ]
    attributes = dict(only_span(tracing).attributes or {})
    assert usd(attributes["gen_ai.usage.cost.amount"]) == 2 * 8 * Decimal("0.40")  # $6.40


def test_a_refused_veo_request_costs_nothing(tracing: Tracing) -> None:
    sdk, _ = client(recorded("veo_error_429"), vertex=True)
    with instrumented(tracing), pytest.raises(errors.ClientError):
        sdk.models.generate_videos(model="veo-3.0-generate-001", prompt="A refund")
    attributes = dict(only_span(tracing).attributes or {})
    assert attributes["error.type"] == "RESOURCE_EXHAUSTED"
    assert attributes["llmcost.reason"] == "failed_call"
    assert "gen_ai.usage.cost.amount" not in attributes


def test_a_price_file_with_a_bad_video_key_names_it(tmp_path: Any) -> None:
    from otel_llmcost.pricing import PriceFileError, PriceTable

    file = tmp_path / "veo.json"
    file.write_text(
        '{"provider": "gcp.vertex_ai", "sources": {"mine": {"url": "https://example.com", "checked": "2026-12-07"}},'
        ' "models": [{"id": "veo-9", "source": "mine", "source_kind": "vendor",'
        ' "prices": [{"usd_per_video_second": {"1080i": "0.10"}}]}]}',
        encoding="utf-8",
    )
    with pytest.raises(PriceFileError, match=r"'1080i' is not a video key like \"1080p\""):
        PriceTable.load([str(file)])
