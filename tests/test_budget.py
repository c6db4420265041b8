"""Budgets: a call whose worst case would pass the money left is refused before any request is sent."""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx2
import openai
import pytest
from opentelemetry.trace import StatusCode

from attribution_support import Attributed
from openai_support import instrumented_on
from otel_llmcost import BudgetExceeded, attribute, budget
from otel_llmcost.attribution import Budget
from otel_llmcost.attribution._worst_case import output_limit, worst_case
from replay import RECORDINGS, Replay
from scripts_support import SCRIPTS, load

MESSAGES = [{"role": "user", "content": "Summarise the churn report."}]
# The worst case of a gpt-4o-mini call with MESSAGES and max_tokens=16000: 14 input tokens (3 to prime the
# reply, 3 for the message, 1 for "user", 7 for the content, in o200k_base) and 16,000 output tokens.
WORST_CASE = Decimal("0.0096021")  # 14 * 0.15/1e6 + 16000 * 0.60/1e6
CALL_COST = Decimal("0.00024")  # the recording chat_gpt_4o_mini: 600 * 0.15/1e6 + 400 * 0.075/1e6 + 200 * 0.60/1e6


def _chat(response_id: str) -> httpx2.Response:
    """The recording chat_gpt_4o_mini with a response id of its own (a repeated id is priced once)."""
    recording: dict[str, Any] = json.loads((RECORDINGS / "openai" / "chat_gpt_4o_mini.json").read_text("utf-8"))
    body = copy.deepcopy(recording["body"])
    body["id"] = response_id
    return httpx2.Response(recording["status"], headers=recording["headers"], content=json.dumps(body).encode())


def _client(count: int) -> tuple[openai.OpenAI, Replay]:
    replay = Replay(*(_chat(f"chatcmpl-{number}") for number in range(count)))
    client = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(replay))
    )
    return client, replay


def _ask(client: openai.OpenAI) -> str:
    return client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=16000).id  # type: ignore[arg-type]


@pytest.fixture
def instrumented(attributed: Attributed) -> Iterator[Attributed]:
    with instrumented_on(attributed):
        yield attributed


def test_a_budget_per_customer_lets_calls_through_until_the_next_worst_case_would_pass_it(
    instrumented: Attributed,
) -> None:
    client, replay = _client(4)
    with budget(usd="0.01", per="customer", window="1d", on_exceed="raise") as limit, attribute(customer="cus_1"):
        assert _ask(client) == "chatcmpl-0"  # 0 spent + 0.0096021 <= 0.01
        assert _ask(client) == "chatcmpl-1"  # 0.00024 spent + 0.0096021 = 0.0098421 <= 0.01
        with pytest.raises(BudgetExceeded) as refused:
            _ask(client)  # 0.00048 spent + 0.0096021 = 0.0100821 > 0.01

        assert len(replay.requests) == 2  # the refused call sent nothing
        error = refused.value
        assert (error.key, error.spent_usd, error.worst_case_usd, error.limit_usd) == (
            "cus_1",
            2 * CALL_COST,
            WORST_CASE,
            Decimal("0.01"),
        )
        assert str(error) == (
            "budget of $0.01 per 1d for customer 'cus_1' would be exceeded: $0.00048 spent in the window and this "
            "call may cost up to $0.00960210"
        )
        assert limit.spent_usd("cus_1") == 2 * CALL_COST
        # The spend is the cost counter's, to the cent and beyond.
        assert instrumented.cost_by("llmcost.customer.id") == {"cus_1": 2 * CALL_COST}

        with attribute(customer="cus_2"):  # another customer has a budget of its own
            assert _ask(client) == "chatcmpl-2"
        assert len(replay.requests) == 3

    refused_span = [
        span for span in instrumented.exporter.get_finished_spans() if span.status.status_code is StatusCode.ERROR
    ]
    assert [(span.attributes or {})["error.type"] for span in refused_span] == ["BudgetExceeded"]
    assert "gen_ai.usage.cost.amount" not in (refused_span[0].attributes or {})


