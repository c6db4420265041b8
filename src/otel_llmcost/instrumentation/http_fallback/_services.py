"""The non-LLM AI APIs the fallback prices: speech to text, text to speech, embeddings and rerank billed by total
tokens, and image generation. Their SDKs call over ``httpx`` or ``requests``; the provider comes from the host.

- ``deepgram``: ``POST /v1/listen?model=nova-3``, ``transcription``, seconds from ``metadata.duration``;
- ``assemblyai``: ``GET /v2/transcript/{id}`` once ``completed``, ``transcription``, seconds from ``audio_duration``;
- ``elevenlabs``: ``POST /v1/text-to-speech/{voice}[/stream]``, ``speech``, the characters of the request's ``text``;
- ``voyage_ai``, ``jina_ai``: ``POST /v1/embeddings`` and ``/v1/rerank``, ``embeddings`` and ``rerank``, input
  tokens from ``usage.total_tokens``;
- ``stability_ai``: ``POST /v2beta/stable-image/generate/{service}``, ``image_generation``, one image;
- ``black_forest_labs``: ``POST /v1/{flux model}``, ``image_generation``, one image (its result polls bill nothing);
  a FLUX.2 model's image by its megapixels and those of its reference images, as the submit response reports them
  (``output_mp``, ``input_mp``) with the charge itself (``cost``, in credits of $0.01), else from the size the
  request asks for (``width`` x ``height``, a text-to-image call only), ``estimated``.

An AssemblyAI transcript is polled until it completes: only the poll that finds it ``completed`` is the billed
call, so its span starts when that answer arrives (at the time the request was sent), and a transcript id is
priced once per process however often it is fetched again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final
from urllib.parse import parse_qs, unquote

from ... import _attributes as a
from ...usage import Usage
from ._formats import Route

__all__ = ["SERVICE_PROVIDERS", "ServiceFormat", "once", "read_service", "service_route"]

_OP = a.GenAiOperationNameValues
# The price table's provider names (its files' `provider`), which the conventions do not list.
_DEEPGRAM: Final = "deepgram"
_ASSEMBLYAI: Final = "assemblyai"
_ELEVENLABS: Final = "elevenlabs"
_VOYAGE_AI: Final = "voyage_ai"
_JINA_AI: Final = "jina_ai"
_STABILITY_AI: Final = "stability_ai"
_BLACK_FOREST_LABS: Final = "black_forest_labs"
_PINECONE: Final = "pinecone"
_RERANK = a.LlmRequestTypeValues.RERANK


class ServiceFormat:
    """Body formats of the non-LLM APIs, beside `Format`'s (numbered apart from them)."""

    DEEPGRAM: Final = 100
    ASSEMBLYAI: Final = 101
    TOTAL_TOKENS: Final = 102
    BILLED_BY_REQUEST: Final = 103  # the usage is known from the request: characters, one image
    PINECONE: Final = 104
    FLUX_2: Final = 105  # Black Forest Labs' FLUX.2: billed by megapixel, which the submit response reports


SERVICE_PROVIDERS: Final = frozenset(
    {
        _DEEPGRAM,
        _ASSEMBLYAI,
        _ELEVENLABS,
        _VOYAGE_AI,
        _JINA_AI,
        _STABILITY_AI,
        _BLACK_FOREST_LABS,
        _PINECONE,
    }
)
_ONE_IMAGE: Final = Usage(images=(("image", 1),))
_ELEVENLABS_DEFAULT: Final = "eleven_multilingual_v2"  # what the API uses when the request names no model_id
_STABILITY: Final = {"ultra": "stable-image-ultra", "core": "stable-image-core"}
_STABILITY_SD3_DEFAULT: Final = "sd3.5-large"
_FORM_MODEL: Final = re.compile(rb'name="model"\r?\n\r?\n([^\r\n]+)')
_TRANSCRIPT: Final = re.compile(r"/v2/transcript/[A-Za-z0-9_-]+")
_SERVERLESS: Final = "serverless"  # Pinecone has no model: the price table's entry is the product
_PINECONE_READS: Final = frozenset({"/query", "/vectors/fetch", "/vectors/fetch_by_metadata", "/vectors/list"})
_FLUX_2: Final = "flux-2"
_INPUT_IMAGES: Final = re.compile(r"input_image(_[0-9]+)?|input_image_blob_path")
_CENTS: Final = Decimal("0.01")  # US dollars per BFL credit
_MEGA: Final = Decimal(1_000_000)
_NONE: Final = Decimal(0)
_PINECONE_WRITES: Final = frozenset({"/vectors/upsert", "/vectors/update", "/vectors/delete"})
_RECORDS: Final = re.compile(r"/records/namespaces/[^/]+/(search|upsert)")


