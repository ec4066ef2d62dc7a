"""Run history: every run recorded (``record``), what changed between two runs and why
(``diff``), and how each list has done since (``track``)."""

from screener.runs.diff import RunDiff, diff_runs
from screener.runs.record import RunLog, RunNotFoundError, RunRecord
from screener.runs.track import track_runs

__all__ = ["RunDiff", "RunLog", "RunNotFoundError", "RunRecord", "diff_runs", "track_runs"]
