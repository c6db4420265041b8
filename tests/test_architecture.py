"""The house rules that no linter checks: values from the registry, and no block of code written twice.

The rooms' import rules are import-linter contracts in pyproject.toml (`lint-imports`, run by `make test`).
"""

from __future__ import annotations

import ast
import keyword
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


# A line's shape: its tokens with every name (not a keyword) one placeholder and every literal its kind, so the
# same lines with other names match. Keywords, operators and brackets stay.
SHAPES = {tokenize.NAME: "N", tokenize.NUMBER: "0", tokenize.STRING: "S"}


def skipped_lines(tree: ast.Module) -> set[int]:
    """Lines that repeat without being code written twice, each a declaration rather than logic: docstrings (an
    attribute's too), imports (under ``if TYPE_CHECKING:`` too) and ``__all__``: what a module uses and gives; a
    class's fields (`name: type`, one a line); an ``__init__``'s stores of its arguments (`self._x = x`)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped.add(node.lineno)  # the head of a block of imports
        if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["__all__"]:
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))  # the list of exports
        if isinstance(node, ast.ClassDef):
            for field in node.body:
                if isinstance(field, ast.AnnAssign):
                    skipped.update(range(field.lineno, (field.end_lineno or field.lineno) + 1))
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            for store in node.body:
                if isinstance(store, ast.Assign) and isinstance(store.value, ast.Name) and len(store.targets) == 1:
                    skipped.add(store.lineno)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # a docstring, an attribute's too
            skipped.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return skipped


def code_lines(path: Path, *, shape: bool = False) -> list[tuple[int, str]]:
    """A module's lines of code, each as its tokens' text without comments or layout, with its line number.

    Lines that only close a bracket are left out, and `skipped_lines`. With `shape`, each line is its shape
    (`SHAPES`), and lines that begin inside a bracket are left out too: one item of a list, a dict or a call's
    arguments has the shape of any other item (`"a": X.Y,`), so by shape it tells nothing (the text still does).
    """
    skipped = skipped_lines(ast.parse(path.read_text(encoding="utf-8")))
    by_line: dict[int, list[str]] = defaultdict(list)
    inside: set[int] = set()
    depth = 0
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            line = token.start[0]
            if line not in by_line and depth > 0:
                inside.add(line)
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            if token.type in (tokenize.ENCODING, tokenize.ENDMARKER) or line in skipped:
                continue
            by_line[line].append(token_shape(token) if shape else token.string)
    lines = [(number, " ".join(parts)) for number, parts in sorted(by_line.items()) if not (shape and number in inside)]
    return [(number, text) for number, text in lines if text.strip("()[]{},: ") != ""]


def token_shape(token: tokenize.TokenInfo) -> str:
    if token.type == tokenize.NAME and keyword.iskeyword(token.string):
        return token.string
    return SHAPES.get(token.type, token.string)


def periodic(window: tuple[str, ...]) -> bool:
    """Whether a window is a run of like items (constants, one-line properties, an if/return ladder), whose
    shape repeats every one to three lines: a table written as code, not a block written twice."""
    return any(all(window[i] == window[i + period] for i in range(len(window) - period)) for period in (1, 2, 3))


def repeated_blocks(paths: list[Path], *, shape: bool = False) -> list[str]:
    """Each block of `MIN_LINES` lines of code that appears more than once (by text, or by shape), with where."""
    places: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in paths:
        lines = code_lines(path, shape=shape)
        for start in range(len(lines) - MIN_LINES + 1):
            window = tuple(text for _, text in lines[start : start + MIN_LINES])
            if shape and periodic(window):
                continue
            where = path.relative_to(SRC).as_posix() if path.is_relative_to(SRC) else path.name
            places[window].append(f"{where}:{lines[start][0]}")
    return [" and ".join(where) for where in places.values() if len(where) > 1]


def test_no_block_of_six_lines_of_code_appears_twice() -> None:
    assert repeated_blocks(sources()) == []


def test_no_block_of_six_lines_of_code_appears_twice_by_shape() -> None:
    assert repeated_blocks(sources(), shape=True) == []


def test_the_repetition_check_finds_a_block_written_twice(tmp_path: Path) -> None:
    block = "".join(f"    total += value_{index} * {index}\n" for index in range(MIN_LINES))
    module = tmp_path / "module.py"
    module.write_text(f"def one(total):\n{block}    return total\n\n\ndef two(total):\n{block}", encoding="utf-8")
    assert len(repeated_blocks([module])) == 1


def test_the_shape_check_finds_a_block_copied_with_other_names(tmp_path: Path) -> None:
    block = """\
    if {a} is None:
        return {default}
    {b} = {a}.get("{key}", 0)
    if {b} > {limit}:
        log.warning("too many: %s", {b})
    {c}.append({b} * 2)
    return {c}
"""
    first = block.format(a="usage", default="0", b="tokens", key="input", limit=10, c="found")
    second = block.format(a="reply", default="1", b="count", key="output", limit=99, c="seen")
    module = tmp_path / "module.py"
    module.write_text(f"def one(usage, found):\n{first}\n\ndef two(reply, seen):\n{second}", encoding="utf-8")
    assert repeated_blocks([module]) == []
    # Eight lines of the same shape (the def included) at lines 1 and 11: three windows of six.
    found = repeated_blocks([module], shape=True)
    assert found == [f"module.py:{line} and module.py:{line + 10}" for line in (1, 2, 3)]