def test_after_the_budget_is_removed_calls_go_through(instrumented: Attributed) -> None:
    client, replay = _client(3)
    limit = budget(usd="0.001", on_exceed="raise")
    with pytest.raises(BudgetExceeded):
        _ask(client)
    limit.remove()

    assert _ask(client) == "chatcmpl-0"
    assert len(replay.requests) == 1


def test_warn_logs_and_lets_the_call_go(instrumented: Attributed, caplog: pytest.LogCaptureFixture) -> None:
    client, replay = _client(1)
    with budget(usd="0.005", on_exceed="warn"), caplog.at_level(logging.WARNING, logger="otel_llmcost"):
        assert _ask(client) == "chatcmpl-0"

    assert len(replay.requests) == 1
    assert [record.getMessage() for record in caplog.records] == [
        "otel-llmcost: budget of $0.005 per 1d would be exceeded: $0 spent in the window and this call may cost up "
        "to $0.00960210"
    ]


def test_a_callable_gets_the_error_and_decides(instrumented: Attributed) -> None:
    client, replay = _client(1)
    seen: list[BudgetExceeded] = []
    with budget(usd="0.005", window="1h", on_exceed=seen.append):
        assert _ask(client) == "chatcmpl-0"

    assert len(replay.requests) == 1
    assert [(error.spent_usd, error.worst_case_usd) for error in seen] == [(Decimal(0), WORST_CASE)]


def test_a_call_without_the_budgets_key_is_not_checked(instrumented: Attributed) -> None:
    client, replay = _client(1)
    with budget(usd="0.001", per="tenant", on_exceed="raise"), attribute(customer="cus_1"):
        assert _ask(client) == "chatcmpl-0"
    assert len(replay.requests) == 1


def test_calls_checked_at_once_in_many_threads_reserve_their_worst_case(instrumented: Attributed) -> None:
    threads = 20
    refused: list[BudgetExceeded] = []
    all_refused = threading.Event()
    lock = threading.Lock()
    responses = [_chat(f"chatcmpl-{number}") for number in range(threads)]
    requests: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        # The call that got through is in flight until every other call has been checked.
        assert all_refused.wait(timeout=30)
        return responses.pop(0)

    client = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(answer))
    )
    start = threading.Barrier(threads, timeout=30)

    def ask() -> None:
        with attribute(customer="cus_1"):
            start.wait()
            try:
                _ask(client)
            except BudgetExceeded as error:
                with lock:
                    refused.append(error)
                    if len(refused) == threads - 1:
                        all_refused.set()

    with budget(usd="0.01", per="customer", on_exceed="raise"):
        workers = [threading.Thread(target=ask) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)

    # One worst case ($0.0096021) fits in $0.01, two do not: the first reserves its own until its span ends.
    assert len(requests) == 1
    assert len(refused) == threads - 1
    assert {error.spent_usd for error in refused} == {WORST_CASE}


def test_the_worst_case_takes_the_output_limit_of_the_request_else_of_the_model() -> None:
    at_limit = worst_case("openai", "gpt-4o-mini", "chat", {"messages": MESSAGES, "max_tokens": 16000})
    assert at_limit == (WORST_CASE, 14, 16000)
    model_limit = worst_case("openai", "gpt-4o-mini", "chat", {"messages": MESSAGES})
    assert model_limit == (Decimal("0.0098325"), 14, 16384)  # 14 * 0.15/1e6 + 16384 * 0.60/1e6
    two_choices = worst_case(
        "openai", "gpt-4o-mini", "chat", {"messages": MESSAGES, "max_completion_tokens": 10, "n": 2}
    )
    assert two_choices == (Decimal("0.0000141"), 14, 20)  # 14 * 0.15/1e6 + 20 * 0.60/1e6
    responses = worst_case(
        "openai", "gpt-4o-mini", "chat", {"input": "Summarise the churn report.", "max_output_tokens": 100}
    )
    assert responses == (Decimal("0.00006105"), 7, 100)  # 7 * 0.15/1e6 + 100 * 0.60/1e6
    embeddings = worst_case(
        "openai", "text-embedding-3-small", "embeddings", {"input": ["Summarise the churn report."]}
    )
    assert embeddings == (Decimal("0.00000014"), 7, 0)  # 7 * 0.02/1e6, no output


