"""Every setting checked once, at start-up: a bad value ends in one message naming the variable
and what it must be, before any work (issue 16 item 5).

``check(command)`` is called by the CLI group before a command runs; ``command`` (the
sub-command's name) decides whether the data folder must be writable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from screener.errors import ScreenerError

URL_VARS = ("SCREENER_FMP_BASE_URL", "SCREENER_SEC_DATA_BASE_URL", "SCREENER_SEC_WWW_BASE_URL",
            "SCREENER_YAHOO_BASE_URL")
URL_PREFIX = "SCREENER_UNIVERSE_URL_"
WRITES_DATA = {"fetch", "universe", "run"}  # commands that write under the data folder


class SettingsError(ScreenerError):
    """An environment variable holds a value screener cannot use."""

    exit_code = 2


def _fail(var: str, value: str, must: str, hint: str | None = None) -> SettingsError:
    shown = value if len(value) <= 80 else value[:77] + "..."
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    return SettingsError(f"The setting {var}='{shown}' is not usable: {must}.",
                         hint or f"Fix or unset {var} (e.g. `unset {var}`).")


def check_url(var: str, value: str) -> None:
    if any(c.isspace() or not c.isprintable() for c in value):
        raise _fail(var, value, "it must be an http(s) URL without spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _fail(var, value, "it is not a well-formed URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(var, value, "it must be an http:// or https:// URL with a host "
                    "(e.g. https://data.sec.gov)")


def check_user_agent(var: str, value: str) -> None:
    if not value.isascii() or any(not c.isprintable() for c in value):
        raise _fail(var, value, "a User-Agent must be printable ASCII on one line (no accents, "
                    "no line breaks)", f"e.g. export {var}='Jane Doe jane@example.com'")
    if len(value) > 200:
        raise _fail(var, value, "it is longer than 200 characters")


def _check_folder(var: str, value: str, writable: bool) -> None:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise _fail(var, value, "it points at a file, not a folder")
    if writable:
        probe = path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
            raise _fail(var, value, f"the folder {probe} is read-only",
                        f"Point {var} at a folder you can write to.")


def check(command: str | None = None, env: dict[str, str] | None = None) -> None:
    """Raise ``SettingsError`` for the first unusable setting."""
    from screener import settings

    env = dict(os.environ if env is None else env)
    for var in URL_VARS:
        if env.get(var):
            check_url(var, env[var])
    for var, value in sorted(env.items()):
        if var.startswith(URL_PREFIX) and value:
            check_url(var, value)
    if env.get("SCREENER_SEC_USER_AGENT"):
        check_user_agent("SCREENER_SEC_USER_AGENT", env["SCREENER_SEC_USER_AGENT"])
    key = env.get("FINANCIAL_MODELING_PREP_API_KEY")
    if key and any(c.isspace() or not c.isprintable() for c in key):
        raise SettingsError("The setting FINANCIAL_MODELING_PREP_API_KEY is not usable: it "
                            "holds spaces or control characters (the key is not shown).",
                            "Copy the key again from your FMP dashboard.")
    writes = command in WRITES_DATA
    data = env.get("SCREENER_DATA_DIR")
    _check_folder("SCREENER_DATA_DIR", data or str(settings.data_dir()), writes)
    store = env.get("SCREENER_STORE")
    if store and Path(store).expanduser().is_dir():
        raise _fail("SCREENER_STORE", store, "it points at a folder; it must name the store "
                    "file (e.g. ~/screener/store.sqlite)")
    if env.get("SCREENER_OUTPUT_DIR"):
        _check_folder("SCREENER_OUTPUT_DIR", env["SCREENER_OUTPUT_DIR"], False)
    if env.get("SCREENER_LOCK_DIR"):
        _check_folder("SCREENER_LOCK_DIR", env["SCREENER_LOCK_DIR"], writes)
    limit = env.get("SCREENER_WORKBOOK_LIMIT")
    if limit and not (limit.strip().isdigit() and int(limit) >= 1):
        raise _fail("SCREENER_WORKBOOK_LIMIT", limit, "it must be a whole number of names, "
                    "1 or more (default 10000)", "e.g. export SCREENER_WORKBOOK_LIMIT=20000, "
                    "or unset it; `screener run --full` writes every row anyway.")
    tmp = env.get("TMPDIR")
    if tmp and not Path(tmp).is_dir():
        raise _fail("TMPDIR", tmp, "it is not an existing folder")
