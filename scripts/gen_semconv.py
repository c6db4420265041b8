"""Generate the attribute constants and the attributes page from the semconv registry.

Reads the OTel Weaver registry in `semconv/registry/*.yaml` and writes:

- `src/otel_llmcost/_attributes.py`: one `NAME: Final = "key"` per attribute, a `<Key>Values` class per
  enum attribute, and `METRIC_<NAME>` / `METRIC_<NAME>_UNIT` per metric;
- `docs/attributes.md`: a table per group, with enum values and metrics.

Usage:

    python scripts/gen_semconv.py          # rewrite the generated files
    python scripts/gen_semconv.py --check  # exit 1 and name each stale file

The output depends on the YAML only (files in name order, groups and attributes in file order), so it is
the same on every machine. The registry is validated first; any problem, including two keys that give
the same Python name, stops the run with a message that names the file and the key.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_DIR = Path("semconv/registry")
MODULE_PATH = Path("src/otel_llmcost/_attributes.py")
DOC_PATH = Path("docs/attributes.md")
REGENERATE = "python scripts/gen_semconv.py"
LINE_LENGTH = 120

SCALAR_TYPES = frozenset({"string", "int", "double", "boolean", "string[]", "int[]", "double[]", "boolean[]"})
STABILITIES = frozenset({"development", "alpha", "beta", "release_candidate", "stable"})
DEPRECATION_REASONS = frozenset({"renamed", "obsoleted", "uncategorized"})
INSTRUMENTS = frozenset({"counter", "updowncounter", "histogram", "gauge"})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")

GROUP_KEYS = frozenset(
    {"id", "type", "brief", "note", "display_name", "stability", "deprecated", "attributes", "annotations"}
)
METRIC_KEYS = GROUP_KEYS | {"metric_name", "instrument", "unit"}
ATTRIBUTE_KEYS = frozenset(
    {"id", "type", "brief", "note", "stability", "examples", "deprecated", "annotations", "requirement_level"}
)
MEMBER_KEYS = frozenset({"id", "value", "brief", "note", "stability", "deprecated"})  # Weaver allows no more


class RegistryError(Exception):
    """The registry is not valid, or two of its entries give the same Python name."""


@dataclass(frozen=True)
class Deprecation:
    reason: str
    renamed_to: str | None
    note: str | None

    def describe(self) -> str:
        """One sentence for the docs."""
        if self.renamed_to is not None:
            return f"deprecated: renamed to `{self.renamed_to}`"
        return f"deprecated ({self.reason})" + (f": {self.note}" if self.note else "")


@dataclass(frozen=True)
class Member:
    id: str
    value: str
    brief: str
    stability: str
    deprecated: Deprecation | None
    python_name: str


@dataclass(frozen=True)
class Attribute:
    key: str
    type: str  # one of SCALAR_TYPES, or "enum"
    brief: str
    note: str
    stability: str
    examples: tuple[object, ...]
    members: tuple[Member, ...]
    deprecated: Deprecation | None
    python_name: str
    source: str

    @property
    def enum_class_name(self) -> str:
        return enum_class_name(self.key)


@dataclass(frozen=True)
class AttributeGroup:
    id: str
    display_name: str
    brief: str
    note: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class Metric:
    id: str
    metric_name: str
    instrument: str
    unit: str
    brief: str
    note: str
    stability: str
    attributes: tuple[str, ...]
    python_name: str


@dataclass(frozen=True)
class Registry:
    groups: tuple[AttributeGroup, ...]
    metrics: tuple[Metric, ...]

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        return tuple(attribute for group in self.groups for attribute in group.attributes)


# Names


def constant_name(key: str) -> str:
    """`llmcost.cost.input` -> `LLMCOST_COST_INPUT`."""
    return key.upper().replace(".", "_")


def enum_class_name(key: str) -> str:
    """`llmcost.status` -> `LlmcostStatusValues`."""
    return "".join(part.capitalize() for part in re.split(r"[._]", key) if part) + "Values"


def metric_constant_name(metric_name: str) -> str:
    """`llmcost.unpriced.calls` -> `METRIC_LLMCOST_UNPRICED_CALLS`."""
    return "METRIC_" + constant_name(metric_name)


# Loading and validation


def _fail(where: str, message: str) -> RegistryError:
    return RegistryError(f"{where}: {message}")


def _mapping(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    return cast("dict[str, object]", value)


def _sequence(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _fail(where, f"expected a list, got {type(value).__name__}")
    return cast("list[object]", value)


def _text(data: dict[str, object], field: str, where: str, *, required: bool = True) -> str:
    value = data.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"`{field}` must be a non-empty string")
    return " ".join(value.split())


def _check_keys(data: dict[str, object], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _fail(where, f"unknown field(s) {', '.join(unknown)}")


def _stability(data: dict[str, object], where: str) -> str:
    value = data.get("stability")
    if value not in STABILITIES:
        raise _fail(where, f"`stability` must be one of {', '.join(sorted(STABILITIES))}, got {value!r}")
    return cast("str", value)


def _deprecation(data: dict[str, object], where: str) -> Deprecation | None:
    if "deprecated" not in data:
        return None
    raw = _mapping(data["deprecated"], f"{where} deprecated")
    reason = raw.get("reason")
    if reason not in DEPRECATION_REASONS:
        raise _fail(where, f"`deprecated.reason` must be one of {', '.join(sorted(DEPRECATION_REASONS))}")
    renamed_to = raw.get("renamed_to")
    if (reason == "renamed") != isinstance(renamed_to, str):
        raise _fail(where, "`deprecated.renamed_to` is required with reason `renamed`, and only then")
    note = raw.get("note")
    return Deprecation(
        reason=cast("str", reason),
        renamed_to=cast("str | None", renamed_to),
        note=" ".join(note.split()) if isinstance(note, str) else None,
    )


def _python_name(data: dict[str, object], default: str, where: str) -> str:
    """The constant's name: derived from the key, unless `annotations.code_generation.python_name` says."""
    annotations = _mapping(data.get("annotations", {}), f"{where} annotations")
    code_generation = _mapping(annotations.get("code_generation", {}), f"{where} annotations.code_generation")
    name = code_generation.get("python_name", default)
    if not isinstance(name, str) or not name.isidentifier() or not name.isupper():
        raise _fail(where, f"Python name {name!r} is not an upper-case identifier")
    return name