@pytest.mark.parametrize(
    ("provider", "model", "limit"),
    [
        ("openai", "gpt-4o-mini-2024-07-18", 16_384),  # OpenAI's model page: 16,384 max output tokens
        ("openai", "gpt-5", 128_000),  # 128,000
        ("anthropic", "claude-sonnet-4-5-20250929", 64_000),  # Anthropic's models overview: 64K
        ("gcp.gemini", "gemini-2.5-flash", 65_536),  # Gemini API models page: 65,536
        ("cohere", "command-a-03-2025", 8_000),  # Cohere's Command A page: 8K output
        ("azure.ai.openai", "gpt-4o-mini", 16_384),  # an entry that inherits OpenAI's prices takes its limit too
        ("openai", "a-model-nobody-prices", 32_768),  # not in the price table: the default
    ],
)
def test_the_model_limit_comes_from_the_generated_table(provider: str, model: str, limit: int) -> None:
    assert output_limit(provider, model) == limit


def test_a_request_without_an_output_limit_is_priced_at_the_models() -> None:
    found = worst_case("openai", "gpt-5", "chat", {"messages": MESSAGES})
    assert found == (Decimal("1.2800175"), 14, 128_000)  # 14 * 1.25/1e6 + 128000 * 10.00/1e6


def _generator() -> Any:
    return load("gen_output_limits", SCRIPTS / "gen_output_limits.py")


def test_the_generator_prefers_the_providers_own_figure_then_the_makers_then_most_hosts() -> None:
    limits = _generator().Limits(
        {
            "gemini/gemini-9-flash": {"max_output_tokens": 65_536, "litellm_provider": "gemini"},
            "gemini-9-flash": {"max_output_tokens": 65_535, "litellm_provider": "vertex_ai-language-models"},
            "host-a/google/gemini-9-flash": {"max_output_tokens": 1_000_000, "litellm_provider": "host-a"},
            "host-a/odd-model": {"max_output_tokens": 1_000_000},
            "host-b/odd-model": {"max_output_tokens": 8_192},
            "host-c/odd-model": {"max_output_tokens": 8_192},
            "no-limit": {"max_tokens": 4_096},
            "sample_spec": {"max_output_tokens": "set to max output tokens"},
        }
    )
    assert limits.of("gcp.gemini", ["gemini-9-flash"]) == 65_536  # under the provider's own prefix
    assert limits.of("gcp.vertex_ai", ["gemini-9-flash"]) == 65_535  # no vertex_ai/ entry: the unprefixed one
    assert limits.of("groq", ["odd-model"]) == 8_192  # two hosts of three say 8,192
    assert limits.of("groq", ["no-limit"]) is None
    assert limits.of("groq", ["sample_spec"]) is None


def test_budget_arguments_that_cannot_be_used_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match="give a positive amount in US dollars"):
        budget(usd="-1")
    with pytest.raises(ValueError, match="use 'customer', 'tenant', 'feature' or None"):
        budget(usd=1, per="user")  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match="use 'warn', 'raise' or a callable"):
        budget(usd=1, on_exceed="ignore")  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match="write it as a number and a unit"):
        budget(usd=1, window="a fortnight")


@pytest.fixture(autouse=True)
def _no_budget_left_behind() -> Iterator[None]:
    yield
    from otel_llmcost.attribution import _budget

    for each in list(_budget._budgets):  # pyright: ignore[reportPrivateUsage]
        Budget.remove(each)


def test_without_a_cached_encoding_the_input_is_bounded_by_its_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from otel_llmcost.attribution import _tokens

    monkeypatch.setattr(_tokens, "encoding_for", lambda model: None)  # as if the model's encoding were not shipped
    found = worst_case("openai", "gpt-4o-mini", "chat", {"messages": MESSAGES, "max_tokens": 10})
    # "user" (4 bytes) and the content (27 bytes), 3 per message and 3 to prime the reply: 37 tokens at most.
    assert found == (Decimal("0.00000555") + Decimal("0.000006"), 37, 10)  # 37 * 0.15/1e6 + 10 * 0.60/1e6
