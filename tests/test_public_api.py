"""The public surface, pinned: a change to any public module's ``__all__`` is a change to this list too.

Public modules are the package and its subpackages whose names have no leading underscore; everything else
is private (``_module.py``) and may change freely.
"""

from __future__ import annotations

import importlib
import pkgutil

import otel_llmcost

PUBLIC: dict[str, list[str]] = {
    "otel_llmcost": [
        "AttributionSpanProcessor",
        "BudgetExceeded",
        "Cost",
        "CostRecordingSampler",
        "CostSpanExporter",
        "CostSpanProcessor",
        "PriceFileError",
        "PriceTable",
        "PricingError",
        "RequestContext",
        "Usage",
        "attribute",
        "budget",
        "flush",
        "in_context",
        "instrument",
        "price",
        "reset_attributes",
        "section",
        "set_attributes",
        "uninstrument",
    ],
    "otel_llmcost.attribution": [
        "ATTRIBUTE_KEYS_ENV",
        "BAGGAGE_KEYS_ENV",
        "AttributionMiddleware",
        "AttributionSpanProcessor",
        "Budget",
        "BudgetExceeded",
        "SectionKind",
        "Source",
        "attribute",
        "budget",
        "budgets_active",
        "check_budget",
        "current_attributes",
        "django_middleware",
        "flask_attribution",
        "header",
        "in_context",
        "path_param",
        "reset_attributes",
        "section",
        "set_attributes",
    ],
    "otel_llmcost.cli": ["EXIT_BAD_INPUT", "EXIT_INVALID", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_USAGE", "main"],
    "otel_llmcost.export": ["FILE_MAX_BYTES_ENV", "FILE_PATH_ENV", "FileSpanExporter", "encode_spans"],
    "otel_llmcost.instrumentation": ["INSTRUMENTORS", "Ours"],
    "otel_llmcost.instrumentation.cohere": ["CohereInstrumentor"],
    "otel_llmcost.instrumentation.mistralai": ["MistralInstrumentor"],
    "otel_llmcost.instrumentation.google_genai": ["GoogleGenAIInstrumentor"],
    "otel_llmcost.instrumentation.anthropic": ["AnthropicInstrumentor"],
    "otel_llmcost.instrumentation.bedrock": ["BedrockInstrumentor"],
    "otel_llmcost.instrumentation.http_fallback": ["HTTPFallbackInstrumentor"],
    "otel_llmcost.instrumentation.openai": ["OpenAIInstrumentor"],
    "otel_llmcost.instrumentation.pinecone": ["PineconeInstrumentor"],
    "otel_llmcost.pricing": [
        "PRICING_FILE_ENV",
        "TOKEN_UNITS",
        "Applied",
        "Conversion",
        "Cost",
        "Plan",
        "PriceFileError",
        "PriceTable",
        "PricingError",
        "RequestContext",
        "TokenRates",
        "Usage",
        "check_provider_file",
        "default_table",
        "environment_files",
        "price",
    ],
    "otel_llmcost.processor": ["CostSpanExporter", "CostSpanProcessor", "CostTotal", "UnpricedTotal"],
    "otel_llmcost.setup": ["CostRecordingSampler", "flush", "instrument", "uninstrument"],
    "otel_llmcost.tokens": [
        "ESTIMATE_UNAVAILABLE",
        "encoding_for",
        "encoding_name",
        "estimate_chat",
        "estimate_text",
        "prefetch",
        "why_no_estimate",
    ],
    "otel_llmcost.usage": [
        "COST_BUCKETS",
        "INFERENCE_OPERATIONS",
        "INPUT_TOKEN_UNITS",
        "OUTPUT_TOKEN_UNITS",
        "TOKEN_TOTALS",
        "TOKEN_UNITS",
        "TOKENS_ONLY",
        "GenAICall",
        "RequestContext",
        "TokenCall",
        "Totals",
        "Usage",
        "operation_of",
        "read_call",
        "read_tokens",
        "token_call",
        "tokens_usage",
        "usage_attributes",
    ],
}


def public_modules() -> list[str]:
    found = ["otel_llmcost"]
    for module in pkgutil.walk_packages(otel_llmcost.__path__, "otel_llmcost."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            found.append(module.name)
    return sorted(found)


def test_the_public_modules_are_the_listed_ones() -> None:
    assert public_modules() == sorted(PUBLIC)


def test_each_public_module_exports_exactly_its_listed_names() -> None:
    for name, exported in PUBLIC.items():
        module = importlib.import_module(name)
        assert sorted(getattr(module, "__all__", [])) == sorted(exported), name
        for attribute in exported:
            assert getattr(module, attribute) is not None, f"{name}.{attribute}"


def test_names_exported_twice_are_the_same_object() -> None:
    # Re-exports (otel_llmcost.Usage, otel_llmcost.pricing.Usage) are the one class, not copies.
    for attribute in ("Usage", "RequestContext", "TOKEN_UNITS"):
        assert getattr(otel_llmcost.pricing, attribute) is getattr(otel_llmcost.usage, attribute)
    for attribute in ("Cost", "PriceTable", "Usage", "price"):
        assert getattr(otel_llmcost, attribute) is getattr(otel_llmcost.pricing, attribute)
    for attribute in ("CostSpanProcessor", "CostSpanExporter"):
        assert getattr(otel_llmcost, attribute) is getattr(otel_llmcost.processor, attribute)
    for attribute in ("AttributionSpanProcessor", "BudgetExceeded", "attribute", "budget", "section"):
        assert getattr(otel_llmcost, attribute) is getattr(otel_llmcost.attribution, attribute)
