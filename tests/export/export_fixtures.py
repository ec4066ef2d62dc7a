"""A realistic RunResult built by hand: 30 names, 3 phases, NaNs, hostile names, failures."""

from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np
import pandas as pd

from screener.result import PhaseResult, RuleStep, RunResult, ScoreInfo

HOSTILE = ['=HYPERLINK("http://x","y")', "+1-2", "@SUM(A1)"]
LONG_TITLE = "Early rebound: junk / high-beta rally [phase 1]"   # invalid chars, > 31

SCREEN_YAML = """\
# Rebound playbook (test copy)
name: rebound
eligibility:
  - market_cap >= 300e6
  - adv_3m >= 1e6
scores:
  quality:
    parts: {roic: 1, interest_coverage: 1, net_debt_to_ebitda: -1}
  junk:
    parts: {beta: 1, short_interest: 1}
phases:
  early:
    title: "Early rebound: junk / high-beta rally [phase 1]"
    rules:
      - beta > 1
      - short_interest > 0.05
    rank_by: junk
    top: 10
  quality:
    title: Quality-led recovery
    rules: [roic > 0.05, interest_coverage > 3]
    rank_by: quality
    top: 8
  refi:
    title: Refinancing risk (avoid)
    rules: [debt_due_24m_share > 0.3]
    rank_by: quality
    ascending: true
    top: 5
"""

METRICS = ["market_cap", "adv_3m", "price", "net_debt_to_ebitda", "interest_coverage", "roic",
           "beta", "short_interest", "drawdown_52w", "debt_due_24m_share", "piotroski_f",
           "n_analysts", "eps_positive", "eps_ttm"]
SECTORS = ["Industrials", "Financials", "Health Care", "Consumer Discretionary", "Materials"]


