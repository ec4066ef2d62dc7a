"""Text from providers and files made safe for a terminal (issue 16 item 12).

A company name is data someone else wrote: ``"ACME\\x1b[2J"`` would clear the screen,
``"\\x1b]8;;http://evil\\x07ACME\\x1b]8;;\\x07"`` would print a hyperlink, ``"\\x07"`` rings the
bell and a right-to-left override reverses what follows. ``terminal_safe`` removes escape
sequences whole (CSI, OSC, other ESC pairs), then every remaining control or invisible format
character; line breaks and tabs become spaces. Used when such strings are stored (holdings
names) and again where they are printed (summary, ``universe show``).
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"      # OSC ... BEL / ST (hyperlinks, titles)
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"                # CSI (colours, cursor, clear screen)
    r"|\x1b[@-Z\\-_]?"                          # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]?"                  # 8-bit CSI
)


def terminal_safe(value: object) -> str:
    """``value`` as text with no escape sequence, control or invisible format character."""
    if value is None:
        return ""
    text = _ESCAPES.sub("", str(value))
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\t\r\n\v\f":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def rich_safe(value: object) -> str:
    """``terminal_safe`` plus rich markup escaped (a name like ``[blink]X`` prints as written)."""
    from rich.markup import escape

    return escape(terminal_safe(value))
