"""Bring your own data: a CSV/xlsx/parquet export mapped onto the raw input model.

``import_file(path, mapping_path, store=None)`` reads the file, maps its columns (see
``file_mapping``), converts units, flips signs and scales where the mapping says, and checks
every value PER CELL: an invalid cell (text in a numeric column, an impossible value such as a
negative share count or a negative capex the mapping did not flip) becomes missing and the rest
of the row is kept, so a name never silently falls back to an older fiscal year because one
cell of its latest year was bad. Only what makes a row unplaceable rejects it: a malformed
ticker, an invalid fiscal year, conflicting duplicates. Both are listed in
``ImportReport.rejected`` (row, ticker, column, value, reason, action = "row rejected" or
"cell left empty"); emptied cells are also stored as ``validation`` failures of the ticker,
so the run's Data quality sheet lists them.
With a store, the accepted records are stored as one snapshot per ticker (source ``file``,
dataset ``records``, payload = JSON ``{block: [records]}``), which ``FileProvider.parse``
reads back for ``load_bundle``; the same rows go straight into the store's parsed columns
(``file_store``). Row numbers are spreadsheet lines (the header is line 1).

The work is done on whole columns, never row by row: ``file_cells`` reads a column,
``file_rows`` checks every mapped column once and keeps the rows as arrays (duplicates found on
those arrays), ``file_journal`` builds the bundle's blocks and the journal's payloads from them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from screener.errors import InputDataError, Location, Problem
from screener.providers import PARSER_VERSIONS
from screener.providers.base import Provider, Records
from screener.providers.file_cells import MISSING
from screener.providers.file_mapping import FileMapping, load_mapping
from screener.raw.bundle import RawBundle
from screener.raw.schema import BLOCKS, TICKER_PATTERN

SOURCE, DATASET = "file", "records"
REFERENCE = "import"  # the key of a reference payload (see file_store)
FAILURES = "_failures"  # invalid cells, stored with the ticker's records (see store.bundle)
REJECT_COLUMNS = ["row", "ticker", "column", "value", "reason", "action"]
ROW, CELL = "row rejected", "cell left empty"
_INDEX = {name: spec.index for name, spec in BLOCKS.items()}


@dataclass
class ImportReport:
    """What an import kept and rejected. ``bundle`` (the blocks of the kept rows) is built on
    first use: ``fetch --from-file`` stores the journal and never needs it."""

    accepted: int
    rejected: pd.DataFrame
    _bundle: RawBundle | Callable[[], RawBundle]
    file: str = ""
    facts: pd.DataFrame | None = None  # dated statement rows for the history (period/filed)

    @property
    def bundle(self) -> RawBundle:
        if callable(self._bundle):
            self._bundle = self._bundle()
        return self._bundle

    @property
    def rows_rejected(self) -> pd.DataFrame:
        return self.rejected[self.rejected["action"] == ROW]

    @property
    def cells_emptied(self) -> pd.DataFrame:
        return self.rejected[self.rejected["action"] == CELL]

    def summary(self) -> str:
        return (f"{self.file}: {self.accepted} row(s) accepted, "
                f"{self.rows_rejected['row'].nunique()} rejected, "
                f"{len(self.cells_emptied)} invalid cell(s) left empty")


def read_table(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """The file as text cells (CSV) or native cells (xlsx, parquet); clear error otherwise."""
    import contextlib
    import io

    from screener.fsutil import MB, UnreadableFile, open_bounded, read_bounded

    suffix = path.suffix.lower()
    text = suffix in (".csv", ".txt")
    try:  # bounded while reading; devices and pipes refused (/dev/zero never ends)
        with contextlib.ExitStack() as stack:
            # CSV is parsed as it streams in (the whole file is never held as bytes)
            data = stack.enter_context(open_bounded(path, 256 * MB, "data file")) if text \
                else io.BytesIO(read_bounded(path, 256 * MB, "data file"))
            return _parse(path, suffix, data, sheet)
    except UnreadableFile as exc:
        raise InputDataError([Problem(Location(str(path)), exc.reason,
                                      "Check the path given to --from-file.")]) from None


def _parse(path: Path, suffix: str, data, sheet) -> pd.DataFrame:
    from screener.fsutil import UnreadableFile

    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(data, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if len(frame.columns) == 1 and ";" in str(frame.columns[0]):
                raise InputDataError([Problem(
                    Location(str(path), 1), "the file is separated by ';', not ','",
                    "Export it again as comma-separated CSV (or save it as xlsx).")])
            return frame
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(data, sheet_name=sheet if sheet is not None else 0, dtype=object,
                                 engine="openpyxl")
        if suffix == ".parquet":
            return pd.read_parquet(data)
    except (InputDataError, UnreadableFile):
        raise
    except FileNotFoundError:
        raise InputDataError([Problem(Location(str(path)), "file not found",
                                      "Check the path given to --from-file.")]) from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        raise InputDataError([Problem(Location(str(path)), f"cannot read the file: {exc}",
                                      "Save it again as CSV (UTF-8), xlsx or parquet.")]) from None
    raise InputDataError([Problem(Location(str(path)), f"unsupported file type {suffix!r}",
                                  "Use .csv, .xlsx or .parquet.")])


def normalise_ticker(value: Any) -> str | None:
    """'aapl', 'AAPL US Equity', 'BRK/B', 'MOG A' -> 'AAPL', 'BRK-B', 'MOG-A'; None if empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    from screener.universe import tickers as tk  # the one normaliser of every entry point

    return tk.normalise(value) or None


