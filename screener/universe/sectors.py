"""The sector vocabulary: GICS sector and industry names, and the vendors' names mapped to them.

Screens filter on GICS names (``sector == "Information Technology"``), the names the index
files (iShares, SPDR) print. Yahoo, Finviz and Morningstar use their own eleven names
("Technology", "Healthcare", "Financial Services", "Consumer Cyclical", ...); ``to_gics`` maps
them so a screen means the same whatever source filled the column, and the frames keep the
vendor's word in ``sector_original``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is only needed by callers that pass frames
    import pandas as pd

GICS_SECTORS = (
    "Energy", "Materials", "Industrials", "Consumer Discretionary", "Consumer Staples",
    "Health Care", "Financials", "Information Technology", "Communication Services",
    "Utilities", "Real Estate",
)

# Vendor sector name (lower case) -> GICS sector. Yahoo and Morningstar share one taxonomy;
# Finviz's is the same but says "Financial"; a few common spellings are added.
VENDOR_SECTORS: dict[str, str] = {
    "technology": "Information Technology",
    "information tech": "Information Technology",
    "info tech": "Information Technology",
    "healthcare": "Health Care",
    "financial services": "Financials",
    "financial": "Financials",
    "finance": "Financials",
    "consumer cyclical": "Consumer Discretionary",
    "consumer defensive": "Consumer Staples",
    "basic materials": "Materials",
    "communication": "Communication Services",
    "telecommunication services": "Communication Services",
    "telecommunications": "Communication Services",
    "real-estate": "Real Estate",
} | {s.lower(): s for s in GICS_SECTORS}

VENDOR_NAMES = "Yahoo, Finviz and Morningstar"

# GICS industries (2023 structure), plus the sub-industry names the sample universe uses.
GICS_INDUSTRIES = (
    "Energy Equipment & Services", "Oil, Gas & Consumable Fuels", "Chemicals",
    "Construction Materials", "Containers & Packaging", "Metals & Mining",
    "Paper & Forest Products", "Aerospace & Defense", "Building Products",
    "Construction & Engineering", "Electrical Equipment", "Industrial Conglomerates",
    "Machinery", "Trading Companies & Distributors", "Commercial Services & Supplies",
    "Professional Services", "Air Freight & Logistics", "Passenger Airlines",
    "Marine Transportation", "Ground Transportation", "Transportation Infrastructure",
    "Automobile Components", "Automobiles", "Household Durables", "Leisure Products",
    "Textiles, Apparel & Luxury Goods", "Hotels, Restaurants & Leisure",
    "Diversified Consumer Services", "Distributors", "Broadline Retail", "Specialty Retail",
    "Consumer Staples Distribution & Retail", "Beverages", "Food Products", "Tobacco",
    "Household Products", "Personal Care Products", "Health Care Equipment & Supplies",
    "Health Care Providers & Services", "Health Care Technology", "Biotechnology",
    "Pharmaceuticals", "Life Sciences Tools & Services", "Banks", "Financial Services",
    "Consumer Finance", "Capital Markets", "Mortgage Real Estate Investment Trusts (REITs)",
    "Insurance", "IT Services", "Software", "Communications Equipment",
    "Technology Hardware, Storage & Peripherals", "Electronic Equipment, Instruments & Components",
    "Semiconductors & Semiconductor Equipment", "Diversified Telecommunication Services",
    "Wireless Telecommunication Services", "Media", "Entertainment",
    "Interactive Media & Services", "Electric Utilities", "Gas Utilities", "Multi-Utilities",
    "Water Utilities", "Independent Power and Renewable Electricity Producers",
    "Diversified REITs", "Industrial REITs", "Hotel & Resort REITs", "Office REITs",
    "Health Care REITs", "Residential REITs", "Retail REITs", "Specialized REITs",
    "Real Estate Management & Development",
    # sub-industries used by the sample universe
    "Coal & Consumable Fuels", "Oil & Gas Exploration & Production",
    "Oil & Gas Refining & Marketing", "Household & Personal Products", "Regional Banks",
    "Thrifts & Mortgage Finance", "Renewable Electricity",
)

VOCABULARY = {"sector": GICS_SECTORS, "industry": GICS_INDUSTRIES}


def gics_sector(value: object) -> str | None:
    """The GICS sector a vendor's sector name stands for, or None when it is not one we know."""
    if not isinstance(value, str):
        return None
    return VENDOR_SECTORS.get(" ".join(value.split()).lower())


def to_gics(sectors: pd.Series) -> pd.Series:
    """Vendor sector names -> GICS names; unknown values are kept as they are, missing stays NA."""
    s = sectors.astype("string")
    key = s.str.split().str.join(" ").str.lower()
    mapped = key.map(VENDOR_SECTORS)
    return mapped.where(mapped.notna(), s).astype("string")


def with_gics_sector(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``sector`` in GICS names and the source's word in ``sector_original``
    (kept when already there, so normalising twice changes nothing)."""
    if "sector" not in frame.columns:
        return frame
    out = frame.copy()
    if "sector_original" not in out.columns:
        out["sector_original"] = out["sector"].astype("string")
    out["sector"] = to_gics(out["sector"])
    return out
