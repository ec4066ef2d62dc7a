"""Screen definitions (YAML) and the rules engine.

    spec = load_screen("screens/rebound.yaml", overrides={"max_leverage": "2.5"})
    plan = compile_screen(spec)            # every problem at once, with file:line:col
    ev = evaluate(plan, frame)             # one vectorised pass over the standard frame
    print(explain_ticker(plan, frame, "ABC"))
"""

from screener.rules.compile import Plan, compile_screen
from screener.rules.engine import Evaluation, evaluate
from screener.rules.explain import explain_ticker
from screener.rules.loader import load_screen

__all__ = ["Evaluation", "Plan", "compile_screen", "evaluate", "explain_ticker", "load_screen"]