def _ticker_problem(value: Any, ticker: str | None) -> str | None:
    from screener.universe import tickers as tk

    if ticker is None:
        return "no ticker"
    why = tk.problem(value, ticker)
    if why is None and not re.fullmatch(TICKER_PATTERN, ticker):
        why = "not a ticker"
    return why


def to_number(value: Any) -> tuple[float | None, bool]:
    """-> (number or None, ok). Accepts 1,234.5 / (12) / 15% / blanks; text is not ok."""
    if value is None:
        return None, True
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        return (None, True) if np.isnan(v) else (v, bool(np.isfinite(v)))
    s = str(value).strip()
    if s.lower() in MISSING:
        return None, True
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()").replace(",", "").replace("$", "").rstrip("%").strip()
    try:
        v = float(s)
    except ValueError:
        return None, False
    return (-v if neg else v), bool(np.isfinite(v))


def _resolve_columns(frame: pd.DataFrame, mapping: FileMapping, where: str) -> dict[str, str]:
    """mapping column -> actual header (exact, else case/space-insensitive)."""
    headers = {str(c).strip().lower(): str(c) for c in frame.columns}
    wanted = [mapping.ticker, *([mapping.fiscal_year] if mapping.fiscal_year else []),
              *[c for c in (mapping.period, mapping.filed_column) if c], *mapping.columns]
    found, problems = {}, []
    for col in dict.fromkeys(wanted):
        actual = col if col in frame.columns else headers.get(col.strip().lower())
        if actual is None:
            import difflib

            close = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1)
            problems.append(Problem(Location(where, 1), f"column {col!r} (named in the mapping) "
                                    "is not in the file",
                                    f"Did you mean {close[0]!r}?" if close else
                                    "Fix the mapping or the file header."))
        found[col] = actual
    if problems:
        raise InputDataError(problems)
    return found


def import_file(path: str | Path, mapping_path: str | Path, store: Any = None,
                as_of: date | None = None) -> ImportReport:
    """Read, map and check ``path`` as whole columns (``file_rows``), then build the bundle
    and, with a store, the journal (the file itself and a reference per name:
    ``file_store``) and the parsed columns."""
    from screener.providers import file_journal as fj
    from screener.providers.file_rows import keep_rows, rejections

    path = Path(path)
    as_of = as_of or date.today()
    upload = None
    if store is None:
        mapping = load_mapping(mapping_path)
        frame = read_table(path, mapping.sheet)
    else:  # the file's bytes are read once: kept (compressed) for the journal, then parsed
        from screener.providers.file_store import read_upload

        upload, mapping, frame = read_upload(path, mapping_path)
    checked = _check(frame, mapping, path, as_of)
    del frame
    duplicates = keep_rows(checked, mapping)
    rejected, failures = rejections(checked, path)
    report = pd.DataFrame(rejected + duplicates, columns=REJECT_COLUMNS).sort_values(
        ["row", "column"], kind="stable").reset_index(drop=True)
    del rejected, duplicates
    kept, first, _ = fj.selection(checked)
    facts = None
    if mapping.period:  # dated rows: statements go to the history's facts, not the journal
        from screener.providers.file_facts import facts_frame

        facts = facts_frame(checked, kept, mapping, SOURCE)
    if store is not None and len(kept):  # the journal, and the same rows as columns
        from screener.providers.file_store import store_import

        store_import(store, upload, checked, kept, first, failures, as_of)

    def bundle() -> RawBundle:
        return fj.bundle_blocks(checked, kept, first, SOURCE, failures)

    return ImportReport(len(kept), report, bundle, str(path), facts)


