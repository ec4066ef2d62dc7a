"""The metric catalog: every column of the standard frame, with its definition.

Each entry says what the metric is (label, formula), what it is measured in (unit), which raw
inputs it needs (``block.field``), which direction is better, and who computes it
(``financetoolkit`` where FinanceToolkit's pure model functions do the arithmetic, ``screener``
otherwise). The rules compiler resolves names against this table; the workbook prints it.

Periods: statement metrics other than the ``_fy`` ids and the annual scores (Piotroski,
Altman) use the latest twelve months when quarterly statements with filing dates are held
(the history: TTM flows, the most recent quarter's balances; "a year earlier" / "fiscal year
- 1" is then the window four quarters earlier) and the latest fiscal year otherwise. The
provenance column ``statements_basis`` says which (``ttm`` or ``fy``) for each name. Ids say
what they hold: ``_ttm`` is trailing twelve months only, ``_fy`` the fiscal year only.

Denominators (audited for every metric): a ratio whose denominator is 0 is NaN, never inf; a
denominator that is <= 0 where a negative value has no meaning (equity, EBITDA, EPS, assets,
invested capital, a base revenue) is NaN, never ranked; an AVERAGE denominator (ROE, ROA, ROA
variability) is NaN when either endpoint is <= 0, since an average crossing zero is near zero
and meaningless; CHANGE-based ratios (EPS growth, estimate revisions) divide by |base| so a base
of either sign is allowed and only a 0 base gives NaN; margin changes are differences (no
denominator). Every "X reported, else Y" precedence is applied once (``wide.derive``) and
tested on rows where X and Y disagree (tests/metrics/test_catalog_precedence.py).

Units: ``usd`` (base USD), ``usd_per_share``, ``fraction`` (0.15 = 15%), ``ratio`` (a multiple),
``score`` (a number on its own scale), ``count``, ``flag`` (1.0 true, 0.0 false), ``months``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["usd", "usd_per_share", "fraction", "ratio", "score", "count", "flag", "shares",
               "months"]
Better = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    group: str
    unit: Unit
    better: Better
    formula: str
    inputs: tuple[str, ...]
    source: str = "screener"
    window: int | None = None  # trading days looked at (price metrics)
    frequency: str | None = None  # of the observations used: "daily", "quarterly", ...

    @property
    def blocks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.split(".")[0] for i in self.inputs))


def _m(id, label, group, unit, better, formula, inputs, source="screener", window=None,
       frequency=None) -> Metric:
    return Metric(id, label, group, unit, better, formula, tuple(inputs.split()), source,
                  window, frequency)


# Price metrics (``metrics.prices``): computed by us from stored daily prices cut at the as-of
# close; windows count the ticker's own trading days; "adjusted" = split- and dividend-adjusted
# close. The ids that a provider also summarises fall back to the provider's value for a ticker
# only when the loaded prices hold no current close for it (the formula says which).
ADJ = "prices.adj_close"
FALLBACK = ("; without a current stored close (none, or older than 30 trading days): the "
            "provider's value")


def _p(id, label, unit, better, formula, window, inputs=ADJ, group="price") -> Metric:
    return _m(id, label, group, unit, better, formula, inputs, "screener", window, "daily")


FT = "financetoolkit"
S, B, C = "statements.", "statements.", "statements."

CATALOG_LIST: list[Metric] = [
    # -- size & liquidity ------------------------------------------------------------------
    _m("market_cap", "Market cap", "size", "usd", None,
       "provider's market cap; price x shares outstanding when not given",
       "market.market_cap market.price market.shares_outstanding"),
    _m("free_float", "Free float", "size", "fraction", "higher",
       "float shares / shares outstanding; NaN when shares outstanding is 0 or missing",
       "market.float_shares market.shares_outstanding"),
    _p("adv_3m", "Avg daily $ volume (3m)", "usd", "higher",
       "mean of close x volume (as traded) over the last 63 trading days" + FALLBACK,
       63, "prices.close prices.volume market.adv_3m_usd", group="size"),
    _p("price", "Price", "usd_per_share", None,
       "last close as traded on or before the as-of date (none when older than 30 trading "
       "days: every price metric is then NaN)" + FALLBACK, 1,
       "prices.close market.price", group="size"),
    # -- leverage (latest fiscal year) --------------------------------------------------------
    _m("total_debt", "Total debt", "leverage", "usd", "lower",
       "total debt as reported, else short-term + long-term debt; a blank component counts 0 "
       "when the other is reported, and debt is 0 when neither is but total liabilities are "
       "reported, no interest expense is (blank or 0), and the source reports total debt or a "
       "debt component for the name in another of its latest 6 fiscal years (debt policy: "
       "noted in statements_note and on the Data quality sheet); NaN otherwise",
       "statements.total_debt statements.short_term_debt statements.long_term_debt "
       "statements.total_liabilities statements.interest_expense"),
    _m("cash", "Cash & short-term investments", "leverage", "usd", "higher",
       "cash and equivalents + short-term investments (0 when not reported); NaN without cash",
       "statements.cash statements.short_term_investments"),
    _m("net_debt", "Net debt", "leverage", "usd", "lower",
       "total debt (debt policy as total_debt) - cash - short-term investments (0 when not "
       "reported) (negative = net cash)",
       "statements.total_debt statements.cash statements.short_term_investments"),
    _m("debt_to_equity", "Debt / equity", "leverage", "ratio", "lower",
       "total debt / total equity; NaN when equity <= 0 "
       "(negative book equity is not 'low leverage')",
       "statements.total_debt statements.total_equity", FT),
    _m("net_debt_to_ebitda", "Net debt / EBITDA", "leverage", "ratio", "lower",
       "net debt / EBITDA (reported, else operating income + D&A); NaN when EBITDA <= 0 "
       "(undefined, never ranked as low leverage); negative = net cash",
       "statements.total_debt statements.cash statements.short_term_investments "
       "statements.ebitda statements.operating_income statements.depreciation_amortization"),
    _m("interest_coverage", "Interest coverage", "leverage", "ratio", "higher",
       "EBIT / interest expense (negative when EBIT < 0), capped at 999; 999 when interest is 0 "
       "and EBIT > 0; NaN when interest is missing, or is 0 and EBIT <= 0",
       "statements.operating_income statements.interest_expense", FT),
    _m("debt_to_assets", "Debt / assets", "leverage", "fraction", "lower",
       "total debt / total assets; NaN when total assets is 0",
       "statements.total_debt statements.total_assets", FT),
    # -- maturities -------------------------------------------------------------------------
    _m("debt_due_12m", "Debt due in 12 months", "maturities", "usd", "lower",
       "principal due in year 1 of the maturity ladder", "ladder.due_y1"),
    _m("debt_due_24m", "Debt due in 24 months", "maturities", "usd", "lower",
       "principal due in years 1 and 2 (NaN unless both are known)", "ladder.due_y1 ladder.due_y2"),
    _m("debt_due_1_5y", "Debt due in years 1-5", "maturities", "usd", "lower",
       "principal due in years 1 to 5 (NaN unless all five are known)",
       "ladder.due_y1 ladder.due_y2 ladder.due_y3 ladder.due_y4 ladder.due_y5"),
    _m("debt_due_after_5y", "Debt due after year 5", "maturities", "usd", None,
       "principal due after year 5", "ladder.due_after_y5"),
    _m("debt_due_24m_share", "Share of debt due in 24m", "maturities", "fraction", "lower",
       "debt due in 24 months / the filing's total principal where reported, else the sum of "
       "the ladder (years 1-5 and after, all known); NaN when that total is 0 or unknown; a "
       "ladder sum more than 2% off the filing's total is noted on the Data quality sheet",
       "ladder.due_y1 ladder.due_y2 ladder.due_y3 ladder.due_y4 ladder.due_y5 "
       "ladder.due_after_y5 ladder.total_principal"),
    _m("wall_coverage_24m", "Liquidity coverage of 24m wall", "maturities", "ratio", "higher",
       "(cash + short-term investments + 2 x latest FCF when positive, else 0) / debt due in "
       "24 months, capped at 99; 99 when nothing is due in 24 months; NaN without a ladder",
       "ladder.due_y1 ladder.due_y2 statements.cash "
       "statements.short_term_investments statements.free_cash_flow"),
    # -- margins ----------------------------------------------------------------------------
    _m("gross_margin", "Gross margin", "margins", "fraction", "higher",
       "gross profit / revenue (gross profit reported, else revenue - cost of revenue)",
       "statements.gross_profit statements.cost_of_revenue statements.revenue"),
    _m("operating_margin", "Operating margin", "margins", "fraction", "higher",
       "operating income / revenue", "statements.operating_income statements.revenue", FT),
    _m("ebitda_margin", "EBITDA margin", "margins", "fraction", "higher",
       "EBITDA / revenue (EBITDA reported, else operating income + D&A)",
       "statements.ebitda statements.operating_income statements.depreciation_amortization "
       "statements.revenue"),
    _m("net_margin", "Net margin", "margins", "fraction", "higher",
       "net income / revenue", "statements.net_income statements.revenue", FT),
    _m("fcf_margin", "FCF margin", "margins", "fraction", "higher",
       "free cash flow / revenue (FCF reported, else operating cash flow - capex)",
       "statements.free_cash_flow statements.operating_cash_flow "
       "statements.capital_expenditure statements.revenue", FT),
    _m("gross_margin_chg", "Gross margin change (YoY)", "margins", "fraction", "higher",
       "gross margin this fiscal year - fiscal year - 1 (NaN when that year is missing)",
       "statements.gross_profit statements.revenue"),
    _m("operating_margin_chg", "Operating margin change (YoY)", "margins", "fraction", "higher",
       "operating margin this fiscal year - fiscal year - 1 (NaN when that year is missing)",
       "statements.operating_income statements.revenue"),
    _m("ebitda_margin_chg", "EBITDA margin change (YoY)", "margins", "fraction", "higher",
       "EBITDA margin this fiscal year - fiscal year - 1 (NaN when that year is missing)",
       "statements.ebitda statements.revenue"),
    _m("net_margin_chg", "Net margin change (YoY)", "margins", "fraction", "higher",
       "net margin this fiscal year - fiscal year - 1 (NaN when that year is missing)",
       "statements.net_income statements.revenue"),
    _m("fcf_margin_chg", "FCF margin change (YoY)", "margins", "fraction", "higher",
       "FCF margin this fiscal year - fiscal year - 1 (NaN when that year is missing)",
       "statements.free_cash_flow statements.revenue"),
    _m("gross_margin_vol", "Gross margin variability", "margins", "fraction", "lower",
       "sample standard deviation (ddof=1) of gross margin over the latest 5 fiscal years "
       "(NaN with fewer than 3 known)", "statements.gross_profit statements.revenue"),
    _m("operating_margin_vol", "Operating margin variability", "margins", "fraction", "lower",
       "sample standard deviation (ddof=1) of operating margin over the latest 5 fiscal years "
       "(NaN with fewer than 3 known)", "statements.operating_income statements.revenue"),
    _m("ebitda_margin_vol", "EBITDA margin variability", "margins", "fraction", "lower",
       "sample standard deviation (ddof=1) of EBITDA margin over the latest 5 fiscal years "
       "(NaN with fewer than 3 known)", "statements.ebitda statements.revenue"),
    _m("net_margin_vol", "Net margin variability", "margins", "fraction", "lower",
       "sample standard deviation (ddof=1) of net margin over the latest 5 fiscal years "
       "(NaN with fewer than 3 known)", "statements.net_income statements.revenue"),
    _m("fcf_margin_vol", "FCF margin variability", "margins", "fraction", "lower",
       "sample standard deviation (ddof=1) of FCF margin over the latest 5 fiscal years "
       "(NaN with fewer than 3 known)", "statements.free_cash_flow statements.revenue"),
    # -- profitability ----------------------------------------------------------------------
    _m("revenue_ttm", "Revenue (TTM)", "profitability", "usd", None,
       "revenue of the trailing twelve months: the last four quarters as first filed (Q4 = "
       "fiscal year - nine-month YTD), or the fiscal year when the latest quarter ends it; NaN "
       "when only annual statements are held (use revenue_fy)", "statements.revenue"),
    _m("ebitda_ttm", "EBITDA (TTM)", "profitability", "usd", "higher",
       "EBITDA as reported, else operating income + D&A, of the trailing twelve months "
       "(each summed over the last four quarters); NaN when only annual statements are held",
       "statements.ebitda statements.operating_income statements.depreciation_amortization"),
    _m("fcf_ttm", "Free cash flow (TTM)", "profitability", "usd", "higher",
       "free cash flow as reported, else operating cash flow - capital expenditure, of the "
       "trailing twelve months (each summed over the last four quarters); NaN when only "
       "annual statements are held",
       "statements.free_cash_flow statements.operating_cash_flow statements.capital_expenditure"),
    _m("eps_ttm", "EPS (TTM, diluted)", "profitability", "usd_per_share", "higher",
       "diluted EPS summed over the last four quarters, Q4 = fiscal-year EPS - nine-month "
       "EPS (else net income / diluted shares): TTM net income over the quarters' average "
       "diluted shares; NaN when only annual statements are held (use eps_fy)",
       "statements.eps_diluted statements.net_income statements.shares_diluted"),
    _m("revenue_fy", "Revenue (latest FY)", "profitability", "usd", None,
       "revenue of the latest fiscal year (10-K) known", "statements.revenue"),
    _m("ebitda_fy", "EBITDA (latest FY)", "profitability", "usd", "higher",
       "EBITDA as reported, else operating income + D&A, of the latest fiscal year",
       "statements.ebitda statements.operating_income statements.depreciation_amortization"),
    _m("fcf_fy", "Free cash flow (latest FY)", "profitability", "usd", "higher",
       "free cash flow as reported, else operating cash flow - capital expenditure, of the "
       "latest fiscal year",
       "statements.free_cash_flow statements.operating_cash_flow statements.capital_expenditure"),
    _m("eps_fy", "EPS (latest FY, diluted)", "profitability", "usd_per_share", "higher",
       "diluted EPS of the latest fiscal year (else net income / diluted shares)",
       "statements.eps_diluted statements.net_income statements.shares_diluted"),
    _m("eps_positive", "Positive EPS (S&P 600 test)", "profitability", "flag", "higher",
       "1 when TTM diluted EPS > 0 (the latest fiscal year's when no quarterly statements are "
       "held), 0 when <= 0, NaN when unknown",
       "statements.eps_diluted"),
    _m("roic", "ROIC", "profitability", "fraction", "higher",
       "EBIT x (1 - tax rate) / (total debt + total equity - cash - short-term investments), "
       "latest year-end balances; tax rate = tax / pretax clipped to [0, 50%], 21% when "
       "pretax <= 0 or either is missing; NaN when invested capital <= 0",
       "statements.operating_income statements.income_tax statements.pretax_income "
       "statements.total_debt statements.total_equity statements.cash"),
    _m("roe", "ROE", "profitability", "fraction", "higher",
       "net income / average of this and the prior year's total equity (ending equity when "
       "the prior year is missing); NaN when either equity used is <= 0 (an average crossing "
       "zero is not a denominator)",
       "statements.net_income statements.total_equity", FT),
    _m("roa", "ROA", "profitability", "fraction", "higher",
       "net income / average of this and the prior year's total assets (ending assets when "
       "the prior year is missing); NaN when either assets figure used is <= 0",
       "statements.net_income statements.total_assets", FT),
    _m("roa_stability", "ROA variability", "profitability", "fraction", "lower",
       "sample standard deviation (ddof=1) of yearly ROA (as roa, each year) over the latest "
       "5 fiscal years (NaN with fewer than 3 known)",
       "statements.net_income statements.total_assets"),
    _m("gross_profitability", "Gross profitability", "profitability", "fraction", "higher",
       "gross profit (reported, else revenue - cost of revenue) / total assets at year end "
       "(Novy-Marx); NaN when total assets <= 0",
       "statements.gross_profit statements.cost_of_revenue statements.revenue "
       "statements.total_assets"),
    _m("piotroski_f", "Piotroski F-score", "profitability", "score", "higher",
       "sum of 9 binary signals (ROA > 0, CFO > 0, dROA > 0, CFO > net income, dLeverage < 0, "
       "dCurrent ratio > 0, no rise in shares, dGross margin > 0, dAsset turnover > 0), "
       "scaled by beginning-of-year assets; NaN unless every input is known for the latest "
       "and the prior fiscal year. Annual definition (Piotroski 2000): fiscal-year statements "
       "even when quarterly ones are held",
       "statements.net_income statements.total_assets statements.operating_cash_flow "
       "statements.long_term_debt statements.current_assets statements.current_liabilities "
       "statements.shares_outstanding statements.gross_profit statements.revenue", FT),
    _m("altman_z", "Altman Z", "profitability", "score", "higher",
       "1.2 WC/TA + 1.4 RE/TA + 3.3 EBIT/TA + 0.6 market cap/TL + 1.0 Sales/TA; "
       "<1.81 distress, >2.99 safe; TL reported, else TA - equity. Annual definition (Altman "
       "1968): the latest fiscal year's statements even when quarterly ones are held",
       "statements.current_assets statements.current_liabilities statements.retained_earnings "
       "statements.operating_income statements.total_assets statements.total_liabilities "
       "statements.revenue market.market_cap", FT),
    _m("altman_z2", "Altman Z'' (non-manufacturers)", "profitability", "score", "higher",
       "6.56 WC/TA + 3.26 RE/TA + 6.72 EBIT/TA + 1.05 BookEquity/TL; <1.1 distress, >2.6 safe; "
       "TL reported, else TA - equity. Annual definition: the latest fiscal year's statements",
       "statements.current_assets statements.current_liabilities statements.retained_earnings "
       "statements.operating_income statements.total_assets statements.total_liabilities "
       "statements.total_equity"),
    # -- estimate revisions -----------------------------------------------------------------
    _m("eps_rev_cy_7d", "EPS revision FY0, 7d", "revisions", "fraction", "higher",
       "(consensus now - 7 days ago) / |7 days ago|; NaN when the base is 0 or missing",
       "estimates.eps_cy estimates.eps_cy_7d"),
    _m("eps_rev_cy_30d", "EPS revision FY0, 30d", "revisions", "fraction", "higher",
       "(consensus now - 30 days ago) / |30 days ago|; NaN when the base is 0 or missing",
       "estimates.eps_cy estimates.eps_cy_30d"),
    _m("eps_rev_cy_90d", "EPS revision FY0, 90d", "revisions", "fraction", "higher",
       "(consensus now - 90 days ago) / |90 days ago|; NaN when the base is 0 or missing",
       "estimates.eps_cy estimates.eps_cy_90d"),
    _m("eps_rev_ny_30d", "EPS revision FY1, 30d", "revisions", "fraction", "higher",
       "(next-year consensus now - 30 days ago) / |30 days ago|; NaN when the base is 0 or "
       "missing", "estimates.eps_ny estimates.eps_ny_30d"),
    _m("eps_rev_ny_90d", "EPS revision FY1, 90d", "revisions", "fraction", "higher",
       "(next-year consensus now - 90 days ago) / |90 days ago|; NaN when the base is 0 or "
       "missing", "estimates.eps_ny estimates.eps_ny_90d"),
    _m("revision_breadth_30d", "Revision breadth 30d", "revisions", "fraction", "higher",
       "(up - down) / (up + down) over 30 days; 0 when analysts exist but none revised; "
       "NaN without estimate data",
       "estimates.up_30d estimates.down_30d estimates.n_analysts"),
    _m("n_analysts", "Number of analysts", "revisions", "count", "higher",
       "analysts in the consensus", "estimates.n_analysts"),
    # -- growth -----------------------------------------------------------------------------
    _m("revenue_growth_1y", "Revenue growth (YoY)", "growth", "fraction", "higher",
       "revenue / revenue of fiscal year - 1 - 1; NaN when that year is missing or its "
       "revenue <= 0", "statements.revenue"),
    _m("revenue_cagr_3y", "Revenue CAGR (3y)", "growth", "fraction", "higher",
       "(revenue / revenue of fiscal year - 3)^(1/3) - 1; NaN when that year is missing or "
       "its revenue <= 0", "statements.revenue"),
    _m("eps_growth_1y", "EPS growth (YoY)", "growth", "fraction", "higher",
       "(EPS - EPS of fiscal year - 1) / |EPS of fiscal year - 1|; NaN when that EPS is 0 "
       "or missing", "statements.eps_diluted"),
    _m("eps_growth_3y", "EPS growth (3y, annualised)", "growth", "fraction", "higher",
       "((EPS - EPS of fiscal year - 3) / |EPS of fiscal year - 3|) / 3; NaN when that EPS "
       "is 0 or missing", "statements.eps_diluted"),
    # -- valuation --------------------------------------------------------------------------
    _m("enterprise_value", "Enterprise value", "valuation", "usd", None,
       "market cap + total debt - cash - short-term investments",
       "market.market_cap statements.total_debt statements.cash "
       "statements.short_term_investments", FT),
    _m("pe", "P/E", "valuation", "ratio", "lower",
       "price / latest diluted EPS; NaN when EPS <= 0", "market.price statements.eps_diluted", FT),
    _m("ev_to_ebitda", "EV / EBITDA", "valuation", "ratio", "lower",
       "enterprise value / EBITDA (reported, else operating income + D&A); NaN when "
       "EBITDA <= 0",
       "market.market_cap statements.total_debt statements.cash statements.ebitda"),
    _m("pb", "P/B", "valuation", "ratio", "lower",
       "market cap / total equity; NaN when equity <= 0",
       "market.market_cap statements.total_equity"),
    _m("ps", "P/S", "valuation", "ratio", "lower",
       "market cap / revenue; NaN when revenue is 0", "market.market_cap statements.revenue", FT),
    _m("fcf_yield", "FCF yield", "valuation", "fraction", "higher",
       "free cash flow / market cap", "statements.free_cash_flow market.market_cap", FT),
    # -- risk & momentum --------------------------------------------------------------------
    _p("beta", "Beta", "ratio", None,
       "cov(r, b) / var(b) of daily adjusted returns r of the stock and b of the benchmark "
       "(IWM unless configured) over the stock's last 252 trading days (pairs where the "
       "benchmark has no close are skipped)" + FALLBACK, 252, ADJ + " market.beta",
       group="risk"),
    _p("mom_12_1", "Momentum 12-1", "fraction", "higher",
       "adjusted close 21 trading days ago / adjusted close 252 trading days ago - 1"
       + FALLBACK, 252, ADJ + " market.mom_12_1", group="risk"),
    _p("drawdown_52w", "Drawdown from 52w high", "fraction", None,
       "last adjusted close / highest adjusted close of the last 252 trading days - 1 "
       "(0 at the high, -0.6 = 60% below)" + FALLBACK, 252,
       ADJ + " market.price market.high_52w", group="risk"),
    _p("volatility", "Volatility (1y)", "fraction", "lower",
       "standard deviation (ddof 1) of the last 252 daily adjusted returns x sqrt(252)"
       + FALLBACK, 252, ADJ + " market.volatility_1y", group="risk"),
    _m("short_interest", "Short interest % float", "risk", "fraction", None,
       "shares sold short / float", "market.short_pct_float"),
    # -- price history (computed by us from stored daily prices) ---------------------------
    _p("ret_1m", "Return 1m", "fraction", "higher",
       "last adjusted close / adjusted close 21 trading days earlier - 1", 21),
    _p("ret_3m", "Return 3m", "fraction", "higher",
       "last adjusted close / adjusted close 63 trading days earlier - 1", 63),
    _p("ret_6m", "Return 6m", "fraction", "higher",
       "last adjusted close / adjusted close 126 trading days earlier - 1", 126),
    _p("ret_12m", "Return 12m", "fraction", "higher",
       "last adjusted close / adjusted close 252 trading days earlier - 1", 252),
    _p("high_52w", "52-week high", "usd_per_share", None,
       "highest adjusted close of the last 252 trading days, in the last day's traded units "
       "(x last close / last adjusted close)", 252, ADJ + " prices.close"),
    _p("low_52w", "52-week low", "usd_per_share", None,
       "lowest adjusted close of the last 252 trading days, in the last day's traded units "
       "(x last close / last adjusted close)", 252, ADJ + " prices.close"),
    _p("dist_sma50", "Distance to 50-day average", "fraction", None,
       "last adjusted close / mean of the last 50 adjusted closes - 1", 50),
    _p("dist_sma200", "Distance to 200-day average", "fraction", None,
       "last adjusted close / mean of the last 200 adjusted closes - 1", 200),
    _p("rsi_14", "RSI (14)", "score", None,
       "Wilder's RSI(14) of adjusted closes: first average gain/loss = mean of the first 14 "
       "changes from 500 sessions before the date (or the first close after it), then "
       "avg = (13 x avg + today) / 14; "
       "100 - 100 / (1 + avg gain / avg loss); 100 with no loss, NaN when flat", 14),
    _p("rel_strength_12m", "Relative strength 12m", "fraction", "higher",
       "(1 + 12m return) / (1 + benchmark's return over the same dates) - 1; benchmark IWM "
       "unless configured", 252, ADJ + " prices.benchmark"),
]

# -- the rebound thesis: runway, cost and rate sensitivity of debt, sector-relative leverage,
# analyst coverage (issue 18). Flows are the latest fiscal year, or the trailing twelve months
# on a point-in-time bundle; balances the latest year end, or the most recent quarter.
FLOATING_CHAIN = (
    "floating-rate debt from SEC companyfacts, first found at the balance date: (1) "
    "LongtermDebtPercentageBearingVariableInterestAmount (the variable-rate amount; also "
    "spelled LongTermDebt...); (2) LongTermDebt - "
    "LongtermDebtPercentageBearingFixedInterestAmount (0 when negative) when only the fixed-rate amount is "
    "given; (3) revolving credit drawn (LineOfCredit; failing it LongTermLineOfCredit + "
    "LinesOfCreditCurrent; failing both LineOfCreditFacilityAmountOutstanding; a drawn 0 is "
    "no evidence), a lower bound (bank "
    "revolvers float over SOFR; term loans are tagged only on the DebtInstrumentAxis, which "
    "companyfacts leaves out). LongTermDebtPercentageBearingVariableInterestRate is the "
    "interest RATE on that debt, not its share, and is not used. NaN when none is disclosed; "
    "the FMP and Yahoo paths carry no floating-rate data (NaN)")
CATALOG_LIST += [
    _m("burn_rate", "Cash burn per month", "liquidity", "usd", "lower",
       "-free cash flow / 12 when FCF < 0 (latest FY, TTM point in time); 0 when FCF >= 0; NaN "
       "without FCF", "statements.free_cash_flow statements.operating_cash_flow "
       "statements.capital_expenditure"),
    _m("cash_runway_months", "Cash runway (months)", "liquidity", "months", "higher",
       "(cash + short-term investments) / (-FCF / 12) when FCF < 0, capped at 999; 999 (shown "
       "'cash-generating') when FCF >= 0; NaN without cash or without FCF. Cash at the latest "
       "balance date (MRQ point in time), FCF of the latest FY (TTM point in time)",
       "statements.cash statements.short_term_investments statements.free_cash_flow "
       "statements.operating_cash_flow statements.capital_expenditure"),
    _m("cost_of_debt", "Cost of debt", "rates", "fraction", "lower",
       "interest expense (latest FY, TTM point in time) / average total debt (this and the "
       "prior year-end balance; the latest alone when the prior is unknown); NaN when that "
       "average is <= 0 or either input is unknown",
       "statements.interest_expense statements.total_debt"),
    _m("cost_of_debt_spread", "Cost of debt over 10y Treasury", "rates", "fraction", "lower",
       "cost of debt - the 10-year Treasury yield (FRED DGS10, latest observation released on "
       "or before the run date, at most 31 days old); a refinancing-stress gauge; NaN when "
       "no DGS10 is stored (noted on the Data quality sheet)",
       "statements.interest_expense statements.total_debt macro.DGS10"),
    _m("floating_rate_share", "Floating-rate share of debt", "rates", "fraction", None,
       "floating-rate debt / total debt, in [0, 1] (floating capped at total debt); NaN when "
       "total debt <= 0 or floating-rate debt is not disclosed. " + FLOATING_CHAIN,
       "statements.floating_rate_debt statements.total_debt"),
    _m("rate_cut_benefit_100bp", "EBIT relief of a 100 bp cut", "rates", "fraction", "higher",
       "floating-rate debt (at most total debt) x 1% / EBIT: the interest a 100 bp cut saves, "
       "as a share of EBIT (latest FY, TTM point in time); 0 when total debt is 0; NaN when "
       "EBIT <= 0 or floating-rate debt is not disclosed",
       "statements.floating_rate_debt statements.total_debt statements.operating_income"),
    _m("refi_wall_rate_shock", "Refinancing shock (24m wall)", "rates", "fraction", "lower",
       "debt due within 24 months x (high-yield effective yield FRED BAMLH0A0HYM2EY, latest "
       "released on or before the run date, at most 31 days old - cost of debt) / EBIT: the "
       "EBIT share refinancing the wall at today's market rate costs; 0 when nothing is due "
       "within 24 months; NaN when EBIT <= 0, the ladder or cost of debt is unknown, or no "
       "high-yield series is stored; negative when the company pays more than that yield",
       "ladder.due_y1 ladder.due_y2 macro.BAMLH0A0HYM2EY statements.interest_expense "
       "statements.total_debt statements.operating_income"),
    _m("net_debt_to_ebitda_vs_sector", "Net debt / EBITDA vs sector median", "leverage",
       "ratio", "lower",
       "net debt / EBITDA - the median net debt / EBITDA of the name's sector over the names "
       "of the same run (its universes, on its date) whose ratio is defined; NaN without a "
       "sector, with fewer than 5 defined peers, or when the name's ratio is NaN",
       "statements.total_debt statements.cash statements.short_term_investments "
       "statements.ebitda statements.operating_income identity.sector"),
    _m("net_debt_to_ebitda_above_sector", "Leverage above sector norm", "leverage", "flag",
       "lower",
       "1 when net debt / EBITDA is above its sector's median (net_debt_to_ebitda_vs_sector > "
       "0), 0 at or below it, NaN when that difference is NaN",
       "statements.total_debt statements.cash statements.ebitda identity.sector"),
    _m("analyst_coverage_band", "Analyst coverage band", "revisions", "score", "higher",
       "number of analysts in bands: 0 none, 1 thin (1-2), 2 moderate (3-5), 3 broad (6 or "
       "more); NaN when the count is unknown", "estimates.n_analysts"),
    _m("estimate_dispersion", "EPS estimate dispersion", "revisions", "fraction", "lower",
       "(highest - lowest analyst EPS estimate) / |consensus EPS|, current fiscal year (Yahoo "
       "earnings_estimate high/low/avg, FMP analyst-estimates epsHigh/epsLow/epsAvg); NaN when "
       "the consensus is 0 or missing, the high or low is missing, high < low, or fewer than 2 "
       "analysts cover the name", "estimates.eps_cy_high estimates.eps_cy_low estimates.eps_cy "
       "estimates.n_analysts"),
]

CATALOG: dict[str, Metric] = {m.id: m for m in CATALOG_LIST}
assert len(CATALOG) == len(CATALOG_LIST), "duplicate metric id"

# Non-metric columns of the standard frame, with their kind for the rules compiler.
IDENTITY_COLUMNS: dict[str, str] = {
    "name": "text",
    "sector": "text",
    "industry": "text",
    "exchange": "text",
}
MEMBERSHIP_PREFIX = "in_"  # boolean columns in_<universe>, e.g. in_russell2000, in_sp600
