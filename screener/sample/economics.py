"""Numbers of the fictional sample universe: latent company traits and the annual statements.

One pass, vectorised over names (arrays of shape ``(n,)`` or ``(n, years)``), drawing from the
one ``numpy.random.Generator`` handed in, in a fixed order. The statements obey the accounting
identities the metrics rely on (gross profit, EBITDA, free cash flow, total debt, the balance
sheet, diluted EPS) and the maturity ladder matches the latest debt; market data and estimates
are built on top in ``screener.sample.world``.

Design: the sign of the latest net income is decided first (about 40% of Russell-like names
lose money; S&P-600-like names were profitable in their admission year and ~5% turned negative
since), then net margins with persistence, and the income statement is derived backwards from
net income (tax, interest, other income), so the sign is exact and the lines add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.sample.names import industry_table

# Per-industry economics (medians). gm: gross margin (NaN = no cost of revenue: banks,
# insurers, lenders); nm / loss: typical net margin when profitable / loss margin when not;
# ps: price-to-sales; at: revenue / assets; capex, da: share of revenue; g: revenue growth;
# tilt: log-odds shift towards losing money; lev: leverage multiplier; free: share debt-free;
# cash: cash / assets; ol: non-debt liabilities / assets; beta: beta shift.
_ECON_COLUMNS = ("gm", "nm", "loss", "ps", "at", "capex", "da", "g", "tilt", "lev", "free", "cash",
                 "ol", "beta")
ECONOMICS: dict[str, tuple[float, ...]] = {
    "Biotechnology": (.80, .15, 1.5, 9.0, .25, .03, .03, .20, 2.5, .4, .45, .50, .15, .15),
    "Pharmaceuticals": (.70, .12, .40, 4.0, .45, .03, .04, .10, 1.0, .8, .25, .30, .20, .05),
    "Health Care Equipment & Supplies": (.60, .08, .20, 3.0, .60, .04, .05, .10, .6, .8, .20,
                                         .20, .20, 0),
    "Health Care Providers & Services": (.30, .04, .05, .80, 1.2, .03, .03, .08, 0, 1.1, .10,
                                         .10, .30, -.1),
    "Life Sciences Tools & Services": (.50, .08, .25, 3.0, .50, .05, .06, .09, .5, .9, .20, .20,
                                       .20, 0),
    "Regional Banks": (np.nan, .25, .10, 2.5, .07, .03, .02, .05, -3.0, .6, .05, .05, .80, -.1),
    "Insurance": (np.nan, .08, .05, 1.0, .25, .01, .01, .06, -1.5, .3, .30, .05, .65, -.15),
    "Capital Markets": (.55, .15, .20, 3.0, .30, .02, .03, .07, -.5, .8, .30, .15, .35, .1),
    "Consumer Finance": (np.nan, .12, .15, 1.5, .15, .02, .02, .08, 0, 2.5, .02, .08, .20, .2),
    "Thrifts & Mortgage Finance": (np.nan, .18, .10, 2.2, .06, .02, .02, .03, -2.0, .8, .05,
                                   .05, .78, -.05),
    "Machinery": (.32, .08, .05, 1.5, .85, .03, .035, .06, -.3, 1.0, .12, .08, .25, 0),
    "Aerospace & Defense": (.28, .07, .08, 1.8, .75, .035, .04, .07, 0, 1.0, .10, .08, .28, .05),
    "Building Products": (.30, .08, .05, 1.4, .95, .03, .035, .07, -.5, 1.0, .12, .07, .22, .1),
    "Commercial Services & Supplies": (.35, .06, .06, 1.4, .90, .04, .05, .06, 0, 1.1, .10, .07,
                                       .25, 0),
    "Ground Transportation": (.22, .05, .04, .80, 1.1, .09, .08, .04, .2, 1.2, .08, .06, .20,
                              .1),
    "Electrical Equipment": (.30, .07, .15, 1.8, .80, .03, .035, .10, .6, .9, .18, .15, .22, .2),
    "Software": (.74, .12, .20, 4.5, .50, .02, .05, .15, .8, .6, .35, .30, .35, .15),
    "Semiconductors & Semiconductor Equipment": (.50, .12, .15, 3.5, .55, .06, .07, .10, .4, .6,
                                                 .35, .25, .15, .3),
    "IT Services": (.32, .06, .08, 1.2, .90, .02, .04, .06, .2, .9, .20, .10, .25, 0),
    "Electronic Equipment, Instruments & Components": (.35, .07, .08, 1.5, .80, .04, .04, .07,
                                                       .2, .8, .20, .15, .22, .1),
    "Communications Equipment": (.45, .06, .12, 1.5, .70, .03, .04, .04, .8, .7, .25, .20, .22,
                                 .1),
    "Specialty Retail": (.35, .04, .04, .50, 1.6, .03, .03, .03, .3, .9, .15, .10, .35, .2),
    "Hotels, Restaurants & Leisure": (.25, .05, .08, 1.2, .75, .07, .06, .07, .3, 1.4, .05, .07,
                                      .35, .15),
    "Household Durables": (.24, .09, .05, .80, 1.0, .01, .01, .05, -.5, .9, .20, .12, .18, .25),
    "Automobile Components": (.16, .04, .05, .40, 1.1, .05, .05, .04, .3, 1.1, .08, .08, .30,
                              .25),
    "Diversified Consumer Services": (.50, .07, .10, 1.5, .70, .03, .04, .06, .3, .9, .20, .20,
                                      .35, 0),
    "Office REITs": (.60, .10, .20, 3.0, .10, .10, .35, .01, .8, 2.0, 0, .02, .05, .1),
    "Residential REITs": (.62, .12, .10, 5.5, .11, .10, .35, .04, 0, 2.0, 0, .02, .05, -.1),
    "Industrial REITs": (.72, .25, .10, 8.0, .08, .10, .33, .07, -.5, 1.8, 0, .02, .05, -.05),
    "Retail REITs": (.68, .15, .12, 4.5, .11, .08, .33, .02, .2, 2.0, 0, .02, .05, 0),
    "Real Estate Management & Development": (.35, .08, .15, 1.5, .35, .03, .03, .04, .6, 1.4,
                                             .10, .10, .15, .1),
    "Oil & Gas Exploration & Production": (.55, .15, .20, 1.5, .35, .45, .25, .03, 0, 1.1, .12,
                                           .05, .15, .25),
    "Energy Equipment & Services": (.22, .06, .10, 1.2, .70, .08, .08, .05, .3, 1.0, .15, .10,
                                    .22, .3),
    "Oil & Gas Refining & Marketing": (.10, .03, .03, .25, 1.8, .03, .02, .03, .2, 1.0, .10, .06,
                                       .25, .15),
    "Coal & Consumable Fuels": (.25, .12, .10, .90, .80, .08, .07, 0, .3, .8, .25, .15, .35, .3),
    "Chemicals": (.28, .06, .06, 1.1, .75, .05, .05, .05, .2, 1.1, .12, .08, .22, .1),
    "Metals & Mining": (.20, .08, .25, 1.5, .60, .10, .08, .05, .8, .9, .20, .12, .20, .35),
    "Containers & Packaging": (.20, .05, .04, .80, .85, .05, .05, .03, .1, 1.4, .05, .05, .25, 0),
    "Construction Materials": (.26, .10, .05, 2.0, .60, .08, .08, .06, -.5, 1.0, .10, .08, .20,
                               0),
    "Food Products": (.26, .05, .04, .90, 1.0, .04, .035, .04, 0, 1.1, .08, .06, .22, -.3),
    "Consumer Staples Distribution & Retail": (.24, .02, .02, .30, 2.2, .025, .02, .04, 0, 1.0,
                                               .10, .05, .30, -.3),
    "Household & Personal Products": (.42, .05, .08, 1.2, 1.0, .03, .03, .05, .5, .9, .15, .10,
                                      .25, -.1),
    "Beverages": (.40, .06, .10, 1.8, .80, .05, .04, .06, .4, .9, .15, .10, .22, -.2),
    "Electric Utilities": (.45, .11, .05, 2.0, .22, .30, .14, .04, -2.5, 1.6, 0, .01, .35, -.45),
    "Gas Utilities": (.45, .10, .05, 1.8, .28, .25, .10, .04, -2.5, 1.5, 0, .01, .35, -.45),
    "Water Utilities": (.55, .20, .05, 5.5, .15, .35, .15, .05, -2.5, 1.6, 0, .01, .35, -.5),
    "Renewable Electricity": (.55, .08, .25, 3.0, .12, .40, .25, .10, 1.0, 2.0, .02, .05, .20,
                              .1),
    "Media": (.45, .06, .12, 1.0, .45, .03, .06, .02, .5, 1.2, .10, .08, .25, .1),
    "Interactive Media & Services": (.65, .10, .25, 3.0, .70, .04, .06, .12, 1.0, .5, .35, .35,
                                     .20, .2),
    "Diversified Telecommunication Services": (.55, .06, .12, 1.2, .35, .18, .18, .02, .6, 1.6,
                                               .03, .04, .25, 0),
    "Entertainment": (.40, .05, .20, 1.5, .60, .04, .08, .06, .8, 1.0, .15, .12, .30, .15),
}

# Membership groups (see names.assign_memberships): both, S&P only, Russell only,
# micro (neither), large (neither). Median market cap in USD and share losing money.
GROUP_MCAP = np.array([1.7e9, 3.0e9, 0.85e9, 0.12e9, 6.0e9])
GROUP_MCAP_SIGMA = np.array([0.75, 0.70, 0.95, 0.80, 0.60])
TARGET_UNPROFITABLE_RUSSELL = 0.40
SP600_TURNED_NEGATIVE = 0.05
GROUP_UNPROFITABLE_NEITHER = (0.55, 0.15)
RECENT_LISTINGS = 0.006       # share of names with three fiscal years only


def economics(industry_code: np.ndarray) -> pd.DataFrame:
    """Industry economics broadcast to one row per name."""
    names = industry_table()["industry"]
    table = pd.DataFrame([ECONOMICS[i] for i in names], columns=_ECON_COLUMNS)
    return table.iloc[industry_code].reset_index(drop=True)


def lognormal(rng: np.random.Generator, median, sigma, size=None) -> np.ndarray:
    """Lognormal draws with the given median; one draw per element of the broadcast shape."""
    if size is None:
        size = np.broadcast_shapes(np.shape(median), np.shape(sigma))
    return np.exp(np.log(median) + sigma * rng.standard_normal(size))


def _ar1(rng: np.random.Generator, n: int, years: int, sd: np.ndarray, phi: float = 0.6):
    """Persistent deviations: e_t = phi e_{t-1} + sd * shock, stationary start."""
    shocks = rng.standard_normal((n, years)) * sd[:, None]
    out = np.empty((n, years))
    out[:, 0] = shocks[:, 0] / np.sqrt(1 - phi ** 2)
    for t in range(1, years):                                   # loop over years, not names
        out[:, t] = phi * out[:, t - 1] + shocks[:, t]
    return out


def _quota(score: np.ndarray, groups: np.ndarray, shares: dict[int, float]) -> np.ndarray:
    """True for the top ``share`` of ``score`` within each group (exact counts)."""
    flag = np.zeros(len(score), dtype=bool)
    for g, share in shares.items():                             # loop over five groups
        idx = np.flatnonzero(groups == g)
        k = round(share * len(idx))
        if k:
            flag[idx[np.argsort(-score[idx], kind="stable")[:k]]] = True
    return flag


@dataclass
class Traits:
    """Latent per-name traits shared by every block."""

    econ: pd.DataFrame
    group: np.ndarray
    unprofitable: np.ndarray        # latest fiscal year net income < 0
    market_cap: np.ndarray
    first_year: np.ndarray          # index (0-based) of the first fiscal year reported
    admission: np.ndarray           # S&P-600-like admission year index, -1 when not a member
    bank_like: np.ndarray           # no cost of revenue, unclassified balance sheet


def draw_traits(rng: np.random.Generator, industry_code: np.ndarray, group: np.ndarray,
                years: int) -> Traits:
    n = len(group)
    econ = economics(industry_code)
    in_r = (group == 0) | (group == 2)
    n_r, n_both = in_r.sum(), (group == 0).sum()
    r_only = (TARGET_UNPROFITABLE_RUSSELL * n_r - SP600_TURNED_NEGATIVE * n_both) / max(
        (group == 2).sum(), 1)
    shares = {0: SP600_TURNED_NEGATIVE, 1: SP600_TURNED_NEGATIVE, 2: float(np.clip(r_only, 0, 1)),
              3: GROUP_UNPROFITABLE_NEITHER[0], 4: GROUP_UNPROFITABLE_NEITHER[1]}
    score = econ["tilt"].to_numpy() + rng.logistic(size=n)
    unprofitable = _quota(score, group, shares)

    mcap = lognormal(rng, GROUP_MCAP[group], GROUP_MCAP_SIGMA[group])
    mcap *= np.where(unprofitable, 0.75, 1.1)
    mcap = np.clip(mcap, 8e6, 6e10)

    ipo = np.zeros(n, dtype=bool)
    ipo[rng.permutation(n)[:max(1, round(RECENT_LISTINGS * n))]] = True
    first_year = np.where(ipo, years - 3, 0)
    # S&P-600-like names: admitted in a reported year; those now negative before the latest.
    sp = group <= 1
    last_allowed = np.where(unprofitable, years - 2, years - 1)
    span = last_allowed - first_year + 1
    admission = np.where(sp, first_year + (rng.random(n) * span).astype(np.int64), -1)
    bank_like = np.isnan(econ["gm"].to_numpy())
    return Traits(econ, group, unprofitable, mcap, first_year, admission, bank_like)


def net_margins(rng: np.random.Generator, tr: Traits, years: int) -> np.ndarray:
    """Net margin paths with persistence; latest sign and admission-year sign enforced."""
    n = len(tr.group)
    e = tr.econ
    prof_level = np.clip(lognormal(rng, e["nm"].to_numpy(), 0.45), 0.01, 0.35)
    loss_level = -np.clip(lognormal(rng, e["loss"].to_numpy(), 0.7), 0.005, 3.5)
    level = np.where(tr.unprofitable, loss_level, prof_level)
    # S&P names that turned negative: profitable level with a decline after admission.
    sp_neg = (tr.admission >= 0) & tr.unprofitable
    level = np.where(sp_neg, prof_level * 0.5, level)
    sd = 0.2 * np.abs(level) + 0.008
    nm = level[:, None] + _ar1(rng, n, years, sd)
    t = np.arange(years)[None, :]
    slide = np.where(sp_neg, prof_level + 0.06, 0.0)[:, None]
    after = np.clip(t - tr.admission[:, None], 0, None) / np.maximum(
        years - 1 - tr.admission[:, None], 1)
    nm = nm - slide * after
    last = nm[:, -1]
    nm[:, -1] = np.where(tr.unprofitable & (last > -0.003), -rng.uniform(0.003, 0.05, n),
                         np.where(~tr.unprofitable & (last < 0.003), rng.uniform(0.003, 0.03, n),
                                  last))
    adm = np.clip(tr.admission, 0, None)
    at_adm = nm[np.arange(n), adm]
    fix = (tr.admission >= 0) & (at_adm < 0.01)
    nm[np.arange(n), adm] = np.where(fix, rng.uniform(0.01, 0.06, n), at_adm)
    return np.clip(nm, -4.0, 0.38)


def statements(rng: np.random.Generator, tr: Traits, years: int):
    """(ladder, lines): the maturity ladder at the latest year end (``(n,)`` arrays in USD,
    summing to 96-100% of total debt, year 1 matching short-term debt) and the annual statement
    lines, each an ``(n, years)`` float array (all values present)."""
    n = len(tr.group)
    e = tr.econ
    col = {c: e[c].to_numpy() for c in _ECON_COLUMNS}
    unp = tr.unprofitable
    # revenue: latest from price-to-sales, earlier years backwards through persistent growth
    ps = lognormal(rng, col["ps"], 0.45) * np.where(unp, 1.3, 1.0)
    rev_last = np.maximum(tr.market_cap / ps, 2e6)
    mu = col["g"] + rng.normal(0, 0.06, n) + np.where(unp, rng.normal(0.03, 0.15, n), 0)
    growth = np.clip(mu[:, None] + _ar1(rng, n, years, np.full(n, 0.06)), -0.4, 1.2)
    back = np.cumprod(1 / (1 + growth[:, :0:-1]), axis=1)[:, ::-1]   # years-1 factors
    revenue = np.maximum(rev_last[:, None] * np.concatenate([back, np.ones((n, 1))], axis=1), 1e6)

    nm = net_margins(rng, tr, years)
    net_income = nm * revenue

    # balance-sheet scale: revenue / turnover, plus a cash runway for loss-makers
    at = lognormal(rng, col["at"], 0.25)
    runway = rng.uniform(1.0, 3.0, n)
    total_assets = revenue / at[:, None] * lognormal(rng, 1.0, 0.04, (n, years)) \
        + np.maximum(-net_income, 0) * runway[:, None]

    # debt: share of assets; loss-makers more levered; some debt-free
    base = np.where(unp, rng.beta(3, 3.5, n) * 0.8, rng.beta(2, 5, n) * 0.7)
    neg_equity = unp & (rng.random(n) < 0.04)
    cap = np.where(neg_equity, 1.2 - col["ol"], 0.95 - col["ol"])
    d_share = np.minimum(base * col["lev"], np.maximum(cap, 0.02))
    debt_free = rng.random(n) < col["free"] * np.where(unp, 0.8, 1.2)
    d_path = d_share[:, None] * lognormal(rng, 1.0, 0.12, (n, years))
    total_debt = np.where(debt_free[:, None], 0.0, np.minimum(d_path, cap[:, None]) * total_assets)
    ladder = ladder_shares(rng, tr, total_debt[:, -1])
    st_share = rng.beta(1.5, 8, (n, years))
    st_share[:, -1] = np.clip(ladder["due_y1"] * rng.uniform(0.95, 1.05, n), 0, 1)
    short_term_debt = total_debt * st_share
    long_term_debt = total_debt - short_term_debt

    rate = np.where(unp, rng.uniform(0.065, 0.11, n), rng.uniform(0.04, 0.065, n))
    prev_debt = np.concatenate([total_debt[:, :1], total_debt[:, :-1]], axis=1)
    interest_expense = rate[:, None] * (total_debt + prev_debt) / 2

    # income statement backwards from net income
    tax_rate = rng.uniform(0.18, 0.28, n)[:, None]
    loss_tax = rng.uniform(0.0, 0.03, n)[:, None]
    income_tax = np.where(net_income > 0, net_income * tax_rate / (1 - tax_rate),
                          -net_income * loss_tax)
    pretax_income = net_income + income_tax
    other = revenue * rng.normal(0.0, 0.008, (n, years))
    operating_income = pretax_income + interest_expense - other
    da = revenue * (lognormal(rng, col["da"], 0.2)[:, None]
                    * lognormal(rng, 1.0, 0.05, (n, years)))
    ebitda = operating_income + da
    om = operating_income / revenue
    gm = col["gm"][:, None] + rng.normal(0, 0.06, n)[:, None] + rng.normal(0, 0.012, (n, years))
    gm = np.clip(np.maximum(gm, om + rng.uniform(0.03, 0.10, n)[:, None]), 0.04, 0.98)
    cost_of_revenue = np.where(tr.bank_like[:, None], np.nan, revenue * (1 - gm))
    gross_profit = revenue - cost_of_revenue

    # cash flow
    sbc = revenue * rng.uniform(0, 0.04, n)[:, None] * np.where(unp, 2.0, 1.0)[:, None]
    working_capital = revenue * rng.normal(0, 0.025, (n, years))
    operating_cash_flow = net_income + da + sbc + working_capital
    capital_expenditure = revenue * lognormal(rng, col["capex"], 0.3)[:, None] \
        * lognormal(rng, 1.0, 0.15, (n, years))
    free_cash_flow = operating_cash_flow - capital_expenditure

    # balance sheet
    cash_share = np.clip(lognormal(rng, col["cash"], 0.4) * np.where(unp, 1.6, 1.0), 0.005, 0.7)
    cash = total_assets * cash_share[:, None] * lognormal(rng, 1.0, 0.15, (n, years))
    cash = np.minimum(cash, 0.75 * total_assets)
    has_sti = rng.random(n) < np.where(unp, 0.5, 0.3)
    short_term_investments = np.where(
        has_sti[:, None], total_assets * rng.uniform(0.01, 0.1, n)[:, None], 0.0)
    receivables = revenue * rng.uniform(0.08, 0.3, n)[:, None]
    current_assets = np.minimum(cash + short_term_investments + receivables, 0.95 * total_assets)
    other_liab = total_assets * (col["ol"] * rng.uniform(0.7, 1.3, n))[:, None]
    total_liabilities = total_debt + other_liab
    total_equity = total_assets - total_liabilities
    current_liabilities = np.minimum(
        short_term_debt + total_assets * rng.uniform(0.04, 0.15, n)[:, None], total_liabilities)
    current_assets = np.where(tr.bank_like[:, None], np.nan, current_assets)
    current_liabilities = np.where(tr.bank_like[:, None], np.nan, current_liabilities)
    re_start = total_assets[:, 0] * np.where(unp, -rng.uniform(0.2, 1.5, n),
                                             rng.uniform(0.05, 0.5, n))
    retention = rng.uniform(0.5, 1.0, n)[:, None]
    retained_earnings = re_start[:, None] + np.cumsum(
        net_income * np.where(net_income > 0, retention, 1.0), axis=1)

    ladder_total = total_debt[:, -1] * rng.uniform(0.96, 1.0, n)
    ladder = {k: np.round(v * ladder_total, -3) for k, v in ladder.items()}
    return ladder, _in_thousands({
        "revenue": revenue, "cost_of_revenue": cost_of_revenue, "gross_profit": gross_profit,
        "operating_income": operating_income, "depreciation_amortization": da,
        "ebitda": ebitda, "interest_expense": interest_expense, "pretax_income": pretax_income,
        "income_tax": income_tax, "net_income": net_income,
        "cash": cash, "short_term_investments": short_term_investments,
        "current_assets": current_assets, "total_assets": total_assets,
        "current_liabilities": current_liabilities, "total_liabilities": total_liabilities,
        "short_term_debt": short_term_debt, "long_term_debt": long_term_debt,
        "total_debt": total_debt, "total_equity": total_equity,
        "retained_earnings": retained_earnings,
        "operating_cash_flow": operating_cash_flow, "capital_expenditure": capital_expenditure,
        "free_cash_flow": free_cash_flow,
    })


def _in_thousands(lines: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Round to whole thousands, as filings report, then re-derive the identities exactly."""
    out = {k: np.round(v, -3) for k, v in lines.items()}
    out["pretax_income"] = out["net_income"] + out["income_tax"]
    out["gross_profit"] = out["revenue"] - out["cost_of_revenue"]
    out["ebitda"] = out["operating_income"] + out["depreciation_amortization"]
    out["total_debt"] = out["short_term_debt"] + out["long_term_debt"]
    out["total_equity"] = out["total_assets"] - out["total_liabilities"]
    out["free_cash_flow"] = out["operating_cash_flow"] - out["capital_expenditure"]
    return out


