"""Matching a model id to a table entry, without look-alikes.

Order: exact ids, then snapshot bases (the id with a dated or versioned suffix removed, the longest base
first), then full-match patterns. Two patterns that claim one id are a load-time error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from .. import _attributes as a
from ._errors import PriceFileError
from ._load import ProviderFile
from ._model import Entry

__all__ = ["Match", "ProviderIndex", "normalise", "snapshot_bases"]

_CONTEXT_SUFFIX = re.compile(r"(?::[0-9]+k?)+$")
_VERSION_SUFFIX = re.compile(r"-v[0-9]+$")
_MM = r"(?:0[1-9]|1[0-2])"
_DD = r"(?:0[1-9]|[12][0-9]|3[01])"
_YYYY = r"20[0-9]{2}"
_DATE_SUFFIX = re.compile(
    rf"(?:-{_YYYY}-{_MM}-{_DD}|[-@]{_YYYY}{_MM}{_DD}|-{_MM}{_DD}|-2[3-9]{_MM}|[-@][0-9]{{3}}|@latest|@default)$"
)
"""A dated or numbered snapshot: ``-2024-08-06``, ``-20240806``, ``@20240806``, ``-0806`` (MMDD), ``-2411``
(YYMM, Mistral), ``-001`` / ``@001`` (Gemini, Vertex), ``@latest``, ``@default``."""
_RESOURCE_PREFIX = re.compile(r"^(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/[^/]+/)?models/")
_FINE_TUNE = "ft:"


def snapshot_bases(model: str) -> Iterator[str]:
    """The shorter ids ``model`` is a snapshot of, most specific first.

    ``claude-3-5-sonnet-20241022-v2:0`` gives ``claude-3-5-sonnet-20241022-v2``,
    ``claude-3-5-sonnet-20241022`` and ``claude-3-5-sonnet``.
    """
    current = model
    for suffix in (_CONTEXT_SUFFIX, _VERSION_SUFFIX, _DATE_SUFFIX):
        stripped = suffix.sub("", current)
        if stripped and stripped != current:
            current = stripped
            yield current


def normalise(model: str, strip_prefixes: Iterable[str], region_prefixes: Mapping[str, str]) -> tuple[str, str | None]:
    """``model`` as the table spells ids, and the region scope its prefix named (Bedrock's ``eu.``).

    Lowercase; an ARN's resource id; without resource paths (``models/``, ``publishers/x/models/``), the
    provider's own prefixes (``openai/``) and a geo prefix; a fine-tune reduced to ``ft:<base>``.
    """
    text = model.strip().lower()
    if text.startswith("arn:"):
        text = text.rsplit("/", 1)[-1]
    text = _RESOURCE_PREFIX.sub("", text)
    stripped = True
    while stripped:
        stripped = False
        for prefix in strip_prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
                stripped = True
    region: str | None = None
    for prefix in sorted(region_prefixes, key=len, reverse=True):
        if text.startswith(prefix):
            text, region = text[len(prefix) :], region_prefixes[prefix]
            break
    if text.startswith(_FINE_TUNE):
        text = _FINE_TUNE + text[len(_FINE_TUNE) :].split(":", 1)[0]
    return text, region


@dataclass(frozen=True, slots=True)
class Match:
    """An entry and the normalised id that matched it, or why nothing did."""

    entry: Entry | None
    model: str
    region: str | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass(slots=True)
class ProviderIndex:
    """The entries of one provider, indexed for matching. Layers of override files come first."""

    provider: str
    aliases: set[str] = field(default_factory=set[str])
    strip_prefixes: list[str] = field(default_factory=list[str])
    region_prefixes: dict[str, str] = field(default_factory=dict[str, str])
    not_priced: str | None = None
    layers: list[_Layer] = field(default_factory=list["_Layer"])

    def add(self, file: ProviderFile) -> None:
        """Adds a file's entries as a layer above the ones already added."""
        self.aliases.update(file.aliases)
        self.strip_prefixes.extend(prefix for prefix in file.strip_prefixes if prefix not in self.strip_prefixes)
        self.region_prefixes.update(file.region_prefixes)
        self.not_priced = file.not_priced if file.not_priced is not None else self.not_priced
        self.layers.insert(0, _Layer.build(file))

    def entry(self, model_id: str) -> Entry | None:
        """The entry whose id is ``model_id``, from the highest layer that has one."""
        for layer in self.layers:
            if model_id in layer.by_id:
                return layer.by_id[model_id]
        return None

    def match(self, model: str) -> Match:
        """The entry that prices ``model``, searching the layers from the top."""
        normalised, region = normalise(model, self.strip_prefixes, self.region_prefixes)
        for layer in self.layers:
            found = layer.match(normalised)
            if found is not None:
                return Match(found, normalised, region)
        return Match(
            None,
            normalised,
            region,
            a.LlmcostReasonValues.UNKNOWN_MODEL,
            f"no {self.provider} price entry matches {model!r}",
        )


@dataclass(frozen=True, slots=True)
class _Layer:
    by_id: Mapping[str, Entry]
    exact: Mapping[str, Entry]
    bases: Mapping[str, Entry]
    patterns: tuple[tuple[re.Pattern[str], Entry], ...]

    @classmethod
    def build(cls, file: ProviderFile) -> _Layer:
        by_id: dict[str, Entry] = {}
        exact: dict[str, Entry] = {}
        patterns: list[tuple[re.Pattern[str], Entry]] = []
        for index, entry in enumerate(file.entries):
            where = f"models[{index}] ({entry.id})"
            if entry.id in by_id:
                raise PriceFileError(file.path, where, f"the id {entry.id!r} is already the id of another entry")
            by_id[entry.id] = entry
            for model_id in (entry.id, *entry.ids):
                other = exact.setdefault(model_id, entry)
                if other is not entry:
                    raise PriceFileError(file.path, where, f"{model_id!r} is already an id of {other.id!r}")
            patterns.extend((pattern, entry) for pattern in entry.patterns)
        bases = {model_id: entry for model_id, entry in exact.items() if entry.snapshots}
        layer = cls(by_id, exact, bases, tuple(patterns))
        layer.check_patterns(file)
        return layer

    def check_patterns(self, file: ProviderFile) -> None:
        """Fails when two entries' patterns claim one id: each pattern's examples must match no other pattern."""
        for pattern, owner in self.patterns:
            examples = [example for example in owner.examples if pattern.fullmatch(example)]
            if not examples:
                raise PriceFileError(
                    file.path,
                    f"entry {owner.id!r}",
                    f"its pattern {pattern.pattern!r} matches none of its match.examples; give an id it must match",
                )
            for other_pattern, other in self.patterns:
                for example in examples:
                    if other is not owner and other_pattern.fullmatch(example):
                        raise PriceFileError(
                            file.path,
                            f"entry {other.id!r}",
                            f"its pattern {other_pattern.pattern!r} also matches {example!r}, an example of"
                            f" {owner.id!r}; two patterns must not claim one id",
                        )

    def lookup(self, model: str) -> Entry | None:
        """The entry an exact id or a snapshot base gives ``model``."""
        found = self.exact.get(model)
        if found is not None:
            return found
        for base in snapshot_bases(model):
            found = self.bases.get(base)
            if found is not None:
                return found
        return None

    def match(self, model: str) -> Entry | None:
        found = self.lookup(model)
        if found is not None:
            return found
        claimed = {entry.id: entry for pattern, entry in self.patterns if pattern.fullmatch(model)}
        # More than one claim is a table defect the load-time check did not see: never guess.
        return next(iter(claimed.values())) if len(claimed) == 1 else None
