"""What a block file of the parsed columns holds: its schema, the key of a snapshot, the
parser version its rows depend on, and rows to and from Arrow tables (``columns`` keeps the
files; ``combine`` and ``keys`` read them)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from screener.raw.schema import BLOCKS

LAYOUT = "1"  # the layout of these files; a change re-parses everything
FAILURES_BLOCK = "_failures"
FAILURE_FIELDS = {"ticker": pa.string(), "source": pa.string(), "dataset": pa.string(),
                  "reason": pa.string(), "attempts": pa.int64(), "transient": pa.bool_()}
# _sid: the snapshot (its number in the index); _seq: the record's place in it; _cols: the
# record's keys in order (so the block's columns come out in the order the parser wrote them)
META = {"_sid": pa.int64(), "_seq": pa.int64(), "_cols": pa.string()}
SEP = "\x1f"

def snapshot_key(dataset: str, ticker: str, as_of: str, fetched_at: str) -> str:
    return f"{dataset}{SEP}{ticker}{SEP}{as_of}{SEP}{fetched_at}"


def snapshot_key_column(dataset, ticker, as_of, fetched_at) -> pa.ChunkedArray | pa.Array:
    """``snapshot_key`` of every row of four text columns (Arrow arrays)."""
    return pc.binary_join_element_wise(dataset, ticker, as_of, fetched_at, SEP)


def block_schema(block: str) -> pa.Schema:
    """Columns of one block's file: snapshot key, record order, then the block's fields."""
    if block == FAILURES_BLOCK:
        return pa.schema([*META.items(), *FAILURE_FIELDS.items()])
    spec = BLOCKS[block]
    fields = [*META.items(), ("ticker", pa.string())]
    fields += [(f, pa.int64()) for f in spec.index[1:]]
    for name in spec.model.model_fields:
        if name in spec.index:
            continue
        if name in spec.numeric_fields:
            fields.append((name, pa.float64()))
        elif name in spec.date_fields:
            fields.append((name, pa.date32()))
        elif name in spec.text_fields:
            fields.append((name, pa.string()))
    return pa.schema(fields)


ALL_BLOCKS = (*BLOCKS, FAILURES_BLOCK)
_DIGEST = hashlib.sha256("".join(str(block_schema(b)) for b in ALL_BLOCKS).encode()) \
    .hexdigest()[:12]


def parser_version(provider) -> str:
    """What a parsed row depends on: this layout, the block fields, the provider's parser."""
    return versioned(getattr(provider, "parser_version", "1"))


def versioned(parser: str) -> str:
    """``parser_version`` of a provider whose own parser version is ``parser``."""
    return f"{LAYOUT}:{_DIGEST}:{parser}"


def rows_table(block: str, rows: list[dict]) -> pa.Table:
    """Records (with ``_sid``/``_seq``/``_cols``) as one table of the block's schema; values are coerced
    as ``raw.bundle.block_from_records`` coerces them (text numbers read, bad ones empty)."""
    if not rows:
        return block_schema(block).empty_table()
    return table_from_frame(block, pd.DataFrame(rows))


def table_from_frame(block: str, frame: pd.DataFrame) -> pa.Table:
    """``rows_table`` of records already in columns (a parser's records as one frame)."""
    schema = block_schema(block)
    # keys a parser adds beyond the declared fields (e.g. SEC's ``filed``) are kept as text
    for name in frame.columns:
        if name not in schema.names:
            schema = schema.append(pa.field(name, pa.string()))
    arrays = []
    zeros = None
    for field in schema:
        if field.name not in frame.columns:
            if zeros is None:  # one zeroed buffer behind every all-null column of the table
                zeros = pa.py_buffer(np.zeros((len(frame) + 1) * 8, dtype=np.uint8))
            arrays.append(null_column(len(frame), field.type, zeros))
            continue
        col = frame[field.name]
        if field.type == pa.float64():
            arr = pa.array(pd.to_numeric(col, errors="coerce").astype("float64"),
                           type=field.type, from_pandas=True)
        elif field.type == pa.int64():
            arr = pa.array(pd.to_numeric(col, errors="coerce").astype("Float64").round()
                           .astype("Int64"), type=field.type, from_pandas=True)
        elif field.type == pa.date32():
            days = pd.to_datetime(col, errors="coerce").to_numpy("datetime64[D]")
            arr = pa.array(days, type=field.type, from_pandas=True)
        elif field.type == pa.bool_():
            arr = pa.array(col.astype("boolean"), type=field.type, from_pandas=True)
        else:
            text = col.where(col.isna(), col.astype(str)) if col.dtype == object else col
            arr = pa.array(text, type=field.type, from_pandas=True)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def null_column(n: int, kind: pa.DataType, zeros: pa.Buffer) -> pa.Array:
    """An all-null array of ``kind`` over ``zeros`` (``pa.nulls`` allocates a buffer per
    column: a block's two dozen fields a parser left out would cost that many)."""
    if pa.types.is_string(kind):
        return pa.Array.from_buffers(kind, n, [zeros, zeros, zeros], null_count=n)
    if kind in (pa.float64(), pa.int64(), pa.date32(), pa.bool_()):
        return pa.Array.from_buffers(kind, n, [zeros, zeros], null_count=n)
    return pa.nulls(n, type=kind)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns and types of ``schema`` (missing columns null; a text
    ``_cols`` dictionary-encoded or the other way round), as ``concat_tables`` joins them."""
    if table.schema == schema:
        return table
    if set(table.schema.names) - set(schema.names):
        raise ValueError(f"columns {sorted(set(table.schema.names) - set(schema.names))} "
                         "are not in the file being written")
    return concat_tables([schema.empty_table(), table]).select(schema.names).cast(schema)


def concat_tables(tables: list[pa.Table]) -> pa.Table:
    """Tables of one block (extra text columns may differ: missing ones are null)."""
    if len(tables) == 1:
        return tables[0]
    kinds = {str(t.schema.field("_cols").type) for t in tables if "_cols" in t.schema.names}
    if len(kinds) > 1:  # read from a file (dictionary) beside rows parsed in memory (text)
        tables = [t.set_column(t.schema.get_field_index("_cols"), "_cols",
                               pc.cast(t["_cols"], pa.string()))
                  if "_cols" in t.schema.names else t for t in tables]
    return pa.concat_tables(tables, promote_options="default")


def to_block_frame(block: str, table: pa.Table) -> pd.DataFrame:
    """Rows of a block file as the frame ``block_from_records`` would have built (index not
    set yet; dates as datetime64[us] as pandas parses them, numbers float64)."""
    for i, field in enumerate(table.schema):
        if field.type == pa.date32():  # cast in Arrow: pandas would get Python dates
            table = table.set_column(i, field.name, pc.cast(table.column(i), pa.timestamp("us")))
    frame = table.to_pandas()
    index = BLOCKS[block].index if block in BLOCKS else ()
    for field in table.schema:
        if field.type == pa.string() and not field.name.startswith("_") \
                and table[field.name].null_count == table.num_rows:
            frame[field.name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        elif field.type == pa.int64() and field.name in index \
                and not frame[field.name].isna().any():
            frame[field.name] = frame[field.name].astype(np.int64)
    return frame
