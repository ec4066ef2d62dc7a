"""The time axis's assembly room: raw blocks as they could be known on a date.

Above ``history`` (the columnar store) and ``providers``, below ``metrics``: ``PointInTime``
loads everything a date range needs once, then hands out a ``RawBundle`` per date
(memberships in force, statements first filed by then, estimate snapshots taken by then,
prices up to that close).
"""

from screener.timeaxis.pointintime import BENCHMARKS, PointInTime

__all__ = ["BENCHMARKS", "PointInTime"]
