"""The fictional world today: the current-day snapshot of the sample universe as raw blocks.

``generate`` returns raw blocks (``screener.raw``), not finished metrics, so a demo run through
``screener.providers.sample.SampleProvider`` exercises the very metric, rule and export code a
real run does. Every company is invented
(tickers like ``KELM3`` carry a digit, which real US common-stock tickers never do) and every
bundle is marked ``is_sample=True``.

Generation is deterministic from the seed (one ``numpy.random.default_rng(seed)``, drawn in a
fixed order; nothing depends on today's date or global random state) and vectorised:
about 2,600 names in a few hundredths of a second, 50,000 in about a second.

The realism the demo is judged by:

- a Russell-2000-like sector mix, ~1,950 Russell-like and 600 S&P-600-like names overlapping
  partially, about 40% of Russell-like names losing money, S&P-600-like names profitable when
  admitted (``sp600_admission_year``),
- statements that add up (see ``economics``), loss-makers that are more levered, shorted,
  volatile, further below their highs and revised down by fewer analysts,
- the gaps of a real feed: ~5% of values missing per block, no estimates for ~8% of names, no
  maturity ladder for ~6%, a few recent listings with three fiscal years only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from screener.errors import ProviderError
from screener.raw import BLOCKS, RawBundle
from screener.raw.rates import HY_YIELD, TREASURY_10Y, MarketRates
from screener.sample.economics import (
    LADDER_FIELDS,
    Traits,
    draw_traits,
    lognormal,
    share_counts,
    statements,
)
from screener.sample.names import STEM_SPACE, make_identity

SOURCE = "sample"
YEARS = 5
MISSING_SHARE = 0.05          # of values per block, structural gaps included
NO_ESTIMATES_SHARE = 0.08
NO_LADDER_SHARE = 0.06
FISCAL_MONTHS = np.array([12, 9, 6, 3, 1])
FISCAL_MONTH_P = np.array([0.80, 0.07, 0.06, 0.04, 0.03])
FILING_LAG_DAYS = 90  # a 10-K is filed within about 60-90 days of the fiscal year end


def _market(rng: np.random.Generator, tr: Traits) -> dict[str, np.ndarray]:
    """Price, liquidity and risk: loss-makers have higher beta, shorts, drawdowns, volatility."""
    n = len(tr.group)
    unp = tr.unprofitable
    mcap = tr.market_cap
    log_price = np.log(22) + 0.3 * np.log(mcap / 1e9) + rng.normal(0, 0.6, n) - 0.8 * unp
    price = np.round(np.clip(np.exp(log_price), 0.6, 900.0), 2)
    shares = np.round(mcap / price)
    float_shares = np.round(shares * (0.6 + 0.38 * rng.beta(3, 1.5, n)))
    short = np.where(unp, np.clip(lognormal(rng, 0.15, 0.45, n), 0.02, 0.45),
                     np.clip(lognormal(rng, 0.045, 0.45, n), 0.005, 0.15))
    turnover = lognormal(rng, 0.006, 0.6, n) * np.where(unp, 1.5, 1.0) * (1 + 3 * short) \
        * np.where(mcap < 2.5e8, 0.5, 1.0)
    beta = np.where(unp, np.clip(rng.normal(1.7, 0.22, n), 1.2, 2.4),
                    np.clip(rng.normal(1.0, 0.15, n), 0.55, 1.45))
    beta = np.clip(beta + tr.econ["beta"].to_numpy(), 0.2, 2.6)
    drawdown = np.where(unp, rng.beta(2.5, 3, n), rng.beta(1.6, 6, n))
    mu = np.where(unp, -0.12, 0.06) - 0.8 * (drawdown - 0.3)
    mom = np.exp(mu + np.where(unp, 0.5, 0.3) * rng.standard_normal(n)) - 1
    vol = np.where(unp, 0.4 + 0.5 * rng.beta(2, 2, n), 0.2 + 0.3 * rng.beta(2, 3, n))
    return {
        "price": price, "shares_outstanding": shares, "float_shares": float_shares,
        "market_cap": price * shares, "adv_3m_usd": np.round(mcap * turnover), "beta": beta,
        "short_pct_float": short, "high_52w": np.round(price / (1 - drawdown), 2),
        "mom_12_1": np.clip(mom, -0.95, None), "volatility_1y": np.clip(vol, 0.2, 0.9),
    }


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of ``k`` names drawn without replacement, proportional to ``weights``."""
    keys = np.log(weights) + rng.gumbel(size=len(weights))
    mask = np.zeros(len(weights), dtype=bool)
    mask[np.argsort(-keys, kind="stable")[:k]] = True
    return mask