def _eligible(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    tickers = [f"SMPL{i}" for i in range(1, n + 1)]
    names = [f"Sample Company {i} Inc." for i in range(1, n + 1)]
    names[2], names[5], names[8] = HOSTILE
    df = pd.DataFrame({
        "name": names,
        "sector": [SECTORS[i % len(SECTORS)] for i in range(n)],
        "industry": [f"Industry {i % 7}" for i in range(n)],
        "in_russell2000": [True] * (n - 5) + [False] * 5,
        "in_sp600": [i % 2 == 0 for i in range(n)],
        "market_cap": rng.uniform(3e8, 2e9, n),
        "adv_3m": rng.uniform(1e6, 5e7, n),
        "price": rng.uniform(2, 80, n),
        "net_debt_to_ebitda": rng.normal(2.5, 1.5, n),
        "interest_coverage": rng.uniform(0.5, 15, n),
        "roic": rng.normal(0.08, 0.07, n),
        "beta": rng.uniform(0.6, 2.2, n),
        "short_interest": rng.uniform(0.01, 0.25, n),
        "drawdown_52w": -rng.uniform(0.05, 0.7, n),
        "debt_due_24m_share": rng.uniform(0, 0.8, n),
        "piotroski_f": rng.integers(0, 10, n).astype(float),
        "n_analysts": rng.integers(0, 12, n).astype(float),
        "eps_positive": (rng.random(n) > 0.4).astype(float),
        "eps_ttm": rng.normal(1, 2, n),
    }, index=pd.Index(tickers, name="ticker"))
    df.loc["SMPL4", "roic"] = np.nan
    df.loc["SMPL7", "interest_coverage"] = np.nan
    df.loc["SMPL19", "interest_coverage"] = 999.0   # the cap: no interest expense
    df.loc["SMPL10", "short_interest"] = np.nan
    df.loc["SMPL12", "net_debt_to_ebitda"] = np.nan
    df["quality"] = df[["roic", "interest_coverage"]].rank(pct=True).mean(axis=1) * 100
    df["junk"] = df[["beta", "short_interest"]].rank(pct=True).mean(axis=1) * 100
    for part in ("roic", "interest_coverage", "net_debt_to_ebitda"):
        df[f"quality.{part}"] = df[part].rank(pct=True) * 100
    for part in ("beta", "short_interest"):
        df[f"junk.{part}"] = df[part].rank(pct=True) * 100
    return df


def _phase(elig, pid, title, rules, rank_by, parts, metrics, top, ascending=False) -> PhaseResult:
    mask = pd.Series(True, index=elig.index)
    steps = [RuleStep("universe", 34, 0), RuleStep("market_cap >= 300e6", 32, 2),
             RuleStep("adv_3m >= 1e6", 30, 2)]
    for rule, (metric, op, thr) in rules:
        before = int(mask.sum())
        vals = elig[metric]
        mask &= (vals > thr) if op == ">" else (vals < thr)
        steps.append(RuleStep(rule, int(mask.sum()), before - int(mask.sum()),
                              int((vals.isna() & (before > 0)).sum())))
    passed = elig[mask].sort_values(rank_by, ascending=ascending)
    listed = passed.head(top)
    score_cols = [rank_by] + [f"{rank_by}.{p}" for p in parts]
    table = listed.reset_index()[["ticker", "name", "sector", "industry", "in_russell2000",
                                  "in_sp600"] + score_cols + metrics]
    table.insert(0, "rank", range(1, len(table) + 1))
    return PhaseResult(id=pid, title=title, description=f"Description of {title}.",
                       rank_by=rank_by, ascending=ascending, table=table,
                       score_columns=score_cols, metric_columns=metrics, attrition=steps,
                       passed=len(passed), top=top,
                       cutoff=float(listed[rank_by].iloc[-1]) if len(listed) else None)


def _explain(phases: list[PhaseResult], elig: pd.DataFrame, scores) -> pd.DataFrame:
    rows = []
    for p in phases:
        info = scores[p.rank_by]
        for t in p.table["ticker"]:
            for m in p.metric_columns[:2]:
                rows.append({'ticker': t, 'phase': p.id, 'kind': "rule", 'item': f"{m} > x",
                                 'value': elig.at[t, m], 'passed': True, 'percentile': np.nan,
                                 'weight': np.nan, 'contribution': np.nan, 'missing': False, 'note': ""})
            for part, w, _b in info.parts:
                pct = elig.at[t, f"{info.id}.{part}"]
                gone = bool(np.isnan(pct))
                rows.append({'ticker': t, 'phase': p.id, 'kind': "score", 'item': part,
                                 'value': elig.at[t, part], 'passed': None, 'percentile': pct,
                                 'weight': w,
                                 'contribution': np.nan if gone else pct * w / len(info.parts),
                                 'missing': gone, 'note': "skip" if gone else ""})
    return pd.DataFrame(rows)


def _why(elig: pd.DataFrame, phases: list[PhaseResult], rules: dict) -> tuple:
    """The wide per-name table the engine builds (rules/why.py), by hand: the eligible
    names plus 4 that failed eligibility (2 on market cap, 2 on dollar volume)."""
    out = elig[["name", "sector", "industry"]].reset_index()
    out.insert(4, "eligible", "yes")
    out["failed_rule"] = None
    out["elig.1"], out["elig.2"] = "PASS", "PASS"
    gone = pd.DataFrame({"ticker": ["TINY1", "TINY2", "THIN1", "THIN2"],
                         "name": ["Tiny One Corp.", "Tiny Two Corp.", "Thin One Inc.",
                                  "Thin Two Inc."],
                         "sector": ["Industrials", "Materials", "Energy", "Utilities"],
                         "industry": ["Machinery", "Chemicals", "Oil & Gas", "Gas Utilities"],
                         "eligible": "no",
                         "failed_rule": ["market_cap >= 300e6"] * 2 + ["adv_3m >= 1e6"] * 2,
                         "elig.1": ["FAIL", "FAIL", "PASS", "PASS"],
                         "elig.2": ["FAIL", "missing", "FAIL", "FAIL"]})
    out = pd.concat([out, gone], ignore_index=True)
    labels = {"ticker": ("", "Ticker"), "name": ("", "Name"), "sector": ("", "Sector"),
              "industry": ("", "Industry"), "eligible": ("Eligibility", "Eligible"),
              "failed_rule": ("Eligibility", "First eligibility rule failed"),
              "elig.1": ("Eligibility", "market_cap >= 300e6"),
              "elig.2": ("Eligibility", "adv_3m >= 1e6")}
    for p in phases:
        ranks = dict(zip(p.table["ticker"], p.table["rank"], strict=True))
        out[f"{p.id}.status"] = [
            f"listed #{ranks[t]}" if t in ranks else ("not eligible" if e == "no" else
                                                       f"failed: {rules[p.id][0]}")
            for t, e in zip(out["ticker"], out["eligible"], strict=True)]
        out[f"{p.id}.rank"] = out["ticker"].map(ranks).astype("float64")
        labels[f"{p.id}.status"] = (p.title, "Status")
        labels[f"{p.id}.rank"] = (p.title, "Rank reached")
        for j, rule in enumerate(rules[p.id], 1):
            out[f"{p.id}.rule{j}"] = [None if e == "no" else ("PASS" if t in ranks else "FAIL")
                                     for t, e in zip(out["ticker"], out["eligible"], strict=True)]
            labels[f"{p.id}.rule{j}"] = (p.title, rule)
    universe = gone.set_index("ticker")[["name", "sector", "industry"]].assign(
        in_russell2000=True, in_sp600=False, market_cap=[1e8, 2e8, 5e8, 6e8],
        adv_3m=[2e6, np.nan, 1e5, 2e5], drawdown_52w=[-0.1, -0.3, -0.5, -0.05])
    universe = pd.concat([elig[[c for c in elig.columns if "." not in c
                                and c not in ("quality", "junk")]], universe])
    return out, labels, universe


def make_result(n: int = 30, *, is_sample: bool = True) -> RunResult:
    elig = _eligible(n)
    scores = {
        "quality": ScoreInfo("quality", "Quality score",
                             [("roic", 1.0, "higher"), ("interest_coverage", 1.0, "higher"),
                              ("net_debt_to_ebitda", 1.0, "lower")],
                             description="Profitable, covered, not over-levered."),
        "junk": ScoreInfo("junk", "Junk-rally score",
                          [("beta", 1.0, "higher"), ("short_interest", 1.0, "higher")],
                          group_by="sector"),
    }
    phases = [
        _phase(elig, "early", LONG_TITLE, [("beta > 1", ("beta", ">", 1.0)),
               ("short_interest > 0.05", ("short_interest", ">", 0.05))], "junk",
               ["beta", "short_interest"], ["beta", "short_interest", "drawdown_52w"], 10),
        _phase(elig, "quality", "Quality-led recovery",
               [("roic > 0.05", ("roic", ">", 0.05)),
                ("interest_coverage > 3", ("interest_coverage", ">", 3.0))], "quality",
               ["roic", "interest_coverage", "net_debt_to_ebitda"],
               ["roic", "interest_coverage", "market_cap", "eps_ttm", "n_analysts",
                "eps_positive", "piotroski_f"], 8),
        _phase(elig, "refi", "Refinancing risk (avoid)",
               [("debt_due_24m_share > 0.3", ("debt_due_24m_share", ">", 0.3))], "quality",
               ["roic"], ["debt_due_24m_share", "net_debt_to_ebitda"], 5, ascending=True),
    ]
    why, labels, universe = _why(elig, phases, {
        "early": ["beta > 1", "short_interest > 0.05"],
        "quality": ["roic > 0.05", "interest_coverage > 3"],
        "refi": ["debt_due_24m_share > 0.3"]})
    metrics = [c for c in METRICS]
    coverage = pd.DataFrame({"label": metrics,
                             "share": [float(elig[m].notna().mean()) for m in metrics],
                             "missing": [int(elig[m].isna().sum()) for m in metrics]},
                            index=pd.Index(metrics, name="metric"))
    failures = pd.DataFrame([
        {'ticker': "SMPL29", 'source': "sec", 'dataset': "companyfacts",
             'reason': "HTTP 404: CIK not found", 'attempts': 1},
        {'ticker': "GONE", 'source': "yahoo", 'dataset': "estimates",
             'reason': "HTTP 429 after 5 attempts", 'attempts': 5},
    ])
    missing = pd.DataFrame([{'ticker': "SMPL4", 'score': "quality", 'metric': "roic"},
                            {'ticker': "SMPL7", 'score': "quality", 'metric': "interest_coverage"},
                            {'ticker': "SMPL10", 'score': "junk", 'metric': "short_interest"}])
    names = elig.index.append(universe.index.difference(elig.index, sort=False))
    k = len(names)   # provenance covers every universe name, eligible or not
    prov = pd.DataFrame({
        "market_source": ["sample"] * k, "market_as_of": ["2026-05-05"] * k,
        "statements_source": ["sample"] * k, "statements_as_of": ["2025-12-31"] * k,
        "statements_fiscal_year": [2025.0] * k, "statements_stale": [False] * k,
        "statements_note": [""] * k, "ladder_note": [""] * k,
    }, index=names)
    prov.loc["SMPL7", "statements_note"] = "short-term debt not reported, taken as 0"
    prov.loc["SMPL9", ["statements_fiscal_year", "statements_as_of", "statements_stale"]] = \
        [2023.0, "2023-12-31", True]
    prov.loc["SMPL10", "ladder_note"] = (
        "maturity ladder does not add up: sum of the ladder 500.0M vs the filing's total "
        "principal 530.0M (-5.7%; limit 2%); debt_due_24m_share uses the filing's total")
    return RunResult(
        screen_name="rebound", screen_path="screens/rebound.yaml", screen_text=SCREEN_YAML,
        screen_hash=hashlib.sha256(SCREEN_YAML.encode()).hexdigest(),
        universes=["russell2000", "sp600"],
        universe_as_of={"russell2000": "2026-05-05", "sp600": "2026-05-04"},
        providers=["sample"], is_sample=is_sample, run_at=datetime(2026, 5, 6, 9, 30),
        version="0.1.0", phases=phases, eligible=elig, scores=scores,
        eligibility=[RuleStep("universe", 34, 0), RuleStep("market_cap >= 300e6", 32, 2),
                     RuleStep("adv_3m >= 1e6", 30, 2)],
        coverage=coverage, failures=failures, missing=missing,
        explain=_explain(phases, elig, scores), data_as_of=("2025-12-31", "2026-05-05"),
        provenance=prov,
        warnings=["Statements for 3 names are stale (older than 400 days)."],
        params={"top_default": 25},
        why=why, why_labels=labels, universe=universe,
    )