def _check(frame: pd.DataFrame, mapping: FileMapping, path: Path, as_of: date):
    from screener.providers.file_rows import check_rows

    header = _resolve_columns(frame, mapping, str(path))
    first_line = 1 if path.suffix.lower() == ".parquet" else 2
    return check_rows(frame, header, mapping, first_line, as_of, normalise_ticker,
                      _ticker_problem)


def import_again(data: bytes, name: str, mapping: FileMapping, as_of: date):
    """An import kept in the journal, read again from its bytes (``name``: the file's name
    then): (checked rows, kept rows, first kept row per ticker, failures per row), exactly
    as ``import_file`` had them."""
    import io

    from screener.providers import file_journal as fj
    from screener.providers.file_rows import keep_rows, rejections

    path = Path(name)
    frame = _parse(path, path.suffix.lower(), io.BytesIO(data), mapping.sheet)
    checked = _check(frame, mapping, path, as_of)
    del frame
    keep_rows(checked, mapping)
    _, failures = rejections(checked, path)
    kept, first, _ = fj.selection(checked)
    return checked, kept, first, failures


def _number_column(values: np.ndarray, ok: np.ndarray, mapping: FileMapping, col: str,
                   block: str, field: str, bounds: dict) -> tuple[np.ndarray, list]:
    """A column's numbers in base units and, per invalid cell, (position, reason): units,
    scale, sign and percent applied in that order, then the field's bounds."""
    reasons: dict[int, str] = {int(i): "not a number" for i in np.flatnonzero(~ok)}
    num = np.where(ok, values, np.nan) * mapping.unit_of(col, field) * mapping.scale.get(col, 1.0)
    sign = mapping.sign.get(col)
    if sign == "flip":
        num = -num
    elif sign == "abs":
        num = np.abs(num)
    if col in mapping.percent:
        num = num / 100.0
    target = f"{block}.{field}"
    lo, hi, strict = bounds[block].get(field, (None, None, False))
    with np.errstate(invalid="ignore"):
        if lo is not None:
            low = (num <= lo) if strict else (num < lo)
            hint = ""
            for i in np.flatnonzero(low):
                hint = (f" (if the export writes it as a negative number, add 'sign: flip' for "
                        f"{col!r})" if num[i] < 0 and lo == 0 and mapping.sign_of(col) is None
                        else "")
                reasons[int(i)] = (f"impossible value for {target} (must be "
                                   f"{'>' if strict else '>='} {lo})" + hint)
        if hi is not None:
            for i in np.flatnonzero(num > hi):
                reasons[int(i)] = f"impossible value for {target} (must be <= {hi})"
    if reasons:
        num[list(reasons)] = np.nan
    return num, sorted(reasons.items())


class FileProvider(Provider):
    """Provider "file": the user's own export. ``FileProvider()`` (no arguments) only parses
    stored snapshots, which is how ``load_bundle`` uses it."""

    name = "file"
    datasets: ClassVar[tuple[str, ...]] = (DATASET,)
    parser_version: ClassVar[str] = PARSER_VERSIONS["file"]
    _store: Any = None  # see use_store

    def __init__(self, path: str | Path | None = None, mapping: str | Path | None = None):
        self.path, self.mapping = path, mapping

    def fetch(self, tickers: Sequence[str] | None, as_of: date | None = None) -> RawBundle:
        if self.path is None or self.mapping is None:
            raise InputDataError([Problem(Location("--from-file"), "no file given",
                                          "Pass --from-file FILE --mapping MAPPING.yaml.")])
        bundle = import_file(self.path, self.mapping, as_of=as_of).bundle
        return bundle.subset(tickers) if tickers else bundle

    def use_store(self, store: Any) -> None:
        """The store whose journal ``parse`` reads a reference payload from (the import's
        file: see ``file_store``)."""
        self._store = store

    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        doc = json.loads(payload.decode("utf-8"))
        if isinstance(doc, dict) and REFERENCE in doc:  # the name's rows of a stored file
            from screener.providers.file_store import document

            doc = json.loads(document(self, ticker, doc))
        return {block: [dict(r) for r in recs] for block, recs in doc.items()
                if block in BLOCKS or block == FAILURES}
