"""Raw bundle -> standard frame, in one vectorised pass.

1. Align the ladder, estimates and market blocks to the identity tickers (one reindex each).
2. Scatter the statements into wide relative-year frames and derive missing items (``wide``).
3. Compute each metric group with its pure functions (``leverage``, ``maturities``, ...);
   the price metrics from the bundle's stored daily prices (``prices``) when it carries them.
4. Stack the metrics in catalog order and join identity + memberships with one ``pd.concat``.
5. Record provenance per block and a failure for every ticker without statements or market.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from screener.errors import InputValidationError
from screener.metrics import (
    growth,
    leverage,
    margins,
    market,
    maturities,
    prices,
    profitability,
    revisions,
    scores,
    thesis,
    valuation,
)
from screener.metrics.catalog import CATALOG_LIST, IDENTITY_COLUMNS, MEMBERSHIP_PREFIX
from screener.metrics.frame import PROVENANCE_BLOCKS, StandardFrame
from screener.metrics.wide import build_panel, latest
from screener.raw.bundle import Failure, RawBundle
from screener.raw.schema import BLOCKS, SOURCE_COLUMN

FAILURE_SOURCE = "metrics"
STALE_MONTHS = 15  # latest statements older than this before the run date are stale


def _aligned(block: pd.DataFrame, name: str, tickers: pd.Index) -> pd.DataFrame:
    """The block with one row per ticker (first row wins on duplicates), every declared
    numeric column as float64, NaN rows for tickers the block does not cover."""
    spec = BLOCKS[name]
    if block.index.has_duplicates:
        block = block[~block.index.duplicated(keep="first")]
    cols = spec.numeric_fields + spec.date_fields + [SOURCE_COLUMN]
    out = block.reindex(index=tickers, columns=cols)
    out[spec.numeric_fields] = out[spec.numeric_fields].astype("float64")  # checked numeric
    return out


def _check_numeric(bundle: RawBundle) -> None:
    """Raise a clear error when a value column holds text (an unvalidated provider frame);
    only columns whose dtype is not numeric are inspected, so a clean bundle costs nothing."""
    problems: list[str] = []
    for name in ("statements", "ladder", "estimates", "market"):
        block = bundle.block(name)
        for col in BLOCKS[name].numeric_fields:
            if col not in block.columns or pd.api.types.is_numeric_dtype(block[col]):
                continue
            raw = block[col]
            bad = pd.to_numeric(raw, errors="coerce").isna() & raw.notna()
            if bad.any():
                tickers = pd.unique(block.index.get_level_values("ticker")[bad.to_numpy()])
                shown = ", ".join(map(str, tickers[:5])) + (" ..." if len(tickers) > 5 else "")
                problems.append(f"{name}.{col}: not a number for {shown} "
                                f"(e.g. {raw[bad].iloc[0]!r})")
    if problems:
        raise InputValidationError(
            "Raw data has text where numbers are expected:\n  " + "\n  ".join(problems),
            "Run screener.raw.validate_bundle on the bundle (it drops and reports bad rows), "
            "or fix the provider that produced these values.")


def _identity(identity: pd.DataFrame, tickers: pd.Index) -> list[pd.DataFrame]:
    text = identity.reindex(columns=list(IDENTITY_COLUMNS)).astype("str")
    flags = [c for c in identity.columns if str(c).startswith(MEMBERSHIP_PREFIX)]
    member = identity[flags].fillna(False).astype(bool) if flags else None
    return [text] + ([member] if member is not None else [])


def _missing_reason(block: str) -> str:
    ids = [m.id for m in CATALOG_LIST if block in m.blocks]
    groups = list(dict.fromkeys(m.group for m in CATALOG_LIST if block in m.blocks))
    label = BLOCKS[block].label
    detail = ", ".join(ids) if len(ids) <= 20 else f"groups {', '.join(groups)}"
    return f"no {label}: {len(ids)} metrics will be NaN ({detail})"


def _block_failures(bundle: RawBundle, tickers: pd.Index, has: dict[str, np.ndarray]
                    ) -> list[Failure]:
    already = {(f.ticker, f.dataset) for f in bundle.failures}
    out: list[Failure] = []
    for block in ("statements", "market"):
        reason = _missing_reason(block)
        out.extend(Failure(t, FAILURE_SOURCE, block, reason)
                   for t in tickers[~has[block]] if (t, block) not in already)
    return out


def _price_metrics(bundle: RawBundle, tickers: pd.Index, as_of, benchmark: str | None,
                   values: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """Price metrics from the bundle's stored prices cut at ``as_of`` (``metrics.prices``).

    Without stored prices for a ticker, the ids a provider also summarises keep the provider's
    value from ``values`` (the market block) and the others are NaN. Adds ``prices_source``
    and ``prices_as_of`` (the last close used) for the provenance.
    """
    nan = pd.Series(np.nan, index=tickers)
    if bundle.prices is None:
        out = {k: values.get(k, nan) for k in prices.PRICE_METRICS}
        return out | {"prices_source": pd.Series(None, index=tickers, dtype="object"),
                      "prices_as_of": pd.Series(pd.NaT, index=tickers, dtype="datetime64[ns]")}
    from screener import settings

    panel = bundle.prices if as_of is None else bundle.prices.until(as_of)
    computed, has, last = prices.compute(panel, tickers, benchmark or settings.benchmark(),
                                         as_of if as_of is not None else dt.date.today())
    out = {}
    for k, v in computed.items():
        out[k] = v.where(has, values[k]) if k in values else v
    src = pd.Series(np.where(has, bundle.prices.source, None), index=tickers, dtype="object")
    return out | {"prices_source": src, "prices_as_of": last}


def _join(*notes: pd.Series | None) -> pd.Series:
    parts = [n.fillna("").astype(str) for n in notes if n is not None]
    out = parts[0]
    for more in parts[1:]:
        out = out.str.cat(more, sep=" | ").str.strip(" |")
    return out


def _debt_misses(statements: pd.DataFrame, panel, tickers: pd.Index) -> pd.Series:
    """The source's note on how total debt was put together (SEC ``debt_note``), for the
    latest fiscal year, where it says the total does not match the filing's own totals."""
    out = pd.Series("", index=tickers, dtype=object)
    if "debt_note" not in statements.columns or not len(statements):
        return out
    notes = statements["debt_note"]
    for t, fy in zip(tickers, panel.latest_year, strict=True):
        if not np.isnan(fy) and (t, int(fy)) in notes.index:
            note = notes.loc[(t, int(fy))]
            if isinstance(note, str) and "does not match" in note:
                out[t] = note
    return out


