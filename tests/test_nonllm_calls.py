"""The non-LLM AI APIs through their real clients: one priced span each, with the unit, the quantity and the cost.

Each call goes through the vendor's SDK (Deepgram, AssemblyAI, ElevenLabs, Voyage AI) or, where the vendor ships
none for Python, the HTTP client its API reference uses (Jina, Stability AI, Black Forest Labs), faked at the
HTTP transport with a response whose shape is the one the vendor's API reference documents. The HTTP fallback
makes the span; the cost processor prices it from the bundled table; the cost is computed here by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import requests
from opentelemetry import context
from opentelemetry.sdk.trace import ReadableSpan

from otel_llmcost.instrumentation.http_fallback import HTTPFallbackInstrumentor, _services

if TYPE_CHECKING:
    from conftest import Tracing

RECORDINGS = Path(__file__).parent / "recordings" / "nonllm"
M = 1_000_000


def recorded(name: str) -> tuple[int, dict[str, str], bytes]:
    values = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    return values["status"], values["headers"], json.dumps(values["body"]).encode()


def replay(name: str, seen: list[httpx.Request] | None = None) -> httpx.MockTransport:
    status, headers, content = recorded(name)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, headers=headers, content=content)

    return httpx.MockTransport(handler)


@pytest.fixture
def fallback(tracing: Tracing) -> Iterator[Tracing]:
    _services._PRICED_ONCE.clear()  # pyright: ignore[reportPrivateUsage] - transcripts priced by other tests
    # An empty context: a model call's span another test left current would make the fallback step aside.
    token = context.attach(context.Context())
    instrumentor = HTTPFallbackInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    yield tracing
    instrumentor.uninstrument()
    context.detach(token)


@pytest.fixture
def requests_replay(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]:
    """Fakes ``requests`` at its transport adapter: each URL path answers with its recorded response."""
    from requests.adapters import HTTPAdapter

    def install(answers: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        def send(self: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            path = str(request.path_url).partition("?")[0]
            status, headers, content = answers[path]
            response = requests.Response()
            response.status_code = status
            response.headers.update(headers)
            response._content = content  # pyright: ignore[reportPrivateUsage]
            response.url = str(request.url)
            response.request = request
            return response

        monkeypatch.setattr(HTTPAdapter, "send", send)

    return install


def one_span(tracing: Tracing) -> dict[str, Any]:
    spans: tuple[ReadableSpan, ...] = tracing.exporter.get_finished_spans()
    assert len(spans) == 1, [span.name for span in spans]
    return dict(spans[0].attributes or {})


def assert_cost(attributes: dict[str, Any], expected: D) -> None:
    assert attributes["llmcost.status"] == "priced", attributes.get("llmcost.reason")
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(expected), abs=1e-15)
    assert attributes["gen_ai.usage.cost.currency"] == "USD"


# ----- speech to text -----


# deepgram-sdk 7 imports a name websockets 14 deprecates, at import and when its client is built.
@pytest.mark.filterwarnings("ignore:websockets.*deprecated:DeprecationWarning")
def test_a_deepgram_transcription_is_priced_by_the_seconds_of_audio(fallback: Tracing) -> None:
    from deepgram import DeepgramClient

    seen: list[httpx.Request] = []
    client = DeepgramClient(
        api_key="dg-test", httpx_client=httpx.Client(transport=replay("deepgram_listen_nova_3", seen))
    )
    response = client.listen.v1.media.transcribe_file(request=b"RIFF....WAVEfmt audio", model="nova-3")
    assert response.metadata.duration == 25.933313
    assert seen[0].url.params["model"] == "nova-3"

    attributes = one_span(fallback)
    assert attributes["gen_ai.operation.name"] == "transcription"
    assert attributes["gen_ai.provider.name"] == "deepgram"
    assert attributes["gen_ai.request.model"] == "nova-3"
    assert attributes["gen_ai.response.model"] == "nova-3"
    assert attributes["gen_ai.response.id"] == "a847f427-4ad5-4d67-9b95-db801e58251c"
    assert attributes["llmcost.usage.input_audio_seconds"] == 25.933313
    assert "gen_ai.usage.input_tokens" not in attributes  # billed by the second, not by tokens
    # 25.933313 s of audio at Nova-3's $0.0043 per minute
    assert_cost(attributes, D("25.933313") * D("0.0043") / 60)
    assert attributes["llmcost.price.entry"] == "deepgram/nova-3"


# assemblyai 1.8 still calls pydantic's v1 methods (`copy`, `dict`, `parse_obj`).
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")
def test_an_assemblyai_transcript_is_priced_once_when_it_completes(fallback: Tracing) -> None:
    import assemblyai as aai

    answers = iter(
        ["assemblyai_transcript_queued", "assemblyai_transcript_processing", "assemblyai_transcript_completed"]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, content = recorded(next(answers))
        return httpx.Response(status, headers=headers, content=content)

    client = aai.Client(settings=aai.Settings(api_key="aai-test", polling_interval=0.001))
    client.http_client._transport = httpx.MockTransport(handler)  # pyright: ignore[reportPrivateUsage]
    transcript = aai.Transcriber(client=client).transcribe("https://assembly.ai/wildfires.mp3")
    assert transcript.status == aai.TranscriptStatus.completed
    # Fetched again later: the same transcript is not billed twice.
    answers = iter(["assemblyai_transcript_completed"])
    fetched = client.http_client.get("/v2/transcript/5551722-f677-48a6-9287-39c0aafd9ac1")
    assert fetched.json()["status"] == "completed"

    attributes = one_span(fallback)  # the submit and the polls in progress bill nothing
    assert attributes["gen_ai.operation.name"] == "transcription"
    assert attributes["gen_ai.provider.name"] == "assemblyai"
    assert attributes["gen_ai.response.model"] == "universal"
    assert attributes["gen_ai.response.id"] == "5551722-f677-48a6-9287-39c0aafd9ac1"
    assert attributes["llmcost.usage.input_audio_seconds"] == 281
    # 281 s of audio at the Universal (best) tier's $0.37 per hour, pro-rated to the second
    assert_cost(attributes, 281 * D("0.37") / 3600)
    assert attributes["llmcost.price.entry"] == "assemblyai/best"


# ----- text to speech -----


def test_an_elevenlabs_speech_is_priced_by_the_characters_of_its_text(fallback: Tracing) -> None:
    from elevenlabs.client import ElevenLabs

    text = "The first move is what sets everything in motion."  # 49 characters
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            headers={"content-type": "audio/mpeg", "request-id": "Xq9mZ2pLk8vN3rT7wB1c"},
            content=b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" * 256,
        )
    )
    client = ElevenLabs(api_key="el-test", httpx_client=httpx.Client(transport=transport))
    audio = b"".join(
        client.text_to_speech.convert(
            voice_id="JBFqnCBsd6RMkjVDRZzb", text=text, model_id="eleven_multilingual_v2", output_format="mp3_44100_128"
        )
    )
    assert audio.startswith(b"ID3")

    attributes = one_span(fallback)
    assert attributes["gen_ai.operation.name"] == "speech"
    assert attributes["gen_ai.provider.name"] == "elevenlabs"
    assert attributes["gen_ai.request.model"] == "eleven_multilingual_v2"
    assert attributes["llmcost.usage.input_characters"] == len(text) == 49
    # 49 characters at the API's pay-as-you-go $0.10 per 1,000 characters ($100 per million)
    assert_cost(attributes, 49 * D("100") / M)
    assert attributes["llmcost.price.entry"] == "elevenlabs/eleven-multilingual-v2"


def test_an_elevenlabs_flash_speech_without_model_id_is_priced_at_the_default_model(fallback: Tracing) -> None:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "audio/mpeg"}, content=b"ID3")
    )
    with httpx.Client(transport=transport) as client:
        client.post("https://api.elevenlabs.io/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb", json={"text": "Hello there!"})
    attributes = one_span(fallback)
    assert attributes["gen_ai.request.model"] == "eleven_multilingual_v2"  # the API's default model_id
    assert_cost(attributes, 12 * D("100") / M)  # 12 characters at $100 per million


# ----- embeddings and rerank -----


def test_voyage_embeddings_and_rerank_are_priced_by_their_total_tokens(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    import voyageai

    requests_replay({"/v1/embeddings": recorded("voyage_embeddings"), "/v1/rerank": recorded("voyage_rerank")})
    client = voyageai.Client(api_key="pa-test", max_retries=0)
    embedded = client.embed(["Sample text 1", "Sample text 2"], model="voyage-3.5", input_type="document")
    assert embedded.total_tokens == 10
    ranked = client.rerank(
        "When is Apple's conference call?", ["Apple's call is Nov 2", "Nov 2 is sunny"], "rerank-2.5"
    )
    assert ranked.total_tokens == 26

    spans = sorted(fallback.exporter.get_finished_spans(), key=lambda span: span.name)
    assert [span.name for span in spans] == ["embeddings voyage-3.5", "rerank rerank-2.5"]
    embed, rerank = (dict(span.attributes or {}) for span in spans)
    assert embed["gen_ai.provider.name"] == rerank["gen_ai.provider.name"] == "voyage_ai"
    assert embed["gen_ai.usage.input_tokens"] == 10
    assert "gen_ai.usage.output_tokens" not in embed
    assert_cost(embed, 10 * D("0.06") / M)  # 10 tokens at voyage-3.5's $0.06 per million
    assert rerank["gen_ai.operation.name"] == "rerank"
    assert rerank["gen_ai.usage.input_tokens"] == 26
    assert_cost(rerank, 26 * D("0.05") / M)  # 26 tokens at rerank-2.5's $0.05 per million


def test_jina_embeddings_and_rerank_are_priced_by_their_total_tokens(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    requests_replay({"/v1/embeddings": recorded("jina_embeddings"), "/v1/rerank": recorded("jina_rerank")})
    headers = {"Authorization": "Bearer jina_test"}
    requests.post(
        "https://api.jina.ai/v1/embeddings",
        headers=headers,
        json={"model": "jina-embeddings-v3", "task": "text-matching", "input": ["Organic skincare for sensitive skin"]},
        timeout=10,
    ).raise_for_status()
    requests.post(
        "https://api.jina.ai/v1/rerank",
        headers=headers,
        json={"model": "jina-reranker-v2-base-multilingual", "query": "Organic skincare", "documents": ["a", "b"]},
        timeout=10,
    ).raise_for_status()

    spans = sorted(fallback.exporter.get_finished_spans(), key=lambda span: span.name)
    embed, rerank = (dict(span.attributes or {}) for span in spans)
    assert embed["gen_ai.provider.name"] == "jina_ai"
    assert embed["gen_ai.usage.input_tokens"] == 14
    assert_cost(embed, 14 * D("0.05") / M)  # 14 tokens at $0.05 per million
    assert rerank["gen_ai.operation.name"] == "rerank"
    assert rerank["gen_ai.usage.input_tokens"] == 815
    assert_cost(rerank, 815 * D("0.05") / M)  # 815 tokens at $0.05 per million


# ----- image generation -----


def test_a_stability_image_is_priced_per_image_by_its_model(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64
    image = (200, {"content-type": "image/jpeg", "finish-reason": "SUCCESS", "seed": "343940597"}, jpeg)
    requests_replay({"/v2beta/stable-image/generate/sd3": image, "/v2beta/stable-image/generate/core": image})
    # As the API reference's example sends it: multipart form data, the image back as bytes.
    for service, model in (("sd3", "sd3.5-large-turbo"), ("core", None)):
        data = {"prompt": "Lighthouse on a cliff overlooking the ocean", "output_format": "jpeg"}
        if model:
            data["model"] = model
        response = requests.post(
            f"https://api.stability.ai/v2beta/stable-image/generate/{service}",
            headers={"authorization": "Bearer sk-test", "accept": "image/*"},
            files={"none": ""},
            data=data,
            timeout=10,
        )
        assert response.content == jpeg

    spans = sorted(fallback.exporter.get_finished_spans(), key=lambda span: span.name)
    assert [span.name for span in spans] == ["image_generation sd3.5-large-turbo", "image_generation stable-image-core"]
    turbo, core = (dict(span.attributes or {}) for span in spans)
    assert turbo["gen_ai.provider.name"] == "stability_ai"
    assert turbo["llmcost.usage.images"] == 1
    assert_cost(turbo, D("0.04"))  # 4 credits of $0.01
    assert_cost(core, D("0.03"))  # 3 credits of $0.01


def test_a_flux_image_is_priced_once_at_its_request_not_at_its_polls(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    requests_replay(
        {"/v1/flux-pro-1.1": recorded("bfl_flux_pro_1_1"), "/v1/get_result": recorded("bfl_get_result_ready")}
    )
    submitted = requests.post(
        "https://api.bfl.ai/v1/flux-pro-1.1",
        headers={"accept": "application/json", "x-key": "bfl-test"},
        json={"prompt": "A lighthouse at dawn", "width": 1024, "height": 768},
        timeout=10,
    ).json()
    result = requests.get(submitted["polling_url"], headers={"x-key": "bfl-test"}, timeout=10).json()
    assert result["status"] == "Ready"

    attributes = one_span(fallback)
    assert attributes["gen_ai.operation.name"] == "image_generation"
    assert attributes["gen_ai.provider.name"] == "black_forest_labs"
    assert attributes["gen_ai.request.model"] == "flux-pro-1.1"
    assert attributes["llmcost.usage.images"] == 1
    assert_cost(attributes, D("0.04"))  # FLUX1.1 [pro]: $0.04 per image


def post_flux(body: dict[str, Any], model: str = "flux-2-pro") -> dict[str, Any]:
    response = requests.post(
        f"https://api.bfl.ai/v1/{model}",
        headers={"accept": "application/json", "x-key": "bfl-test"},
        json=body,
        timeout=10,
    )
    values: dict[str, Any] = response.json()
    return values


def table_cost(attributes: dict[str, Any]) -> D | None:
    """What the bundled table prices a span's megapixels at: the reported charge aside."""
    from otel_llmcost.pricing import PriceTable
    from otel_llmcost.usage import Usage

    usage = Usage(
        output_megapixels=D(repr(attributes["llmcost.usage.output_megapixels"])),
        input_megapixels=D(repr(attributes.get("llmcost.usage.input_megapixels", 0))),
    )
    return (
        PriceTable.load().price(usage, provider="black_forest_labs", model=attributes["gen_ai.request.model"]).total_usd
    )


