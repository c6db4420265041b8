"""An application that calls a provider SDK once, for the setup tests to run in a subprocess.

    python llm_calls.py anthropic|openai [--instrument] [--own-provider] [--twice]

The SDK talks to a fake transport that replays a recording of ``tests/recordings``; the telemetry goes
wherever the ``OTEL_*`` variables say. ``--own-provider`` configures an SDK tracer provider that exports
over OTLP the way an application would, before ``--instrument`` calls ``otel_llmcost.instrument()``
(``--twice``: two times). It prints what the call returned and the processors the provider ends with.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx2

from replay import Replay, recorded

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]


def own_provider() -> None:
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def call_anthropic() -> str:
    import anthropic

    # The recording is of claude-sonnet-4-5, which the SDK warns is near its end of life.
    warnings.filterwarnings("ignore", "The model 'claude-sonnet-4-5", DeprecationWarning)
    replay = Replay(recorded("anthropic", "sonnet_plain"))
    client = anthropic.Anthropic(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=MESSAGES)
    return message.id


def call_openai() -> str:
    import openai

    replay = Replay(recorded("openai", "chat_gpt_4o_mini"))
    client = openai.OpenAI(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    return completion.id


def processors() -> list[str]:
    """The span processors of the global tracer provider, outermost first (``Cost(Batch)``)."""
    from opentelemetry import trace

    active = getattr(trace.get_tracer_provider(), "_active_span_processor", None)

    def name(processor: object) -> str:
        inner = getattr(processor, "_next", None)
        kind = type(processor).__name__
        return f"{kind}({name(inner)})" if inner is not None else kind

    return [name(processor) for processor in getattr(active, "_span_processors", ())]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("provider", choices=["anthropic", "openai"])
    parser.add_argument("--instrument", action="store_true")
    parser.add_argument("--own-provider", action="store_true")
    parser.add_argument("--twice", action="store_true")
    args = parser.parse_args()
    if args.own_provider:
        own_provider()
    if args.instrument:
        import otel_llmcost

        otel_llmcost.instrument()
        if args.twice:
            otel_llmcost.instrument()
    response_id = call_anthropic() if args.provider == "anthropic" else call_openai()
    print(json.dumps({"id": response_id, "processors": processors()}))


if __name__ == "__main__":
    main()
