"""Load a screen file: YAML -> (extends merged) -> params overrides -> pydantic ``ScreenSpec``.

Every problem carries the file, line and column it comes from; all problems of a file are
reported together in one ``ConfigError``.

``extends: base.yaml`` (relative to the extending file): the child's keys replace the base's,
except ``params``, ``scores`` and ``phases``, which merge entry by entry (a child entry replaces
the base entry of the same name whole; ``name: null`` removes it).
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from screener.errors import ConfigError, Location, Problem
from screener.rules.expressions import parse_literal
from screener.rules.spec import ScreenSpec
from screener.rules.yamlload import Loaded, load_yaml_file

MAX_EXTENDS = 8
MERGED_KEYS = ("params", "scores", "phases", "episodes")


def did_you_mean(word: str, options) -> str | None:
    opts = list(options)
    close = difflib.get_close_matches(str(word), opts, n=3, cutoff=0.6)
    if not close:
        low = {o.lower(): o for o in opts}
        close = [low[c] for c in difflib.get_close_matches(str(word).lower(), list(low), n=3,
                                                          cutoff=0.6)]
    if not close:
        return None
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


def _drop(locs: dict, prefix: tuple) -> dict:
    n = len(prefix)
    return {k: v for k, v in locs.items() if k[:n] != prefix}


def _merge(base: Loaded, child: Loaded) -> Loaded:
    data = dict(base.data)
    locs = dict(base.locs)
    keylocs = dict(base.keylocs)
    for key, value in child.data.items():
        if key == "extends":
            continue
        sub = {k: v for k, v in child.locs.items() if k[:1] == (key,)}
        subk = {k: v for k, v in child.keylocs.items() if k[:1] == (key,)}
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(data.get(key), dict):
            merged = dict(data[key])
            for name, entry in value.items():
                locs = _drop(locs, (key, name))
                keylocs = _drop(keylocs, (key, name))
                if entry is None:
                    merged.pop(name, None)
                    continue
                merged[name] = entry
                locs.update({k: v for k, v in sub.items() if k[:2] == (key, name)})
                keylocs.update({k: v for k, v in subk.items() if k[:2] == (key, name)})
            data[key] = merged
            locs[(key,)] = child.locs[(key,)]
        else:
            locs = _drop(locs, (key,))
            keylocs = _drop(keylocs, (key,))
            data[key] = value
            locs.update(sub)
            keylocs.update(subk)
    data.pop("extends", None)
    locs[()] = child.locs.get((), Location(child.file))
    return Loaded(data, child.file, child.text, locs, keylocs)


def load_loaded(path: str | Path, _chain: tuple = ()) -> Loaded:
    """The YAML of ``path`` with its ``extends`` chain merged in (locations kept per file)."""
    loaded = load_yaml_file(path)
    ext = loaded.data.get("extends")
    if ext is None:
        return loaded
    where = loaded.loc(("extends",))
    if not isinstance(ext, str) or not ext.strip():
        raise ConfigError([Problem(where, "'extends' takes the path of a base screen file",
                                   "e.g. extends: rebound.yaml")])
    target = (Path(path).parent / ext).resolve()
    if not target.exists() and not Path(ext).is_absolute():
        from screener.settings import screens_dir
        if (screens_dir() / ext).exists():
            target = (screens_dir() / ext).resolve()
    chain = _chain + (Path(path).resolve(),)
    if target in chain:
        raise ConfigError([Problem(where, f"'extends' makes a cycle: {ext} extends this file "
                                   "again", "remove one of the 'extends' lines")])
    if len(chain) > MAX_EXTENDS:
        raise ConfigError([Problem(where, f"more than {MAX_EXTENDS} levels of 'extends'")])
    if not target.exists():
        raise ConfigError([Problem(where, f"base screen {ext!r} not found (looked in "
                                   f"{target.parent})", "the path is relative to this file (or to the screens folder)")])
    base = load_loaded(target, chain)
    return _merge(base, loaded)


def apply_overrides(loaded: Loaded, overrides: dict[str, str] | None) -> None:
    """``--set name=value``: replace declared params; unknown names are errors."""
    if not overrides:
        return
    params = loaded.data.get("params")
    params = params if isinstance(params, dict) else {}
    problems = []
    for name, raw in overrides.items():
        where = Location("--set", text=f"{name}={raw}")
        if name not in params:
            hint = did_you_mean(name, params) or (
                "declared params: " + ", ".join(params) if params else
                "this screen declares no params; add them under 'params:'")
            problems.append(Problem(where, f"--set {name}: no such param in the screen", hint))
            continue
        value = parse_literal(raw)
        declared = parse_literal(params[name]) if isinstance(params[name], str) else params[name]
        if isinstance(declared, (int, float)) and not isinstance(value, float):
            problems.append(Problem(where, f"--set {name}: {raw!r} is not a number",
                                    f"the screen's value is {params[name]!r}; give a number "
                                    "such as 2.5, 300M or 5%"))
            continue
        params[name] = value
        loaded.locs[("params", name)] = where
    if problems:
        raise ConfigError(problems)
    loaded.data["params"] = params


# -- pydantic errors -> problems -----------------------------------------------------------------


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last component of ``loc`` (for did-you-mean on keys)."""
    tp: object = ScreenSpec
    for comp in loc[:-1]:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(comp) if isinstance(comp, str) else None
            if f is None:
                return None
            tp = f.annotation
            continue
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        origin = typing.get_origin(tp)
        if origin is dict and len(args) == 2:
            tp = args[1]
        elif origin is list and args or len(args) == 1:
            tp = args[0]
        else:
            return None
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _message(err: dict) -> tuple[str, str | None]:
    msg = err["msg"]
    msg = msg.removeprefix("Value error, ")
    kind = err["type"]
    hint = None
    if kind == "missing":
        msg = f"'{err['loc'][-1]}' is required"
        hint = "add it (see screens/README.md)"
    elif kind in ("float_parsing", "float_type"):
        msg = f"expected a number, got {err.get('input')!r}"
        hint = "write a plain number such as 2 or 0.5"
    elif kind.startswith("literal_error"):
        msg = f"{err.get('input')!r} is not allowed here; {msg[0].lower()}{msg[1:]}"
    elif kind in ("dict_type", "model_type"):
        msg = f"expected a mapping of keys, got {err.get('input')!r}"
        hint = "indent the keys under this one"
    elif kind == "list_type":
        msg = f"expected a list, got {err.get('input')!r}"
        hint = "write a list: one '- item' per line, or [a, b]"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        msg = f"{err.get('input')!r} is out of range: {msg[0].lower()}{msg[1:]}"
        hint = "use a value in that range (see screens/README.md)"
    elif kind.startswith(("int_", "bool_", "string_")):
        msg = f"{err.get('input')!r}: {msg[0].lower()}{msg[1:]}"
    if hint is None:
        hint = "see screens/README.md for what this key takes"
    return msg, hint


