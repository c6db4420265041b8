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


def test_the_first_command_a_user_types_installs_the_package_with_its_extras() -> None:
    first = re.search(r"```(?:sh|python)\n(.*?)```", README, flags=re.DOTALL)
    assert first is not None
    assert first.group(1).strip() == 'pip install "otel-llmcost[openai]"'
    extras = re.search(r"Extras: (.*?);", README, flags=re.DOTALL)
    assert extras is not None
    named = set(re.findall(r"`(\w+)`", extras.group(1)))
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    declared = set(
        re.findall(r"^(\w+) = \[", pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0], re.M)
    )
    assert named == declared - {"dev", "interop"}


def test_skipped_tests_say_why_in_the_test_commands_output() -> None:
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    (addopts,) = re.findall(r'^addopts = "(.*)"$', pyproject, flags=re.M)
    assert "-rs" in addopts.split()
