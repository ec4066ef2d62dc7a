"""The regime run as tables for the exporters (they format, they compute nothing)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.regime.run import RegimeRun

RATIO = "iwm_spy"


def headline(run: RegimeRun) -> dict[str, object]:
    p = run.panel
    reg = p.regime
    return {
        "as_of": p.as_of.date(),
        "verdict": p.title,
        "verdict_id": p.verdict,
        "phase": p.phase,
        "overlay_phases": p.overlay_phases,
        "scores": "; ".join(
            f"{v.title} {p.scores[k]:+.2f}" + (f" (overlay at {v.threshold:+.2f})"
                                                if v.overlay else "")
            for k, v in reg.verdicts.items() if np.isfinite(p.scores.get(k, np.nan))),
        "flip": p.flip_text(),
        "votes": sum(1 for r in p.rows if np.isfinite(r.vote)),
        "indicators": len(p.rows),
    }


def panel_frame(run: RegimeRun) -> pd.DataFrame:
    return run.panel.table()


def history_frame(run: RegimeRun) -> pd.DataFrame:
    """One row per history date: the IWM/SPY ratio, a band column per verdict (1 on the
    dates it was the verdict, overlays on the dates they were raised), then each indicator's
    rule input and threshold(s)."""
    h = run.history
    if h is None or not len(h.dates):
        return pd.DataFrame()
    reg = run.panel.regime
    out = pd.DataFrame(index=h.dates)
    out.index.name = "date"
    ratio = run.series.get(RATIO)
    if ratio is not None and len(ratio):
        j = ratio.index.searchsorted(h.dates, side="right") - 1
        out["IWM / SPY"] = np.where(j >= 0, ratio.to_numpy()[np.maximum(j, 0)], np.nan)
    for k in reg.main:
        out[reg.verdicts[k].title] = np.where(h.verdict.to_numpy() == k, 1.0, np.nan)
    for k in reg.overlays:
        out[f"{reg.verdicts[k].title} (overlay)"] = np.where(h.overlays[k].to_numpy(), 1.0,
                                                            np.nan)
    for ind in reg.indicators:
        out[ind.id] = h.inputs[ind.id].to_numpy()
        v = ind.rule.value
        if isinstance(v, list):
            out[f"{ind.id} low"], out[f"{ind.id} high"] = float(v[0]), float(v[1])
        else:
            out[f"{ind.id} threshold"] = float(v)
    out["verdict"] = h.verdict.map({k: v.title for k, v in reg.verdicts.items()}).to_numpy()
    return out.reset_index()
