"""A module imported on first attribute use, so light commands (``--help``, ``validate``,
``metrics``) start without loading numpy or pandas.

    np = lazy("numpy")     # nothing imported yet
    np.nan                 # numpy imported here, once
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> Any:
    return LazyModule(name)
