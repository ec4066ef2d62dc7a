"""The run, end to end: screen -> universe -> raw data -> standard frame -> engine -> Result.

Each step is a call into its stage; this module only wires them in the one-way order and
assembles the run identity of the ``RunResult``. The screen is compiled before any data is
loaded, so a typo in the YAML costs no fetch.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from screener import __version__
from screener.errors import NoDataError, UniverseError
from screener.providers import provider_class
from screener.raw import RawBundle, validate_bundle
from screener.raw.bundle import Failure, failures_frame
from screener.result import RunResult

SAMPLE = "sample"
STORE = "store"


@dataclass
class Dataset:
    """The standard frame for some universes, with where it came from."""

    frame: pd.DataFrame
    provenance: pd.DataFrame
    failures: list[Failure]
    is_sample: bool
    providers: list[str]
    universes: list[str]
    universe_as_of: dict[str, str] = field(default_factory=dict)
    validation: pd.DataFrame | None = None
    as_of: date | None = None  # the evaluation date of a point-in-time run
    newest: dict[str, str | None] = field(default_factory=dict)  # block -> newest date used
    notes: list[str] = field(default_factory=list)  # e.g. a survivorship-biased membership

    @property
    def data_as_of(self) -> tuple[str | None, str | None]:
        cols = [c for c in self.provenance.columns if c.endswith("_as_of")]
        if not cols:
            return (None, None)
        values = pd.to_datetime(self.provenance[cols].stack(), errors="coerce").dropna()
        if values.empty:
            return (None, None)
        return (values.min().date().isoformat(), values.max().date().isoformat())


def _sample_bundle(universes: list[str], as_of: date | None, seed: int | None,
                   n: int | None) -> tuple[RawBundle, dict[str, str]]:
    from screener.providers.sample import SampleProvider

    kwargs = {}
    if seed is not None:
        kwargs["seed"] = seed
    if n is not None:
        kwargs["n"] = n
    provider = SampleProvider(**kwargs)
    bundle = provider.fetch(None, as_of)
    identity = bundle.identity.copy()
    if SAMPLE in universes:
        identity["in_sample"] = True
    custom = [name for name in universes if f"in_{name}" not in identity.columns]
    if custom:  # a user's universe (union, filters, ...) resolved on the sample's own indexes
        from screener.universe import Members, members_on

        def own(flag: str) -> Members:
            rows = identity[identity[flag].astype(bool)] if flag in identity else identity
            frame = rows.reindex(columns=["name", "sector", "exchange"])
            frame["original_ticker"] = rows.index
            return Members.of(flag.removeprefix("in_"), "sample", frame)

        base = {n: own(f"in_{n}") for n in ("russell2000", "sp600")} | {SAMPLE: own("")}
        for name in custom:
            identity[f"in_{name}"] = identity.index.isin(members_on(name, base).tickers)
    bundle.identity = identity
    return bundle, {u: f"sample (seed {provider.seed})" for u in universes}


def _stored_bundle(universes: list[str], provider: str | None,
                   store_path: Path | None) -> tuple[RawBundle, dict[str, str]]:
    from screener.store import Store
    from screener.universe import load_members, membership_frame

    members = {name: load_members(name) for name in universes}
    membership = membership_frame(universes)
    tickers = list(membership.index)
    store = Store.open(store_path)
    try:
        sources = None if provider in (None, STORE) else [provider]
        try:
            bundle = store.load_bundle(tickers, sources=sources, universe=", ".join(universes))
        except NoDataError:
            bundle = RawBundle()  # the history may still hold their statements
    finally:
        store.close()
    from screener.timeaxis.assemble import overlay_latest

    bundle = overlay_latest(bundle, tickers)  # TTM statements where the history has facts
    has_data = bundle.statements.index.get_level_values("ticker").unique().size \
        + len(bundle.market) + len(bundle.estimates) + len(bundle.ladder)
    if not has_data:
        names = ", ".join(universes)
        raise NoDataError(
            f"The local store holds no data for the members of {names}.",
            f"Run `screener fetch --universe {universes[0]}` first (needs network), or pass "
            "`--provider sample` to try the tool on fictional demo data.",
        )
    # identity: the index files' GICS sector wins (screens filter on GICS names, providers
    # such as Yahoo use their own taxonomy); the providers' company names win (the holdings
    # files write them in capitals); each completes what the other lacks.
    ident = bundle.identity.reindex(membership.index)
    for m in members.values():
        for col in ("name", "sector", "industry", "exchange"):
            if col not in m.frame.columns:
                continue
            theirs = m.frame[col].reindex(ident.index)
            ours = ident.get(col, theirs)
            ident[col] = theirs.where(theirs.notna(), ours) if col == "sector" \
                else ours.where(ours.notna(), theirs)
    ident = ident.join(membership.astype(bool))
    bundle.identity = ident
    return bundle, {name: m.as_of for name, m in members.items()}


def _stored_rates(as_of: date | None):
    """The run date's 10-year Treasury and high-yield yields from the history store (None when
    the store holds no macro series: the metrics that need them are NaN and say so)."""
    from screener.errors import StoreError
    from screener.history.rates import rates_as_of
    from screener.history.store import HistoryStore

    store = HistoryStore()
    if not store.files("macro"):
        return None
    try:
        return rates_as_of(store, as_of)
    except StoreError as exc:
        from screener.raw.rates import MarketRates

        note = (f"macro series unreadable ({exc.message}): cost_of_debt_spread and "
                "refi_wall_rate_shock are NaN")
        return MarketRates(notes=(note,))


def load_dataset(universes: list[str], provider: str | None = None, as_of: date | None = None,
                 *, store_path: Path | None = None, seed: int | None = None,
                 n: int | None = None) -> Dataset:
    """Raw data for ``universes`` from ``provider`` (None: the local store), as metrics."""
    from screener.metrics import build_standard_frame

    if not universes:
        raise UniverseError("No universe to run on.", "Name one with --universe, e.g. russell2000.")
    if provider not in (None, STORE, SAMPLE):
        provider_class(provider)  # an unknown name fails here, naming the known ones
    pit = None
    if as_of is not None and provider == SAMPLE and _has_sample_history():
        from screener.timeaxis import PointInTime

        history = None
        if seed is not None or n is not None:  # another fictional world than the default
            from screener.sample.history import sample_history

            history = sample_history(seed=2026 if seed is None else seed,
                                     n=2600 if n is None else n)
        pit = PointInTime.load(universes, as_of, as_of, provider=SAMPLE, history=history)
        bundle = pit.bundle(as_of)
        uni_as_of = {u: f"sample history, snapshot {pit.snapshot_date(u, as_of).date()}"
                     for u in universes}
    elif provider == SAMPLE:
        bundle, uni_as_of = _sample_bundle(universes, as_of, seed, n)
    elif as_of is not None:  # point in time: nothing known after as_of
        from screener.timeaxis.assemble import stored_as_of

        bundle, uni_as_of, pit = stored_as_of(universes, provider, as_of, store_path=store_path)
    else:
        bundle, uni_as_of = _stored_bundle(universes, provider, store_path)
    from screener.timeaxis.assemble import newest_used

    newest = newest_used(bundle, pit)
    notes = [] if pit is None else [
        f"{u}: no membership snapshot on or before {as_of}; the earliest one "
        f"({pit.snapshot_date(u, as_of).date()}) is used, which only holds names that survived "
        "until then (survivorship bias)." for u in universes if pit.survivorship_biased(u, as_of)]
    bundle, issues = validate_bundle(bundle)
    if bundle.rates is None:
        bundle.rates = _stored_rates(as_of)
    std = build_standard_frame(bundle, as_of)
    sources = sorted({
        s for c in std.provenance.columns if c.endswith("_source")
        for s in std.provenance[c].dropna().unique()
    })
    return Dataset(
        frame=std.frame, provenance=std.provenance, failures=list(std.failures),
        is_sample=bundle.is_sample, providers=sources or [provider or STORE],
        universes=list(universes), universe_as_of=uni_as_of, validation=issues,
        as_of=as_of, newest=newest, notes=notes,
    )


def _has_sample_history() -> bool:
    try:
        import screener.sample.history  # noqa: F401  (i12c's fictional history)
    except ImportError:
        return False
    return True


def run_screen(screen: str | Path, *, universes: list[str] | None = None,
               provider: str | None = None, as_of: date | None = None,
               overrides: dict[str, str] | None = None, store_path: Path | None = None,
               seed: int | None = None, n: int | None = None,
               regime: bool = True) -> RunResult:
    """Compile the screen, load the data, evaluate, and assemble the Result.

    ``regime``: also compute the screen's regime verdict (``regime:`` section), if it has one.
    """
    from screener.rules import compile_screen, evaluate

    plan = compile_screen(screen, overrides=overrides)
    rules = None
    if regime and isinstance(screen, str | Path):
        from screener.regime.config import load_regime
        rules = load_regime(screen)   # checked before any data is loaded, like the phases
    chosen = list(universes or plan.universes)
    plan = replace(plan, universes=chosen)  # --universe replaces the screen's own list
    data = load_dataset(chosen, provider, as_of, store_path=store_path, seed=seed, n=n)
    if data.frame.empty:
        raise NoDataError("No names to screen after loading the data.",
                          "Check the universe snapshot and the store (`screener store info`).")
    ev = evaluate(plan, data.frame)
    text = plan.source_text
    warnings = list(ev.warnings) + list(data.notes) + _ttm_warnings(plan, data)
    if data.is_sample:
        warnings.insert(0, "FICTIONAL SAMPLE DATA: these companies do not exist.")
    stale = {f.ticker for f in data.failures if f.reason.lower().startswith("stale")}
    if stale:
        warnings.append(f"{len(stale)} name(s) carry stale data (older than the stale limit): "
                        "see the Data quality sheet.")
    regime_res = None
    if rules is not None:
        from screener.regime.for_run import regime_for_run
        regime_res, note = regime_for_run(rules, chosen, provider, as_of)
        if note:
            warnings.append(note)
    return RunResult(
        regime=regime_res,
        screen_name=plan.name,
        screen_path=str(plan.path),
        screen_text=text,
        screen_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        universes=chosen,
        universe_as_of=data.universe_as_of,
        providers=data.providers,
        is_sample=data.is_sample,
        run_at=datetime.now().replace(microsecond=0),
        version=__version__,
        phases=ev.phases,
        eligible=ev.eligible,
        scores=ev.scores,
        eligibility=ev.eligibility,
        coverage=ev.coverage,
        failures=failures_frame(data.failures),
        missing=ev.missing,
        explain=ev.explain,
        data_as_of=data.data_as_of,
        provenance=data.provenance,
        warnings=warnings,
        params=dict(plan.params),
        status=ev.status,
        as_of=as_of.isoformat() if as_of else None,
        newest_data=dict(data.newest),
    )


def _ttm_warnings(plan, data: Dataset) -> list[str]:
    """A screen that uses _ttm ids on names that only have annual statements gets NaN there:
    say so (once), with what to do."""
    basis = data.provenance.get("statements_basis")
    if basis is None or (basis == "ttm").any():
        return []
    used = sorted(set(re.findall(r"\b[a-z0-9_]+_ttm\b", plan.source_text)))
    if not used:
        return []
    return [(f"{', '.join(used)}: no quarterly statements are held, so these trailing-twelve-"
             "month values are missing; use the _fy ids (latest fiscal year) or fill the "
             "history (`screener fetch --history`).")]


__all__ = ["Dataset", "load_dataset", "run_screen"]