def _member_name(member_id: str, where: str) -> str:
    name = constant_name(member_id)
    if not name.isidentifier():
        raise _fail(where, f"member id {member_id!r} does not give a Python identifier")
    return name


def _example_fits(value: object, type_: str) -> bool:
    if type_.endswith("[]"):
        return isinstance(value, list) and all(_example_fits(item, type_[:-2]) for item in cast("list[object]", value))
    if type_ in ("string", "enum"):
        return isinstance(value, str)
    if type_ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "double":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, bool)


def _members(raw_type: dict[str, object], where: str) -> tuple[Member, ...]:
    if set(raw_type) != {"members"}:
        raise _fail(where, "an enum type must be a mapping with `members` only")
    members: list[Member] = []
    for index, raw in enumerate(_sequence(raw_type["members"], f"{where} members")):
        member_where = f"{where} member #{index + 1}"
        data = _mapping(raw, member_where)
        _check_keys(data, MEMBER_KEYS, member_where)
        member_id = _text(data, "id", member_where)
        value = data.get("value")
        if not isinstance(value, str) or not value:
            raise _fail(member_where, "`value` must be a non-empty string")
        members.append(
            Member(
                id=member_id,
                value=value,
                brief=_text(data, "brief", member_where),
                stability=_stability(data, member_where),
                deprecated=_deprecation(data, member_where),
                python_name=_member_name(member_id, member_where),
            )
        )
    if not members:
        raise _fail(where, "an enum needs at least one member")
    for field in ("id", "value", "python_name"):
        seen: set[str] = set()
        for member in members:
            item = cast("str", getattr(member, field))
            if item in seen:
                raise _fail(where, f"enum member {field} {item!r} appears twice")
            seen.add(item)
    return tuple(members)


