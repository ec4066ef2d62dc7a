"""``RawBundle``: the five raw blocks as frames, plus the failures met while filling them.

``validate_bundle`` checks a whole bundle at once against the declarations in ``schema``,
collecting every problem (ticker, block, field, value, reason) before reporting. Rows that fail
are dropped from their block, so one bad ticker never poisons the others; ``strict=True`` raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from screener.errors import InputValidationError
from screener.raw.rates import MarketRates
from screener.raw.schema import BLOCKS, SOURCE_COLUMN, TICKER_PATTERN, BlockSpec

if TYPE_CHECKING:
    from screener.history.prices import PricePanel


@dataclass(frozen=True)
class Failure:
    """Why a ticker (or a block of it) has no data: shown to the user, never swallowed."""

    ticker: str
    source: str
    dataset: str
    reason: str
    attempts: int = 1
    transient: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker, "source": self.source, "dataset": self.dataset,
            "reason": self.reason, "attempts": self.attempts, "transient": self.transient,
        }


def failures_frame(failures: Iterable[Failure]) -> pd.DataFrame:
    rows = [f.as_dict() for f in failures]
    cols = ["ticker", "source", "dataset", "reason", "attempts", "transient"]
    return pd.DataFrame(rows, columns=cols)


def empty_block(name: str) -> pd.DataFrame:
    spec = BLOCKS[name]
    cols: dict[str, pd.Series] = {}
    for f in spec.numeric_fields:
        cols[f] = pd.Series(dtype="float64")
    for f in spec.text_fields:
        cols[f] = pd.Series(dtype="object")
    for f in spec.date_fields:
        cols[f] = pd.Series(dtype="datetime64[ns]")
    if name != "identity":
        cols[SOURCE_COLUMN] = pd.Series(dtype="object")
    frame = pd.DataFrame(cols)
    if len(spec.index) == 1:
        frame.index = pd.Index([], name=spec.index[0], dtype="object")
    else:
        frame.index = pd.MultiIndex.from_arrays(
            [pd.Index([], dtype="object"), pd.Index([], dtype="int64")], names=list(spec.index)
        )
    return frame


def block_from_records(name: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build a block frame from dict records (e.g. ``Model.model_dump()`` output)."""
    spec = BLOCKS[name]
    rows = list(records)
    if not rows:
        return empty_block(name)
    return _typed_block(spec, pd.DataFrame(rows))


