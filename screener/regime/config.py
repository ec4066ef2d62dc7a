"""Load and check a screen's ``regime:`` section: every problem with file:line:column.

Checks, all reported together: the shapes (``spec.RegimeSpec``, unknown keys with a
did-you-mean), each indicator's series in the catalog, each vote naming a verdict, each
verdict's phase existing in the screen, the universe being one the screen knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from screener.errors import ConfigError, Problem
from screener.regime.catalog import SeriesDef, series_catalog
from screener.regime.spec import Comparison, RegimeSpec, Verdict
from screener.regime.transforms import Transform

ROOT = ("regime",)


@dataclass(frozen=True)
class CIndicator:
    id: str
    label: str
    series: SeriesDef
    transform: Transform
    rule: Comparison
    votes: dict[str, float]
    why: str
    max_age_days: int


@dataclass(frozen=True)
class Regime:
    file: str
    universe: str | None
    benchmarks: dict[str, str]
    verdicts: dict[str, Verdict]
    indicators: list[CIndicator]
    history_step: str
    description: str = ""

    @property
    def main(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if not v.overlay]

    @property
    def overlays(self) -> list[str]:
        return [k for k, v in self.verdicts.items() if v.overlay]


DEFAULT_MAX_AGE = {"daily": 10, "weekly": 21, "monthly": 100, "quarterly": 200}


def _model_for(loc: tuple):
    from screener.regime import spec as s

    path = [c for c in loc[:-1] if isinstance(c, str)]
    model = s.RegimeSpec
    i = 0
    while i < len(path):
        name = path[i]
        if model is s.RegimeSpec and name in ("verdicts", "indicators"):
            model = s.Verdict if name == "verdicts" else s.Indicator
            i += 2  # skip the entry id
            continue
        if model is s.Indicator and name == "rule":
            model = s.Comparison
        i += 1
    return model


def _problems(exc: ValidationError, loaded) -> list[Problem]:
    from screener.rules.loader import _message, did_you_mean

    out, seen = [], set()
    for err in exc.errors():
        loc = tuple(c for c in err["loc"] if not (isinstance(c, str) and c.startswith(
            ("function-", "str", "float", "list["))))
        msg, hint = _message(err)
        if err["type"] == "extra_forbidden":
            model = _model_for(loc)
            where = loaded.loc(ROOT + loc, key=True)
            msg = f"unknown key '{loc[-1]}'"
            hint = did_you_mean(loc[-1], model.model_fields) or (
                "allowed keys: " + ", ".join(model.model_fields))
        else:
            where = loaded.loc(ROOT + loc)
            if hint == "see screens/README.md for what this key takes":
                hint = "see the regime section of screens/README.md"
        what = ".".join(str(c) for c in ROOT + loc)
        key = (str(where), msg)
        if key in seen:
            continue
        seen.add(key)
        out.append(Problem(where, f"{what}: {msg}", hint))
    return out


def compile_regime(loaded, phases: list[str] | None = None, universes: list[str] | None = None,
                   catalog: dict[str, SeriesDef] | None = None) -> Regime | None:
    """The ``regime`` section of a loaded screen (``yamlload.Loaded``), checked; None when the
    screen has none. Raises ConfigError with every problem found."""
    from screener.rules.loader import did_you_mean

    raw = loaded.data.get("regime")
    if raw is None:
        return None
    try:
        spec = RegimeSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, loaded)) from None
    cat = catalog if catalog is not None else series_catalog()
    problems: list[Problem] = []
    for vid, v in spec.verdicts.items():
        if v.phase is not None and phases is not None and v.phase not in phases:
            problems.append(Problem(loaded.loc(ROOT + ("verdicts", vid, "phase")),
                                    f"regime.verdicts.{vid}.phase: the screen has no phase "
                                    f"{v.phase!r}", did_you_mean(v.phase, phases)
                                    or "phases: " + ", ".join(phases)))
    if spec.universe is not None and universes is not None and spec.universe not in universes:
        problems.append(Problem(loaded.loc(ROOT + ("universe",)),
                                f"regime.universe: {spec.universe!r} is not one of the screen's "
                                "universes", "universes: " + ", ".join(universes)))
    inds = []
    voted = set()
    for iid, ind in spec.indicators.items():
        at = ROOT + ("indicators", iid)
        sdef = cat.get(ind.series)
        if sdef is None:
            problems.append(Problem(loaded.loc(at + ("series",)),
                                    f"regime.indicators.{iid}.series: unknown series "
                                    f"{ind.series!r}", (did_you_mean(ind.series, cat) or
                                    "list the known ids with `screener macro series`")
                                    + "; add your own to series.yaml"))
        for vid in ind.votes:
            if vid not in spec.verdicts:
                problems.append(Problem(loaded.loc(at + ("votes", vid), key=True),
                                        f"regime.indicators.{iid}.votes: no verdict {vid!r}",
                                        did_you_mean(vid, spec.verdicts)
                                        or "verdicts: " + ", ".join(spec.verdicts)))
            else:
                voted.add(vid)
        if sdef is None:
            continue
        inds.append(CIndicator(iid, ind.label or f"{sdef.title} ({ind.transform})", sdef,
                               Transform.parse(ind.transform), ind.rule, dict(ind.votes),
                               ind.why, ind.max_age_days or DEFAULT_MAX_AGE[sdef.frequency]))
    for vid in spec.verdicts:
        if vid not in voted and not problems:
            problems.append(Problem(loaded.loc(ROOT + ("verdicts", vid), key=True),
                                    f"regime.verdicts.{vid}: no indicator votes for or against "
                                    "it", "give it a weight in some indicator's votes"))
    if problems:
        raise ConfigError(problems)
    return Regime(loaded.file, spec.universe, dict(spec.benchmarks), dict(spec.verdicts), inds,
                  spec.history_step, spec.description)


def load_regime(screen: str | Path, catalog=None) -> Regime | None:
    """The checked regime section of a screen file (``extends`` merged), or None."""
    from screener.rules.loader import load_loaded

    loaded = load_loaded(screen)
    phases = loaded.data.get("phases")
    unis = loaded.data.get("universes")
    return compile_regime(loaded, list(phases) if isinstance(phases, dict) else None,
                          list(unis) if isinstance(unis, list) else None, catalog)
