"""The error tree. Every message says what went wrong, where, and what to do next.

The CLI turns any ``ScreenerError`` into one message on stderr and exit status 2, no traceback.
Library code raises these instead of returning sentinel frames or logging and carrying on.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScreenerError(Exception):
    """Base of every error a user can act on. ``hint`` says what to do next."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  -> {self.hint}"
        return self.message


@dataclass(frozen=True)
class Location:
    """Where in a user file a problem is: file, 1-based line and column, offending text."""

    file: str
    line: int | None = None
    column: int | None = None
    text: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


@dataclass(frozen=True)
class Problem:
    """One problem found in a user file; several are collected and reported together."""

    location: Location
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        out = f"{self.location}: {self.message}"
        if self.location.text:
            out += f"\n    {self.location.text}"
        if self.hint:
            out += f"\n    -> {self.hint}"
        return out


class UserFileError(ScreenerError):
    """One or more problems in a file the user wrote or handed us (YAML, CSV, xlsx, ...)."""

    def __init__(self, problems: list[Problem], hint: str | None = None):
        self.problems = list(problems)
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        files = sorted({p.location.file for p in self.problems})
        body = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{head} in {', '.join(files)}:\n{body}", hint)


class ConfigError(UserFileError):
    """A screen, universe or mapping definition is invalid."""


class InputDataError(UserFileError):
    """A data file (holdings, fundamentals) is not in the expected format."""


class InputValidationError(ScreenerError):
    """Raw inputs failed validation at the provider -> metrics boundary (tickers named)."""


class UniverseError(ScreenerError):
    """A universe is unknown, not downloaded yet, or its snapshot is unusable."""


class ProviderError(ScreenerError):
    """A data source failed in a way the user must act on (no key, refused plan, ...)."""


class FetchError(ProviderError):
    """One request failed. ``transient`` errors are retried by the fetch policy, others are not."""

    transient = False

    def __init__(self, message: str, hint: str | None = None, *, source: str = "",
                 ticker: str | None = None, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, hint)
        self.source = source
        self.ticker = ticker
        self.status = status
        self.retry_after = retry_after


class SourceUnavailableError(ProviderError):
    """A whole source cannot be reached or refuses every request (no network, DNS failure, no
    route, blocked): that source stops at once instead of trying every name."""

    exit_code = 1
    fatal = True

    def __init__(self, message: str, hint: str | None = None, *, source: str = ""):
        super().__init__(message, hint)
        self.source = source


class TransientFetchError(FetchError):
    """429, 5xx, timeout, connection reset, truncated body: worth another attempt."""

    transient = True


class PermanentFetchError(FetchError):
    """404, unknown ticker, plan refused, invalid key: recorded once, never retried."""


class StoreError(ScreenerError):
    """The local store is missing, corrupt, locked or not ours."""


class ExportError(ScreenerError):
    """The output could not be written (locked target, unwritable folder, full disk)."""


class NoDataError(ScreenerError):
    """The run has nothing to work on (empty store for a universe, every name failed)."""


class NothingFetchedError(ScreenerError):
    """A fetch ended without storing anything: every name failed or every source was down."""

    exit_code = 1