def block_from_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``block_from_records(name, frame.to_dict("records"))`` without the round trip through
    Python dicts (the frame's columns are typed the same way; the frame is not changed)."""
    if not len(frame):
        return empty_block(name)
    return _typed_block(BLOCKS[name], frame.copy())


def _typed_block(spec: BlockSpec, frame: pd.DataFrame) -> pd.DataFrame:
    for f in spec.numeric_fields:
        frame[f] = pd.to_numeric(frame[f], errors="coerce").astype("float64") if f in frame \
            else np.nan
    for f in spec.date_fields:
        frame[f] = pd.to_datetime(frame[f], errors="coerce") if f in frame else pd.NaT
    for f in spec.text_fields:
        if f not in frame:
            frame[f] = None
    return frame.set_index(list(spec.index)).sort_index()


@dataclass
class RawBundle:
    """Raw inputs for a set of tickers. ``is_sample`` marks fictional demo data.

    ``prices`` (optional) holds stored daily prices of the tickers and the benchmarks; when
    present the price metrics are computed from it (``metrics.prices``), cut at the as-of date.
    """

    identity: pd.DataFrame = field(default_factory=lambda: empty_block("identity"))
    statements: pd.DataFrame = field(default_factory=lambda: empty_block("statements"))
    ladder: pd.DataFrame = field(default_factory=lambda: empty_block("ladder"))
    estimates: pd.DataFrame = field(default_factory=lambda: empty_block("estimates"))
    market: pd.DataFrame = field(default_factory=lambda: empty_block("market"))
    failures: list[Failure] = field(default_factory=list)
    is_sample: bool = False
    # market rates as of the run date (10-year Treasury, high-yield effective yield) for the
    # debt-cost metrics; None: no rates known (those metrics are NaN, noted on Data quality)
    rates: MarketRates | None = None
    prices: PricePanel | None = None
    # -- the time axis (screener.timeaxis) ---------------------------------------------------
    # "fy": ``statements`` holds fiscal years; "ttm": trailing-twelve-month windows (flows) with
    # the most recent quarter's balances, keyed fiscal_year = window end year - k (see
    # history.asof); ``annual`` then holds the fiscal years (Piotroski, Altman, ``_fy`` ids)
    statements_basis: Any = "fy"  # or a Series ticker -> "ttm"/"fy" (mixed sources)
    annual: pd.DataFrame | None = None
    as_of: Any = None  # the evaluation date of a point-in-time bundle (None: latest data)

    def block(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def tickers(self) -> pd.Index:
        return self.identity.index

    def subset(self, tickers: Iterable[str]) -> RawBundle:
        keep = pd.Index(list(tickers))
        st = self.statements
        return replace(
            self,
            identity=self.identity.loc[self.identity.index.intersection(keep, sort=False)],
            statements=st[st.index.get_level_values("ticker").isin(keep)],
            annual=None if self.annual is None else
            self.annual[self.annual.index.get_level_values("ticker").isin(keep)],
            ladder=self.ladder.loc[self.ladder.index.intersection(keep, sort=False)],
            estimates=self.estimates.loc[self.estimates.index.intersection(keep, sort=False)],
            market=self.market.loc[self.market.index.intersection(keep, sort=False)],
            failures=[f for f in self.failures if f.ticker in set(keep)],
        )

    @staticmethod
    def combine(bundles: Iterable[RawBundle]) -> RawBundle:
        """Merge bundles; for the same ticker (and year) the earlier bundle wins per block."""
        bundles = list(bundles)
        if not bundles:
            return RawBundle()
        out = {}
        for name in BLOCKS:
            frames = [b.block(name) for b in bundles if len(b.block(name))]
            if not frames:
                out[name] = empty_block(name)
                continue
            merged = pd.concat(frames)
            out[name] = merged[~merged.index.duplicated(keep="first")].sort_index()
        return RawBundle(
            **out,
            failures=[f for b in bundles for f in b.failures],
            is_sample=any(b.is_sample for b in bundles),
            prices=next((b.prices for b in bundles if b.prices is not None), None),
            rates=next((b.rates for b in bundles if b.rates is not None), None),
        )


def _issue(ticker: Any, block: str, field_: str, value: Any, reason: str) -> dict[str, Any]:
    return {"ticker": ticker, "block": block, "field": field_, "value": value, "reason": reason}


def _check_block(spec: BlockSpec, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    issues: list[dict] = []
    if frame.empty:
        return frame, issues
    tickers = frame.index.get_level_values("ticker")
    bad_row = np.zeros(len(frame), dtype=bool)

    tick = pd.Series(tickers, dtype="object")
    valid_tick = tick.notna() & tick.astype(str).str.fullmatch(TICKER_PATTERN).fillna(False)
    for pos in np.flatnonzero(~valid_tick.to_numpy()):
        issues.append(_issue(tick.iloc[pos], spec.name, "ticker", tick.iloc[pos],
                             "missing or malformed ticker"))
    bad_row |= ~valid_tick.to_numpy()

    if tickers.has_duplicates if len(spec.index) == 1 else frame.index.has_duplicates:
        dup = frame.index.duplicated(keep=False)
        for t in pd.unique(tickers[dup]):
            issues.append(_issue(t, spec.name, "ticker", t, "duplicated row"))
        bad_row |= dup

    for name in spec.numeric_fields:
        if name not in frame.columns:
            continue
        raw = frame[name]
        values = pd.to_numeric(raw, errors="coerce")
        not_number = values.isna() & raw.notna()
        inf = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
        for pos in np.flatnonzero(not_number.to_numpy() | inf):
            issues.append(_issue(tickers[pos], spec.name, name, raw.iloc[pos],
                                 "not a finite number"))
        bad_row |= not_number.to_numpy() | inf
    for name, (lo, hi, strict) in spec.bounds().items():
        if name not in frame.columns:
            continue
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)
        with np.errstate(invalid="ignore"):
            low_bad = (values <= lo if strict else values < lo) if lo is not None else False
            high_bad = values > hi if hi is not None else False
        out_of_range = np.asarray(low_bad | high_bad, dtype=bool) & ~np.isnan(values)
        rule = ("> " if strict else ">= ") + str(lo) if lo is not None else f"<= {hi}"
        for pos in np.flatnonzero(out_of_range):
            issues.append(_issue(tickers[pos], spec.name, name, values[pos],
                                 f"impossible value (must be {rule})"))
        bad_row |= out_of_range

    clean = frame[~bad_row].copy()
    for name in spec.numeric_fields:
        if name in clean.columns:
            clean[name] = pd.to_numeric(clean[name], errors="coerce").astype("float64")
    return clean, issues


def is_clean(bundle: RawBundle, tickers_checked: bool = False) -> bool:
    """True when ``validate_bundle`` would find nothing in ``bundle`` (so its result would be
    the bundle itself): every declared numeric column already float64, finite and within its
    bounds, no duplicated key, every ticker well formed (``tickers_checked``: the caller has
    checked every ticker the blocks can hold). A False only means "run the validation"."""
    for name, spec in BLOCKS.items():
        frame = bundle.block(name)
        if frame.empty:
            continue
        if not tickers_checked:
            tick = pd.Series(frame.index.get_level_values("ticker"), dtype="object")
            if not (tick.notna() & tick.astype(str).str.fullmatch(TICKER_PATTERN)
                    .fillna(False)).all():
                return False
        index = frame.index
        if index.get_level_values("ticker").has_duplicates if len(spec.index) == 1 \
                else index.has_duplicates:
            return False
        bounds = spec.bounds()
        for col in spec.numeric_fields:
            if col not in frame.columns:
                continue
            if frame[col].dtype != np.float64:
                return False
            values = frame[col].to_numpy()
            if np.isinf(values).any():
                return False
            if col in bounds:
                lo, hi, strict = bounds[col]
                with np.errstate(invalid="ignore"):
                    if lo is not None and ((values <= lo) if strict else (values < lo)).any():
                        return False
                    if hi is not None and (values > hi).any():
                        return False
    return True


def validate_bundle(bundle: RawBundle, strict: bool = False) -> tuple[RawBundle, pd.DataFrame]:
    """Check every block; return the bundle without bad rows and a frame of issues.

    Each issue names ticker, block, field, value and reason. With ``strict`` any issue raises
    ``InputValidationError`` naming the tickers.
    """
    cleaned: dict[str, pd.DataFrame] = {}
    issues: list[dict] = []
    for name, spec in BLOCKS.items():
        clean, found = _check_block(spec, bundle.block(name))
        cleaned[name] = clean
        issues.extend(found)
    report = pd.DataFrame(issues, columns=["ticker", "block", "field", "value", "reason"])
    if strict and len(report):
        lines = [
            f"  {r.ticker} [{r.block}.{r.field}] {r.value!r}: {r.reason}"
            for r in report.head(20).itertuples()
        ]
        more = f"\n  ... and {len(report) - 20} more" if len(report) > 20 else ""
        raise InputValidationError(
            f"{len(report)} invalid raw value(s):\n" + "\n".join(lines) + more,
            "Fix the source data for these tickers, or drop them from the input.",
        )
    failures = list(bundle.failures) + [
        Failure(str(r.ticker), "validation", r.block, f"{r.field}={r.value!r}: {r.reason}")
        for r in report.itertuples()
    ]
    return replace(bundle, **cleaned, failures=failures), report
