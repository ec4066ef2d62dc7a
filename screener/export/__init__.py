"""Export: the Excel workbook and plain tables (CSV, Parquet, JSON) of a run.

The exporters only format a ``RunResult``; they compute nothing. Public API:

- ``resolve_output_path(out, *, screen_name, universes, run_date, fmt="xlsx", force=False)``
- ``write_workbook(result, path, *, full=False, limit=None) -> Path`` (atomic;
  ``TargetLockedError`` when locked); above the workbook limit the per-name sheets hold their
  top rows and ``workbook.write_workbook_files`` also returns the Parquet files beside it
- ``write_tables(result, path, fmt, tables=None) -> list[Path]`` (csv | parquet | json);
  ``tables``: ``tables.build_tables(result)`` when already built (one build, several writers)
"""

from screener.export.atomic import TargetLockedError
from screener.export.paths import resolve_output_path
from screener.export.tables import write_tables
from screener.export.workbook import write_workbook

__all__ = ["TargetLockedError", "resolve_output_path", "write_tables", "write_workbook"]
