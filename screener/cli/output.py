"""How much the CLI says, and whether it uses colour: one place for every command.

``--quiet`` / ``-q`` and ``--verbose`` / ``-v`` are accepted by the group and by every command
(``screener -q run ...`` and ``screener run ... -q`` both work). Quiet keeps what a command is
for (its result, the file it wrote, warnings and errors) and drops progress and summaries;
verbose adds details (attrition per rule, the log of data sources on stderr).

Colour is off when ``NO_COLOR`` is set (https://no-color.org), when ``TERM=dumb``, and when
output is not a terminal; ``rich`` consoles follow the same rules.
"""

from __future__ import annotations

import logging
import os

import click

KEY = "screener.verbosity"
QUIET, NORMAL, VERBOSE = 0, 1, 2


def colour_allowed() -> bool:
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM", "") != "dumb"


def verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    return ctx.find_root().meta.get(KEY, NORMAL) if ctx is not None else NORMAL


def quiet() -> bool:
    return verbosity() == QUIET


def info(message: str = "", **style) -> None:
    """A line a person reads but a script does not need (summaries, timings): not with -q."""
    if verbosity() >= NORMAL:
        click.secho(message, **style)


def detail(message: str = "", **style) -> None:
    """A line shown only with -v."""
    if verbosity() >= VERBOSE:
        click.secho(message, **style)


def _set(level: int):
    def callback(ctx: click.Context, _param, value: bool) -> None:
        if not value:
            return
        root = ctx.find_root()
        current = root.meta.get(KEY, NORMAL)
        if current != NORMAL and current != level:
            raise click.UsageError("--quiet and --verbose exclude each other; give one.")
        root.meta[KEY] = level
        logger = logging.getLogger("screener")
        if level == VERBOSE:
            if not any(getattr(h, "_screener_cli", False) for h in logger.handlers):
                handler = logging.StreamHandler()
                handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
                handler._screener_cli = True
                logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
        else:
            logger.setLevel(logging.ERROR)
    return callback


def reset_logging() -> None:
    """Undo what -q/-v did to the logger (one process may run several commands: tests)."""
    logger = logging.getLogger("screener")
    logger.setLevel(logging.NOTSET)
    for h in [h for h in logger.handlers if getattr(h, "_screener_cli", False)]:
        logger.removeHandler(h)


def verbosity_params() -> list[click.Option]:
    return [
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                     callback=_set(QUIET),
                     help="Only results, warnings and errors (no progress or summaries)."),
        click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, is_eager=True,
                     callback=_set(VERBOSE),
                     help="More detail: attrition per rule, data-source log on stderr."),
    ]


def add_verbosity(command: click.Command) -> None:
    """Give ``command`` (and, for a group, every subcommand) --quiet and --verbose."""
    names = {o for p in command.params for o in getattr(p, "opts", [])}
    if not names & {"-q", "--quiet", "-v", "--verbose"}:
        command.params.extend(verbosity_params())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_verbosity(sub)