def _estimates(rng: np.random.Generator, tr: Traits, eps_last: np.ndarray):
    """(covered mask, estimate columns). Revision counts drive the drift of the consensus, so
    the 7- and 30-day changes always have the sign of (up - down) over the same window."""
    n = len(tr.group)
    unp = tr.unprofitable
    size = np.log(tr.market_cap)
    z = (size - size.mean()) / size.std()
    covered = ~_weighted_pick(rng, np.exp(-1.2 * z), round(NO_ESTIMATES_SHARE * n))
    lam = np.clip(1.0 + 2.2 * np.log(tr.market_cap / 1.5e8), 0.5, 13) * np.where(unp, 0.75, 1.0)
    analysts = np.clip(1 + rng.poisson(lam), 1, 15).astype(float)
    eps_cy = eps_last + np.abs(eps_last) * rng.normal(np.where(unp, 0.15, 0.08), 0.2)
    eps_ny = eps_cy + np.abs(eps_cy) * rng.normal(0.12, 0.12, n)
    mood = lognormal(rng, 1.0, 0.5, n)
    up_rate = np.where(unp, 0.08, 0.20) * mood
    down_rate = np.where(unp, 0.25, 0.12) / mood
    windows = np.array([7, 23, 30, 30]) / 30.0       # now-7d, 7d-30d, 30d-60d, 60d-90d
    up = np.minimum(rng.poisson((analysts * up_rate)[:, None] * windows), analysts[:, None])
    down = np.minimum(rng.poisson((analysts * down_rate)[:, None] * windows), analysts[:, None])
    up[:, 1] = np.minimum(up[:, 0] + up[:, 1], analysts) - up[:, 0]
    down[:, 1] = np.minimum(down[:, 0] + down[:, 1], analysts) - down[:, 0]
    # one step size per name inside the counted 30 days (so the sign of the change is the sign
    # of up - down), some noise in the older windows
    step = lognormal(rng, 0.02, 0.5, n)[:, None] * np.column_stack(
        [np.ones((n, 2)), lognormal(rng, 1.0, 0.2, (n, 2))])
    out = {"eps_cy": eps_cy, "eps_ny": eps_ny}
    for key, now in (("cy", eps_cy), ("ny", eps_ny)):
        scale = np.maximum(np.abs(now), 0.05)[:, None]
        change = (up - down) * step * scale * (1.0 if key == "cy" else rng.uniform(0.6, 1.4, n)
                                               [:, None])
        past = now[:, None] - np.cumsum(change, axis=1)
        for i, days in enumerate((7, 30, 60, 90)):
            out[f"eps_{key}_{days}d"] = past[:, i]
    out.update(up_7d=up[:, 0], down_7d=down[:, 0], up_30d=up[:, 0] + up[:, 1],
               down_30d=down[:, 0] + down[:, 1], n_analysts=analysts)
    return covered, {k: np.asarray(v, dtype=float) for k, v in out.items()}


