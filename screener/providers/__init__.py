"""Providers: one module per source, each returning raw blocks (``screener.raw``).

The registry maps a provider name (as used on the command line) to its class, imported lazily
so an optional dependency of one source never slows or breaks another.
"""

from __future__ import annotations

import importlib

from screener.errors import ProviderError

REGISTRY: dict[str, str] = {
    "sample": "screener.providers.sample:SampleProvider",
    "sec": "screener.providers.sec:SecProvider",
    "yahoo": "screener.providers.yahoo:YahooProvider",
    "fmp": "screener.providers.financetoolkit:FinanceToolkitProvider",
    "file": "screener.providers.file:FileProvider",
}

# The version of each provider's parser (its class's ``parser_version`` reads it from here), so
# a load can tell whether the stored parsed columns are current without importing the provider.
# Bump a source's version when its parser gives other rows for the same payload. Unlisted: "1".
PARSER_VERSIONS: dict[str, str] = {
    "sec": "sec-3",  # 2: one debt decomposition, one-filing ladders; 3: floating-rate debt
    "file": "file-2",  # 2: invalid cells stored as failures
}


def _target(name: str) -> str:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ProviderError(f"Unknown provider {name!r}.", f"Use one of: {known}.") from None


def registered_parser_version(name: str) -> str:
    """The parser version of provider ``name`` (see ``PARSER_VERSIONS``), without importing
    it; an unknown name is a ``ProviderError``, as with ``provider_class``."""
    _target(name)
    return PARSER_VERSIONS.get(name, "1")


def provider_class(name: str):
    target = _target(name)
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
