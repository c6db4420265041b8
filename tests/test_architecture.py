"""The house rules that no linter checks: values from the registry, and no block of code written twice.

The rooms' import rules are import-linter contracts in pyproject.toml (`lint-imports`, run by `make test`).
"""

from __future__ import annotations

import ast
import tokenize
from collections import defaultdict
from pathlib import Path

from otel_llmcost import _attributes as a

SRC = Path(__file__).resolve().parents[1] / "src" / "otel_llmcost"
# Generated: the registry's constants (scripts/gen_semconv.py) and the price table's hosts (scripts/gen_hosts.py).
GENERATED = {SRC / "_attributes.py", SRC / "instrumentation" / "_hosts.py"}

# Literals that spell a registry value but mean something else, with what they mean.
NOT_REGISTRY_VALUES: dict[tuple[str, str], str] = {
    ("cli/_price.py", "deepseek"): "the start of DeepSeek's model ids, beside the provider name it maps to",
    ("pricing/_load.py", "provider"): "a field of the price file format",
    ("pricing/_table.py", "provider"): "a field of the price file format, read from a file's head",
    ("pricing/_load.py", "not_priced"): "a field of the price file format",
    ("pricing/_model.py", "priced"): "Cost.status's typing.Literal, which takes no constant",
    ("pricing/_model.py", "unpriced"): "Cost.status's typing.Literal, which takes no constant",
    ("setup/_configurator.py", "unknown"): "an outcome of setup's wrap(), not llm.request.type",
    ("setup/_instrument.py", "unknown"): "an outcome of setup's wrap(), not llm.request.type",
    ("setup/_instrument.py", "priced"): "an outcome of setup's wrap(), not llmcost.status",
    ("setup/_pipeline.py", "unknown"): "an outcome of setup's wrap(), not llm.request.type",
    ("setup/_pipeline.py", "priced"): "an outcome of setup's wrap(), not llmcost.status",
    ("setup/_summary.py", "provider"): "a column heading of the cost summary",
    ("cli/_price.py", "provider"): "a column heading of the models listing",
    ("cli/_report.py", "provider"): "a --by dimension of the report",
    ("usage/_read.py", "provider"): "the name of a GenAICall field",
    ("instrumentation/openai/__init__.py", "openai"): "the SDK's module name, whose import patches it",
    ("instrumentation/cohere/__init__.py", "cohere"): "the SDK's module name, whose import patches it",
    ("instrumentation/google_genai/_adapter.py", "generate_content"): "the name of an SDK method other tracers wrap",
    ("instrumentation/google_genai/_usage.py", "embeddings"): "a field of google-genai's embedding response",
    ("instrumentation/anthropic/__init__.py", "anthropic"): "the SDK's module name, whose import patches it",
    ("instrumentation/__init__.py", "openai"): "an entry point's name and the SDK's module name",
    ("instrumentation/__init__.py", "anthropic"): "an entry point's name and the SDK's module name",
    ("instrumentation/__init__.py", "cohere"): "an entry point's name and the SDK's module name",
}


def registry_values() -> dict[str, str]:
    """Every value the generated module defines (keys, enum members, metric names) -> its constant's name."""
    values: dict[str, str] = {}
    for name, value in vars(a).items():
        if isinstance(value, type) and name.endswith("Values"):
            for member, member_value in vars(value).items():
                if not member.startswith("_") and isinstance(member_value, str):
                    values.setdefault(member_value, f"{name}.{member}")
        elif name.isupper() and isinstance(value, str):
            values.setdefault(value, name)
    return values


def string_literals(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module, docstrings left out, with their lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found.append((node.lineno, node.value))
    return found


def sources() -> list[Path]:
    return [path for path in sorted(SRC.rglob("*.py")) if path not in GENERATED]


def test_no_literal_in_src_spells_a_value_the_registry_defines() -> None:
    values = registry_values()
    findings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for path in sources():
        relative = path.relative_to(SRC).as_posix()
        for line, literal in string_literals(path):
            if literal not in values:
                continue
            seen.add((relative, literal))
            if (relative, literal) not in NOT_REGISTRY_VALUES:
                findings.append(f"{relative}:{line}: {literal!r} is a._attributes.{values[literal]}")
    assert findings == [], "use the generated constants (semconv/ -> scripts/gen_semconv.py):\n" + "\n".join(findings)
    stale = sorted(set(NOT_REGISTRY_VALUES) - seen)
    assert stale == [], f"these exceptions no longer occur; remove them: {stale}"


def test_the_literal_check_finds_a_registry_value(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text('"""Docstring: priced."""\n\nSTATUS = "priced"\n', encoding="utf-8")
    assert [(line, text) for line, text in string_literals(module) if text in registry_values()] == [(3, "priced")]


MIN_LINES = 6


def code_lines(path: Path) -> list[tuple[int, str]]:
    """A module's lines of code, each as its tokens' text without comments or layout, with its line number.

    Docstrings and lines that only close a bracket are left out: they repeat without being code written twice.
    """
    docstrings = {
        line
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        for line in range(node.body[0].lineno, (node.body[0].end_lineno or node.body[0].lineno) + 1)
    }
    by_line: dict[int, list[str]] = defaultdict(list)
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            if token.type in (tokenize.ENCODING, tokenize.ENDMARKER) or token.start[0] in docstrings:
                continue
            by_line[token.start[0]].append(token.string)
    lines = [(number, " ".join(parts)) for number, parts in sorted(by_line.items())]
    return [(number, text) for number, text in lines if text.strip("()[]{},:") != ""]


def repeated_blocks(paths: list[Path]) -> list[str]:
    """Each block of `MIN_LINES` lines of code that appears more than once, with where."""
    places: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in paths:
        lines = code_lines(path)
        for start in range(len(lines) - MIN_LINES + 1):
            window = tuple(text for _, text in lines[start : start + MIN_LINES])
            where = path.relative_to(SRC).as_posix() if path.is_relative_to(SRC) else path.name
            places[window].append(f"{where}:{lines[start][0]}")
    return [" and ".join(where) for where in places.values() if len(where) > 1]


def test_no_block_of_six_lines_of_code_appears_twice_outside_instrumentation() -> None:
    # instrumentation/ is the framework branch's (issue 9): include it when that branch is merged.
    paths = [path for path in sources() if "instrumentation" not in path.relative_to(SRC).parts]
    assert repeated_blocks(paths) == []


def test_the_repetition_check_finds_a_block_written_twice(tmp_path: Path) -> None:
    block = "".join(f"    total += value_{index} * {index}\n" for index in range(MIN_LINES))
    module = tmp_path / "module.py"
    module.write_text(f"def one(total):\n{block}    return total\n\n\ndef two(total):\n{block}", encoding="utf-8")
    assert len(repeated_blocks([module])) == 1
