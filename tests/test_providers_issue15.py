"""One real-shaped call per provider added in issue 15, priced from the bundled table.

Each case is the ``usage`` object of a chat (or rerank) response as the provider's OpenAI-compatible API
reports it, the provider name as instrumentations spell it and the model id as the response names it.
The expected cost is written out from the provider's per-million-token prices in the price file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from openai_support import priced_chat
from otel_llmcost.instrumentation.openai._read import token_usage
from otel_llmcost.pricing import PriceTable, Usage
from test_price_table import ISSUE_15_PROVIDERS

if TYPE_CHECKING:
    from conftest import Tracing

M = 1_000_000
AT = date(2026, 12, 7)  # the table's version: every new entry's price is in force


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def usage_of(recorded: dict[str, Any]) -> Usage:
    """The `Usage` of an OpenAI-style usage object, as the openai instrumentor reads it."""
    if "prompt_tokens" not in recorded:  # a rerank or embedding: input tokens only
        return token_usage(recorded["total_tokens"], 0)
    cached = recorded.get("prompt_tokens_details", {}).get("cached_tokens", 0)
    return token_usage(
        recorded["prompt_tokens"], recorded["completion_tokens"], cache_read=cached, total=recorded["total_tokens"]
    )


CALLS = [
    pytest.param(
        "OpenRouter",
        "meta-llama/llama-3.3-70b-instruct",
        {"prompt_tokens": 3823, "completion_tokens": 73, "total_tokens": 3896},
        # 3823 * 0.59/1e6 + 73 * 0.79/1e6 (the price since 2026-11-09)
        (3823 * D("0.59") + 73 * D("0.79")) / M,
        id="openrouter",
    ),
    pytest.param(
        "cerebras",
        "llama-3.3-70b",
        {"prompt_tokens": 8941, "completion_tokens": 124, "total_tokens": 9065},
        # 8941 * 0.85/1e6 + 124 * 1.2/1e6
        (8941 * D("0.85") + 124 * D("1.2")) / M,
        id="cerebras",
    ),
    pytest.param(
        "sambanova",
        "Meta-Llama-3.3-70B-Instruct",
        {"prompt_tokens": 2988, "completion_tokens": 539, "total_tokens": 3527},
        # 2988 * 0.6/1e6 + 539 * 1.2/1e6
        (2988 * D("0.6") + 539 * D("1.2")) / M,
        id="sambanova",
    ),
    pytest.param(
        "deepinfra",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 676, "completion_tokens": 162, "total_tokens": 838},
        # 676 * 0.23/1e6 + 162 * 0.4/1e6
        (676 * D("0.23") + 162 * D("0.4")) / M,
        id="deepinfra",
    ),
    pytest.param(
        "novita",
        "meta-llama/llama-3.3-70b-instruct",
        {"prompt_tokens": 2812, "completion_tokens": 1472, "total_tokens": 4284},
        # 2812 * 0.135/1e6 + 1472 * 0.4/1e6 (the price since 2026-10-18)
        (2812 * D("0.135") + 1472 * D("0.4")) / M,
        id="novita",
    ),
    pytest.param(
        "hyperbolic",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 6417, "completion_tokens": 540, "total_tokens": 6957},
        # 6417 * 0.12/1e6 + 540 * 0.3/1e6
        (6417 * D("0.12") + 540 * D("0.3")) / M,
        id="hyperbolic",
    ),
    pytest.param(
        "nebius",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 2319, "completion_tokens": 742, "total_tokens": 3061},
        # 2319 * 0.13/1e6 + 742 * 0.4/1e6
        (2319 * D("0.13") + 742 * D("0.4")) / M,
        id="nebius",
    ),
    pytest.param(
        "cloudflare_workers_ai",
        "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        {"prompt_tokens": 8040, "completion_tokens": 1500, "total_tokens": 9540},
        # 8040 * 0.293/1e6 + 1500 * 2.253/1e6
        (8040 * D("0.293") + 1500 * D("2.253")) / M,
        id="cloudflare",
    ),
    pytest.param(
        "databricks",
        "databricks-gpt-oss-120b",
        {"prompt_tokens": 6228, "completion_tokens": 624, "total_tokens": 6852},
        # 6228 * 0.15/1e6 + 624 * 0.6/1e6
        (6228 * D("0.15") + 624 * D("0.6")) / M,
        id="databricks",
    ),
    pytest.param(
        "watsonx",
        "openai/gpt-oss-120b",
        {"prompt_tokens": 6827, "completion_tokens": 589, "total_tokens": 7416},
        # 6827 * 0.159/1e6 + 589 * 0.636/1e6
        (6827 * D("0.159") + 589 * D("0.636")) / M,
        id="ibm.watsonx.ai",
    ),
    pytest.param(
        "moonshot",
        "kimi-k2",
        {"prompt_tokens": 6041, "completion_tokens": 518, "total_tokens": 6559},
        # 6041 * 0.57/1e6 + 518 * 2.3/1e6
        (6041 * D("0.57") + 518 * D("2.3")) / M,
        id="moonshot_ai",
    ),
    pytest.param(
        "zai",
        "glm-4.6",
        {
            "prompt_tokens": 3781,
            "completion_tokens": 777,
            "total_tokens": 4558,
            "prompt_tokens_details": {"cached_tokens": 896},
        },
        # (3781 - 896) * 0.6/1e6 + 896 * 0.11/1e6 + 777 * 2.2/1e6
        ((3781 - 896) * D("0.6") + 896 * D("0.11") + 777 * D("2.2")) / M,
        id="z_ai",
    ),
    pytest.param(
        "dashscope",
        "qwen3-next-80b-a3b-instruct",
        {"prompt_tokens": 5534, "completion_tokens": 507, "total_tokens": 6041},
        # 5534 * 0.15/1e6 + 507 * 1.2/1e6
        (5534 * D("0.15") + 507 * D("1.2")) / M,
        id="alibaba_cloud",
    ),
    pytest.param(
        "minimax",
        "MiniMax-M2",
        {
            "prompt_tokens": 5407,
            "completion_tokens": 1097,
            "total_tokens": 6504,
            "prompt_tokens_details": {"cached_tokens": 1280},
        },
        # (5407 - 1280) * 0.3/1e6 + 1280 * 0.03/1e6 + 1097 * 1.2/1e6
        ((5407 - 1280) * D("0.3") + 1280 * D("0.03") + 1097 * D("1.2")) / M,
        id="minimax",
    ),
    pytest.param(
        "ai21",
        "jamba-1.5",
        {"prompt_tokens": 7288, "completion_tokens": 523, "total_tokens": 7811},
        # 7288 * 0.2/1e6 + 523 * 0.4/1e6
        (7288 * D("0.2") + 523 * D("0.4")) / M,
        id="ai21",
    ),
    pytest.param(
        "huggingface",
        "meta-llama/Llama-3.3-70B-Instruct:fireworks-ai",
        {"prompt_tokens": 7863, "completion_tokens": 909, "total_tokens": 8772},
        # 7863 * 0.9/1e6 + 909 * 0.9/1e6
        (7863 * D("0.9") + 909 * D("0.9")) / M,
        id="huggingface",
    ),
    pytest.param(
        "replicate",
        "openai/gpt-oss-120b",
        {"prompt_tokens": 8421, "completion_tokens": 211, "total_tokens": 8632},
        # 8421 * 0.18/1e6 + 211 * 0.72/1e6
        (8421 * D("0.18") + 211 * D("0.72")) / M,
        id="replicate",
    ),
    pytest.param(
        "baseten",
        "openai/gpt-oss-120b",
        {"prompt_tokens": 7954, "completion_tokens": 1206, "total_tokens": 9160},
        # 7954 * 0.1/1e6 + 1206 * 0.5/1e6
        (7954 * D("0.1") + 1206 * D("0.5")) / M,
        id="baseten",
    ),
    pytest.param(
        "ovhcloud",
        "gpt-oss-120b",
        {"prompt_tokens": 6297, "completion_tokens": 949, "total_tokens": 7246},
        # 6297 * 0.09/1e6 + 949 * 0.47/1e6
        (6297 * D("0.09") + 949 * D("0.47")) / M,
        id="ovhcloud",
    ),
    pytest.param(
        "scaleway",
        "llama-3.3-70b-instruct",
        {"prompt_tokens": 5563, "completion_tokens": 1471, "total_tokens": 7034},
        # (5563 * 0.9/1e6 + 1471 * 0.9/1e6) euros, x 1.1607 USD per EUR (the file's fx: ECB, 2025-10-21)
        (5563 * D("0.9") + 1471 * D("0.9")) * D("1.1607") / M,
        id="scaleway",
    ),
    pytest.param(
        "jina",
        "jina-reranker-m0",
        {"total_tokens": 7782},
        # 7782 * 0.05/1e6
        7782 * D("0.05") / M,
        id="jina_ai",
    ),
    pytest.param(
        "azure.ai.inference",
        "Llama-3.3-70B-Instruct",
        {"prompt_tokens": 1478, "completion_tokens": 1054, "total_tokens": 2532},
        # 1478 * 0.71/1e6 + 1054 * 0.71/1e6
        (1478 * D("0.71") + 1054 * D("0.71")) / M,
        id="azure.ai.inference",
    ),
    pytest.param(
        "nvidia",
        "meta/llama-3.3-70b-instruct",
        {"prompt_tokens": 44, "completion_tokens": 32, "total_tokens": 76},
        # NVIDIA's hosted API is free to its developer program: 44 * 0/1e6 + 32 * 0/1e6
        D(0),
        id="nvidia_nim",
    ),
    pytest.param(
        "arcee",
        "deepseek/deepseek-v4-flash-latest",
        {
            "prompt_tokens": 707,
            "completion_tokens": 450,
            "total_tokens": 1157,
            "prompt_tokens_details": {"cached_tokens": 128},
        },
        # (707 - 128) * 0.14/1e6 + 128 * 0.028/1e6 + 450 * 0.28/1e6
        ((707 - 128) * D("0.14") + 128 * D("0.028") + 450 * D("0.28")) / M,
        id="arcee",
    ),
    pytest.param(
        "avian",
        "Meta-Llama-3.3-70B-Instruct",
        {"prompt_tokens": 2698, "completion_tokens": 1143, "total_tokens": 3841},
        # 2698 * 0.45/1e6 + 1143 * 0.45/1e6
        (2698 * D("0.45") + 1143 * D("0.45")) / M,
        id="avian",
    ),
    pytest.param(
        "modal",
        "moonshotai/Kimi-K3",
        {
            "prompt_tokens": 3221,
            "completion_tokens": 1307,
            "total_tokens": 4528,
            "prompt_tokens_details": {"cached_tokens": 768},
        },
        # (3221 - 768) * 3/1e6 + 768 * 0.3/1e6 + 1307 * 15/1e6
        ((3221 - 768) * D("3") + 768 * D("0.3") + 1307 * D("15")) / M,
        id="modal",
    ),
    pytest.param(
        "lambda",
        "deepseek-v3-0324",
        {"prompt_tokens": 684, "completion_tokens": 636, "total_tokens": 1320},
        # 684 * 0.2/1e6 + 636 * 0.6/1e6
        (684 * D("0.2") + 636 * D("0.6")) / M,
        id="lambda_ai",
    ),
    pytest.param(
        "nscale",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 8509, "completion_tokens": 360, "total_tokens": 8869},
        # 8509 * 0.2/1e6 + 360 * 0.2/1e6
        (8509 * D("0.2") + 360 * D("0.2")) / M,
        id="nscale",
    ),
    pytest.param(
        "friendli",
        "deepseek-ai/DeepSeek-V3.2",
        {
            "prompt_tokens": 2036,
            "completion_tokens": 288,
            "total_tokens": 2324,
            "prompt_tokens_details": {"cached_tokens": 384},
        },
        # (2036 - 384) * 0.5/1e6 + 384 * 0.25/1e6 + 288 * 1.5/1e6
        ((2036 - 384) * D("0.5") + 384 * D("0.25") + 288 * D("1.5")) / M,
        id="friendliai",
    ),
    pytest.param(
        "snowflake",
        "snowflake-llama-3.3-70b",
        {"prompt_tokens": 6877, "completion_tokens": 147, "total_tokens": 7024},
        # 6877 * 0.72/1e6 + 147 * 0.72/1e6
        (6877 * D("0.72") + 147 * D("0.72")) / M,
        id="snowflake",
    ),
    pytest.param(
        "oci",
        "meta.llama-3.3-70b-instruct",
        {"prompt_tokens": 1605, "completion_tokens": 1009, "total_tokens": 2614},
        # 1605 * 0.72/1e6 + 1009 * 0.72/1e6
        (1605 * D("0.72") + 1009 * D("0.72")) / M,
        id="oci",
    ),
    pytest.param(
        "gmi",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 5246, "completion_tokens": 872, "total_tokens": 6118},
        # 5246 * 0.25/1e6 + 872 * 0.75/1e6
        (5246 * D("0.25") + 872 * D("0.75")) / M,
        id="gmi",
    ),
    pytest.param(
        "volcengine",
        "doubao-seed-2-1-lite-260915",
        {
            "prompt_tokens": 8625,
            "completion_tokens": 525,
            "total_tokens": 9150,
            "prompt_tokens_details": {"cached_tokens": 2048},
        },
        # (8625 - 2048) * 0.115/1e6 + 2048 * 0.023/1e6 + 525 * 0.388126/1e6
        ((8625 - 2048) * D("0.115") + 2048 * D("0.023") + 525 * D("0.388126")) / M,
        id="volcengine",
    ),
    pytest.param(
        "wandb",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 3336, "completion_tokens": 1163, "total_tokens": 4499},
        # 3336 * 0.71/1e6 + 1163 * 0.71/1e6
        (3336 * D("0.71") + 1163 * D("0.71")) / M,
        id="wandb",
    ),
    pytest.param(
        "crusoe",
        "meta-llama/Llama-3.3-70B-Instruct",
        {"prompt_tokens": 8593, "completion_tokens": 774, "total_tokens": 9367},
        # 8593 * 0.2/1e6 + 774 * 0.2/1e6
        (8593 * D("0.2") + 774 * D("0.2")) / M,
        id="crusoe",
    ),
    pytest.param(
        "aws.bedrock",
        "us.qwen.qwen3-next-80b-a3b",
        {"prompt_tokens": 4210, "completion_tokens": 388, "total_tokens": 4598},
        # 4210 * 0.15/1e6 + 388 * 1.2/1e6
        (4210 * D("0.15") + 388 * D("1.2")) / M,
        id="aws.bedrock",
    ),
    pytest.param(
        "vertex_ai",
        "publishers/zai-org/models/glm-5-maas",
        {
            "prompt_tokens": 5120,
            "completion_tokens": 640,
            "total_tokens": 5760,
            "prompt_tokens_details": {"cached_tokens": 2048},
        },
        # (5120 - 2048) * 1/1e6 + 2048 * 0.1/1e6 + 640 * 3.2/1e6
        ((5120 - 2048) * D("1") + 2048 * D("0.1") + 640 * D("3.2")) / M,
        id="gcp.vertex_ai",
    ),
]


@pytest.mark.parametrize(("provider", "model", "recorded", "expected"), CALLS)
def test_a_recorded_call_costs_what_the_price_page_says(
    table: PriceTable, provider: str, model: str, recorded: dict[str, Any], expected: D
) -> None:
    cost = table.price(usage_of(recorded), provider=provider, model=model, at=AT)
    assert cost.status == "priced", cost.detail
    assert cost.total_usd == expected


def test_every_provider_added_in_issue_15_has_a_recorded_call() -> None:
    tested = {param.id for param in CALLS}
    # The partner models on Bedrock and Vertex AI that issue 15 named are recorded calls too.
    assert tested >= ISSUE_15_PROVIDERS | {"aws.bedrock", "gcp.vertex_ai"}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 14), (3823 * D("0.1") + 73 * D("0.25")) / M),  # 3823 * 0.10/1e6 + 73 * 0.25/1e6
        (date(2026, 6, 15), (3823 * D("0.05") + 73 * D("0.24")) / M),  # 3823 * 0.05/1e6 + 73 * 0.24/1e6
        (date(2026, 11, 8), (3823 * D("0.45") + 73 * D("0.9")) / M),  # 3823 * 0.45/1e6 + 73 * 0.90/1e6
    ],
)
def test_openrouter_prices_keep_their_history(table: PriceTable, day: date, expected: D) -> None:
    usage = Usage.from_totals(input_tokens=3823, output_tokens=73)
    cost = table.price(usage, provider="openrouter", model="meta-llama/llama-3.3-70b-instruct", at=day)
    assert cost.total_usd == expected


def test_a_hugging_face_model_without_its_inference_provider_is_not_guessed(table: PriceTable) -> None:
    cost = table.price(
        Usage.from_totals(input_tokens=10, output_tokens=5),
        provider="huggingface",
        model="meta-llama/Llama-3.3-70B-Instruct",
        at=AT,
    )
    assert cost.status == "unpriced"
    assert cost.reason == "unknown_model"


def test_a_call_to_nvidias_hosted_api_is_a_priced_span_that_costs_nothing(priced: Tracing) -> None:
    # The real openai client pointed at NVIDIA's API catalog; the transport replays a recorded chat completion.
    attributes = priced_chat(
        priced, "chat_nvidia_nim_llama", "https://integrate.api.nvidia.com/v1", "meta/llama-3.3-70b-instruct"
    )
    assert attributes["gen_ai.provider.name"] == "nvidia_nim"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (44, 32)
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "nvidia_nim/meta/llama-3.3-70b-instruct"
    # free developer access: 44 * 0/1e6 + 32 * 0/1e6, a cost of exactly zero, not a missing one
    assert D(repr(attributes["gen_ai.usage.cost.amount"])) == D(0)


def test_a_model_of_nvidias_catalog_the_table_does_not_name_is_still_free(table: PriceTable) -> None:
    cost = table.price(
        Usage.from_totals(input_tokens=1200, output_tokens=300),
        provider="nvidia_nim",
        model="qwen/qwen3-coder-480b-a35b-instruct",
        at=AT,
    )
    assert (cost.status, cost.entry, cost.total_usd) == ("priced", "nvidia_nim/api-catalog", D(0))


def test_a_self_hosted_nim_is_priced_by_the_override_the_pricing_readme_gives(tmp_path: Path) -> None:
    # pricing/README.md's example: a licence of $1 per GPU-hour on 8 GPUs serving 40 million tokens an hour
    readme = (Path(__file__).parents[1] / "pricing" / "README.md").read_text(encoding="utf-8")
    example = readme.split('```json\n{\n  "provider": "nim_self_hosted"', 1)[1].split("```", 1)[0]
    override = tmp_path / "nim.json"
    override.write_text('{\n  "provider": "nim_self_hosted"' + example, encoding="utf-8")

    table = PriceTable.load([override])
    cost = table.price(
        Usage.from_totals(input_tokens=1200, output_tokens=300),
        provider="nim_self_hosted",
        model="meta/llama-3.3-70b-instruct",
        at=AT,
    )
    assert (cost.status, cost.total_usd) == ("priced", (1200 * D("0.2") + 300 * D("0.2")) / M)  # $8 / 40M tokens
