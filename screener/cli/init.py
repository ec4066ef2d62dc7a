"""`screener init`: copy the bundled playbook, examples, universes and schema out for editing."""

from __future__ import annotations

import shutil
from pathlib import Path

import click


def _copy_tree(src: Path, dest: Path, force: bool) -> tuple[list[Path], list[Path]]:
    written, kept = [], []
    for path in sorted(src.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = dest / path.relative_to(src)
        if target.exists() and not force:
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
    return written, kept


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite files that already exist there.")
def init(directory: Path, force: bool) -> None:
    """Copy the bundled screens (rebound.yaml, examples/, README, JSON schema) and universe
    definitions into DIRECTORY/screens/ and DIRECTORY/universes/ (default: here), to edit.

    Files you already have are kept unless --force. Your own folders never hide the bundled
    ones: names are looked up as given, then in ./screens/ and ./universes/, then in the user
    config folder, then in the bundled folders.

    \b
    Example:
      screener init
      screener init ~/my-screens && cd ~/my-screens && screener validate screens/rebound.yaml
    """
    from screener.fsutil import atomic_write_bytes
    from screener.rules.schema import screen_json_schema_text
    from screener.searchpath import bundled_dir

    written: list[Path] = []
    kept: list[Path] = []
    for kind in ("screens", "universes"):
        w, k = _copy_tree(bundled_dir(kind), directory / kind, force)
        written += w
        kept += k
    schema = directory / "screens" / "screen.schema.json"
    if schema in written or not schema.exists():   # the schema of this version, not a stale copy
        atomic_write_bytes(schema, screen_json_schema_text().encode("utf-8"))
        if schema not in written:
            written.append(schema)
    click.echo(f"Wrote {len(written)} file(s) under {directory}/ (screens/, universes/)")
    if kept:
        click.echo(f"Kept {len(kept)} existing file(s) (--force to overwrite): "
                   + ", ".join(str(p.relative_to(directory)) for p in kept[:6])
                   + (" ..." if len(kept) > 6 else ""))
    click.echo(f"Next: screener validate {directory / 'screens' / 'rebound.yaml'}")


COMMANDS = [init]