def _attribute(raw: object, source: str) -> Attribute:
    data = _mapping(raw, source)
    key = data.get("id")
    if "ref" in data or not isinstance(key, str):
        raise _fail(source, "attribute groups define attributes with `id`; `ref` belongs in metric groups")
    where = f"{source}: {key}"
    if not KEY_PATTERN.match(key):
        raise _fail(where, "keys are lower-case, dot-separated words of [a-z0-9_]")
    _check_keys(data, ATTRIBUTE_KEYS, where)
    raw_type = data.get("type")
    if isinstance(raw_type, dict):
        members = _members(cast("dict[str, object]", raw_type), where)
        type_ = "enum"
    elif isinstance(raw_type, str) and raw_type in SCALAR_TYPES:
        members = ()
        type_ = raw_type
    else:
        raise _fail(where, f"`type` must be one of {', '.join(sorted(SCALAR_TYPES))} or an enum, got {raw_type!r}")
    raw_examples = data.get("examples")
    if raw_examples is None:
        if type_ != "enum":
            raise _fail(where, "`examples` are required")
        examples: tuple[object, ...] = ()
    else:
        examples = tuple(cast("list[object]", raw_examples)) if isinstance(raw_examples, list) else (raw_examples,)
        for example in examples:
            if not _example_fits(example, type_):
                raise _fail(where, f"example {example!r} is not a {type_}")
        if type_ == "enum" and not set(cast("tuple[str, ...]", examples)) <= {m.value for m in members}:
            raise _fail(where, "enum examples must be member values")
    return Attribute(
        key=key,
        type=type_,
        brief=_text(data, "brief", where),
        note=_text(data, "note", where, required=False),
        stability=_stability(data, where),
        examples=examples,
        members=members,
        deprecated=_deprecation(data, where),
        python_name=_python_name(data, constant_name(key), where),
        source=source,
    )


def _metric(data: dict[str, object], where: str) -> Metric:
    _check_keys(data, METRIC_KEYS, where)
    metric_name = _text(data, "metric_name", where)
    if not KEY_PATTERN.match(metric_name):
        raise _fail(where, "metric names are lower-case, dot-separated words of [a-z0-9_]")
    instrument = data.get("instrument")
    if instrument not in INSTRUMENTS:
        raise _fail(where, f"`instrument` must be one of {', '.join(sorted(INSTRUMENTS))}")
    refs: list[str] = []
    for raw in _sequence(data.get("attributes", []), f"{where} attributes"):
        ref = _mapping(raw, f"{where} attributes").get("ref")
        if not isinstance(ref, str):
            raise _fail(where, "metric attributes are `ref:` entries naming registry attributes")
        refs.append(ref)
    return Metric(
        id=_text(data, "id", where),
        metric_name=metric_name,
        instrument=cast("str", instrument),
        unit=_text(data, "unit", where),
        brief=_text(data, "brief", where),
        note=_text(data, "note", where, required=False),
        stability=_stability(data, where),
        attributes=tuple(refs),
        python_name=metric_constant_name(metric_name),
    )


def load_registry(registry_dir: Path) -> Registry:
    """Read and validate every `*.yaml` file of `registry_dir`, in name order."""
    paths = sorted(registry_dir.glob("*.yaml"))
    if not paths:
        raise RegistryError(f"{registry_dir}: no *.yaml files")
    groups: list[AttributeGroup] = []
    metrics: list[Metric] = []
    group_ids: set[str] = set()
    for path in paths:
        document = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
        if set(document) != {"groups"}:
            raise _fail(path.name, "a registry file holds `groups:` only")
        for index, raw in enumerate(_sequence(document["groups"], f"{path.name} groups")):
            data = _mapping(raw, f"{path.name} group #{index + 1}")
            group_id = _text(data, "id", f"{path.name} group #{index + 1}")
            where = f"{path.name}: group {group_id}"
            if group_id in group_ids:
                raise _fail(where, "group id appears twice")
            group_ids.add(group_id)
            if data.get("type") == "metric":
                metrics.append(_metric(data, where))
            elif data.get("type") == "attribute_group":
                _check_keys(data, GROUP_KEYS, where)
                attributes = tuple(
                    _attribute(item, f"{path.name}: group {group_id}")
                    for item in _sequence(data.get("attributes"), f"{where} attributes")
                )
                groups.append(
                    AttributeGroup(
                        id=group_id,
                        display_name=_text(data, "display_name", where, required=False) or group_id,
                        brief=_text(data, "brief", where),
                        note=_text(data, "note", where, required=False),
                        attributes=attributes,
                    )
                )
            else:
                raise _fail(where, f"unsupported group type {data.get('type')!r} (attribute_group or metric)")
    registry = Registry(groups=tuple(groups), metrics=tuple(metrics))
    _check_registry(registry)
    return registry


