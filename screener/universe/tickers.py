"""Ticker normalisation: what index files print -> what data providers (Yahoo style) expect.

Rules, in order:

1. strip surrounding whitespace (including non-breaking spaces) and upper-case;
2. an explicit share-class separator (space, dot or slash) becomes a dash:
   ``BRK.B``, ``BRK/B``, ``BRK B`` -> ``BRK-B``; ``MOG A`` -> ``MOG-A``;
3. a small, documented list of share classes that iShares prints run together
   (``MOGA``, ``BFB``, ...) is split: see ``CONCATENATED_CLASSES``;
4. a Bloomberg suffix (``AAPL US Equity``) is dropped.

``check(raw) -> (ticker, problem)`` is the one validator every entry point uses (universe
files and definitions, the file provider, ``--tickers``): a ticker is ASCII letters, digits and
dashes after normalising. Spreadsheet formulas (``=HYPERLINK(...)``, ``+CMD|...``, ``@SUM``),
zero-width and direction-override characters, full-width letters and Cyrillic or Greek
lookalikes (``АAPL`` with a Cyrillic A) are refused with the reason, never "normalised" into a
ticker that would match another company.

Ordinary 4-5 letter tickers are never split by guesswork: Nasdaq share classes such as
``RUSHA``, ``FWONA`` or ``LBRDK`` *are* the real tickers, and a name containing "Class A"
says nothing about how the exchange spells the symbol. Only the explicit list is split.
"""

from __future__ import annotations

import re
import unicodedata

# NYSE share classes that iShares holdings files print without a separator. The key is the
# run-together form, the value the Yahoo-style ticker. Add to this list when a new one shows
# up; never split by pattern.
CONCATENATED_CLASSES: dict[str, str] = {
    "MOGA": "MOG-A",     # Moog Inc class A
    "MOGB": "MOG-B",     # Moog Inc class B
    "BFA": "BF-A",       # Brown-Forman class A
    "BFB": "BF-B",       # Brown-Forman class B
    "LGFA": "LGF-A",     # Lions Gate class A (historical)
    "LGFB": "LGF-B",     # Lions Gate class B (historical)
    "CWENA": "CWEN-A",   # Clearway Energy class A
    "HEIA": "HEI-A",     # HEICO class A
    "GEFB": "GEF-B",     # Greif class B
    "BRKA": "BRK-A",     # Berkshire Hathaway class A
    "BRKB": "BRK-B",     # Berkshire Hathaway class B
    "UHALB": "UHAL-B",   # U-Haul Holding non-voting series
    "CRDA": "CRD-A",     # Crawford & Co class A
    "CRDB": "CRD-B",     # Crawford & Co class B
    "BIOB": "BIO-B",     # Bio-Rad class B
    "LENB": "LEN-B",     # Lennar class B
    "HVTA": "HVT-A",     # Haverty's class A
    "GTNA": "GTN-A",     # Gray Television class A
    "WSOB": "WSO-B",     # Watsco class B
    "AKOA": "AKO-A",     # Embotelladora Andina A
    "AKOB": "AKO-B",     # Embotelladora Andina B
}

_SEPARATORS = re.compile(r"\s*[ ./]\s*")
_BLOOMBERG = re.compile(r"\s+(?:US|UN|UW|UQ|UA|UR|UP|UV)?\s*EQUITY$")
MAX_LENGTH = 15
_VALID = re.compile(r"^[A-Z0-9][A-Z0-9\-]*$")
_BLANK = {"", "-", "--", "N/A", "NA", "NONE", "NAN"}


def clean(raw: object) -> str:
    """The printed ticker stripped and upper-cased (``""`` for missing values)."""
    if raw is None:
        return ""
    text = str(raw).replace("\u00a0", " ").strip().upper()
    return "" if text in ("NAN", "<NA>") else text


def is_blank(raw: object) -> bool:
    """True for missing tickers: empty, ``-``, ``N/A``."""
    return clean(raw) in _BLANK


def normalise(raw: object) -> str:
    """Provider-style ticker for a printed one; ``""`` when there is no ticker.

    >>> normalise(" brk.b "), normalise("MOG A"), normalise("MOGA"), normalise("RUSHA")
    ('BRK-B', 'MOG-A', 'MOG-A', 'RUSHA')
    """
    text = clean(raw)
    if text in _BLANK:
        return ""
    text = _BLOOMBERG.sub("", text)
    text = _SEPARATORS.sub("-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return CONCATENATED_CLASSES.get(text, text)


def looks_valid(ticker: str) -> bool:
    """A normalised ticker made of letters, digits and dashes."""
    return bool(_VALID.match(ticker))


def problem(raw: object, ticker: str | None = None) -> str | None:
    """Why ``raw`` is not a ticker (``None`` when it is one)."""
    text = clean(raw)
    ticker = normalise(raw) if ticker is None else ticker
    if not ticker:
        return "no ticker"
    if text[:1] in "=+@\t\r" or (text[:1] == "-" and len(text) > 1 and not ticker):
        return "looks like a spreadsheet formula, not a ticker"
    for ch in text:
        if ch.isascii():
            continue
        cat = unicodedata.category(ch)
        name = unicodedata.name(ch, f"U+{ord(ch):04X}")
        if cat in ("Cf", "Cc"):
            return f"holds an invisible control character ({name})"
        if "FULLWIDTH" in name:
            return f"holds a full-width character ({name}); type the ticker in plain letters"
        return f"holds a non-ASCII character ({name}), e.g. a lookalike of a Latin letter"
    if text[:1] == "-" or not looks_valid(ticker):
        return "is not letters, digits, '.', '-' or '/'"
    if len(ticker) > MAX_LENGTH:
        return f"is longer than {MAX_LENGTH} characters"
    return None


def check(raw: object) -> tuple[str, str | None]:
    """(normalised ticker, problem or None): the one validator for every entry point."""
    ticker = normalise(raw)
    return ticker, problem(raw, ticker)


def printable(text: object, limit: int = 40) -> str:
    """A file's text safe to print in a message: invisible and non-ASCII characters shown as
    ``\\uXXXX`` escapes (so a lookalike is visible as one)."""
    return "".join(c if c.isprintable() and c.isascii() else f"\\u{ord(c):04x}"
                   for c in str(text))[:limit]
