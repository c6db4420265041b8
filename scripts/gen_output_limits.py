"""Generate the budgets' table of the most output tokens each priced model writes in one call.

Reads LiteLLM's model list (``model_prices_and_context_window_backup.json``, shipped inside the ``litellm``
package, which the ``interop`` extra installs; or ``--litellm FILE``) and the bundled price table, and writes
`src/otel_llmcost/attribution/output_limits.json`: for each price table entry (``provider/id``), LiteLLM's
``max_output_tokens`` of the model. A budget's worst case takes it when a request sets no output limit of its
own (`attribution/_worst_case.py`).

An entry is matched by its id, its ``match`` ids and its examples against LiteLLM's model names: first under
its own provider's prefix (``gemini/gemini-2.5-flash``), then unprefixed (LiteLLM's entry for the maker's own
API), then among every host that lists the name, where the value most hosts give wins (the larger on a tie),
so that one host's odd value does not decide. An entry
that inherits another's prices, or is an alias of another, takes that entry's limit when it matched none of
its own. Entries LiteLLM does not know are left out (the budget then assumes 32,768 tokens).

Usage:

    python scripts/gen_output_limits.py          # rewrite the file
    python scripts/gen_output_limits.py --check  # exit 1 if it is stale

The output depends on the two inputs only (keys sorted), so it is the same on every machine.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from otel_llmcost.pricing import PriceFileError, PriceTable

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src/otel_llmcost/attribution/output_limits.json"
LITELLM_FILE = "model_prices_and_context_window_backup.json"


def litellm_file() -> Path:
    """LiteLLM's bundled model list, found without importing litellm (its import fetches the list online)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        sys.exit("gen_output_limits: litellm is not installed (pip install -e '.[interop]'), or pass --litellm FILE")
    return Path(spec.origin).parent / LITELLM_FILE


# LiteLLM's prefix for a provider whose name differs from the price table's (else the table's name, last part).
_PREFIXES = {
    "mistral_ai": "mistral",
    "gcp.gemini": "gemini",
    "gcp.vertex_ai": "vertex_ai",
    "aws.bedrock": "bedrock",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure_ai",
    "x_ai": "xai",
}


class Limits:
    """LiteLLM's ``max_output_tokens``: by full model name, and every value seen for a name without its prefix."""

    def __init__(self, models: Mapping[str, Any]) -> None:
        self.by_key: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        for key, info in models.items():
            if not isinstance(info, Mapping):
                continue
            limit = cast("Mapping[str, object]", info).get("max_output_tokens")
            if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
                continue
            self.by_key[key.lower()] = limit
            self.by_name.setdefault(key.rsplit("/", 1)[-1].lower(), []).append(limit)

    def of(self, provider: str, names: list[str]) -> int | None:
        """The limit of a model of ``provider`` called any of ``names``: LiteLLM's entry under that provider's
        prefix, else its unprefixed entry (the maker's own API), else the value most of its hosts give (the
        larger on a tie): one host's odd value does not decide."""
        prefix = _PREFIXES.get(provider, provider.rsplit(".", 1)[-1])
        lowered = [name.lower() for name in names]
        for candidates in ([f"{prefix}/{name}" for name in lowered], lowered):
            found = [self.by_key[name] for name in candidates if name in self.by_key]
            if found:
                return max(found)
        seen = [limit for name in lowered for limit in self.by_name.get(name, ())]
        if not seen:
            return None
        return max(seen, key=lambda limit: (seen.count(limit), limit))


def limits_by_entry(table: PriceTable, limits: Limits) -> dict[str, int]:
    """The output limit of each price table entry LiteLLM knows, by ``provider/id``."""
    own: dict[str, int] = {}
    follows: dict[str, str] = {}
    for provider in table.providers:
        try:
            entries = table.entries(provider)
        except PriceFileError:
            continue
        for entry in entries:
            limit = limits.of(provider, [entry.id, *entry.ids, *entry.examples])
            if limit is not None:
                own[entry.key] = limit
            elif entry.inherit is not None:
                follows[entry.key] = entry.inherit
            elif entry.alias:
                follows[entry.key] = f"{entry.provider}/{entry.alias[-1][1]}"
    result = dict(own)
    for key, target in follows.items():
        seen = {key}
        while target not in own and target in follows and target not in seen:
            seen.add(target)
            target = follows[target]
        if target in own:
            result[key] = own[target]
    return dict(sorted(result.items()))


def render(source: Path) -> str:
    models = cast("Mapping[str, Any]", json.loads(source.read_text(encoding="utf-8")))
    limits = limits_by_entry(PriceTable.load(), Limits(models))
    try:
        version = importlib.metadata.version("litellm")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    document = {
        "about": (
            "The most output tokens each price table entry's model writes in one call, for budgets' worst cases. "
            "Generated by scripts/gen_output_limits.py; do not edit by hand."
        ),
        "source": f"LiteLLM {version}, {LITELLM_FILE}, max_output_tokens (MIT License)",
        "max_output_tokens": limits,
    }
    return json.dumps(document, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is stale")
    parser.add_argument("--litellm", type=Path, help=f"LiteLLM's {LITELLM_FILE} (default: the installed one)")
    options = parser.parse_args()
    text = render(options.litellm or litellm_file())
    if options.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run python scripts/gen_output_limits.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(json.loads(text)['max_output_tokens'])} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