def service_route(provider: str, method: str, path: str, query: str, body: Callable[[], bytes]) -> Route | None:
    """The `Route` of a request to one of `SERVICE_PROVIDERS`, or `None` when it is no billed call we know."""
    if provider == _DEEPGRAM:
        if method == "POST" and path.endswith("/v1/listen"):
            model = parse_qs(query).get("model", [None])[0]
            return Route(ServiceFormat.DEEPGRAM, _OP.TRANSCRIPTION, model)
        return None
    if provider == _ASSEMBLYAI:
        if method == "GET" and _TRANSCRIPT.fullmatch(path):
            return Route(ServiceFormat.ASSEMBLYAI, _OP.TRANSCRIPTION, None, late=True)
        return None
    if provider == _ELEVENLABS:
        if method == "POST" and "/v1/text-to-speech/" in path:
            values = _json(body())
            text = values.get("text")
            model = values.get("model_id")
            if not isinstance(text, str):
                return None
            usage = Usage(input_characters=len(text))
            model = model if isinstance(model, str) and model else _ELEVENLABS_DEFAULT
            return Route(ServiceFormat.BILLED_BY_REQUEST, _OP.SPEECH, model, usage=usage)
        return None
    if provider in (_VOYAGE_AI, _JINA_AI):
        if method != "POST":
            return None
        model = _json(body()).get("model")
        model = model if isinstance(model, str) and model else None
        if path.endswith("/embeddings"):
            return Route(ServiceFormat.TOTAL_TOKENS, _OP.EMBEDDINGS, model)
        if path.endswith("/rerank"):
            return Route(ServiceFormat.TOTAL_TOKENS, _RERANK, model)
        return None
    if provider == _STABILITY_AI:
        prefix, _, service = path.rpartition("/")
        if method != "POST" or not prefix.endswith("/stable-image/generate"):
            return None
        model = _STABILITY.get(service)
        if service == "sd3":
            found = _FORM_MODEL.search(body())
            model = found.group(1).decode() if found else _STABILITY_SD3_DEFAULT
        return Route(ServiceFormat.BILLED_BY_REQUEST, _OP.IMAGE_GENERATION, model, usage=_ONE_IMAGE)
    if provider == _PINECONE:
        return _pinecone_route(path)
    if provider == _BLACK_FOREST_LABS:
        prefix, _, name = path.rpartition("/")
        if method == "POST" and prefix == "/v1" and name.startswith(_FLUX_2):
            return Route(ServiceFormat.FLUX_2, _OP.IMAGE_GENERATION, unquote(name), estimate=_flux_2_size(body()))
        if method == "POST" and prefix == "/v1" and name.startswith("flux"):
            return Route(ServiceFormat.BILLED_BY_REQUEST, _OP.IMAGE_GENERATION, unquote(name), usage=_ONE_IMAGE)
    return None


def _flux_2_size(content: bytes) -> Usage | None:
    """The megapixels of the image a FLUX.2 text-to-image request asks for (``width`` x ``height``); `None` for an
    edit, whose reference images' sizes only the response says, or a request that lets the model choose."""
    values = _json(content)
    if any(_INPUT_IMAGES.fullmatch(key) and value for key, value in values.items()):
        return None
    width, height = values.get("width"), values.get("height")
    if not (isinstance(width, int) and isinstance(height, int) and _count(width) and _count(height)):
        return None
    return Usage(output_megapixels=Decimal(width * height) / _MEGA)


def _pinecone_route(path: str) -> Route | None:
    """A data-plane read (billed in the read units its response reports) or write. A write is priced only when its
    response reports write units, which the REST API does not do today: an upsert gets no span rather than an
    unpriced one."""
    if path in _PINECONE_READS:
        return Route(ServiceFormat.PINECONE, _OP.VECTOR_READ, _SERVERLESS)
    if path in _PINECONE_WRITES:
        return Route(ServiceFormat.PINECONE, _OP.VECTOR_WRITE, _SERVERLESS, late=True)
    found = _RECORDS.fullmatch(path)
    if found is None:
        return None
    if found.group(1) == "search":
        return Route(ServiceFormat.PINECONE, _OP.VECTOR_READ, _SERVERLESS)
    return Route(ServiceFormat.PINECONE, _OP.VECTOR_WRITE, _SERVERLESS, late=True)