def _check_registry(registry: Registry) -> None:
    """Cross-file rules: unique keys and metric names, resolvable refs, and no two entries with one name."""
    keys: dict[str, Attribute] = {}
    for attribute in registry.attributes:
        if attribute.key in keys:
            raise RegistryError(
                f"key {attribute.key} is defined twice: in {keys[attribute.key].source} and {attribute.source}"
            )
        keys[attribute.key] = attribute
    for attribute in registry.attributes:
        deprecated = attribute.deprecated
        if deprecated is not None and deprecated.renamed_to is not None and deprecated.renamed_to not in keys:
            raise RegistryError(
                f"{attribute.source}: {attribute.key} is renamed to {deprecated.renamed_to}, not in the registry"
            )
    names: dict[str, str] = {}

    def claim(name: str, owner: str) -> None:
        if name in names:
            raise RegistryError(
                f"name collision: {name} is generated for both {names[name]} and {owner}; "
                "set annotations.code_generation.python_name on one of them"
            )
        names[name] = owner

    for attribute in registry.attributes:
        claim(attribute.python_name, f"attribute {attribute.key}")
        if attribute.members:
            claim(attribute.enum_class_name, f"the values of {attribute.key}")
    metric_names: set[str] = set()
    for metric in registry.metrics:
        if metric.metric_name in metric_names:
            raise RegistryError(f"metric {metric.metric_name} is defined twice")
        metric_names.add(metric.metric_name)
        claim(metric.python_name, f"metric {metric.metric_name}")
        claim(f"{metric.python_name}_UNIT", f"the unit of metric {metric.metric_name}")
        for ref in metric.attributes:
            if ref not in keys:
                raise RegistryError(f"metric {metric.metric_name} refers to {ref}, not in the registry")


# Rendering: Python


