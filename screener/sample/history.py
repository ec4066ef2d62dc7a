"""Twenty fictional years of the sample universe, generated once into a cached HistoryStore.

``sample_history(seed, n, years)`` returns a ``HistoryStore`` holding, for today's ``n``
fictional names plus about a third as many that stopped trading along the way:

- ``prices``: daily OHLCV and adjusted close of every name and of the benchmarks IWM, IJR, SPY,
- ``facts``: quarterly 10-Q and annual 10-K statement facts with their filing dates (the 10-K
  with its debt maturity ladder), a few 10-Q/A amendments filed later with restated values,
- ``memberships``: quarterly snapshots of the fictional ``russell2000`` and ``sp600``,
- ``delistings``: the last day, last price and reason (``performance``/``acquired``),
- ``estimates``: month-end consensus snapshots,
- ``macro``: fictional versions of the FRED series of the regime panel, with release dates,
- ``short_interest``: twice-monthly short interest with its publication dates.

Every row carries ``source = "sample"``: nothing here is real. The market moves through the
phases of ``phases`` (bear markets, junk rallies off the bottom, quality-led recoveries,
high-rate grinds), which the prices, filings, estimates and macro series all follow.

Cache: ``<data dir>/sample-history/v<VERSION>-seed<seed>-n<n>-y<years>/`` (a history-store
root, readable by DuckDB, Polars, Spark as is). The first call generates into a private
temporary folder and renames it into place under a lock, so two processes asking at once
generate it once and never see a half-written store; later calls only check a marker file.
Bumping ``VERSION`` (whenever the generator's output changes) starts a fresh cache.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from screener.fsutil import exclusive_lock
from screener.history.store import HistoryStore

VERSION = 8
SOURCE = "sample"
END = date(2026, 11, 20)        # the sample's "today" (SampleProvider's default as-of date)
DONE = "sample-history.json"
IDENTITY = "identity.parquet"


def cache_root() -> Path:
    from screener import settings

    return settings.data_dir() / "sample-history"


def cache_dir(seed: int, n: int, years: int, cache: Path | None = None) -> Path:
    return Path(cache or cache_root()) / f"v{VERSION}-seed{seed}-n{n}-y{years}"


def sample_history(seed: int = 2026, n: int = 2600, years: int = 20, *,
                   cache: str | os.PathLike | None = None) -> HistoryStore:
    """The fictional history's store, generated on first use (see the module docstring).

    ``cache``: the folder holding cached histories (default ``<data dir>/sample-history``).
    """
    if not 1 <= years <= 20:
        from screener.errors import ProviderError

        raise ProviderError(f"The sample history spans 1 to 20 years; {years} asked.",
                            "Pick a shorter history.")
    target = cache_dir(seed, n, years, cache)
    if (target / DONE).exists():
        return HistoryStore(target)
    with exclusive_lock(target.parent / f".{target.name}.lock"):
        if (target / DONE).exists():          # another process finished it meanwhile
            return HistoryStore(target)
        tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            info = generate(HistoryStore(tmp), seed=seed, n=n, years=years)
            info["generated_by_pid"] = os.getpid()
            (tmp / DONE).write_text(json.dumps(info, indent=2, default=str))
            shutil.rmtree(target, ignore_errors=True)   # an incomplete leftover, never read
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return HistoryStore(target)


def identity(store: HistoryStore) -> pd.DataFrame:
    """Name, sector, industry, exchange and ``live`` of every name in a sample history."""
    return pd.read_parquet(store.root / IDENTITY)


def info(store: HistoryStore) -> dict:
    """What was generated and how long it took (the marker file's content)."""
    return json.loads((store.root / DONE).read_text())


def _cycle(f, grid: np.ndarray) -> np.ndarray:
    """The market factor's log move per calendar year of ``grid`` (0 outside the history)."""
    yr = f.dates.year.to_numpy()
    sums = pd.Series(f.market).groupby(yr).sum()
    return np.clip(sums.reindex(grid).fillna(0.0).to_numpy(), -0.8, 0.8)


def generate(store: HistoryStore, *, seed: int, n: int, years: int, end: date = END) -> dict:
    """Generate the whole history into ``store``; returns counts and timings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from screener.sample import (
        annual,
        benchmarks,
        estimates,
        filings,
        macro,
        memberships,
        phases,
        prices,
        roster,
        short_interest,
    )

    t0 = time.perf_counter()
    timings = {}

    def lap(name):
        nonlocal t0
        now = time.perf_counter()
        timings[name] = round(now - t0, 2)
        t0 = now

    start = (pd.Timestamp(end) - pd.DateOffset(years=years) + pd.Timedelta(days=1)).date()
    days = phases.trading_days(start, end)
    ro = roster.make_roster(seed, n, end, days)
    rng = np.random.default_rng([seed, n, years])
    f = phases.factors(rng, days)
    p = prices.simulate(rng, ro, f)
    lap("prices_simulated")
    grid = np.arange(start.year - 1, end.year + 2)
    lines = annual.extend(rng, ro, grid, _cycle(f, grid))
    fl = filings.Filings(rng, ro, grid, end)
    snap = memberships.snapshot_days(p.dates)
    known_ni = fl.annual_known(lines["net_income"], p.dates[snap].to_numpy("datetime64[D]"))
    rows, r, sp = memberships.membership_matrix(p, ro, known_ni)
    lap("memberships")

    counts = {}
    counts["memberships"] = store.write(
        "memberships", memberships.membership_table(p, ro, rows, r, sp, SOURCE))
    counts["delistings"] = store.write("delistings", memberships.delistings_table(p, ro, SOURCE))
    counts["facts"] = sum(store.write("facts", t)
                          for t in filings.facts_tables(rng, ro, fl, lines, SOURCE))
    lap("facts")
    counts["estimates"] = store.write("estimates", estimates.estimates_table(
        rng, ro, p, f, fl, lines["eps_diluted"], SOURCE))
    counts["macro"] = store.write("macro", macro.macro_table(rng, days, SOURCE))
    counts["short_interest"] = store.write("short_interest", short_interest.short_interest_table(
        rng, ro, p, f, SOURCE))
    lap("estimates_macro")
    bench = benchmarks.benchmark_table(rng, p, f, ro.shares, rows, r, sp, SOURCE)
    year = p.dates.year.to_numpy()
    n_prices = 0
    for y in np.unique(year):
        sel = np.flatnonzero(year == y)
        part = prices.bars(rng, p, ro, slice(int(sel[0]), int(sel[-1]) + 1), SOURCE)
        b = bench.filter(pc.equal(pc.year(bench["date"]), int(y)))
        n_prices += store.write("prices", pa.concat_tables([part, b]))
    counts["prices"] = n_prices
    lap("prices_written")
    ident = ro.identity.copy()
    ident["first_date"] = pd.DatetimeIndex(ro.first)
    ident["last_date"] = pd.DatetimeIndex(ro.last)
    ident.to_parquet(store.root / IDENTITY)
    return {"fictional": True, "source": SOURCE, "version": VERSION, "seed": seed, "n": n,
            "years": years, "start": start, "end": end, "names": len(ro),
            "departed": int((~ro.live).sum()), "rows": counts, "seconds": timings}