def _provenance(panel, blocks: dict[str, pd.DataFrame], tickers: pd.Index,
                run_date: dt.date, statements: pd.DataFrame,
                price_prov: dict[str, pd.Series]) -> pd.DataFrame:
    stale = staleness(panel, run_date)
    cols: dict[str, pd.Series] = {
        "statements_source": panel.latest_source.astype("str"),
        "statements_as_of": panel.latest_period_end,
        "statements_fiscal_year": pd.Series(panel.latest_year, index=tickers),
        "statements_stale": stale.notna() & (stale != ""),
        "statements_note": _join(panel.notes, _debt_misses(statements, panel, tickers)),
    }
    for name in PROVENANCE_BLOCKS[1:]:
        b = blocks[name]
        cols[f"{name}_source"] = b[SOURCE_COLUMN].astype("str")
        cols[f"{name}_as_of"] = pd.to_datetime(b["as_of"]).astype("datetime64[ns]")
    cols["ladder_note"] = maturities.ladder_notes(blocks["ladder"])
    cols |= price_prov
    prov = pd.DataFrame(cols, index=tickers)
    prov.index.name = "ticker"
    return prov


def _ttm_mask(basis, tickers: pd.Index) -> np.ndarray:
    """Per ticker: does the statements block hold TTM windows (else fiscal years)?"""
    if isinstance(basis, pd.Series):
        return basis.reindex(tickers).eq("ttm").to_numpy(dtype=bool)
    return np.full(len(tickers), basis == "ttm")


