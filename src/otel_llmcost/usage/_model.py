"""The usage model's value types: `Usage`, what one call consumed, in disjoint buckets so that every unit is
priced exactly once, and `RequestContext`, what else about the call changes its price.

Standard library only: pricing, the instrumentors and the processor all import them from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing's own from Python 3.11

__all__ = [
    "INPUT_TOKEN_UNITS",
    "OUTPUT_TOKEN_UNITS",
    "TOKEN_TOTALS",
    "TOKEN_UNITS",
    "RequestContext",
    "Totals",
    "Usage",
    "tokens_usage",
]

INPUT_TOKEN_UNITS = (
    "input",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "input_audio",
    "cache_read_audio",
    "input_image",
)
"""The buckets of input tokens. ``input`` holds the tokens that are in no other bucket."""

OUTPUT_TOKEN_UNITS = ("output", "reasoning", "output_audio", "output_image")
"""The buckets of output tokens. ``output`` holds the tokens that are in no other bucket."""

TOKEN_UNITS = INPUT_TOKEN_UNITS + OUTPUT_TOKEN_UNITS

_ZERO = Decimal(0)


class Totals(TypedDict, total=False):
    """What a call consumed as totals and their parts: the arguments of `Usage.from_totals` and `from_reported`.

    ``input_tokens`` counts every input token (cached, audio and image ones included) and ``output_tokens``
    every output token (reasoning, audio and image ones included). ``cache_write_tokens`` counts every cache
    write; ``cache_write_1h_tokens`` is the part of them with a 1-hour lifetime. Cached audio tokens are a part
    of both ``cache_read_tokens`` and ``input_audio_tokens``. What is not given is 0.
    """

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cache_write_1h_tokens: int
    input_audio_tokens: int
    cache_read_audio_tokens: int
    input_image_tokens: int
    reasoning_tokens: int
    output_audio_tokens: int
    output_image_tokens: int
    input_characters: int
    input_audio_seconds: Decimal | int | str
    images: Mapping[str, int] | None
    requests: Mapping[str, int] | None
    compute_seconds: Decimal | int | str
    videos: Mapping[str, Decimal | int | str] | None
    output_megapixels: Decimal | int | str
    input_megapixels: Decimal | int | str


_TOTALS = frozenset(Totals.__annotations__)


def _frozen(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((key, count) for key, count in counts.items() if count))


def _megapixels(value: Decimal | int | str, which: str) -> Decimal:
    if value is _ZERO:
        return _ZERO
    found = value if type(value) is Decimal else Decimal(value)
    if found < 0:
        raise ValueError(f"{which}_megapixels is {found}: it cannot be negative")
    return found


def _frozen_seconds(seconds: Mapping[str, Decimal | int | str]) -> tuple[tuple[str, Decimal], ...]:
    found = tuple(sorted((key, Decimal(value)) for key, value in seconds.items() if value))
    if any(value < 0 for _, value in found):
        raise ValueError("seconds of video cannot be negative")
    return found


class Usage(NamedTuple):
    """The units one call consumed, each in exactly one bucket. Immutable (a named tuple, for speed).

    Token fields are disjoint: ``input`` is the input tokens that are not cache reads, cache writes, audio
    or image tokens; ``output`` is the output tokens that are not reasoning, audio or image tokens. Build a
    `Usage` from the totals that APIs and the GenAI conventions report with `Usage.from_totals`, which
    subtracts the parts from the totals, or with `Usage.from_reported` where a source may count a part
    beside its total rather than inside it.

    Attributes:
        input: plain input tokens.
        cache_read: input tokens read from a prompt cache.
        cache_write: input tokens written to a prompt cache with a 5-minute (or unreported) lifetime.
        cache_write_1h: input tokens written to a prompt cache with a 1-hour lifetime.
        input_audio: audio input tokens, not cached.
        cache_read_audio: audio input tokens read from a cache.
        input_image: image input tokens.
        output: plain output tokens.
        reasoning: reasoning (thinking) tokens.
        output_audio: audio output tokens.
        output_image: image output tokens.
        input_characters: characters of text turned into speech.
        input_audio_seconds: seconds of audio transcribed or translated.
        images: images generated, by ``"<size>"`` or ``"<size>/<quality>"`` key.
        requests: billed calls and tool uses, by kind (``"request"``, ``"web_search"``).
        compute_seconds: seconds of hardware a call ran on, where a platform bills the time (Replicate's
            ``metrics.predict_time``).
        videos: seconds of video generated, by ``"<resolution>"`` key (``"video"``: not asked), with
            ``"/audio"`` or ``"/silent"`` when the request says whether the videos have sound.
        output_megapixels: megapixels of the images generated, where a vendor bills them (FLUX.2).
        input_megapixels: megapixels of the reference images an image edit sends, where a vendor bills them.
    """

    input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cache_write_1h: int = 0
    input_audio: int = 0
    cache_read_audio: int = 0
    input_image: int = 0
    output: int = 0
    reasoning: int = 0
    output_audio: int = 0
    output_image: int = 0
    input_characters: int = 0
    input_audio_seconds: Decimal = _ZERO
    images: tuple[tuple[str, int], ...] = ()
    requests: tuple[tuple[str, int], ...] = ()
    compute_seconds: Decimal = _ZERO
    videos: tuple[tuple[str, Decimal], ...] = ()
    output_megapixels: Decimal = _ZERO
    input_megapixels: Decimal = _ZERO

    @classmethod
    def from_totals(cls, **totals: Unpack[Totals]) -> Usage:
        """A `Usage` from totals and their parts (see `Totals`), as the GenAI conventions report them.

        Raises:
            ValueError: a count is negative, or the parts add up to more than their total.
            TypeError: an argument that `Totals` does not name.
        """
        if not totals.keys() <= _TOTALS:
            unknown = sorted(totals.keys() - _TOTALS)[0]
            raise TypeError(f"unexpected argument {unknown!r}; the arguments are {', '.join(sorted(_TOTALS))}")
        cache_write, cache_write_1h = totals.get("cache_write_tokens", 0), totals.get("cache_write_1h_tokens", 0)
        if cache_write_1h > cache_write >= 0:
            raise ValueError(
                f"cache_write_1h_tokens ({cache_write_1h}) exceeds cache_write_tokens ({cache_write}),"
                " of which it is a part"
            )
        usage = cls.from_reported(**totals)
        # from_reported adds a part that exceeds its total to the total: totals that include their parts, as
        # these must, come back unchanged.
        input_tokens, output_tokens = totals.get("input_tokens", 0), totals.get("output_tokens", 0)
        if usage.input_tokens != input_tokens:
            raise ValueError(
                f"the parts of the input (cache reads, cache writes, audio and image tokens:"
                f" {usage.input_tokens - usage.input}) exceed input_tokens ({input_tokens}), which must include them"
            )
        if usage.output_tokens != output_tokens:
            raise ValueError(
                f"the parts of the output (reasoning, audio and image tokens: {usage.output_tokens - usage.output})"
                f" exceed output_tokens ({output_tokens}), which must include them"
            )
        return usage

    @classmethod
    def from_reported(
        cls,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        cache_write_1h_tokens: int = 0,
        input_audio_tokens: int = 0,
        cache_read_audio_tokens: int = 0,
        input_image_tokens: int = 0,
        reasoning_tokens: int = 0,
        output_audio_tokens: int = 0,
        output_image_tokens: int = 0,
        input_characters: int = 0,
        input_audio_seconds: Decimal | int | str = _ZERO,
        images: Mapping[str, int] | None = None,
        requests: Mapping[str, int] | None = None,
        videos: Mapping[str, Decimal | int | str] | None = None,
        total_tokens: int = 0,
        compute_seconds: Decimal | int | str = _ZERO,
        output_megapixels: Decimal | int | str = _ZERO,
        input_megapixels: Decimal | int | str = _ZERO,
    ) -> Usage:
        """A `Usage` from what a provider's response or a span reported (the arguments of `Totals`):
        `from_totals`, lenient where sources are known to differ from the conventions.

        Some sources count a part beside its total rather than inside it; that part is added to its total,
        so that every token is counted once:

        - reasoning beside the output (Gemini's raw usage, some OpenAI-compatible APIs): when
          ``total_tokens`` is input plus output plus reasoning, or the output's parts exceed the output;
        - cache reads and writes beside the input (Anthropic's raw usage, some OpenAI-compatible APIs): when
          ``total_tokens`` is input plus cached plus output, or the input's parts exceed the input.

        A 1-hour cache write count above the count of all cache writes is taken as all of them.
        ``total_tokens`` is only a hint (0: not reported).

        Raises:
            ValueError: a count is negative, or the parts exceed their totals even when counted beside them.
        """
        if (
            input_tokens
            | output_tokens
            | cache_read_tokens
            | cache_write_tokens
            | cache_write_1h_tokens
            | input_audio_tokens
            | cache_read_audio_tokens
            | input_image_tokens
            | reasoning_tokens
            | output_audio_tokens
            | output_image_tokens
            | input_characters
        ) < 0:  # the bitwise or of ints is negative if one of them is
            named = {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_read_tokens": cache_read_tokens,
                "cache_write_tokens": cache_write_tokens,
                "cache_write_1h_tokens": cache_write_1h_tokens,
                "input_audio_tokens": input_audio_tokens,
                "cache_read_audio_tokens": cache_read_audio_tokens,
                "input_image_tokens": input_image_tokens,
                "reasoning_tokens": reasoning_tokens,
                "output_audio_tokens": output_audio_tokens,
                "output_image_tokens": output_image_tokens,
                "input_characters": input_characters,
            }
            name, count = next((name, count) for name, count in named.items() if count < 0)
            raise ValueError(f"{name} is {count}: token counts cannot be negative")
        if type(input_audio_seconds) is not Decimal:
            input_audio_seconds = Decimal(input_audio_seconds)
        buckets = token_buckets(
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            cache_write_1h_tokens,
            input_audio_tokens,
            cache_read_audio_tokens,
            input_image_tokens,
            reasoning_tokens,
            output_audio_tokens,
            output_image_tokens,
            total_tokens,
        )
        if input_audio_seconds is not _ZERO and input_audio_seconds < 0:
            raise ValueError(f"input_audio_seconds is {input_audio_seconds}: it cannot be negative")
        if type(compute_seconds) is not Decimal:
            compute_seconds = Decimal(compute_seconds)
        if compute_seconds is not _ZERO and compute_seconds < 0:
            raise ValueError(f"compute_seconds is {compute_seconds}: it cannot be negative")
        megapixels = (_megapixels(output_megapixels, "output"), _megapixels(input_megapixels, "input"))
        return _usage_of(
            (
                *buckets,
                input_characters,
                input_audio_seconds,
                _frozen(images) if images else (),
                _frozen(requests) if requests else (),
                compute_seconds,
                _frozen_seconds(videos) if videos else (),
                *megapixels,
            )
        )

    @property
    def input_tokens(self) -> int:
        """Every input token: the sum of the input buckets. Long-context tiers compare this with their threshold."""
        return (
            self.input
            + self.cache_read
            + self.cache_write
            + self.cache_write_1h
            + self.input_audio
            + self.cache_read_audio
            + self.input_image
        )  # as a sum of attributes: this runs once per priced span

    @property
    def output_tokens(self) -> int:
        """Every output token: the sum of the output buckets."""
        return self.output + self.reasoning + self.output_audio + self.output_image

    def tokens(self, unit: str) -> int:
        """The tokens in the bucket named ``unit``, one of `TOKEN_UNITS`."""
        count: int = getattr(self, unit)
        return count

    def beyond_tokens(self) -> bool:
        """Whether the call used units other than tokens (characters, seconds of audio, hardware or video, images,
        megapixels, requests), which are priced by their own units."""
        return bool(
            self.input_characters
            or self.input_audio_seconds
            or self.images
            or self.requests
            or self.compute_seconds
            or self.videos
            or self.output_megapixels
            or self.input_megapixels
        )

    def is_empty(self) -> bool:
        """Whether the call consumed nothing at all."""
        return self.input_tokens == 0 and self.output_tokens == 0 and not self.beyond_tokens()


TOKEN_TOTALS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "cache_write_1h_tokens",
    "input_audio_tokens",
    "cache_read_audio_tokens",
    "input_image_tokens",
    "reasoning_tokens",
    "output_audio_tokens",
    "output_image_tokens",
)
"""The token totals and parts of `Totals`, in the order `token_buckets` takes them."""


def token_buckets(
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int,
    cache_write_tokens: int,
    cache_write_1h_tokens: int,
    input_audio_tokens: int,
    cache_read_audio_tokens: int,
    input_image_tokens: int,
    reasoning_tokens: int,
    output_audio_tokens: int,
    output_image_tokens: int,
    total_tokens: int = 0,
) -> tuple[int, ...]:
    """The token buckets of a `Usage` (`TOKEN_UNITS`, in order) from token totals and parts that are not negative:
    the rules of `Usage.from_reported`, which calls it, as is the span reader's quick path (by position: binding
    keyword arguments was a third of the reader's time).

    Raises:
        ValueError: the parts exceed their totals even when counted beside them.
    """
    if reasoning_tokens and (
        (total_tokens and total_tokens == input_tokens + output_tokens + reasoning_tokens)
        or reasoning_tokens + output_audio_tokens + output_image_tokens > output_tokens
    ):
        output_tokens += reasoning_tokens
    cached = cache_read_tokens + cache_write_tokens
    if cached and (
        (total_tokens and total_tokens == input_tokens + cached + output_tokens)
        or cached + input_audio_tokens - cache_read_audio_tokens + input_image_tokens > input_tokens
    ):
        input_tokens += cached
    if cache_write_1h_tokens > cache_write_tokens:
        cache_write_1h_tokens = cache_write_tokens
    if cache_read_audio_tokens > cache_read_tokens or cache_read_audio_tokens > input_audio_tokens:
        raise ValueError("cache_read_audio_tokens is a part of both cache_read_tokens and input_audio_tokens")
    input_parts = (
        cache_read_tokens + cache_write_tokens + input_audio_tokens - cache_read_audio_tokens + input_image_tokens
    )
    if input_parts > input_tokens:
        raise ValueError(
            f"the parts of the input (cache reads, cache writes, audio and image tokens: {input_parts})"
            f" exceed input_tokens ({input_tokens}), which must include them"
        )
    output_parts = reasoning_tokens + output_audio_tokens + output_image_tokens
    if output_parts > output_tokens:
        raise ValueError(
            f"the parts of the output (reasoning, audio and image tokens: {output_parts})"
            f" exceed output_tokens ({output_tokens}), which must include them"
        )
    return (
        input_tokens - input_parts,
        cache_read_tokens - cache_read_audio_tokens,
        cache_write_tokens - cache_write_1h_tokens,
        cache_write_1h_tokens,
        input_audio_tokens - cache_read_audio_tokens,
        cache_read_audio_tokens,
        input_image_tokens,
        output_tokens - output_parts,
        reasoning_tokens,
        output_audio_tokens,
        output_image_tokens,
    )


new_tuple = cast("Callable[..., Any]", tuple.__new__)  # pyright: ignore[reportUnknownMemberType]
"""``new_tuple(NamedTupleClass, fields)``: the named tuple of all its ``fields``, in order, built as the tuple it is.

The one place of this speed trick in the usage room: a named tuple's own ``__new__`` is a Python function that
only passes its arguments on to ``tuple.__new__``, and skipping it is a measurable share of the processor's time
per priced span (benchmarks/bench_processor.py). `tests/test_usage.py` checks that what it builds is what the
class's own constructor builds.
"""


def _usage_of(fields: tuple[object, ...]) -> Usage:
    """The `Usage` of all its fields, in order (see `new_tuple`)."""
    usage: Usage = new_tuple(Usage, fields)
    return usage


TOKENS_ONLY = Usage()[len(TOKEN_UNITS) :]
"""The fields of a `Usage` after its tokens, for a call that used tokens only: their defaults."""


def tokens_usage(totals: Sequence[int], total_tokens: int = 0) -> Usage:
    """The `Usage` of a call that used tokens only, from its `TOKEN_TOTALS` in order, none negative:
    `Usage.from_reported`'s rules (``total_tokens`` is its hint too), with the counts by position, for the readers
    that build a usage on every call (binding `from_reported`'s twenty keywords took half of its time).

    Raises:
        ValueError: the parts exceed their totals even when counted beside them.
    """
    return buckets_usage(token_buckets(*totals, total_tokens=total_tokens))


def buckets_usage(buckets: tuple[int, ...]) -> Usage:
    """The `Usage` of a call that used tokens only, from its token buckets (`TOKEN_UNITS`, in order, checked)."""
    return _usage_of(buckets + TOKENS_ONLY)


class RequestContext(NamedTuple):
    """What about a request, beyond its model and usage, changes its price.

    Attributes:
        batch: the call went through a batch API.
        service_tier: the service tier the response reported (``flex``, ``priority``, ``default``...).
        region: the region scope of the endpoint (``us``, ``eu``, ``global``, ``regional``, ``data_zone``).
            A Bedrock id with a geo prefix (``eu.anthropic...``) sets it when this is `None`.
        off_peak: the call started outside its vendor's peak hours (set by `PriceTable.price` from the
            call's start time, for periods with peak hours).
    """

    batch: bool = False
    service_tier: str | None = None
    region: str | None = None
    off_peak: bool = False
