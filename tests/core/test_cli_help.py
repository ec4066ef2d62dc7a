"""Every command explains itself with an example (after sqlite-utils' test_docs)."""

import click
import pytest
from click.testing import CliRunner

from screener.cli import cli


def _commands(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


ALL = list(_commands(cli))


def test_the_commands_users_need_exist():
    names = {" ".join(path) for path, _ in ALL}
    assert {"run", "demo", "metrics"} <= names


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "example" in result.output, (
        f"`screener {' '.join(path)} --help` shows no example"
    )


def test_top_level_help_names_the_demo():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "screener demo" in result.output
