"""``models.generate_videos`` (Veo), sync and ``aio``: billed per second of video generated.

Veo is a long-running operation: ``generate_videos`` submits the request and returns an operation that the
application polls with ``operations.get`` until the videos are ready. The span covers the submitting call (the
request the API bills): the price is known from the request alone, the seconds asked for
(``duration_seconds``, 8 when not given, the API's default) times ``number_of_videos`` (1), with the
``resolution`` and ``generate_audio`` asked for, which the price can depend on. The polls are not model calls
and get no span. The operation's name is the span's ``gen_ai.response.id``. A video the safety filters withhold
later is not subtracted: the span has ended by then.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import field, text
from .._surface import Reading, Request, Setup, Unstreamed

__all__ = ["GENERATE_VIDEOS"]

_DEFAULT_SECONDS: Final = 8
"""The length of a video whose request gives none (Veo's ``durationSeconds`` default)."""


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _asked(config: object) -> Usage:
    """The seconds of video a request asks for, keyed by resolution and sound (see `Usage.videos`)."""
    seconds = (_whole(field(config, "duration_seconds")) or _DEFAULT_SECONDS) * (
        _whole(field(config, "number_of_videos")) or 1
    )
    key = text(field(config, "resolution")) or "video"
    audio = field(config, "generate_audio")
    if isinstance(audio, bool):
        key = f"{key}/audio" if audio else f"{key}/silent"
    return Usage.from_totals(videos={key: Decimal(seconds)})


class GenerateVideos(Unstreamed):
    """``models.generate_videos``: one request, an operation to poll."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.VIDEO_GENERATION

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs, state=_asked(kwargs.get("config")))

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        attributes: Attributes = {}
        name = text(field(result, "name"))
        if name is not None:
            attributes[a.GEN_AI_RESPONSE_ID] = name
        usage = request.state if isinstance(request.state, Usage) else None
        return Reading(attributes, usage)


GENERATE_VIDEOS: Final = GenerateVideos()
