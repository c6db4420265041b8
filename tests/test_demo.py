"""The README's demo: the support assistant under the real ``opentelemetry-instrument`` command.

`make demo` ships it to a local Phoenix (that path is tested against a real Phoenix in
``tests/e2e/test_e2e_demo.py``); here its spans go to `OTLPReceiver` on loopback, and ``--no-phoenix`` prints
the costs at exit. The expected costs, from the bundled table (US dollars per million tokens):

- text-embedding-3-small, 8 tokens x $0.02 = $0.00000016;
- claude-haiku-4-5, 412 input x $1 + 3 output x $5 = $0.000427;
- claude-sonnet-4-6, three calls on a 6,144-token cached help center ($3 input, $3.75 5-minute cache write,
  $0.30 cache read, $15 output): $0.02961 + $0.0048432 + $0.0063432 = $0.0407964;
- gpt-4o-mini, three calls of 600 input x $0.15 + 400 cached x $0.075 + 200 output x $0.60 = $0.00024 each;
- llama-3.3-70b-versatile on Groq, 48 input x $0.59 + 11 output x $0.79 = $0.00003701;
- gemini-2.5-flash, 40 input x $0.30 + (1 output + 120 thinking) x $2.50 = $0.0003145;
- Amazon Nova Lite on Bedrock (us. inference profile), 520 input x $0.06 + 64 output x $0.24 = $0.00004656;
- mistral-small-2506 through the HTTP fallback (plain httpx), 85 input x $0.10 + 22 output x $0.30 = $0.0000151.

Twelve calls, $0.04235673 in all.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from apps.launch import app_environment, opentelemetry_instrument, other_instrumentations
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

EXAMPLES = Path(__file__).parents[1] / "examples"
TOTALS = {
    ("anthropic", "claude-haiku-4-5-20251001"): Decimal("0.000427"),
    ("anthropic", "claude-sonnet-4-6"): Decimal("0.0407964"),
    ("aws.bedrock", "us.amazon.nova-lite-v1:0"): Decimal("0.00004656"),  # 520 * 0.06/1e6 + 64 * 0.24/1e6
    ("gcp.gemini", "gemini-2.5-flash"): Decimal("0.0003145"),
    ("groq", "llama-3.3-70b-versatile"): Decimal("0.00003701"),
    ("mistral_ai", "mistral-small-2506"): Decimal("0.0000151"),  # 85 * 0.10/1e6 + 22 * 0.30/1e6
    ("openai", "gpt-4o-mini-2024-07-18"): Decimal("0.00072"),
    ("openai", "text-embedding-3-small"): Decimal("0.00000016"),
}
GRAND_TOTAL = Decimal("0.04235673")


def run(command: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    # The test environment has third-party instrumentations installed for the interop tests; a demo user
    # has only this package.
    environment = app_environment(OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()), **variables)
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done


def test_under_opentelemetry_instrument_every_call_arrives_priced_and_the_root_holds_the_total(
    otlp_receiver: OTLPReceiver,
) -> None:
    done = run(
        [*opentelemetry_instrument(), sys.executable, "-W", "error", str(EXAMPLES / "support_assistant.py")],
        OTEL_SERVICE_NAME="support-assistant",
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
    )

    trace_id = done.stdout.splitlines()[-1].removeprefix("trace ")
    calls = [span for span in otlp_receiver.spans if "llmcost.status" in span.attributes]
    assert {span.trace_id for span in calls} == {trace_id}
    assert [span.attributes["llmcost.status"] for span in calls] == ["priced"] * 12
    totals: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for span in calls:
        provider = span.attributes["gen_ai.provider.name"]
        model = span.attributes.get("gen_ai.response.model") or span.attributes["gen_ai.request.model"]  # Converse's
        totals[str(provider), str(model)] += Decimal(repr(span.attributes["gen_ai.usage.cost.amount"]))
    assert totals == TOTALS
    (root,) = otlp_receiver.spans_named("answer_ticket")
    assert (root.attributes["llmcost.subtree.calls"], root.attributes["llmcost.subtree.cost"]) == (12, 0.04235673)
    assert sum(TOTALS.values()) == GRAND_TOTAL


def test_without_phoenix_the_demo_prints_the_costs_at_exit() -> None:
    done = run([sys.executable, str(EXAMPLES / "demo.py"), "--no-phoenix"])

    assert "opentelemetry-instrument python examples/support_assistant.py" in done.stdout
    assert "Queue summary: Your plan changed mid-cycle: two prorated charges." in done.stdout
    assert "In Spanish: Hola, Dana: el segundo cargo no es un duplicado." in done.stdout  # Bedrock
    assert "Tags: billing, proration, plan-upgrade." in done.stdout  # plain httpx
    summary = done.stderr[done.stderr.index("otel-llmcost: cost of the GenAI calls") :].splitlines()
    assert summary == [
        "otel-llmcost: cost of the GenAI calls of this process",
        "  provider     model                      calls  cost (USD)",
        "  anthropic    claude-sonnet-4-6              3  0.0407964",
        "  openai       gpt-4o-mini-2024-07-18         3  0.00072",
        "  anthropic    claude-haiku-4-5-20251001      1  0.000427",
        "  gcp.gemini   gemini-2.5-flash               1  0.0003145",
        "  aws.bedrock  us.amazon.nova-lite-v1:0       1  0.00004656",
        "  groq         llama-3.3-70b-versatile        1  0.00003701",
        "  mistral_ai   mistral-small-2506             1  0.0000151",
        "  openai       text-embedding-3-small         1  0.00000016",
        "  total                                      12  0.04235673",
    ]


def test_when_phoenix_is_missing_the_demo_says_so_and_still_prints_the_costs(tmp_path: Path) -> None:
    missing = tmp_path / "phoenix"
    with socket.socket() as unused:  # a port no Phoenix answers on: one bound here and not listening
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        done = run([sys.executable, str(EXAMPLES / "demo.py"), "--port", str(port)], PHOENIX=str(missing))

    assert f"Phoenix is not installed at {missing}" in done.stderr
    assert "  total                                      12  0.04235673" in done.stderr.splitlines()
