"""Options shared by several commands, defined once (sqlite-utils style)."""

from __future__ import annotations

import click

from screener.errors import ConfigError, Location, Problem


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    """``--set name=value`` pairs -> dict; every malformed pair reported at once."""
    out: dict[str, str] = {}
    bad = []
    for v in values:
        name, sep, raw = v.partition("=")
        if not sep or not name.strip():
            bad.append(Problem(Location("--set", text=v), "expected NAME=VALUE",
                               "e.g. --set max_leverage=2.5"))
            continue
        out[name.strip()] = raw.strip()
    if bad:
        raise ConfigError(bad)
    return out


set_option = click.option(
    "--set", "sets", multiple=True, metavar="NAME=VALUE",
    help="Override a param of the screen, e.g. --set max_leverage=2.5 (repeatable).")

provider_option = click.option(
    "--provider", "-p", default=None,
    help="Where data comes from: the local store (default), 'sample' for fictional demo data, "
         "or one stored source (sec, yahoo, fmp, file).")

as_of_option = click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Evaluate as of this date (YYYY-MM-DD): members in force then, statements as first "
         "filed by then, prices up to that close; nothing published later.")
