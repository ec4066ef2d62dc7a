"""The raw input model: what every provider hands to the metrics stage.

Five blocks, each a DataFrame in base units (USD, fractions), NaN for missing:

- ``identity``   index ticker: name, sector, industry, exchange, ``in_<universe>`` flags
- ``statements`` index (ticker, fiscal_year): annual income, balance and cash-flow items
- ``ladder``     index ticker: debt maturity ladder, due in year 1..5 and after, as of a date
- ``estimates``  index ticker: EPS consensus now and 7/30/60/90 days ago, revision counts
- ``market``     index ticker: price, shares, market cap, liquidity, beta, short interest, ...

Every block except identity carries ``source`` (which provider) and an as-of date column.
"""

from screener.raw.bundle import RawBundle, validate_bundle
from screener.raw.schema import BLOCKS, BlockSpec

__all__ = ["BLOCKS", "BlockSpec", "RawBundle", "validate_bundle"]
