"""Valid, unique sheet names: at most 31 characters, none of ``[]:*?/\\``, no leading or
trailing apostrophe, not Excel's reserved ``History``, unique ignoring case (as Excel compares).
"""

from __future__ import annotations

import re

MAX_LEN = 31
_INVALID = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_REPLACE = {"[": "(", "]": ")", ":": " - ", "/": "-", "\\": "-", "*": "", "?": ""}
RESERVED = {"history"}


def clean_sheet_name(text: str, fallback: str = "Sheet") -> str:
    name = _INVALID.sub(lambda m: _REPLACE.get(m.group(0), ""), str(text or ""))
    name = re.sub(r"\s+", " ", name).strip().strip("'").strip()
    if len(name) > MAX_LEN:
        cut = name[:MAX_LEN]
        space = cut.rfind(" ")
        name = cut[:space] if space >= 16 and name[MAX_LEN] != " " else cut
        name = name.rstrip(" -,;.")
        if name.count("(") > name.count(")"):  # never end on half a parenthesis
            name = name[: name.rfind("(")].rstrip(" -,;.") or name
    name = name.rstrip().rstrip("'")
    if not name or name.lower() in RESERVED:
        name = clean_sheet_name(fallback, "Sheet") if fallback != text else "Sheet"
    return name


class SheetNames:
    """Hands out names that are valid and not yet taken (``Quality``, ``Quality (2)``...)."""

    def __init__(self, reserved: list[str] | tuple[str, ...] = ()):
        self._taken = {r.lower() for r in reserved}

    def take(self, text: str, fallback: str = "Sheet") -> str:
        base = clean_sheet_name(text, fallback)
        name, n = base, 1
        while name.lower() in self._taken:
            n += 1
            suffix = f" ({n})"
            name = base[: MAX_LEN - len(suffix)].rstrip() + suffix
        self._taken.add(name.lower())
        return name