def test_a_flux_2_image_is_priced_by_its_megapixels_and_its_reported_charge(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    requests_replay({"/v1/flux-2-pro": recorded("bfl_flux_2_pro"), "/v1/get_result": recorded("bfl_get_result_ready")})
    submitted = post_flux({"prompt": "A lighthouse at dawn", "width": 1920, "height": 1080})
    requests.get(submitted["polling_url"], headers={"x-key": "bfl-test"}, timeout=10)

    attributes = one_span(fallback)  # the poll bills nothing
    assert attributes["gen_ai.operation.name"] == "image_generation"
    assert attributes["gen_ai.request.model"] == "flux-2-pro"
    assert attributes["gen_ai.response.id"] == "0d1e5b7a-3f2c-4e8a-9b6d-7c1f2a3e4b5c"
    assert attributes["llmcost.usage.output_megapixels"] == 2.07  # the response's output_mp (1920 x 1080)
    assert "llmcost.usage.input_megapixels" not in attributes
    assert "llmcost.usage.images" not in attributes
    # BFL's response states the charge: 4.5 credits of $0.01
    assert attributes["llmcost.status"] == "provider_reported"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.045, abs=1e-15)
    # and the table prices the same megapixels alike: 2.07 MP bills 2; the first at $0.03, the second at $0.015
    assert table_cost(attributes) == D("0.03") + 1 * D("0.015")


