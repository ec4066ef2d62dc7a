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


def provider_class(name: str):
    try:
        target = REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ProviderError(f"Unknown provider {name!r}.", f"Use one of: {known}.") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
