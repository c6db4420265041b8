"""The semconv registry, and the constants and docs generated from it."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from scripts_support import ROOT, SCRIPTS, load

REGISTRY_DIR = ROOT / "semconv" / "registry"
gen = load("_gen_semconv_under_test", SCRIPTS / "gen_semconv.py")
attributes = load("_attributes_under_test", ROOT / "src" / "otel_llmcost" / "_attributes.py")


def _raw_groups() -> list[dict[str, object]]:
    """Every group of every registry file, read straight from the YAML."""
    groups: list[dict[str, object]] = []
    for path in sorted(REGISTRY_DIR.glob("*.yaml")):
        groups += yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return groups


@pytest.fixture
def registry_copy(tmp_path: Path) -> Path:
    """A root with a copy of the registry and no generated files."""
    shutil.copytree(REGISTRY_DIR, tmp_path / "semconv" / "registry")
    return tmp_path


def test_generated_files_are_fresh() -> None:
    for relative, text in gen.generate(ROOT).items():
        path = ROOT / relative
        on_disk = path.read_text(encoding="utf-8") if path.is_file() else None
        assert on_disk == text, f"{relative.as_posix()} is stale: run python scripts/gen_semconv.py"


def test_generation_is_deterministic() -> None:
    assert gen.generate(ROOT) == gen.generate(ROOT)


def test_every_attribute_key_is_unique() -> None:
    keys = [
        attribute["id"] for group in _raw_groups() for attribute in group.get("attributes", []) if "id" in attribute
    ]
    duplicates = sorted(key for key, count in Counter(keys).items() if count > 1)
    assert duplicates == []


def test_every_metric_name_is_unique() -> None:
    names = [group["metric_name"] for group in _raw_groups() if group["type"] == "metric"]
    assert len(names) == len(set(names))


def test_every_attribute_constant_maps_to_its_key() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    for attribute in registry.attributes:
        assert getattr(attributes, attribute.python_name) == attribute.key


def test_attribute_constants_are_named_after_their_keys() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    renamed = {a.key: a.python_name for a in registry.attributes if a.python_name != gen.constant_name(a.key)}
    # Only the OpenLLMetry names that upper-case to the same name as the upstream ones are renamed.
    assert renamed == {
        "gen_ai.usage.cache_read_input_tokens": "OPENLLMETRY_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS",
        "gen_ai.usage.cache_creation_input_tokens": "OPENLLMETRY_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS",
    }
    assert attributes.GEN_AI_USAGE_COST_AMOUNT == "gen_ai.usage.cost.amount"
    assert attributes.LLMCOST_COST_INPUT == "llmcost.cost.input"
    assert attributes.LLM_TOKEN_COUNT_PROMPT == "llm.token_count.prompt"


def test_every_enum_class_holds_exactly_its_members() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    for attribute in registry.attributes:
        if not attribute.members:
            continue
        values_class = getattr(attributes, attribute.enum_class_name)
        declared = {name: value for name, value in vars(values_class).items() if name.isupper()}
        assert declared == {member.python_name: member.value for member in attribute.members}, attribute.key
    assert attributes.LlmcostStatusValues.PRICED == "priced"
    assert attributes.LlmcostReasonValues.DUPLICATE_NESTED == "duplicate_nested"


def test_every_metric_constant_maps_to_its_name_and_unit() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    for metric in registry.metrics:
        assert getattr(attributes, metric.python_name) == metric.metric_name
        assert getattr(attributes, f"{metric.python_name}_UNIT") == metric.unit
    assert attributes.METRIC_LLMCOST_COST == "llmcost.cost"
    assert attributes.METRIC_LLMCOST_COST_UNIT == "USD"
    assert attributes.METRIC_LLMCOST_UNPRICED_CALLS_UNIT == "{call}"


def test_the_module_defines_nothing_the_registry_does_not() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    expected = {attribute.python_name for attribute in registry.attributes}
    expected |= {attribute.enum_class_name for attribute in registry.attributes if attribute.members}
    expected |= {metric.python_name for metric in registry.metrics}
    expected |= {f"{metric.python_name}_UNIT" for metric in registry.metrics}
    public = {name for name in vars(attributes) if not name.startswith("_") and name != "Final"}
    assert public == expected


def test_enum_members_are_unique() -> None:
    for group in _raw_groups():
        for attribute in group.get("attributes", []):
            type_ = attribute.get("type")
            if not isinstance(type_, dict):
                continue
            members = type_["members"]
            for field in ("id", "value"):
                items = [member[field] for member in members]
                assert len(items) == len(set(items)), f"{attribute['id']}: duplicate member {field}"


def test_metric_attributes_are_registry_attributes() -> None:
    registry = gen.load_registry(REGISTRY_DIR)
    keys = {attribute.key for attribute in registry.attributes}
    for metric in registry.metrics:
        assert set(metric.attributes) <= keys


def test_check_names_the_stale_files(registry_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--check", "--root", str(registry_copy)]) == 1
    err = capsys.readouterr().err
    assert "src/otel_llmcost/_attributes.py is stale: run python scripts/gen_semconv.py" in err
    assert "docs/attributes.md is stale" in err


def test_check_passes_after_writing(registry_copy: Path) -> None:
    assert gen.main(["--root", str(registry_copy)]) == 0
    assert gen.main(["--check", "--root", str(registry_copy)]) == 0
    module = registry_copy / "src" / "otel_llmcost" / "_attributes.py"
    module.write_text(module.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    assert gen.stale_files(registry_copy) == [Path("src/otel_llmcost/_attributes.py")]


def _write_registry(root: Path, groups: str) -> Path:
    registry_dir = root / "semconv" / "registry"
    registry_dir.mkdir(parents=True)
    (registry_dir / "test.yaml").write_text(groups, encoding="utf-8")
    return registry_dir


def test_a_name_collision_fails_loudly(tmp_path: Path) -> None:
    registry_dir = _write_registry(
        tmp_path,
        """
groups:
  - id: registry.test
    type: attribute_group
    brief: Test.
    attributes:
      - {id: foo.bar_baz, type: int, stability: development, brief: One., examples: [1]}
      - {id: foo.bar.baz, type: int, stability: development, brief: Two., examples: [2]}
""",
    )
    with pytest.raises(gen.RegistryError, match=r"name collision: FOO_BAR_BAZ .* foo\.bar_baz .* foo\.bar\.baz"):
        gen.load_registry(registry_dir)


def test_a_duplicate_key_fails_loudly(tmp_path: Path) -> None:
    registry_dir = _write_registry(
        tmp_path,
        """
groups:
  - id: registry.test
    type: attribute_group
    brief: Test.
    attributes:
      - {id: foo.bar, type: int, stability: development, brief: One., examples: [1]}
  - id: registry.other
    type: attribute_group
    brief: Test.
    attributes:
      - {id: foo.bar, type: string, stability: development, brief: Two., examples: ["x"]}
""",
    )
    with pytest.raises(gen.RegistryError, match=r"key foo\.bar is defined twice"):
        gen.load_registry(registry_dir)


def test_an_example_of_the_wrong_type_fails_loudly(tmp_path: Path) -> None:
    registry_dir = _write_registry(
        tmp_path,
        """
groups:
  - id: registry.test
    type: attribute_group
    brief: Test.
    attributes:
      - {id: foo.date, type: string, stability: development, brief: A date., examples: [2026-11-22]}
""",
    )
    with pytest.raises(gen.RegistryError, match=r"foo\.date: example .* is not a string"):
        gen.load_registry(registry_dir)
