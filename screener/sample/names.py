"""Identity of the fictional sample universe: sectors, industries, names, tickers, memberships.

Everything here is invented and cannot be mistaken for a real listing:

- tickers are four letters and one digit (``KELM3``); real US common-stock tickers hold no digit,
- names are built from invented syllables plus a suffix fitting the industry
  ("Kelmora Biotherapeutics Inc.", "Zorvatic Holdings"),
- ``in_russell2000`` / ``in_sp600`` mark fictional stand-ins of the two indexes.

All draws come from the one ``numpy.random.Generator`` handed in, in a fixed order, so the same
seed gives the same universe. Work is vectorised; the only loops run over industries or over
collision-resolution rounds, never over names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Sector weights like the Russell 2000 (iShares GICS sector names), in percent; sum is 100.
SECTOR_WEIGHTS: dict[str, float] = {
    "Financials": 17, "Industrials": 17, "Health Care": 16, "Information Technology": 13,
    "Consumer Discretionary": 11, "Real Estate": 7, "Energy": 5, "Materials": 5,
    "Consumer Staples": 3, "Utilities": 3, "Communication": 3,
}

# sector -> [(industry, share within sector, name suffixes)]
INDUSTRIES: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {
    "Health Care": [
        ("Biotechnology", 0.45, ("Therapeutics Inc.", "Biosciences Inc.", "Biotherapeutics Inc.",
                                 "Bio Inc.", "Genomics Corp.", "Oncology Inc.")),
        ("Pharmaceuticals", 0.15, ("Pharmaceuticals Inc.", "Pharma Corp.", "Laboratories")),
        ("Health Care Equipment & Supplies", 0.20, ("Medical Inc.", "Surgical Corp.",
                                                    "Medical Systems", "Diagnostics Inc.")),
        ("Health Care Providers & Services", 0.12, ("Health Inc.", "Care Group",
                                                    "Healthcare Services Corp.")),
        ("Life Sciences Tools & Services", 0.08, ("Scientific Inc.", "Life Sciences Corp.",
                                                  "Instruments Inc.")),
    ],
    "Financials": [
        ("Regional Banks", 0.50, ("Bancorp", "Bancshares Inc.", "Financial Corp.",
                                  "Bank Holding Co.", "Community Bancorp")),
        ("Insurance", 0.17, ("Insurance Holdings", "Mutual Group", "Assurance Corp.")),
        ("Capital Markets", 0.12, ("Capital Group", "Asset Management Inc.", "Partners")),
        ("Consumer Finance", 0.11, ("Credit Corp.", "Lending Inc.", "Finance Co.")),
        ("Thrifts & Mortgage Finance", 0.10, ("Savings Bancorp", "Mortgage Corp.",
                                              "Federal Savings")),
    ],
    "Industrials": [
        ("Machinery", 0.25, ("Industries Inc.", "Machinery Corp.", "Manufacturing Co.")),
        ("Aerospace & Defense", 0.12, ("Aerospace Corp.", "Defense Systems Inc.",
                                       "Aviation Holdings")),
        ("Building Products", 0.15, ("Building Products Inc.", "Materials Group",
                                     "Holdings Inc.")),
        ("Commercial Services & Supplies", 0.18, ("Services Inc.", "Holdings",
                                                  "Environmental Corp.")),
        ("Ground Transportation", 0.12, ("Freight Inc.", "Logistics Corp.",
                                         "Transport Holdings")),
        ("Electrical Equipment", 0.18, ("Electric Corp.", "Power Systems Inc.",
                                        "Energy Technologies")),
    ],
    "Information Technology": [
        ("Software", 0.45, ("Software Inc.", "Systems Inc.", "Technologies Inc.", "Labs Inc.",
                            "Cloud Corp.", "Analytics Inc.")),
        ("Semiconductors & Semiconductor Equipment", 0.20, ("Semiconductor Corp.",
                                                            "Microsystems Inc.", "Photonics")),
        ("IT Services", 0.15, ("Digital Inc.", "Consulting Group", "Solutions Corp.")),
        ("Electronic Equipment, Instruments & Components", 0.12, ("Electronics Inc.",
                                                                  "Instruments Corp.")),
        ("Communications Equipment", 0.08, ("Networks Inc.", "Communications Corp.")),
    ],
    "Consumer Discretionary": [
        ("Specialty Retail", 0.25, ("Stores Inc.", "Brands Inc.", "Outfitters")),
        ("Hotels, Restaurants & Leisure", 0.25, ("Restaurants Inc.", "Resorts Corp.",
                                                 "Entertainment Inc.", "Hospitality Group")),
        ("Household Durables", 0.20, ("Homes Inc.", "Home Furnishings Corp.", "Builders")),
        ("Automobile Components", 0.15, ("Automotive Inc.", "Motor Parts Corp.")),
        ("Diversified Consumer Services", 0.15, ("Education Inc.", "Learning Corp.",
                                                 "Services Group")),
    ],
    "Real Estate": [
        ("Office REITs", 0.20, ("Office Properties Trust", "Realty Trust")),
        ("Residential REITs", 0.20, ("Residential Inc.", "Communities Trust")),
        ("Industrial REITs", 0.15, ("Industrial Realty Inc.", "Logistics Properties Trust")),
        ("Retail REITs", 0.20, ("Retail Properties Inc.", "Centers Trust")),
        ("Real Estate Management & Development", 0.25, ("Land Co.", "Realty Holdings",
                                                        "Properties Inc.")),
    ],
    "Energy": [
        ("Oil & Gas Exploration & Production", 0.50, ("Energy Inc.", "Resources Corp.",
                                                      "Petroleum Co.")),
        ("Energy Equipment & Services", 0.30, ("Oilfield Services Inc.", "Drilling Corp.")),
        ("Oil & Gas Refining & Marketing", 0.10, ("Refining Co.", "Fuels Inc.")),
        ("Coal & Consumable Fuels", 0.10, ("Coal Corp.", "Mining Co.")),
    ],
    "Materials": [
        ("Chemicals", 0.40, ("Chemicals Inc.", "Specialty Materials Corp.")),
        ("Metals & Mining", 0.30, ("Mining Corp.", "Metals Inc.", "Minerals Ltd.")),
        ("Containers & Packaging", 0.15, ("Packaging Corp.", "Containers Inc.")),
        ("Construction Materials", 0.15, ("Aggregates Inc.", "Cement Co.")),
    ],
    "Consumer Staples": [
        ("Food Products", 0.45, ("Foods Inc.", "Farms Co.", "Brands Corp.")),
        ("Consumer Staples Distribution & Retail", 0.20, ("Markets Inc.", "Grocers Corp.")),
        ("Household & Personal Products", 0.20, ("Consumer Products Inc.", "Beauty Corp.")),
        ("Beverages", 0.15, ("Beverage Co.", "Brewing Corp.")),
    ],
    "Utilities": [
        ("Electric Utilities", 0.35, ("Power & Light Co.", "Electric Co.")),
        ("Gas Utilities", 0.30, ("Gas Co.", "Natural Gas Corp.")),
        ("Water Utilities", 0.20, ("Water Co.", "Water Works Corp.")),
        ("Renewable Electricity", 0.15, ("Renewables Inc.", "Clean Power Corp.")),
    ],
    "Communication": [
        ("Media", 0.35, ("Media Inc.", "Broadcasting Corp.", "Publishing Co.")),
        ("Interactive Media & Services", 0.30, ("Interactive Inc.", "Online Corp.")),
        ("Diversified Telecommunication Services", 0.20, ("Telecom Inc.", "Fiber Networks")),
        ("Entertainment", 0.15, ("Studios Inc.", "Games Corp.")),
    ],
}

# Sector-level share of names listed on NASDAQ (the rest on the NYSE).
NASDAQ_SHARE: dict[str, float] = {
    "Health Care": 0.88, "Information Technology": 0.85, "Financials": 0.75,
    "Communication": 0.70, "Consumer Discretionary": 0.62, "Consumer Staples": 0.55,
    "Industrials": 0.52, "Materials": 0.40, "Energy": 0.35, "Utilities": 0.35,
    "Real Estate": 0.25,
}
EXCHANGES = ("NASDAQ", "New York Stock Exchange Inc.")

# Invented syllables. A stem is START + MID + END ("Kel"+"mo"+"ra"); three parts make
# accidental look-alikes of real company names unlikely (and the ticker digit rules them out).
STARTS = (
    "Zor", "Kel", "Vex", "Quar", "Tal", "Mir", "Dra", "Ostr", "Bel", "Cal", "Dun", "Fen", "Gal",
    "Hal", "Isk", "Jor", "Kan", "Lum", "Mer", "Nor", "Orv", "Pel", "Quen", "Rav", "Sol", "Tor",
    "Ulv", "Val", "Wex", "Xan", "Yar", "Zen", "Bram", "Cor", "Del", "Eld", "Fal", "Grev", "Hest",
    "Ivr", "Jal", "Kor", "Lev", "Mar", "Nav", "Oss", "Prax", "Riv", "Sev", "Tav", "Ush", "Ver",
    "Wyl", "Zyr", "Ard", "Bex", "Cyr", "Dav", "Evr", "Fyr", "Gor", "Har", "Ist", "Kav", "Lor",
    "Mav", "Nex", "Obr", "Pyr", "Ryl",
)
MIDS = (
    "va", "ve", "vi", "mo", "ma", "ri", "ra", "te", "ta", "ka", "ko", "lo", "la", "ne", "ni", "si",
    "sa", "da", "de", "xi", "qua", "tri", "bre", "gan", "len", "mon", "ran", "vin", "ther", "nal",
    "cor", "dex", "fir", "gal", "hol", "kin", "lum", "mer", "pol", "sar", "tel",
)
ENDS = (
    "tic", "ra", "rex", "nix", "lon", "dia", "ros", "tan", "vex", "lis", "tra", "nova", "dyne",
    "gen", "lith", "mar", "rion", "sys", "tek", "vant", "vo", "xa", "lia", "nor", "ton", "zen",
    "rix", "dor", "cor", "tus", "mos", "via", "gon", "lyn", "quis", "terra", "nex", "bis", "ria",
    "lux",
)
STEM_SPACE = len(STARTS) * len(MIDS) * len(ENDS)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts summing to ``total`` in proportion to ``weights``."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def industry_table() -> pd.DataFrame:
    """One row per industry: sector, industry, share of the whole universe, suffixes."""
    rows = []
    total = sum(SECTOR_WEIGHTS.values())
    for sector, weight in SECTOR_WEIGHTS.items():
        for industry, share, suffixes in INDUSTRIES[sector]:
            rows.append((sector, industry, weight / total * share, suffixes))
    return pd.DataFrame(rows, columns=["sector", "industry", "weight", "suffixes"])


def assign_industries(rng: np.random.Generator, n: int) -> np.ndarray:
    """Industry code per name (row of ``industry_table()``), in exact proportions, shuffled."""
    counts = _largest_remainder(n, industry_table()["weight"].to_numpy())
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def assign_memberships(rng: np.random.Generator, n: int, overlap: float = 0.68) -> pd.DataFrame:
    """Index flags and the group each name belongs to.

    Scaled from a 2,600-name universe: 600 S&P-600-like names, ~1,950 Russell-like names,
    ``overlap`` of the S&P names also in the Russell set; names in neither are half micro caps,
    half larger names. ``group``: 0 both, 1 S&P only, 2 Russell only, 3 micro, 4 large.
    """
    n_sp = round(n * 600 / 2600)
    n_r = min(round(n * 1950 / 2600), n - (n_sp - round(n_sp * overlap)))
    n_both = round(n_sp * overlap)
    sizes = [n_both, n_sp - n_both, n_r - n_both]
    rest = n - sum(sizes)
    sizes += [rest // 2, rest - rest // 2]
    group = rng.permutation(np.repeat(np.arange(5), sizes))
    return pd.DataFrame({
        "group": group,
        "in_russell2000": (group == 0) | (group == 2),
        "in_sp600": group <= 1,
    })


def make_stems(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` unique invented company stems ("Kelmora", "Zorvatic")."""
    if n > STEM_SPACE:
        raise ValueError(f"The sample universe holds at most {STEM_SPACE} names, asked for {n}.")
    code = rng.choice(STEM_SPACE, size=n, replace=False)
    s = code // (len(MIDS) * len(ENDS))
    m = (code // len(ENDS)) % len(MIDS)
    e = code % len(ENDS)
    starts = np.asarray(STARTS, dtype=object)[s]
    mids = np.asarray(MIDS, dtype=object)[m]
    ends = np.asarray(ENDS, dtype=object)[e]
    return starts + mids + ends


def make_names(rng: np.random.Generator, stems: np.ndarray, industry: np.ndarray) -> np.ndarray:
    """Stem plus a suffix fitting the industry ("Kelmora Biotherapeutics Inc.")."""
    table = industry_table()
    u = rng.random(len(stems))
    suffix = np.empty(len(stems), dtype=object)
    for code, options in enumerate(table["suffixes"]):   # loop over ~50 industries
        here = industry == code
        pick = np.minimum((u[here] * len(options)).astype(np.int64), len(options) - 1)
        suffix[here] = np.asarray(options, dtype=object)[pick]
    return stems + " " + suffix


def _claim(rng: np.random.Generator, tickers: np.ndarray, todo: np.ndarray,
           prefix: np.ndarray, used: list[np.ndarray]) -> np.ndarray:
    """One vectorised round: names in ``todo`` try ``prefix`` + a digit; returns the rest.

    Names sharing a prefix take successive digits from a random start per prefix.
    """
    pre = pd.Series(prefix, dtype=object)
    start = pd.Series(rng.integers(0, 10, size=len(todo))).groupby(prefix).transform("first")
    rank = pre.groupby(prefix).cumcount().to_numpy()
    digit = ((start.to_numpy() + rank) % 10).astype(str).astype(object)
    cand = (pre.to_numpy() + digit).astype("U5")
    ok = (rank < 10) & ~np.isin(cand, used[0])
    tickers[todo[ok]] = cand[ok]
    used[0] = np.concatenate([used[0], cand[ok]])
    return todo[~ok]


def make_tickers(rng: np.random.Generator, stems: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Unique tickers ``^[A-Z]{4}[0-9]$`` derived from the name, as real tickers are.

    Tried in turn: the stem's first four letters ("Kelmora" -> ``KELM3``), its first three plus
    the suffix initial (``KELB7`` for "Kelmora Biotherapeutics"), its first two plus its last
    two; names still without a ticker take random unused letters. Rounds, never per-name loops.
    """
    n = len(stems)
    up = pd.Series(stems, dtype=object).str.upper()
    initial = pd.Series(names, dtype=object).str.split(" ", n=1).str[1].str[0].str.upper()
    schemes = [up.str[:4], up.str[:3] + initial, up.str[:2] + up.str[-2:]]
    tickers = np.empty(n, dtype=object)
    todo = np.arange(n)
    used = [np.array([], dtype="U5")]     # tickers taken so far, grown each round
    for scheme in schemes:
        if len(todo):
            todo = _claim(rng, tickers, todo, scheme.to_numpy(dtype=object)[todo], used)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)
    while len(todo):
        code = rng.integers(0, 26 ** 4, size=len(todo))
        parts = [letters[code // 26 ** k % 26] for k in (3, 2, 1, 0)]
        prefix = parts[0] + parts[1] + parts[2] + parts[3]
        todo = _claim(rng, tickers, todo, prefix, used)
    return tickers


def make_identity(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Identity frame (index ticker, sorted) and the hidden attributes the generator needs.

    The second frame (same index) holds ``industry_code`` and membership ``group``.
    """
    table = industry_table()
    industry = assign_industries(rng, n)
    members = assign_memberships(rng, n)
    stems = make_stems(rng, n)
    names = make_names(rng, stems, industry)
    tickers = make_tickers(rng, stems, names)
    sector = table["sector"].to_numpy(dtype=object)[industry]
    p_nasdaq = pd.Series(sector).map(NASDAQ_SHARE).to_numpy(dtype=float)
    exchange = np.where(rng.random(n) < p_nasdaq, EXCHANGES[0], EXCHANGES[1])
    order = np.argsort(tickers, kind="stable")
    index = pd.Index(tickers[order], name="ticker", dtype="str")
    identity = pd.DataFrame({
        "name": pd.array(names[order], dtype="str"),
        "sector": pd.array(sector[order], dtype="str"),
        "industry": pd.array(table["industry"].to_numpy(dtype=object)[industry][order],
                             dtype="str"),
        "exchange": pd.array(exchange[order], dtype="str"),
        "in_russell2000": members["in_russell2000"].to_numpy()[order],
        "in_sp600": members["in_sp600"].to_numpy()[order],
    }, index=index)
    hidden = pd.DataFrame({
        "industry_code": industry[order],
        "group": members["group"].to_numpy()[order],
    }, index=index)
    return identity, hidden