def validation_problems(exc: ValidationError, loaded: Loaded) -> list[Problem]:
    problems: list[Problem] = []
    seen = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        msg, hint = _message(err)
        if err["type"] == "extra_forbidden":
            model = _model_at(loc)
            where = loaded.loc(loc, key=True)
            msg = f"unknown key '{loc[-1]}'"
            if model is not None:
                hint = did_you_mean(loc[-1], model.model_fields) or (
                    "allowed keys: " + ", ".join(model.model_fields))
        else:
            where = loaded.loc(loc)
        key = (where, msg)
        if key in seen:
            continue
        seen.add(key)
        what = ".".join(str(c) for c in loc)
        problems.append(Problem(where, f"{what}: {msg}" if what else msg, hint))
    return _drop_required_explained_by_typos(problems)


def _drop_required_explained_by_typos(problems: list[Problem]) -> list[Problem]:
    """`universe:` typed for `universes:` is one mistake: keep the did-you-mean, not both."""
    suggested = {p.hint.split("'")[1] for p in problems
                 if p.hint and p.hint.startswith("did you mean '")}
    return [p for p in problems
            if not (p.message.endswith("is required")
                    and p.message.split("'")[1] in suggested)]


def _existing_prefix(data, loc: tuple) -> tuple:
    node, out = data, ()
    for c in loc:
        if isinstance(node, dict) and c in node or isinstance(node, list) and isinstance(c, int) and 0 <= c < len(node):
            node, out = node[c], out + (c,)
        else:
            break
    return out


def _delete(loaded: Loaded, path: tuple) -> None:
    """Remove the node at ``path``; list items after it shift down, with their locations."""
    parent = loaded.data
    for c in path[:-1]:
        parent = parent[c]
    last = path[-1]
    n = len(path)
    if isinstance(parent, list):
        del parent[last]

        def shift(table):
            out = {}
            for k, v in table.items():
                if k[:n - 1] == path[:-1] and len(k) >= n and isinstance(k[n - 1], int) \
                        and k[n - 1] >= last:
                    if k[n - 1] == last:
                        continue
                    k = k[:n - 1] + (k[n - 1] - 1,) + k[n:]
                out[k] = v
            return out
        loaded.locs, loaded.keylocs = shift(loaded.locs), shift(loaded.keylocs)
    else:
        parent.pop(last, None)


def load_screen_partial(path: str | Path, overrides: dict[str, str] | None = None
                        ) -> tuple[ScreenSpec | None, list[Problem], set[str]]:
    """Like ``load_screen`` but never raises for shape errors: returns the spec built from the
    parts that are valid (so the compiler can still report its own problems), the shape
    problems, and the ids of scores that had to be dropped."""
    import copy

    loaded = load_loaded(path)
    apply_overrides(loaded, overrides)
    try:
        spec = ScreenSpec.model_validate(loaded.data)
        spec._source = loaded
        return spec, [], set()
    except ValidationError as exc:
        problems = validation_problems(exc, loaded)
        first = exc
    work = Loaded(copy.deepcopy(loaded.data), loaded.file, loaded.text, dict(loaded.locs),
                  dict(loaded.keylocs))
    dropped: set[str] = set()
    err = first
    for _ in range(6):
        targets = set()
        for e in err.errors():
            loc = tuple(e["loc"])
            target = _existing_prefix(work.data, loc)
            if target == () or target in (("universes",), ("phases",)):
                return None, problems, dropped
            targets.add(target)
        for t in sorted(targets, key=lambda t: (len(t), t), reverse=True):
            if t[0] == "scores" and len(t) == 2:
                dropped.add(t[1])
            try:
                _delete(work, t)
            except (KeyError, IndexError, TypeError):
                return None, problems, dropped
        try:
            spec = ScreenSpec.model_validate(work.data)
        except ValidationError as exc:
            err = exc
            continue
        spec._source = work
        return spec, problems, dropped
    return None, problems, dropped


def load_screen(path: str | Path, overrides: dict[str, str] | None = None) -> ScreenSpec:
    """Read, merge (extends), override params and validate a screen file."""
    spec, problems, _ = load_screen_partial(path, overrides)
    if problems or spec is None:
        raise ConfigError(problems)
    return spec