def _thesis_inputs(seed: int, tr: Traits, total_debt: np.ndarray, est: dict[str, np.ndarray]
                   ) -> tuple[np.ndarray, dict[str, np.ndarray], MarketRates]:
    """Floating-rate debt, the high/low EPS estimates and the run date's rates, drawn from
    their own generator (``[seed, 18]``) so every other sample value stays as it was.

    About 60% of indebted names disclose their floating-rate debt; loss-makers lean on bank
    (floating) debt more. The spread between the highest and lowest estimate widens for
    loss-makers and thin coverage; one analyst's high is its low.
    """
    rng = np.random.default_rng([seed, 18])
    n = len(tr.group)
    unp = tr.unprofitable
    share = rng.beta(np.where(unp, 3.0, 1.6), np.where(unp, 2.5, 3.2), n)
    disclosed = rng.random(n) < 0.6
    floating = np.where(disclosed[:, None], share[:, None] * total_debt, np.nan)
    n_an = est["n_analysts"]
    width = lognormal(rng, 1.0, 0.4, n) * np.where(unp, 0.45, 0.12) / np.sqrt(np.maximum(n_an, 1))
    half = np.abs(est["eps_cy"]) * width * np.where(n_an > 1, 1.0, 0.0)
    skew = rng.uniform(0.7, 1.3, n)
    bounds = {"eps_cy_low": est["eps_cy"] - half * skew, "eps_cy_high": est["eps_cy"] + half / skew}
    dgs10, hy = rng.uniform(0.035, 0.048), rng.uniform(0.065, 0.085)
    rates = MarketRates(values={TREASURY_10Y: round(dgs10, 4), HY_YIELD: round(hy, 4)},
                        source="sample (fictional)")
    return floating, bounds, rates