def staleness(panel, run_date: dt.date) -> pd.Series:
    """Per ticker: why its latest statements are stale ('' when not, NaN without any).

    Stale = the latest fiscal year's period end is more than STALE_MONTHS before the run date;
    without a period end, the fiscal year is taken to end on 31 December (the latest a fiscal
    year labelled N usually ends, so a name is never flagged early).
    """
    limit = pd.Timestamp(run_date) - pd.DateOffset(months=STALE_MONTHS)
    end = pd.to_datetime(panel.latest_period_end)
    year = pd.Series(panel.latest_year, index=end.index)
    assumed = end.isna() & year.notna()
    dec31 = pd.to_datetime(year.where(assumed).map(
        lambda y: None if np.isnan(y) else f"{int(y)}-12-31"), errors="coerce")
    used = end.where(~assumed, dec31)
    out = pd.Series("", index=end.index, dtype=object).where(year.notna())
    for t in end.index[(used < limit).to_numpy()]:
        months = (pd.Timestamp(run_date).to_period("M") - used[t].to_period("M")).n
        when = (f"fiscal year {int(year[t])} (period end not given, taken as 31 Dec)"
                if assumed[t] else f"fiscal year {int(year[t])} ending {used[t].date()}")
        out[t] = (f"stale: latest statements are for {when}, {months} months before the run "
                  f"date {run_date} (limit {STALE_MONTHS} months); no later year in the data")
    return out


def _sample_date(bundle: RawBundle) -> dt.date | None:
    """Fictional sample data is a snapshot of its own date (not today's): its market as_of."""
    if not bundle.is_sample or "as_of" not in bundle.market or not len(bundle.market):
        return None
    latest = pd.to_datetime(bundle.market["as_of"]).max()
    return None if pd.isna(latest) else latest.date()


def _stale_failures(panel, bundle: RawBundle, tickers: pd.Index,
                    run_date: dt.date) -> list[Failure]:
    """One 'stale' failure per name whose statements are older than STALE_MONTHS, unless its
    source already flagged them stale (e.g. the SEC parser)."""
    flagged = {f.ticker for f in bundle.failures
               if f.dataset == "statements" and f.reason.lower().startswith("stale")}
    why = staleness(panel, run_date)
    return [Failure(t, FAILURE_SOURCE, "statements", why[t]) for t in tickers
            if isinstance(why[t], str) and why[t] and t not in flagged]


def build_standard_frame(bundle: RawBundle, as_of: dt.date | None = None, *,
                         benchmark: str | None = None) -> StandardFrame:
    """Build the standard frame from a raw bundle (see ``StandardFrame`` for the layout).

    ``as_of`` limits the statements to fiscal years whose period_end is on or before it
    (rows without a period_end are kept) and cuts the stored prices (``bundle.prices``) at that
    close; market, ladder and estimates are used as given. ``benchmark`` (default: settings,
    IWM) is the ticker of the panel that relative strength and beta compare with.
    """
    frame, w = _metrics(bundle, as_of, benchmark)
    tickers, panel, blocks, values, is_ttm = (w["tickers"], w["panel"], w["blocks"],
                                              w["values"], w["is_ttm"])
    has = {
        "statements": panel.has_statements,
        "market": blocks["market"][BLOCKS["market"].numeric_fields].notna().any(axis=1)
        .to_numpy(),
    }
    run_date = as_of or _sample_date(bundle) or dt.date.today()
    failures = list(bundle.failures) + _block_failures(bundle, tickers, has) \
        + _stale_failures(panel, bundle, tickers, run_date) \
        + thesis.rate_failures(bundle.rates, values)
    prov = _provenance(panel, blocks, tickers, run_date, bundle.statements, w["price_prov"])
    prov["statements_basis"] = np.where(panel.has_statements,
                                        np.where(is_ttm, "ttm", "fy"), None)
    return StandardFrame(frame=frame, provenance=prov,
                         failures=failures, is_sample=bundle.is_sample)


