"""OpenAI-compatible providers: the provider comes from the client's base URL, and each one's usage quirks.

The price table has a file per provider, so an unknown server must never be priced as OpenAI: it is
``openai_compatible``, which no price file names, and its calls are unpriced with reason ``unknown_provider``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import httpx2
import openai
import pytest

from openai_support import MESSAGES, Traced, client, instrumented, openai_recording, priced_chat
from otel_llmcost.instrumentation.openai._providers import Endpoint, Endpoints, provider_of

if TYPE_CHECKING:
    from conftest import Tracing


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.openai.com/v1", Endpoint("openai", "api.openai.com", 443)),
        ("https://contoso.openai.azure.com/openai/", Endpoint("azure.ai.openai", "contoso.openai.azure.com", 443)),
        (
            "https://contoso.cognitiveservices.azure.com/openai",
            Endpoint("azure.ai.openai", "contoso.cognitiveservices.azure.com", 443),
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            Endpoint("gcp.gemini", "generativelanguage.googleapis.com", 443),
        ),
        (
            "https://us-central1-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-central1/endpoints/openapi",
            Endpoint("gcp.vertex_ai", "us-central1-aiplatform.googleapis.com", 443),
        ),
        (
            "https://aiplatform.googleapis.com/v1beta1/projects/acme-prod/locations/global/endpoints/openapi/",
            Endpoint("gcp.vertex_ai", "aiplatform.googleapis.com", 443),
        ),
        (  # a model the user deployed to an endpoint of their own: billed by the machine, not by the token
            "https://europe-west4-aiplatform.googleapis.com/v1/projects/acme-prod/locations/europe-west4/endpoints/4829",
            Endpoint("openai_compatible", "europe-west4-aiplatform.googleapis.com", 443),
        ),
        ("https://api.anthropic.com/v1/", Endpoint("anthropic", "api.anthropic.com", 443)),
        ("https://api.groq.com/openai/v1", Endpoint("groq", "api.groq.com", 443)),
        ("https://api.deepseek.com", Endpoint("deepseek", "api.deepseek.com", 443)),
        ("https://api.x.ai/v1", Endpoint("x_ai", "api.x.ai", 443)),
        ("https://api.mistral.ai/v1", Endpoint("mistral_ai", "api.mistral.ai", 443)),
        ("https://api.perplexity.ai", Endpoint("perplexity", "api.perplexity.ai", 443)),
        ("https://openrouter.ai/api/v1", Endpoint("openrouter", "openrouter.ai", 443)),
        ("https://api.together.xyz/v1", Endpoint("together_ai", "api.together.xyz", 443)),
        ("https://api.together.ai/v1", Endpoint("together_ai", "api.together.ai", 443)),
        ("https://api.fireworks.ai/inference/v1", Endpoint("fireworks_ai", "api.fireworks.ai", 443)),
        ("http://localhost:11434/v1", Endpoint("ollama", "localhost", 11434)),
        ("http://gpu-box.lan:11434/v1", Endpoint("ollama", "gpu-box.lan", 11434)),
        ("http://127.0.0.1:1234/v1", Endpoint("lm_studio", "127.0.0.1", 1234)),
        ("http://localhost:8000/v1", Endpoint("vllm", "localhost", 8000)),
        ("http://10.0.4.2:8000/v1", Endpoint("vllm", "10.0.4.2", 8000)),
        ("https://llm.example.com:8000/v1", Endpoint("openai_compatible", "llm.example.com", 8000)),
        ("http://localhost:4000", Endpoint("openai_compatible", "localhost", 4000)),
        ("https://gateway.example.com/openai/v1", Endpoint("openai_compatible", "gateway.example.com", 443)),
        ("http://api.openai.com/v1", Endpoint("openai", "api.openai.com", 80)),
    ],
)
def test_the_provider_comes_from_the_base_url(base_url: str, expected: Endpoint) -> None:
    assert Endpoints().of(httpx2.URL(base_url)) == expected
    assert Endpoints().of(base_url) == expected


def test_one_vertex_ai_host_is_told_apart_by_the_path_of_each_client() -> None:
    endpoints = Endpoints()
    host = "https://us-east5-aiplatform.googleapis.com/v1/projects/acme-prod/locations/us-east5/endpoints"

    assert endpoints.of(httpx2.URL(f"{host}/openapi/")).provider == "gcp.vertex_ai"
    assert endpoints.of(httpx2.URL(f"{host}/7731/")).provider == "openai_compatible"
    assert endpoints.of(httpx2.URL(f"{host}/openapi/")).provider == "gcp.vertex_ai"
    assert Endpoints({"us-east5-aiplatform.googleapis.com": "vllm"}).of(httpx2.URL(f"{host}/7731/")).provider == "vllm"


def test_the_providers_option_names_a_host_or_a_host_and_port() -> None:
    endpoints = Endpoints({"gateway.example.com": "openai", "GPU-BOX.lan:9000": "vllm"})

    assert endpoints.of(httpx2.URL("https://gateway.example.com/v1")).provider == "openai"
    assert endpoints.of(httpx2.URL("http://gpu-box.lan:9000/v1")).provider == "vllm"
    assert endpoints.of(httpx2.URL("http://gpu-box.lan:9001/v1")).provider == "openai_compatible"
    assert provider_of("api.openai.com.", 443) == "openai"


def test_the_providers_option_reaches_the_spans() -> None:
    with instrumented(providers={"gateway.example.com": "openai"}) as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"), base_url="https://gateway.example.com/v1")
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

        attributes = dict(traced.span().attributes or {})
        assert attributes["gen_ai.provider.name"] == "openai"
        assert attributes["server.address"] == "gateway.example.com"


def test_a_client_whose_base_url_changes_reports_the_new_server(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"), openai_recording("chat_gpt_4o_mini"))
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    sdk.base_url = "http://localhost:11434/v1"  # type: ignore[assignment] # the SDK's setter takes a str
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert [str(request.url) for request in replay.requests] == [
        "https://api.openai.com/v1/chat/completions",
        "http://localhost:11434/v1/chat/completions",
    ]
    assert [
        [span.attributes[key] for key in ("gen_ai.provider.name", "server.address", "server.port")]
        for span in traced.spans()
        if span.attributes is not None
    ] == [["openai", "api.openai.com", 443], ["ollama", "localhost", 11434]]


def _attributes(traced: Traced) -> dict[str, object]:
    return dict(traced.span().attributes or {})


def _azure() -> openai.AzureOpenAI:
    """An Azure OpenAI client of the deployment support-bot-mini, answered by the recording chat_azure_gpt_4o_mini."""
    return openai.AzureOpenAI(
        api_key="test",
        api_version="2024-10-21",
        azure_endpoint="https://contoso-eastus.openai.azure.com",
        max_retries=0,
        http_client=httpx2.Client(
            transport=httpx2.MockTransport(lambda request: openai_recording("chat_azure_gpt_4o_mini"))
        ),
    )


def test_azure_openai_client(traced: Traced) -> None:
    azure = _azure()

    azure.chat.completions.create(model="support-bot-mini", messages=MESSAGES)

    span = traced.span()
    assert span.name == "chat support-bot-mini"
    assert _attributes(traced) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.openai",
        "gen_ai.request.model": "support-bot-mini",
        "server.address": "contoso-eastus.openai.azure.com",
        "server.port": 443,
        "openai.api.type": "chat_completions",
        "gen_ai.response.id": "chatcmpl-CYrBnF8pX4yU9wL2nR6aM0cS3tK",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.finish_reasons": ("stop",),
        "openai.response.system_fingerprint": "fp_efad92c60b",
        "gen_ai.usage.input_tokens": 2048,
        "gen_ai.usage.output_tokens": 20,
        "gen_ai.usage.cache_read.input_tokens": 1024,
    }


def test_openrouter_reports_the_charge(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_openrouter_cost"), base_url="https://openrouter.ai/api/v1")

    sdk.chat.completions.create(model="openai/gpt-4o-mini", messages=MESSAGES)

    attributes = _attributes(traced)
    assert attributes["gen_ai.provider.name"] == "openrouter"
    assert attributes["gen_ai.response.model"] == "openai/gpt-4o-mini"
    assert attributes["llmcost.provider_reported.cost"] == 0.0000117
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (22, 14)


def test_deepseek_cache_hits_are_cache_reads(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_deepseek_cache"), base_url="https://api.deepseek.com")

    sdk.chat.completions.create(model="deepseek-chat", messages=MESSAGES)

    attributes = _attributes(traced)
    assert attributes["gen_ai.provider.name"] == "deepseek"
    assert {key: value for key, value in attributes.items() if key.startswith("gen_ai.usage.")} == {
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 150,
        "gen_ai.usage.cache_read.input_tokens": 1024,
    }


def test_xai_reasoning_outside_the_completion_is_counted_in_the_output(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_xai_reasoning"), base_url="https://api.x.ai/v1")

    sdk.chat.completions.create(model="grok-3-mini", messages=MESSAGES)

    # total_tokens 1,043 = 32 prompt + 9 completion + 1,002 reasoning: the output is 1,011 tokens.
    attributes = _attributes(traced)
    assert attributes["gen_ai.provider.name"] == "x_ai"
    assert {key: value for key, value in attributes.items() if key.startswith("gen_ai.usage.")} == {
        "gen_ai.usage.input_tokens": 32,
        "gen_ai.usage.output_tokens": 1011,
        "gen_ai.usage.cache_read.input_tokens": 6,
        "gen_ai.usage.reasoning.output_tokens": 1002,
    }


def test_openrouters_charge_is_the_cost(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_openrouter_cost", "https://openrouter.ai/api/v1", "openai/gpt-4o-mini")

    assert attributes["llmcost.status"] == "provider_reported"
    assert attributes["gen_ai.usage.cost.source"] == "provider"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.0000117")


def test_an_unknown_server_is_never_priced_as_openai(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_gpt_4o_mini", "https://llm.example.com/v1", "gpt-4o-mini")

    assert attributes["gen_ai.provider.name"] == "openai_compatible"
    assert attributes["llmcost.status"] == "unpriced"
    assert attributes["llmcost.reason"] == "unknown_provider"
    assert "gen_ai.usage.cost.amount" not in attributes


def test_a_self_hosted_server_is_not_priced_on_purpose(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_ollama_llama", "http://localhost:11434/v1", "llama3.2")

    assert attributes["gen_ai.provider.name"] == "ollama"
    assert attributes["server.port"] == 11434
    assert attributes["llmcost.status"] == "unpriced"
    assert attributes["llmcost.reason"] == "not_priced"


# chat_azure_gpt_4o_mini, priced as Azure's gpt-4o-mini (OpenAI's global price):
#   1,024 x $0.15 / 1M + 1,024 x $0.075 / 1M + 20 x $0.60 / 1M = $0.0001536 + $0.0000768 + $0.000012 = $0.0002424
def test_an_azure_deployment_is_priced_by_the_model_that_answered(priced: Tracing) -> None:
    azure = _azure()
    azure.chat.completions.create(model="support-bot-mini", messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.price.entry"] == "azure.ai.openai/gpt-4o-mini"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.0002424")


GEMINI_API = "https://generativelanguage.googleapis.com/v1beta/openai/"
VERTEX_AI = "https://aiplatform.googleapis.com/v1/projects/acme-prod/locations/global/endpoints/openapi"


def _cost(attributes: dict[str, object]) -> Decimal:
    return Decimal(repr(attributes["gen_ai.usage.cost.amount"]))


def _usage(attributes: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in attributes.items() if key.startswith("gen_ai.usage.") and "cost" not in key}


# chat_gemini_flash_lite_cache, from the Gemini API's OpenAI-compatible endpoint (cached tokens inside the prompt):
#   262 x $0.10 / 1M + 2,048 x $0.01 / 1M + 41 x $0.40 / 1M = $0.0000262 + $0.00002048 + $0.0000164 = $0.00006308
def test_the_gemini_apis_compatible_endpoint_is_priced_as_gemini(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_gemini_flash_lite_cache", GEMINI_API, "gemini-2.5-flash-lite")

    assert attributes["gen_ai.provider.name"] == "gcp.gemini"
    assert attributes["gen_ai.response.model"] == "gemini-2.5-flash-lite"
    assert _usage(attributes) == {
        "gen_ai.usage.input_tokens": 2310,
        "gen_ai.usage.output_tokens": 41,
        "gen_ai.usage.cache_read.input_tokens": 2048,
    }
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "gcp.gemini/gemini-2.5-flash-lite"
    assert _cost(attributes) == Decimal("0.00006308")


# chat_gemini_flash_lite_stream: every chunk carries the running usage, asked for or not; the last one is the call's.
#   57 x $0.10 / 1M + 34 x $0.40 / 1M = $0.0000057 + $0.0000136 = $0.0000193
def test_a_gemini_stream_is_priced_from_its_last_running_usage(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("chat_gemini_flash_lite_stream"), base_url=GEMINI_API)

    chunks = list(sdk.chat.completions.create(model="gemini-2.5-flash-lite", messages=MESSAGES, stream=True))

    assert len(chunks) == 3
    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert _usage(attributes) == {"gen_ai.usage.input_tokens": 57, "gen_ai.usage.output_tokens": 34}
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["llmcost.status"] == "priced"
    assert _cost(attributes) == Decimal("0.0000193")


# chat_gemini_flash_thinking: the Gemini API's compatible endpoint counts thinking tokens in total_tokens only
# (1,430 = 842 prompt + 96 completion + 492 thinking), and Gemini bills them as output:
#   842 x $0.30 / 1M + (96 + 492) x $2.50 / 1M = $0.0002526 + $0.00147 = $0.0017226
def test_gemini_thinking_counted_only_in_the_total_is_billed_as_output(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_gemini_flash_thinking", GEMINI_API, "gemini-2.5-flash")

    assert _usage(attributes) == {
        "gen_ai.usage.input_tokens": 842,
        "gen_ai.usage.output_tokens": 588,
        "gen_ai.usage.reasoning.output_tokens": 492,
    }
    assert _cost(attributes) == Decimal("0.0017226")


# chat_vertex_gemini_2_0_flash: Vertex AI names its models with the publisher, google/gemini-2.0-flash-001.
#   612 x $0.15 / 1M + 88 x $0.60 / 1M = $0.0000918 + $0.0000528 = $0.0001446
def test_vertex_ais_compatible_endpoint_is_priced_as_vertex_ai(priced: Tracing) -> None:
    attributes = priced_chat(priced, "chat_vertex_gemini_2_0_flash", VERTEX_AI, "google/gemini-2.0-flash-001")

    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert attributes["gen_ai.response.model"] == "google/gemini-2.0-flash-001"
    assert attributes["llmcost.price.entry"] == "gcp.vertex_ai/gemini-2.0-flash"
    assert _cost(attributes) == Decimal("0.0001446")


def test_vertex_ais_compatible_endpoint_names_the_provider(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_vertex_gemini_2_0_flash"), base_url=VERTEX_AI)

    sdk.chat.completions.create(model="google/gemini-2.0-flash-001", messages=MESSAGES)

    attributes = _attributes(traced)
    assert attributes["gen_ai.provider.name"] == "gcp.vertex_ai"
    assert attributes["server.address"] == "aiplatform.googleapis.com"
    assert _usage(attributes) == {"gen_ai.usage.input_tokens": 612, "gen_ai.usage.output_tokens": 88}


# chat_anthropic_claude_sonnet_4_5, from Anthropic's OpenAI SDK compatibility (its usage details are always empty):
#   31 x $3 / 1M + 212 x $15 / 1M = $0.000093 + $0.00318 = $0.003273
def test_anthropics_compatible_endpoint_is_priced_as_anthropic(priced: Tracing) -> None:
    attributes = priced_chat(
        priced, "chat_anthropic_claude_sonnet_4_5", "https://api.anthropic.com/v1/", "claude-sonnet-4-5"
    )

    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.response.id"] == "msg_01QeTzR4vN8xK2mB7pL3wH5d"
    assert _usage(attributes) == {"gen_ai.usage.input_tokens": 31, "gen_ai.usage.output_tokens": 212}
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "anthropic/claude-sonnet-4-5"
    assert _cost(attributes) == Decimal("0.003273")
