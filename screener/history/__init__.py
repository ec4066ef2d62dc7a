"""The time axis: a columnar history of prices, statement facts, memberships, macro series,
estimate snapshots and delistings, with point-in-time reads (see ``store`` and ``schema``)."""

from screener.history.schema import DATASETS, HistorySpec, spec
from screener.history.store import HistoryStore, default_root

__all__ = ["DATASETS", "HistorySpec", "HistoryStore", "default_root", "spec"]
