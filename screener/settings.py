"""Paths, keys and endpoints. Everything a user may change comes from the environment.

Secrets (API keys) are read here and nowhere else; they are never logged, stored or exported.
Base URLs default to the real endpoints and are overridable so tests can point at 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS_DIR = PACKAGE_DIR / "_defaults"  # screens/ and universes/ copied in at build time


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def project_dir() -> Path:
    """Where user-editable ``screens/`` and ``universes/`` live: $SCREENER_HOME or the cwd."""
    return Path(_env("SCREENER_HOME", os.getcwd())).expanduser()


def _editable_or_bundled(name: str) -> Path:
    here = project_dir() / name
    if here.is_dir():
        return here
    bundled = DEFAULTS_DIR / name
    if bundled.is_dir():
        return bundled
    # running from a source checkout without install: the repo root next to the package
    return PACKAGE_DIR.parent / name


def screens_dir() -> Path:
    return _editable_or_bundled("screens")


def universes_dir() -> Path:
    return _editable_or_bundled("universes")


def output_dir() -> Path:
    return Path(_env("SCREENER_OUTPUT_DIR", str(project_dir() / "output"))).expanduser()


def data_dir() -> Path:
    """Local data: store, universe snapshots. $SCREENER_DATA_DIR or the user data dir."""
    return Path(_env("SCREENER_DATA_DIR", platformdirs.user_data_dir("screener"))).expanduser()


def store_path() -> Path:
    return Path(_env("SCREENER_STORE", str(data_dir() / "store.sqlite"))).expanduser()


WORKBOOK_LIMIT = 10_000


def workbook_limit() -> int:
    """Above this many names, the workbook's per-name sheets (All names, Explain, Data quality)
    hold their top rows and every row goes to Parquet files beside it ($SCREENER_WORKBOOK_LIMIT,
    checked at start-up; ``run --full`` writes everything)."""
    raw = _env("SCREENER_WORKBOOK_LIMIT")
    return int(raw) if raw is not None else WORKBOOK_LIMIT


def fmp_api_key() -> str | None:
    """Financial Modeling Prep key from FINANCIAL_MODELING_PREP_API_KEY (never logged)."""
    return _env("FINANCIAL_MODELING_PREP_API_KEY")


def sec_user_agent() -> str | None:
    """SEC fair-access User-Agent, e.g. "Jane Doe jane@example.com" ($SCREENER_SEC_USER_AGENT)."""
    return _env("SCREENER_SEC_USER_AGENT")


def fmp_base_url() -> str:
    return _env("SCREENER_FMP_BASE_URL", "https://financialmodelingprep.com/stable").rstrip("/")


def sec_data_base_url() -> str:
    return _env("SCREENER_SEC_DATA_BASE_URL", "https://data.sec.gov").rstrip("/")


def sec_www_base_url() -> str:
    return _env("SCREENER_SEC_WWW_BASE_URL", "https://www.sec.gov").rstrip("/")


def fred_api_key() -> str | None:
    """FRED API key from FRED_API_KEY (optional: the CSV download needs none; never logged)."""
    return _env("FRED_API_KEY")


def fred_csv_base_url() -> str:
    """FRED's CSV download (``/graph/fredgraph.csv?id=SERIES``), no key needed."""
    return _env("SCREENER_FRED_BASE_URL", "https://fred.stlouisfed.org").rstrip("/")


def fred_api_base_url() -> str:
    return _env("SCREENER_FRED_API_BASE_URL", "https://api.stlouisfed.org").rstrip("/")


def yahoo_base_url() -> str:
    return _env("SCREENER_YAHOO_BASE_URL", "https://query2.finance.yahoo.com").rstrip("/")


def benchmark() -> str:
    """The benchmark of relative strength and beta ($SCREENER_BENCHMARK, default IWM)."""
    return (_env("SCREENER_BENCHMARK", "IWM") or "IWM").strip().upper()


def history_benchmarks() -> list[str]:
    """Tickers whose daily prices ``fetch --history`` keeps besides the members
    ($SCREENER_BENCHMARKS, comma-separated; default IWM, IJR, SPY; the benchmark is always in)."""
    raw = _env("SCREENER_BENCHMARKS", "IWM,IJR,SPY") or ""
    names = [t.strip().upper() for t in raw.split(",") if t.strip()]
    return list(dict.fromkeys([*names, benchmark()]))


BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


def _secret_forms(key: str) -> list[str]:
    """The key as written and as a URL carries it (``/ + =`` percent-encoded, ``+`` for a
    space), longest first, so no encoded copy survives a server echoing the query string."""
    from urllib.parse import quote, quote_plus

    forms = {key, quote(key, safe=""), quote_plus(key), quote(key), quote(key, safe="/")}
    forms |= {f.lower() for f in forms if "%" in f}  # %2f as well as %2F
    return sorted(forms, key=len, reverse=True)


def redact(text: str, *extra: str) -> str:
    """Remove every known secret (and ``extra`` ones), in every URL-encoded form, from a text
    before it is logged, stored or exported."""
    for key in (fmp_api_key(), fred_api_key(), *extra):
        if key:
            for form in _secret_forms(key):
                if form in text:
                    text = text.replace(form, "***")
    return text
