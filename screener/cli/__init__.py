"""The command line: the only place that talks to a person.

Every command is a thin call into the stages. Any ``ScreenerError`` becomes one message on
stderr and exit status 2, never a traceback. Commands live in modules of this package, one per
area, and are registered below.
"""

from __future__ import annotations

import sys
import warnings

import click

from screener import __version__
from screener.errors import ScreenerError


class ScreenerGroup(click.Group):
    """A click group that turns ``ScreenerError`` into a clear message and status 2."""

    def invoke(self, ctx: click.Context):
        try:
            with warnings.catch_warnings():  # Click 8.2 deprecates protected_args
                warnings.simplefilter("ignore", DeprecationWarning)
                args = [*ctx.protected_args, *ctx.args]
            if not {"-h", "--help"} & set(args):  # help works whatever the settings
                from screener.settings_check import check

                check(args[0] if args else None)
            return super().invoke(ctx)
        except ScreenerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # half-built objects (a workbook's streamed sheets) are finalised at exit; their
            # "Exception ignored" reports are noise after a Ctrl-C, not something to act on
            sys.unraisablehook = lambda _unraisable: None
            click.echo("Interrupted. Everything fetched or written so far is kept; no "
                       "output file was left half-written. Run the same command again to "
                       "resume.", err=True)
            ctx.exit(130)


@click.group(cls=ScreenerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="screener")
def cli() -> None:
    """Small-cap stock screener: Russell 2000 / S&P 600 names, fundamentals, YAML screens
    per rebound phase, an Excel workbook per run.

    \b
    Start here (no network, fictional sample data):
      screener demo
    Then:
      screener validate screens/rebound.yaml
      screener run screens/rebound.yaml --provider sample
      screener explain PRAB3 --screen screens/rebound.yaml --provider sample
      screener metrics
    """


def _register() -> None:
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_register()


def main() -> None:  # pragma: no cover - console entry
    sys.exit(cli())
