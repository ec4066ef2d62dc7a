"""One source per (block, ticker), in the block's index order, as the frame a run reads.

The rows of every source's parsed columns for one block (Arrow tables with the source's rank,
the dataset, the name's place and the record's place) become one pandas frame: rows of the
best-ranked source that has the block for a name, sorted by the block's index, columns in the
order the parsers wrote them. Assembled in Arrow, converted to pandas once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from screener.raw.bundle import empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN
from screener.store.block_tables import SEP, concat_tables, to_block_frame


def combine_sources(block: str, parts: list[pa.Table]) -> pd.DataFrame:
    """One source per (block, ticker): rows of the best-ranked source that has the block,
    sorted by the block's index; columns in the order the parsers wrote them (then the
    declared fields they left out), source by source in priority order. Assembled in Arrow,
    converted to pandas once."""
    if not parts:
        return empty_block(block)
    table = concat_tables(parts)
    spec = BLOCKS[block]
    if len(parts) > 1:
        who = pd.factorize(table["ticker"].to_numpy(zero_copy_only=False),
                           use_na_sentinel=False)[0]
        rank = table["_rank"].to_numpy()
        best = np.full(who.max() + 1, np.iinfo("int64").max)
        np.minimum.at(best, who, rank)
        table = table.filter(pa.array(rank == best[who]))
    # the order in which a record-by-record load met each record's key list
    ranks = table["_rank"].to_numpy()
    cols = table["_cols"].combine_chunks()
    if not pa.types.is_dictionary(cols.type):
        cols = pc.dictionary_encode(cols)
    codes = cols.indices.to_numpy(zero_copy_only=False)
    met = np.lexsort((table["_seq"].to_numpy(), table["_pos"].to_numpy(),
                      table["_dataset"].to_numpy(), ranks))
    columns: dict[str, None] = {}
    for r in pd.unique(ranks[met]):
        for code in pd.unique(codes[met[ranks[met] == r]]):
            columns.update(dict.fromkeys(str(cols.dictionary[code]).split(SEP)))
            if block != "identity":
                columns[SOURCE_COLUMN] = None
        columns.update(dict.fromkeys([*spec.numeric_fields, *spec.date_fields,
                                      *spec.text_fields]))
    order = [c for c in columns if c in table.column_names and c not in spec.index]
    ordered = _sorted(table, spec.index)
    if not ordered:
        keys = [table[k].to_numpy(zero_copy_only=False) for k in spec.index]
        table = table.take(np.lexsort([pd.factorize(k, sort=True, use_na_sentinel=False)[0]
                                       for k in reversed(keys)]))
    frame = to_block_frame(block, table.select(order))
    if len(spec.index) == 1:
        frame.index = pd.Index(table[spec.index[0]].to_pandas(), name=spec.index[0])
    elif ordered:
        frame.index = _sorted_index(table, spec.index)
    else:
        levels = [table[k].to_pandas() for k in spec.index]
        if not levels[1].isna().any():
            levels[1] = levels[1].astype("int64")
        frame.index = pd.MultiIndex.from_arrays(levels, names=list(spec.index))
    return frame


def _sorted(table: pa.Table, index: tuple[str, ...]) -> bool:
    """Rows already in index order with unique keys (the columns are written that way)."""
    keys = [table[k].combine_chunks() for k in index]
    if any(k.null_count for k in keys):
        return False
    n = len(keys[0])
    if n < 2:
        return True
    def shifted(k):
        return k.slice(1), k.slice(0, n - 1)
    after, before = shifted(keys[0])
    ok = pc.greater(after, before)
    if len(keys) > 1:
        second = shifted(keys[1])
        ok = pc.or_(ok, pc.and_(pc.equal(after, before), pc.greater(*second)))
    return bool(pc.all(ok).as_py())


def _sorted_index(table: pa.Table, names: tuple[str, ...]) -> pd.MultiIndex:
    """The (ticker, period) index of rows sorted with unique keys and no gaps (``_sorted``),
    as ``MultiIndex.from_arrays`` builds it (sorted levels), from codes: no factorizing."""
    first = table[names[0]].combine_chunks()
    n = len(first)
    change = np.ones(n, dtype=bool)
    if n > 1:
        change[1:] = pc.not_equal(first.slice(1), first.slice(0, n - 1)) \
            .to_numpy(zero_copy_only=False)
    level0 = pd.Index(first.filter(pa.array(change)).to_pandas())
    codes1, level1 = pd.factorize(table[names[1]].to_numpy().astype("int64"), sort=True)
    return pd.MultiIndex(levels=[level0, pd.Index(level1)],
                         codes=[np.cumsum(change) - 1, codes1], names=list(names),
                         verify_integrity=False)

