"""JSON Schema of the screen format, for editors (VS Code YAML autocompletes keys and flags
typos). Generated from the pydantic models, then widened where the YAML accepts a short form:
a rule may be a plain string, a score part a bare metric id, a tie-breaker a bare name.
"""

from __future__ import annotations

import json

from screener.metrics.catalog import CATALOG
from screener.rules.spec import ScreenSpec

SHORT_FORMS = {
    "Rule": "A condition, e.g. 'net_debt_to_ebitda < 3'",
    "Part": "A metric id (weight 1, the catalog's direction)",
    "TieBreaker": "A metric, score or expression (highest first)",
    "Comparison": "A comparison, e.g. '< 4.5' or '>= 0'",
}


def _widen(node):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if name in SHORT_FORMS and len(node) == 1:
            return {"anyOf": [{"type": "string", "description": SHORT_FORMS[name]}, node]}
        return {k: _widen(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_widen(v) for v in node]
    return node


def screen_json_schema() -> dict:
    schema = _widen(ScreenSpec.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "screener screen definition"
    schema["description"] = "A screen file for the screener CLI (see screens/README.md)."
    # a file with 'extends' may leave out what its base gives, and remove entries with null
    schema.pop("required", None)
    for key in ("phases", "scores", "params"):
        prop = schema["properties"][key]
        prop["additionalProperties"] = {"anyOf": [prop["additionalProperties"],
                                                  {"type": "null"}]}
    from screener.regime.spec import RegimeSpec   # the regime: section, checked by regime/

    regime = _widen(RegimeSpec.model_json_schema())
    schema["$defs"].update(regime.pop("$defs", {}))
    schema["properties"]["regime"] = {"anyOf": [regime, {"type": "null"}],
                                      "description": "The regime panel's rules "
                                      "(see screens/README.md)"}
    metric = schema["$defs"]["Part"]["properties"]["metric"]
    metric["anyOf"] = [{"enum": sorted(CATALOG)}, {"type": "null"}]
    return schema


def screen_json_schema_text() -> str:
    return json.dumps(screen_json_schema(), indent=2, sort_keys=False) + "\n"