def _docstring(text: str, indent: str, where: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    line = f'{indent}"""{escaped}"""'
    if len(line) > LINE_LENGTH:
        raise RegistryError(
            f"{where}: brief is too long for a one-line docstring ({len(line)} > {LINE_LENGTH} columns)"
        )
    return line


def _assignment(name: str, value: str, indent: str = "") -> str:
    line = f"{indent}{name}: Final = {json.dumps(value)}"
    if len(line) <= LINE_LENGTH:
        return line
    # As `ruff format` splits it, so that formatting never makes the file stale.
    return f"{indent}{name}: Final = (\n{indent}    {json.dumps(value)}\n{indent})"


def render_module(registry: Registry) -> str:
    """The text of `src/otel_llmcost/_attributes.py`."""
    lines = [
        f"# Generated by scripts/gen_semconv.py from semconv/registry/*.yaml: do not edit. Run `{REGENERATE}`.",
        '"""Attribute keys, enum values and metric names of otel-llmcost, generated from `semconv/registry/`.',
        "",
        "Every attribute key the library writes or reads is a constant here; no key is typed elsewhere in `src/`.",
        f"To change one, edit the YAML and run `{REGENERATE}`; `--check` fails while this file is stale.",
        '"""',
        "",
        "from typing import Final",
    ]
    for index, group in enumerate(registry.groups):
        # One blank line after the import, as isort wants; two between sections.
        lines += [""] * (1 if index == 0 else 2) + [f"# {group.id}: {group.display_name}", ""]
        for position, attribute in enumerate(group.attributes):
            lines += [""] if position else []
            lines.append(_assignment(attribute.python_name, attribute.key))
            lines.append(_docstring(attribute.brief, "", attribute.key))
        for attribute in group.attributes:
            if not attribute.members:
                continue
            lines += ["", "", f"class {attribute.enum_class_name}:"]
            lines.append(_docstring(f"Values of `{attribute.key}`.", "    ", attribute.key))
            for member in attribute.members:
                lines.append("")
                lines.append(_assignment(member.python_name, member.value, "    "))
                lines.append(_docstring(member.brief, "    ", f"{attribute.key} member {member.id}"))
    if registry.metrics:
        lines += ["", "", "# Metrics"]
        for metric in registry.metrics:
            lines.append("")
            lines.append(_assignment(metric.python_name, metric.metric_name))
            lines.append(_docstring(metric.brief, "", metric.metric_name))
            lines.append("")
            lines.append(_assignment(f"{metric.python_name}_UNIT", metric.unit))
            lines.append(_docstring(f"Unit of `{metric.metric_name}`.", "", metric.metric_name))
    return "\n".join(lines) + "\n"


# Rendering: Markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _example(value: object) -> str:
    return f"`{json.dumps(value)}`"


def _stability_text(stability: str, deprecated: Deprecation | None) -> str:
    return stability if deprecated is None else f"{stability}, {deprecated.describe()}"


def render_doc(registry: Registry) -> str:
    """The text of `docs/attributes.md`."""
    lines = [
        f"<!-- Generated by scripts/gen_semconv.py from semconv/registry/*.yaml: do not edit. Run `{REGENERATE}`. -->",
        "",
        "# Attributes and metrics",
        "",
        "Every span attribute and metric otel-llmcost writes, and every attribute it reads from other",
        "instrumentations to price a call. The source is the OTel Weaver registry in `semconv/registry/`;",
        "the Python constants in `otel_llmcost._attributes` are generated from the same files.",
        "",
        "## Attributes",
    ]
    for group in registry.groups:
        lines += ["", f"### {group.display_name}", "", f"Group `{group.id}`. {group.brief}"]
        if group.note:
            lines += ["", group.note]
        lines += ["", "| Key | Type | Brief | Stability | Examples |", "|---|---|---|---|---|"]
        for attribute in group.attributes:
            examples = ", ".join(_example(example) for example in attribute.examples)
            stability = _stability_text(attribute.stability, attribute.deprecated)
            lines.append(
                _row(f"`{attribute.key}`", attribute.type, _cell(attribute.brief), _cell(stability), _cell(examples))
            )
        noted = [attribute for attribute in group.attributes if attribute.note]
        if noted:
            lines += ["", "Notes:", ""]
            lines += [f"- `{attribute.key}`: {attribute.note}" for attribute in noted]
        for attribute in group.attributes:
            if not attribute.members:
                continue
            lines += ["", f"#### `{attribute.key}` values", "", "| Value | Brief | Stability |", "|---|---|---|"]
            for member in attribute.members:
                stability = _stability_text(member.stability, member.deprecated)
                lines.append(_row(f"`{member.value}`", _cell(member.brief), _cell(stability)))
    if registry.metrics:
        lines += ["", "## Metrics", "", "| Name | Instrument | Unit | Brief | Attributes |", "|---|---|---|---|---|"]
        for metric in registry.metrics:
            refs = ", ".join(f"`{ref}`" for ref in metric.attributes)
            lines.append(
                _row(f"`{metric.metric_name}`", metric.instrument, f"`{metric.unit}`", _cell(metric.brief), refs)
            )
        noted_metrics = [metric for metric in registry.metrics if metric.note]
        if noted_metrics:
            lines += ["", "Notes:", ""]
            lines += [f"- `{metric.metric_name}`: {metric.note}" for metric in noted_metrics]
    return "\n".join(lines) + "\n"


# Files


def generate(root: Path = ROOT) -> dict[Path, str]:
    """The generated files, by path relative to `root`, as the registry under `root` gives them."""
    registry = load_registry(root / REGISTRY_DIR)
    return {MODULE_PATH: render_module(registry), DOC_PATH: render_doc(registry)}


def stale_files(root: Path = ROOT) -> list[Path]:
    """The generated files under `root` that are missing or differ from what the registry gives."""
    stale: list[Path] = []
    for relative, text in generate(root).items():
        path = root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_files(root: Path = ROOT) -> list[Path]:
    """Write the generated files that changed; return them."""
    written: list[Path] = []
    for relative, text in generate(root).items():
        path = root / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(relative)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is stale; write nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = cast("Path", args.root)
    try:
        if cast("bool", args.check):
            stale = stale_files(root)
            for relative in stale:
                print(f"{relative.as_posix()} is stale: run {REGENERATE}", file=sys.stderr)
            return 1 if stale else 0
        for relative in write_files(root):
            print(f"wrote {relative.as_posix()}")
    except RegistryError as error:
        print(f"semconv registry error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