def test_a_flux_2_edit_bills_its_reference_images_megapixels_too(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    requests_replay({"/v1/flux-2-pro": recorded("bfl_flux_2_pro_edit")})
    post_flux(
        {
            "prompt": "The person from image 1 petting the cat from image 2",
            "input_image": "https://example.com/person.jpg",
            "input_image_2": "https://example.com/cat.jpg",
        }
    )

    attributes = one_span(fallback)
    assert attributes["llmcost.usage.output_megapixels"] == 1.05
    assert attributes["llmcost.usage.input_megapixels"] == 2.1
    # 6 credits: the output's first megapixel (3) and two megapixels of reference images at 1.5 each
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.06, abs=1e-15)
    assert table_cost(attributes) == D("0.03") + 2 * D("0.015")


def test_a_flux_2_image_whose_response_says_nothing_is_estimated_from_its_size(
    fallback: Tracing, requests_replay: Callable[[dict[str, tuple[int, dict[str, str], bytes]]], None]
) -> None:
    requests_replay({"/v1/flux-2-max": recorded("bfl_flux_2_pro_webhook")})  # a webhook's answer: no cost, no MP
    body = {
        "prompt": "A lighthouse at dawn",
        "width": 2048,
        "height": 1536,
        "webhook_url": "https://hooks.example.com/bfl",
    }
    post_flux(body, model="flux-2-max")

    attributes = one_span(fallback)
    assert attributes["llmcost.usage.output_megapixels"] == pytest.approx(3.145728)  # 2048 x 1536 / 10^6
    assert attributes["llmcost.usage.status"] == "estimated"
    assert attributes["llmcost.status"] == "estimated"
    # FLUX.2 [max]: 3.15 MP bills 3, the first at $0.07 and two more at $0.03
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(D("0.07") + 2 * D("0.03")), abs=1e-15)


def test_an_api_error_is_an_error_span_with_no_cost(fallback: Tracing) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(401, json={"detail": {"status": "invalid_api_key"}}))
    with httpx.Client(transport=transport) as client:
        client.post("https://api.elevenlabs.io/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb", json={"text": "Hi"})
    attributes = one_span(fallback)
    assert attributes["error.type"] == "401"
    assert "gen_ai.usage.cost.amount" not in attributes
