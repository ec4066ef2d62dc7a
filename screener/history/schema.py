"""The history datasets: their columns, keys, and the two dates every fact carries.

Every row says what it is about and when it became known (ARCHITECTURE.md, move 1):

- ``time``: the date the row is about, which also picks its partition (``year=YYYY``);
- ``known``: the date the row became known (a filing date, a release date, a close). An as-of
  view keeps only rows with ``known <= as_of``; a fact is usable from ``max(time, known)``.

Datasets (one folder each under the history root, hive-partitioned by year of ``time``):

- ``prices``: daily bars. ``close`` as traded, ``adj_close`` split- and dividend-adjusted (as the
  source adjusted it on the day it was fetched), ``volume`` in shares.
- ``facts``: statement values, one row per (item, period, filing). Flows carry ``period_start``
  (3-, 6-, 9- or 12-month durations as reported); balances (instants) leave it empty. The same
  period appears again in later filings (comparatives, restatements): all are kept, and as-of
  views take the first filing on or before the date.
- ``memberships``: index members by snapshot date (one row per member per snapshot).
- ``macro``: economic series observations with their release dates (``released``).
- ``estimates``: consensus snapshots as taken on ``as_of`` (our own fetches or a vendor's history).
- ``delistings``: the last trading day of a name that stopped trading, and why.
- ``short_interest``: shares sold short as of a settlement date (twice a month) and the share
  of the float they are, known from their publication date (``released``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

STR = pa.string()
DATE = pa.date32()
F64 = pa.float64()
I64 = pa.int64()


@dataclass(frozen=True)
class HistorySpec:
    name: str
    schema: pa.Schema
    key: tuple[str, ...]  # one row per key: a later write of the same key replaces it
    time: str  # the date the row is about; partitions by its year
    known: str  # the date the row became known; as-of views filter on it
    label: str

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


def _spec(name, fields, key, time, known, label) -> HistorySpec:
    return HistorySpec(name, pa.schema(fields), tuple(key), time, known, label)


ESTIMATE_FIELDS = ["eps_cy", "eps_cy_7d", "eps_cy_30d", "eps_cy_60d", "eps_cy_90d",
                   "eps_ny", "eps_ny_7d", "eps_ny_30d", "eps_ny_60d", "eps_ny_90d",
                   "up_7d", "down_7d", "up_30d", "down_30d", "n_analysts"]

DATASETS: dict[str, HistorySpec] = {s.name: s for s in [
    _spec("prices", [("ticker", STR), ("date", DATE), ("open", F64), ("high", F64),
                     ("low", F64), ("close", F64), ("adj_close", F64), ("volume", F64),
                     ("source", STR)],
          key=("ticker", "date"), time="date", known="date", label="daily prices"),
    _spec("facts", [("ticker", STR), ("item", STR), ("value", F64), ("period_start", DATE),
                    ("period_end", DATE), ("fiscal_year", I64), ("fiscal_period", STR),
                    ("form", STR), ("filed", DATE), ("accn", STR), ("source", STR)],
          key=("source", "ticker", "item", "period_start", "period_end", "filed"),
          time="period_end", known="filed", label="statement facts"),
    _spec("memberships", [("universe", STR), ("as_of", DATE), ("ticker", STR), ("name", STR),
                          ("sector", STR), ("weight", F64), ("source", STR)],
          key=("universe", "as_of", "ticker"), time="as_of", known="as_of",
          label="index memberships"),
    _spec("macro", [("series", STR), ("date", DATE), ("value", F64), ("released", DATE),
                    ("source", STR)],
          key=("series", "date", "released"), time="date", known="released",
          label="macro series"),
    _spec("estimates", [("ticker", STR), ("as_of", DATE), *[(f, F64) for f in ESTIMATE_FIELDS],
                        ("source", STR)],
          key=("source", "ticker", "as_of"), time="as_of", known="as_of",
          label="estimate snapshots"),
    _spec("delistings", [("ticker", STR), ("last_date", DATE), ("last_price", F64),
                         ("reason", STR), ("source", STR)],
          key=("ticker", "last_date"), time="last_date", known="last_date",
          label="delistings"),
    _spec("short_interest", [("ticker", STR), ("date", DATE), ("short_pct_float", F64),
                             ("shares_short", F64), ("released", DATE), ("source", STR)],
          key=("source", "ticker", "date"), time="date", known="released",
          label="short interest"),
]}


def spec(name: str) -> HistorySpec:
    from screener.errors import StoreError

    try:
        return DATASETS[name]
    except KeyError:
        raise StoreError(f"Unknown history dataset {name!r}.",
                         f"Known datasets: {', '.join(DATASETS)}.") from None