def standard_metrics(bundle: RawBundle, as_of: dt.date | None = None, *,
                     benchmark: str | None = None) -> pd.DataFrame:
    """``build_standard_frame(bundle, as_of).frame`` alone: the same frame, without the
    provenance and failures built beside it (for callers that read only the values, such as
    the backtest's date loop)."""
    return _metrics(bundle, as_of, benchmark)[0]


def _metrics(bundle: RawBundle, as_of: dt.date | None, benchmark: str | None
             ) -> tuple[pd.DataFrame, dict]:
    """The frame (identity, memberships, every catalog metric) and what the provenance and
    failures are built from."""
    _check_numeric(bundle)
    tickers = pd.Index(bundle.identity.index, name="ticker")
    if tickers.has_duplicates:
        tickers = tickers.drop_duplicates()
    identity = bundle.identity[~bundle.identity.index.duplicated(keep="first")]
    blocks = {n: _aligned(bundle.block(n), n, tickers) for n in ("ladder", "estimates", "market")}
    panel = build_panel(bundle.statements, tickers, as_of)
    # TTM windows when the bundle holds them (history), fiscal years otherwise; the annual
    # panel serves Piotroski/Altman (their papers' annual definitions) and the _fy ids
    is_ttm = _ttm_mask(bundle.statements_basis, tickers)
    annual = build_panel(bundle.annual, tickers, as_of) \
        if is_ttm.any() and bundle.annual is not None else None
    fy_panel = annual if annual is not None else panel

    mkt = market.compute(blocks["market"])
    lev = leverage.compute(panel)
    fcf = latest(panel["free_cash_flow"])
    values: dict[str, pd.Series] = {**mkt, **lev}
    values |= maturities.compute(blocks["ladder"], lev["cash"], fcf)
    values |= margins.compute(panel)
    values |= profitability.compute(panel, lev["cash"], is_ttm, fy_panel)
    values |= scores.compute(fy_panel, mkt["market_cap"])
    values |= revisions.compute(blocks["estimates"])
    values |= growth.compute(panel)
    values |= valuation.compute(panel, mkt["market_cap"], mkt["price"], lev["total_debt"],
                                lev["cash"])
    priced = _price_metrics(bundle, tickers, as_of, benchmark, values)
    price_prov = {k: priced.pop(k) for k in ("prices_source", "prices_as_of")}
    values |= priced
    values |= thesis.compute(panel, values, blocks["estimates"],
                             identity["sector"].reindex(tickers) if "sector" in identity
                             else pd.Series(None, index=tickers, dtype=object),
                             fcf, bundle.rates)

    missing = [m.id for m in CATALOG_LIST if m.id not in values]
    if missing:  # a catalog entry without an implementation is a programming error
        raise RuntimeError(f"metrics without an implementation: {missing}")
    # every Series above is indexed by ``tickers`` in the same order: stack them as columns
    matrix = np.column_stack([np.asarray(values[m.id], dtype="float64") for m in CATALOG_LIST])
    matrix = np.where(np.isfinite(matrix), matrix, np.nan)  # never inf
    metrics = pd.DataFrame(matrix, index=tickers, columns=[m.id for m in CATALOG_LIST])

    parts = [p.set_axis(tickers, axis=0) for p in _identity(identity, tickers)]
    frame = pd.concat(parts + [metrics], axis=1)
    frame.index.name = "ticker"
    return frame, {"tickers": tickers, "panel": panel, "blocks": blocks, "values": values,
                   "is_ttm": is_ttm, "price_prov": price_prov}
