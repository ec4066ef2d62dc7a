"""The regime panel: which rebound phase the evidence points to, and what would flip it.

series.yaml / catalog   the series the panel can read (FRED ids, release lags; users add theirs)
fred, macro             FRED CSV/API parsing and the incremental fetch into the history store
computed*               series from our own history (breadth, IWM/SPY, IJR/IWM, revisions, ...)
spec, config            the screen's ``regime:`` section, validated with file:line:column
transforms              level / change / pct_change / percentile / zscore / ma_cross
panel, verdict          the panel as of a date, scores, verdict, flips
history, run, report    the verdict over time, the end-to-end run, tables for the exporters
"""
