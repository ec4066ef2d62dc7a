"""A safe YAML loader that remembers where every value came from.

``load_yaml_text`` returns a ``Loaded``: plain Python data (dict, list, str, int, float, bool,
None) plus ``locs``, a map from the path of every node (a tuple of keys and list indexes) to its
``Location`` (file, 1-based line and column, text), and ``keylocs`` for mapping keys.

Safety, in the order it is checked:

1. size limit (``MAX_BYTES``), binary content (NUL bytes), UTF-8 decoding, empty files;
2. tabs in indentation get a message saying to use spaces;
3. only the standard YAML tags (``!!python/object`` and friends are errors naming the line);
4. duplicate mapping keys are errors, not a silent "last one wins";
5. anchors/aliases are allowed but the expanded document is limited to ``MAX_NODES`` nodes
   (billion-laughs) and recursive aliases are rejected.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from screener.errors import ConfigError, Location, Problem

MAX_BYTES = 1_000_000
MAX_NODES = 50_000
MAX_DEPTH = 64

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary", "merge")
}
_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")  # used only to construct plain scalars

Path_ = tuple


@dataclass
class Loaded:
    data: object
    file: str
    text: str
    locs: dict[tuple, Location] = field(default_factory=dict)
    keylocs: dict[tuple, Location] = field(default_factory=dict)

    def loc(self, path: tuple, key: bool = False) -> Location:
        """The best known location for ``path``: the node itself, else its nearest parent."""
        table = self.keylocs if key else self.locs
        p = tuple(path)
        if p in table:
            return table[p]
        while p:
            p = p[:-1]
            if p in self.locs:
                return self.locs[p]
        return Location(self.file)


def _line_text(lines: list[str], line0: int) -> str | None:
    if 0 <= line0 < len(lines):
        return lines[line0].strip() or None
    return None


class _Converter:
    def __init__(self, file: str, text: str):
        self.file = file
        self.lines = text.splitlines()
        self.locs: dict[tuple, Location] = {}
        self.keylocs: dict[tuple, Location] = {}
        self.problems: list[Problem] = []
        self.count = 0

    def where(self, node) -> Location:
        m = node.start_mark
        return Location(self.file, m.line + 1, m.column + 1, _line_text(self.lines, m.line))

    def convert(self, node, path: tuple, stack: tuple = ()):
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(self.where(node))
        if id(node) in stack or len(stack) > MAX_DEPTH:
            self.problems.append(Problem(self.where(node), "recursive or too deeply nested YAML",
                                         "remove the alias that refers to itself"))
            return None
        self.locs[path] = self.where(node)
        if node.tag not in _STD_TAGS:
            self.problems.append(Problem(
                self.where(node), f"YAML tag {node.tag!r} is not allowed",
                "screen files hold plain values only; remove the '!' tag"))
            return None
        stack = stack + (id(node),)
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for knode, vnode in node.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    self.problems.append(Problem(self.where(knode), "'<<' merge keys are not "
                                                 "supported", "use 'extends:' to reuse a screen"))
                    continue
                if not isinstance(knode, yaml.ScalarNode):
                    self.problems.append(Problem(self.where(knode), "a key must be a plain word"))
                    continue
                key = self.scalar(knode)
                key = key if isinstance(key, str) else str(knode.value)
                if key in out:
                    first = self.keylocs.get(path + (key,))
                    self.problems.append(Problem(
                        self.where(knode), f"duplicate key {key!r}",
                        f"it is already set on line {first.line}; keep one" if first else None))
                    continue
                self.keylocs[path + (key,)] = self.where(knode)
                out[key] = self.convert(vnode, path + (key,), stack)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(v, path + (i,), stack) for i, v in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node):
        build = yaml.SafeLoader.yaml_constructors.get(node.tag)
        if build is None or not isinstance(node, yaml.ScalarNode):
            return None
        try:
            value = build(_SCALAR_CONSTRUCTOR, node)
        except (ValueError, yaml.YAMLError):
            self.problems.append(Problem(self.where(node), f"cannot read value {node.value!r}"))
            return None
        if isinstance(value, bytes):
            self.problems.append(Problem(self.where(node), "binary values are not allowed"))
            return None
        if isinstance(value, _dt.date | _dt.datetime):
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(Problem(self.where(node), f"{node.value!r} is not a finite number",
                                         "use an ordinary number"))
            return None
        return value


class _TooBig(Exception):
    def __init__(self, where: Location):
        self.where = where


def _fail(file: str, message: str, hint: str | None = None, line=None, column=None, text=None):
    raise ConfigError([Problem(Location(file, line, column, text), message, hint)])


def decode(raw: bytes, file: str) -> str:
    """Bytes of a user file to text, or a ConfigError saying why it is not a YAML screen."""
    if len(raw) > MAX_BYTES:
        _fail(file, f"file is too large ({len(raw):,} bytes; the limit is {MAX_BYTES:,})",
              "a screen file is a few hundred lines; check that this is the right file")
    if b"\x00" in raw:
        _fail(file, "this is a binary file, not a YAML screen",
              "open it in a text editor; screen files are plain text (.yaml)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        _fail(file, f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
              "save it as UTF-8 in your editor", line=line)
    if not text.strip() or all(ln.strip().startswith("#") or not ln.strip()
                               for ln in text.splitlines()):
        _fail(file, "the screen file is empty",
              "start from screens/rebound.yaml or the examples in screens/examples/")
    return text


def load_yaml_text(text: str, file: str) -> Loaded:
    """Parse YAML text into data + locations; every problem becomes a ConfigError."""
    lines = text.splitlines()
    for i, ln in enumerate(lines):
        stripped = ln.lstrip(" ")
        if stripped.startswith("\t"):
            _fail(file, "a tab is used for indentation", "YAML indentation must use spaces; "
                  "set your editor to insert spaces", line=i + 1, column=len(ln) - len(stripped) + 1,
                  text=ln.strip() or None)
    try:
        loader = _Base(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = (exc.problem or "invalid YAML").strip()
        if exc.context:
            msg = f"{exc.context.strip()}: {msg}"
        hint = "check the indentation and the ':' after each key"
        if "\t" in msg or "tab" in msg:
            hint = "YAML indentation must use spaces, not tabs"
        elif "expected <document start>" in msg or "single document" in msg:
            hint = "a screen file holds one document; remove the extra '---'"
        elif "found unhashable key" in msg or "could not find expected ':'" in msg:
            hint = "a key is followed by ':'; quote values that contain ': ' or start with [ or {"
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        _fail(file, f"invalid YAML: {msg}", hint, line, col,
              _line_text(lines, mark.line) if mark else None)
    except yaml.YAMLError as exc:
        _fail(file, f"invalid YAML: {exc}", "check the file in a YAML-aware editor")
    if node is None:
        _fail(file, "the screen file is empty",
              "start from screens/rebound.yaml or the examples in screens/examples/")
    conv = _Converter(file, text)
    try:
        data = conv.convert(node, ())
    except _TooBig as big:
        _fail(file, f"the document expands to more than {MAX_NODES:,} values (aliases?)",
              "remove the anchors/aliases (&name, *name) that repeat large blocks",
              big.where.line, big.where.column, big.where.text)
    except RecursionError:
        _fail(file, "the document is nested too deeply")
    if conv.problems:
        raise ConfigError(conv.problems)
    if not isinstance(data, dict):
        loc = conv.locs.get((), Location(file, 1))
        _fail(file, "a screen file is a mapping of keys (universes:, scores:, phases:, ...)",
              "see screens/README.md", loc.line, loc.column, loc.text)
    return Loaded(data, file, text, conv.locs, conv.keylocs)


def load_yaml_file(path: str | Path) -> Loaded:
    from screener.fsutil import UnreadableFile, read_bounded

    p = Path(path)
    file = str(path)
    if not p.exists():
        _fail(file, "screen file not found", f"check the path; screens live in {p.parent}/"
              if str(p.parent) not in ("", ".") else "check the path")
    if p.is_dir():
        _fail(file, "this is a folder, not a screen file", "name a .yaml file inside it")
    try:  # bounded while reading: /dev/zero, a FIFO or a growing file cannot hold us
        raw = read_bounded(p, MAX_BYTES, "screen file")
    except UnreadableFile as exc:
        if "larger" in exc.reason:
            _fail(file, f"file is too large (the limit is {MAX_BYTES:,} bytes)",
                  "a screen file is a few hundred lines; check that this is the right file")
        _fail(file, exc.reason, exc.hint)
    return load_yaml_text(decode(raw, file), file)
