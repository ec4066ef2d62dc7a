"""Capped metrics: the number keeps its ranking role, the reader sees what it means.

Interest coverage is capped at 999 (999 when there is no interest expense and EBIT is positive,
or when EBIT covers interest 999 times or more); the liquidity coverage of the 24-month wall is
capped at 99 (99 when nothing is due within 24 months, or liquidity covers the wall 99 times or
more); the cash runway is capped at 999 months (999 when free cash flow is >= 0). Ranking uses the number (the best coverage); the workbook and ``explain`` show the
meaning, with the cap in the note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from screener.metrics.leverage import COVERAGE_CAP
from screener.metrics.maturities import WALL_CAP
from screener.metrics.runway import RUNWAY_CAP


@dataclass(frozen=True)
class Cap:
    value: float
    label: str      # what the capped value means, as shown in a cell
    note: str       # the cap, for the column note / explain note

    @property
    def number_format(self) -> str:
        """An Excel number format showing the label for the (numeric) capped cell."""
        return '"' + self.label.replace('"', "") + '"'


CAPS: dict[str, Cap] = {
    "interest_coverage": Cap(
        COVERAGE_CAP, "no interest",
        f"shown as 'no interest': the cell holds {COVERAGE_CAP:g}, the cap, used when there is "
        f"no interest expense (EBIT > 0) or EBIT covers interest {COVERAGE_CAP:g}x or more; it "
        "ranks as the best coverage"),
    "wall_coverage_24m": Cap(
        WALL_CAP, "nothing due in 24m",
        f"shown as 'nothing due in 24m': the cell holds {WALL_CAP:g}, the cap, used when no "
        f"debt is due within 24 months or liquidity covers the wall {WALL_CAP:g}x or more; it "
        "ranks as the best coverage"),
    "cash_runway_months": Cap(
        RUNWAY_CAP, "cash-generating",
        f"shown as 'cash-generating': the cell holds {RUNWAY_CAP:g}, the cap, used when free "
        f"cash flow is >= 0 (no burn) or the cash lasts {RUNWAY_CAP:g} months or more; it ranks "
        "as the longest runway"),
}


def capped(metric: str | None, value) -> Cap | None:
    """The cap when ``value`` of ``metric`` sits at it, else None."""
    cap = CAPS.get(metric) if metric else None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return cap if cap is not None and not math.isnan(v) and v >= cap.value else None


def display(metric: str | None, value) -> str | None:
    """'no interest (999, the cap)' for a capped value, else None."""
    cap = capped(metric, value)
    return f"{cap.label} ({cap.value:g}, the cap)" if cap else None