def _json(content: bytes) -> Mapping[str, Any]:
    try:
        values = json.loads(content or b"null")
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}  # pyright: ignore[reportUnknownVariableType]


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _seconds(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def read_service(route: Route, content: bytes) -> tuple[dict[str, str | float], Usage | None]:
    """The response attributes and usage of a whole response ``content`` to a call of ``route``."""
    if route.usage is not None:
        return {}, route.usage
    values = _json(content)
    attributes: dict[str, str | float] = {}
    form = route.format
    if form == ServiceFormat.FLUX_2:
        return _flux_2(route, values)
    if form == ServiceFormat.DEEPGRAM:
        metadata = _dict(values.get("metadata"))
        found = metadata.get("request_id")
        if isinstance(found, str) and found:
            attributes[a.GEN_AI_RESPONSE_ID] = found
        for info in _dict(metadata.get("model_info")).values():
            arch = _dict(info).get("arch")  # "nova-3": the model the price table knows
            if isinstance(arch, str) and arch:
                attributes[a.GEN_AI_RESPONSE_MODEL] = arch
                break
        seconds = _seconds(metadata.get("duration"))
        return attributes, None if seconds is None else Usage(input_audio_seconds=seconds)
    if form == ServiceFormat.ASSEMBLYAI:
        if values.get("status") != "completed":
            return attributes, None
        found = values.get("id")
        if isinstance(found, str) and found:
            attributes[a.GEN_AI_RESPONSE_ID] = found
        model = values.get("speech_model_used") or values.get("speech_model") or "best"
        attributes[a.GEN_AI_RESPONSE_MODEL] = str(model)
        seconds = _seconds(values.get("audio_duration"))
        return attributes, None if seconds is None else Usage(input_audio_seconds=seconds)
    if form == ServiceFormat.PINECONE:
        reported = _dict(values.get("usage"))
        reads = reported.get("readUnits", reported.get("read_units"))
        writes = reported.get("writeUnits", reported.get("write_units"))
        kinds = [(kind, count) for kind, count in (("read_unit", reads), ("write_unit", writes)) if _count(count)]
        return attributes, Usage(requests=tuple(kinds)) if kinds else None
    # TOTAL_TOKENS: Voyage and Jina report the tokens they bill as usage.total_tokens
    model = values.get("model")
    if isinstance(model, str) and model:
        attributes[a.GEN_AI_RESPONSE_MODEL] = model
    tokens = _dict(values.get("usage")).get("total_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
        return attributes, None
    return attributes, Usage(input=tokens)


def _flux_2(route: Route, values: Mapping[str, Any]) -> tuple[dict[str, str | float], Usage | None]:
    """A FLUX.2 submit: its megapixels and charge as the response reports them, else the request's estimate."""
    attributes: dict[str, str | float] = {}
    found = values.get("id")
    if isinstance(found, str) and found:
        attributes[a.GEN_AI_RESPONSE_ID] = found
    credits = _seconds(values.get("cost"))
    if credits is not None:
        attributes[a.LLMCOST_PROVIDER_REPORTED_COST] = float(credits * _CENTS)
    output = _seconds(values.get("output_mp"))
    if output:
        sent = _seconds(values.get("input_mp"))
        return attributes, Usage(output_megapixels=output, input_megapixels=sent if sent is not None else _NONE)
    if route.estimate is None:
        return attributes, None
    attributes[a.LLMCOST_USAGE_STATUS] = a.LlmcostUsageStatusValues.ESTIMATED
    return attributes, route.estimate


_PRICED_ONCE: dict[str, None] = {}
_MAX_REMEMBERED: Final = 4096


def once(response_id: str) -> bool:
    """Whether this is the first time the finished transcript ``response_id`` is priced in this process."""
    if response_id in _PRICED_ONCE:
        return False
    if len(_PRICED_ONCE) >= _MAX_REMEMBERED:
        del _PRICED_ONCE[next(iter(_PRICED_ONCE))]
    _PRICED_ONCE[response_id] = None
    return True
