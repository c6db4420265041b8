"""``otel-llmcost prices check`` and ``prices diff``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_support import run, run_json

BUNDLED = Path(__file__).resolve().parents[1] / "pricing" / "providers"


def _openai() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((BUNDLED / "openai.json").read_text())
    return document


def _index(document: dict[str, Any], model_id: str) -> int:
    return next(index for index, model in enumerate(document["models"]) if model["id"] == model_id)


def test_check_names_every_error_with_its_file_entry_and_field(tmp_path: Path) -> None:
    document = _openai()
    gpt_4o, mini, o3 = (_index(document, model) for model in ("gpt-4o", "gpt-4o-mini", "o3"))
    document["models"][gpt_4o]["prices"][0]["usd_per_million_tokens"]["input"] = 2.5
    document["models"][mini]["prices"][0]["from"] = "2025-13-01"
    document["models"][o3]["bogus"] = True
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(document))

    done = run("prices", "check", str(path))

    assert done.returncode == 4
    assert done.stdout.splitlines() == [
        f"{path}: models[{gpt_4o}] (gpt-4o).prices[0].usd_per_million_tokens.input:"
        ' prices are decimal strings such as "2.5", found 2.5',
        f"{path}: models[{mini}] (gpt-4o-mini).prices[0].from: '2025-13-01' is not a real date",
        f"{path}: models[{o3}] (o3): unknown field 'bogus'; allowed: alias, id, inherit, match, name, not_priced,"
        " note, prices, source, source_kind, variants",
        "",
        "3 problems in 1 file(s)",
    ]


def test_check_finds_clashes_between_entries(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(
        json.dumps(
            {
                "provider": "openai",
                "models": [
                    {"id": "a", "prices": [{"usd_per_million_tokens": {"input": "1"}}]},
                    {"id": "a", "prices": [{"usd_per_million_tokens": {"input": "2"}}]},
                ],
            }
        )
    )

    done = run("prices", "check", str(path))

    assert done.returncode == 4
    assert done.stdout.splitlines()[0] == f"{path}: models[1] (a): the id 'a' is already the id of another entry"


def test_check_of_a_valid_file_exits_0() -> None:
    done = run("prices", "check", str(BUNDLED / "anthropic.json"))

    assert (done.returncode, done.stdout) == (0, "1 file(s) valid\n")


def test_check_of_a_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "provider": "openai",\n  "models": [,]\n}\n')

    done = run("prices", "check", str(path))

    assert done.returncode == 4
    assert done.stdout.startswith(f"{path}: line 3 column 14: not valid JSON")


def test_diff_lists_added_removed_and_changed_entries(tmp_path: Path) -> None:
    document = _openai()
    mini = _index(document, "gpt-4o-mini")
    document["models"][mini]["prices"][-1]["usd_per_million_tokens"]["input"] = "0.2"
    removed = document["models"].pop(_index(document, "o3"))
    document["models"].append({"id": "gpt-9", "name": "GPT-9", "prices": [{"usd_per_million_tokens": {"input": "9"}}]})
    new = tmp_path / "openai.json"
    new.write_text(json.dumps(document))

    done = run("prices", "diff", str(BUNDLED / "openai.json"), str(new), "--format", "json")

    assert done.returncode == 4
    assert json.loads(done.stdout)["changes"] == [
        {"entry": "openai/gpt-4o-mini", "change": "changed", "detail": "input 0.15 -> 0.2"},
        {"entry": "openai/gpt-9", "change": "added", "detail": "GPT-9"},
        {"entry": "openai/o3", "change": "removed", "detail": removed["name"]},
    ]


def test_diff_of_equal_tables_exits_0() -> None:
    document = run_json("prices", "diff", str(BUNDLED.parent), str(BUNDLED))

    assert document["changes"] == []
