"""The patch table of ``botocore``, and the one surface of Bedrock Runtime's four paid operations.

Every operation is a ``chat`` (Converse is; InvokeModel bodies are the families' chat or text completion
formats, which are priced alike), except InvokeModel of an embedding model (Titan, Cohere and Nova
embeddings: ``embed`` in the model id), an ``embeddings``. The call's arguments are ``_make_api_call``'s: the
operation's name and its parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar, Final, cast

from ... import _attributes as a
from .._genai import Attributes, Invocation
from .._patches import Patch, as_is
from .._retry import do_get_response
from .._stream import StreamHooks
from .._surface import Reading, Request, Setup
from ._call import make_api_call
from ._converse import ConverseStream, converse_request, converse_response
from ._invoke import InvokeStream, invoke_request, invoke_response
from ._read import model_attributes

__all__ = ["PATCHES", "RUNTIME"]

_STREAMS: Final = frozenset({"ConverseStream", "InvokeModelWithResponseStream"})
_EMPTY: Final[Mapping[str, Any]] = {}
_EMBED: Final = "embed"


class Runtime:
    """Bedrock Runtime's Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        operation = args[0] if args else kwargs.get("operation_name")
        found = args[1] if len(args) > 1 else kwargs.get("api_params")
        api_params = cast("Mapping[str, Any]", found) if isinstance(found, Mapping) else _EMPTY
        attributes: Attributes = {}
        model = model_attributes(api_params, attributes)
        if operation in ("Converse", "ConverseStream"):
            converse_request(api_params, attributes, setup.telemetry.capture_content)
        else:
            invoke_request(api_params, attributes)
        embeds = operation == "InvokeModel" and model is not None and _EMBED in model.lower()
        kind = a.GenAiOperationNameValues.EMBEDDINGS if embeds else None
        return Request(model, attributes, kwargs, operation in _STREAMS, state=operation, operation=kind)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        response = cast("Mapping[str, Any]", result) if isinstance(result, Mapping) else _EMPTY
        if request.state == "Converse":
            return converse_response(response, setup.telemetry.capture_content)
        return invoke_response(response)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        if request.state == "ConverseStream":
            return ConverseStream(invocation, setup.telemetry.capture_content)
        return InvokeStream(invocation)


RUNTIME: Final = Runtime()

PATCHES: Final[tuple[Patch, ...]] = (
    Patch("botocore.client", "BaseClient._make_api_call", partial(make_api_call, surface=RUNTIME)),
    # Each attempt botocore's retry handler makes: counted, and marked when the provider may have billed it.
    Patch("botocore.endpoint", "Endpoint._do_get_response", as_is(do_get_response)),
)