def _period_ends(rng: np.random.Generator, n: int, years: np.ndarray,
                 as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """Fiscal year ends ``(n, years)`` datetime64[ns] (mostly Dec 31, some other month ends)
    and their fiscal-year labels ``(n, years)``. A company whose fiscal year ends in an earlier
    month has already filed the year ending in ``as_of``'s year when that end is more than
    FILING_LAG_DAYS before ``as_of``: its years move one later, so no sample name is stale."""
    month = rng.choice(FISCAL_MONTHS, size=n, p=FISCAL_MONTH_P)
    shift = np.array([(as_of - _month_end(as_of.year, m)).days > FILING_LAG_DAYS
                      for m in month], dtype="int64") if n else np.zeros(0, dtype="int64")
    labels = years[None, :] + shift[:, None]
    months = (labels - 1970) * 12 + (month[:, None] - 1)      # month index from 1970
    first_next = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
    return (first_next - np.timedelta64(1, "D")).astype("datetime64[ns]"), labels


def _month_end(year: int, month: int) -> date:
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


def _punch_holes(rng: np.random.Generator, frame: pd.DataFrame, block: str) -> pd.DataFrame:
    """Set values to NaN at random so that ~``MISSING_SHARE`` of the block's values are missing."""
    fields = [f for f in BLOCKS[block].numeric_fields if f in frame.columns]
    if frame.empty or not fields:
        return frame
    values = frame[fields].to_numpy(dtype=float, copy=True)
    structural = np.isnan(values).mean()
    p = max(MISSING_SHARE - structural, 0.005) / max(1 - structural, 1e-9)
    values[rng.random(values.shape) < p] = np.nan
    out = frame.copy()
    out[fields] = values
    return out


def _value_frame(columns: dict[str, np.ndarray], index: pd.Index, as_of) -> pd.DataFrame:
    frame = pd.DataFrame(columns, index=index)
    if as_of is not None:
        frame.insert(0, "as_of", as_of)
    frame["source"] = SOURCE
    return frame


@dataclass
class World:
    """Every draw of the fictional world on one day, before the gaps of a real feed are punched
    in: what ``generate`` serves and what ``screener.sample.history`` extends back in time."""

    rng: np.random.Generator        # positioned after the draws below (holes come next)
    identity: pd.DataFrame
    hidden: pd.DataFrame            # industry_code, group
    traits: Traits
    fiscal_years: np.ndarray        # (YEARS,) the fiscal years before as_of's year
    fiscal_labels: np.ndarray       # (n, YEARS) each name's fiscal-year labels (see _period_ends)
    period_ends: np.ndarray         # (n, YEARS) datetime64[ns]
    lines: dict[str, np.ndarray]    # statement item -> (n, YEARS), complete
    ladder: dict[str, np.ndarray]   # latest 10-K ladder, (n,)
    market: dict[str, np.ndarray]   # (n,)
    covered: np.ndarray             # has estimates
    estimates: dict[str, np.ndarray]
    has_ladder: np.ndarray
    bounds: dict[str, np.ndarray]   # highest / lowest EPS estimate (current fiscal year)
    rates: MarketRates              # the run date's fictional rates


def build(seed: int, n: int, as_of: date) -> World:
    """The fictional world as of ``as_of``: identity, traits, complete statements, market."""
    if not 1 <= n <= STEM_SPACE:
        raise ProviderError(f"The sample universe holds 1 to {STEM_SPACE:,} names; {n:,} asked.",
                            "Pick a smaller sample size.")
    rng = np.random.default_rng(seed)
    identity, hidden = make_identity(rng, n)
    fiscal_years = np.arange(as_of.year - YEARS, as_of.year)
    tr = draw_traits(rng, hidden["industry_code"].to_numpy(), hidden["group"].to_numpy(), YEARS)
    ladder_cols, lines = statements(rng, tr, YEARS)
    market = _market(rng, tr)
    lines.update(share_counts(rng, tr, market["shares_outstanding"], YEARS, lines["net_income"]))
    covered, est = _estimates(rng, tr, lines["eps_diluted"][:, -1])
    lines["floating_rate_debt"], bounds, rates = _thesis_inputs(seed, tr, lines["total_debt"], est)
    ends, labels = _period_ends(rng, n, fiscal_years, as_of)
    has_ladder = ~_weighted_pick(rng, np.where(tr.bank_like, 4.0, 1.0), round(NO_LADDER_SHARE * n))
    return World(rng, identity, hidden, tr, fiscal_years, labels, ends, lines, ladder_cols,
                 market, covered, est, has_ladder, bounds, rates)


def generate(seed: int, n: int, as_of: date) -> tuple[RawBundle, pd.Series]:
    """The whole sample universe as a validated-shape bundle, plus each S&P-600-like name's
    admission fiscal year."""
    w = build(seed, n, as_of)
    rng, tr, tickers = w.rng, w.traits, w.identity.index
    index = pd.MultiIndex.from_arrays(
        [np.repeat(tickers.to_numpy(), YEARS), w.fiscal_labels.ravel().astype(np.int64)],
        names=["ticker", "fiscal_year"])
    order = [f for f in BLOCKS["statements"].numeric_fields]
    stmt = pd.DataFrame({"period_end": w.period_ends.ravel(),
                         **{f: w.lines[f].ravel() for f in order}}, index=index)
    stmt["source"] = SOURCE
    reported = (np.arange(YEARS)[None, :] >= tr.first_year[:, None]).ravel()
    stmt = stmt[reported]

    as_of_ns = np.datetime64(as_of, "ns")
    ladder_values = {f: w.ladder[f] for f in LADDER_FIELDS}
    # the fictional 10-K's total principal is what its ladder schedules
    ladder_values["total_principal"] = np.sum([w.ladder[f] for f in LADDER_FIELDS], axis=0)
    ladder = _value_frame(ladder_values, tickers, w.period_ends[:, -1])
    ladder["note"] = "fictional sample: latest 10-K ladder"
    estimates = _value_frame(w.estimates | w.bounds, tickers, as_of_ns)
    bundle = RawBundle(
        identity=w.identity,
        statements=_punch_holes(rng, stmt, "statements"),
        ladder=_punch_holes(rng, ladder[w.has_ladder], "ladder"),
        estimates=_punch_holes(rng, estimates[w.covered], "estimates"),
        market=_punch_holes(rng, _value_frame(w.market, tickers, as_of_ns), "market"),
        is_sample=True,
        rates=replace(w.rates, dates={s: as_of.isoformat() for s in w.rates.values}),
    )
    admitted = tr.admission >= 0
    admission = pd.Series(w.fiscal_labels[np.flatnonzero(admitted), tr.admission[admitted]],
                          index=tickers[admitted], name="sp600_admission_year")
    return bundle, admission
