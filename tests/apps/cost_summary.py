"""An application that prints what its GenAI calls cost when it exits, with no backend at all.

    OTEL_LLMCOST_SUMMARY=true python cost_summary.py [--instrument]

Two anthropic calls (one with a cache read), one openai call and one anthropic call of a model the price
table does not know, each through a fake transport that replays a recording. ``--instrument`` calls
``otel_llmcost.instrument()``; without it, run the app under ``opentelemetry-instrument``.
"""

from __future__ import annotations

import sys

from fake_clients import anthropic_client, call_anthropic, call_openai, openai_client


def main() -> None:
    if "--instrument" in sys.argv:
        import otel_llmcost

        otel_llmcost.instrument()
    call_anthropic(anthropic_client("sonnet_plain"))
    call_anthropic(anthropic_client("sonnet_cache"))
    call_openai(openai_client())
    call_anthropic(anthropic_client("unknown_model"), model="claude-experimental-preview")
    print("done", flush=True)


if __name__ == "__main__":
    main()
