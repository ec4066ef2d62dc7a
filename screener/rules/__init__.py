"""Screen definitions (YAML) and the rules engine.

    spec = load_screen("screens/rebound.yaml", overrides={"max_leverage": "2.5"})
    plan = compile_screen(spec)            # every problem at once, with file:line:col
    ev = evaluate(plan, frame)             # one vectorised pass over the standard frame
    print(explain_ticker(plan, frame, "ABC"))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screener.rules.compile import Plan, compile_screen
    from screener.rules.engine import Evaluation, evaluate
    from screener.rules.explain import explain_ticker
    from screener.rules.loader import load_screen

# names -> their modules, imported on first use: compiling a screen (``validate``) needs no
# pandas; evaluating one does
_HOMES = {"Plan": "compile", "compile_screen": "compile", "Evaluation": "engine",
          "evaluate": "engine", "explain_ticker": "explain", "load_screen": "loader"}
__all__ = ["Evaluation", "Plan", "compile_screen", "evaluate", "explain_ticker", "load_screen"]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
