"""The N-days-ago consensus a source did not give, filled from our own earlier snapshots of the
same source (``providers.estimates_history``), while a load assembles the estimates block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.store.block_tables import to_block_frame
from screener.store.keys import snapshot_numbers
from screener.store.parsing import refresh_columns

HISTORY_FIELDS = tuple(f"eps_{y}_{d}d" for y in ("cy", "ny") for d in (7, 30, 60, 90))


def fill_history(table: pa.Table, code: int, cols, store, provider, src, want) -> pa.Table:
    """Fill the N-days-ago consensus a source did not give (FMP never does, Yahoo sometimes
    not) from our own earlier snapshots of the same source (``estimates_history``)."""
    from screener.providers.estimates_history import revisions_from_history

    hist = np.column_stack([table[f].to_numpy(zero_copy_only=False).astype("float64")
                            for f in HISTORY_FIELDS])
    gap = (table["_dataset"].to_numpy() == code) & np.isnan(hist).any(axis=1)
    if not gap.any():
        return table
    frame = to_block_frame("estimates", table)
    keys, src, want = src, _frame(src), _frame(want)
    by_sid = want.set_index("_sid")
    current = want[(want["dataset"] == "estimates").to_numpy(bool)].set_index("ticker")["as_of"]
    snap_tickers = set(by_sid.loc[frame.loc[gap, "_sid"], "ticker"])
    ests = src[((src["dataset"] == "estimates") & src["ticker"].isin(snap_tickers))
               .to_numpy(bool)]
    earlier = ests[ests["as_of"].to_numpy() < current.reindex(ests["ticker"]).to_numpy()]
    if earlier.empty:
        return table
    earlier_keys = pa.Table.from_pandas(earlier, preserve_index=False)
    index, fresh = refresh_columns(cols, store, provider, keys, earlier_keys)
    earlier = earlier.assign(_sid=snapshot_numbers(index, earlier_keys["_key"]))
    old = to_block_frame("estimates", cols.rows("estimates", earlier["_sid"], fresh))
    if old.empty:
        return table
    info = earlier.set_index("_sid")
    old["_snap_ticker"] = info.loc[old["_sid"], "ticker"].to_numpy()
    old["_as_of"] = info.loc[old["_sid"], "as_of"].to_numpy()
    old = old.sort_values(["_as_of", "_seq"], kind="stable")
    history = {t: [(a, r) for a, r in zip(g["_as_of"], g.to_dict("records"), strict=True)]
               for t, g in old.groupby("_snap_ticker", sort=False)}
    for i in np.flatnonzero(gap):
        rec = frame.iloc[i].to_dict()
        ticker = by_sid.loc[rec["_sid"], "ticker"]
        if ticker not in history:
            continue
        as_of = current[ticker]
        filled = revisions_from_history([*history[ticker], (as_of, rec)], as_of, current=rec)
        for j, f in enumerate(HISTORY_FIELDS):
            if pd.isna(rec.get(f)) and filled.get(f) is not None:
                hist[i, j] = filled[f]
    for j, f in enumerate(HISTORY_FIELDS):
        table = table.set_column(table.schema.get_field_index(f), f,
                                 pa.array(hist[:, j], type=pa.float64(), from_pandas=True))
    return table


def _frame(table: pa.Table) -> pd.DataFrame:
    """``table`` as a frame with text as Python strings (object columns)."""
    return pd.DataFrame({c: table[c].to_numpy(zero_copy_only=False)
                         for c in table.column_names})

