"""The README's examples run and say what they print."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_the_pricing_example_runs_and_its_comments_are_true() -> None:
    (block,) = [block for block in python_blocks() if "from otel_llmcost.pricing import" in block]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    cost = namespace["cost"]
    assert repr(cost.total_usd) == "Decimal('0.02190000')"  # type: ignore[attr-defined]
    assert cost.total_usd == Decimal("0.0219")  # type: ignore[attr-defined]
    assert cost.status == "priced"  # type: ignore[attr-defined]
    breakdown = cost.breakdown_usd  # type: ignore[attr-defined]
    assert (repr(breakdown["input"]), repr(breakdown["cache_read"])) == ("Decimal('0.000300')", "Decimal('0.0006000')")


def test_the_one_line_example_builds_a_pipeline() -> None:
    (block,) = [block for block in python_blocks() if "provider.add_span_processor(CostSpanProcessor(" in block]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    provider = namespace["provider"]
    provider.shutdown()  # type: ignore[attr-defined]