LADDER_FIELDS = ("due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5")


def ladder_shares(rng: np.random.Generator, tr: Traits, debt: np.ndarray) -> dict[str, np.ndarray]:
    """Share of debt due in each ladder bucket (zero for debt-free names).

    About one levered name in eight (more among loss-makers) faces a wall: over 40% due within
    24 months. The others are kept under 38% so the wall is a deliberate, countable trait.
    """
    n = len(debt)
    spread = rng.dirichlet(np.array([2, 2.5, 3, 3, 3, 6]) * 2.0, n)
    s24 = spread[:, 0] + spread[:, 1]
    squeeze = np.where(s24 > 0.38, 0.38 / s24, 1.0)
    spread[:, :2] *= squeeze[:, None]
    spread[:, 2:] *= ((1 - spread[:, :2].sum(1)) / spread[:, 2:].sum(1))[:, None]
    wall = (debt > 0) & (rng.random(n) < np.where(tr.unprofitable, 0.2, 0.09))
    w24 = rng.uniform(0.42, 0.85, n)
    w1 = w24 * rng.uniform(0.3, 0.7, n)
    tail = rng.dirichlet(np.array([3, 3, 3, 6.0]), n) * (1 - w24)[:, None]
    walled = np.column_stack([w1, w24 - w1, tail])
    shares = np.where(wall[:, None], walled, spread) * (debt > 0)[:, None]
    return {f: shares[:, i] for i, f in enumerate(LADDER_FIELDS)}


def share_counts(rng: np.random.Generator, tr: Traits, shares_now: np.ndarray, years: int,
                 net_income: np.ndarray) -> dict[str, np.ndarray]:
    """Shares outstanding and diluted, slowly changing; loss-makers dilute more."""
    n = len(tr.group)
    unp = tr.unprofitable
    since_fy = rng.normal(0.005, 0.01, n)
    dil = np.where(unp, np.clip(lognormal(rng, 0.05, 0.8, n), 0, 0.4), rng.normal(0, 0.012, n))
    step = np.clip(dil[:, None] + rng.normal(0, 0.005, (n, years)), -0.08, 0.5)
    last = shares_now / (1 + since_fy)
    back = np.cumprod(1 / (1 + step[:, :0:-1]), axis=1)[:, ::-1]
    shares = np.round(last[:, None] * np.concatenate([back, np.ones((n, 1))], axis=1))
    dilutive = rng.uniform(0.0, 0.025, n)[:, None]
    shares_diluted = np.where(net_income > 0, np.round(shares * (1 + dilutive)), shares)
    return {"shares_outstanding": shares, "shares_diluted": shares_diluted,
            "eps_diluted": net_income / shares_diluted}
