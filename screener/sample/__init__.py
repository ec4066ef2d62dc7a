"""The fictional world of the sample provider: invented companies, their economics, today's
snapshot and twenty years of history. Nothing here describes a real company or market.

- ``names``: sectors, industries, invented names and tickers (four letters and a digit),
- ``economics``: latent traits and annual statements that add up,
- ``world``: today's snapshot as raw blocks (what ``screener demo`` screens),
- ``history``: twenty fictional years (daily prices, quarterly filings, estimates, index
  memberships, delistings, macro series) written once into a cached ``HistoryStore``.
"""
