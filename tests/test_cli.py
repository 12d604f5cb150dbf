"""The ``jaga`` command as a new user meets it (issue 13 point 11): every command's and
subcommand's ``--help`` works, and a command run before ``jaga migrate`` says to run it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

from jaga.cli import main


def jaga_commands() -> list[tuple[str, ...]]:
    """Every management command of Jaga's apps, and every path through its argparse
    subparsers: ``("sop",)``, ``("sop", "simulate")``…"""
    found: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        found.append(path)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, (*path, name))

    for name, app in sorted(get_commands().items()):
        if app.startswith("jaga."):
            walk(load_command_class(app, name).create_parser("jaga", name), (name,))
    return found


COMMANDS = jaga_commands()


def test_it_finds_the_commands_and_subcommands_of_jaga() -> None:
    names = {path[0] for path in COMMANDS}
    assert {"sop", "calendar", "run", "demo", "monitor", "inventory", "audit"} <= names
    assert ("sop", "simulate") in COMMANDS
    assert ("calendar", "due") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_it_prints_help_for_every_command(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["jaga", *path, "--help"])
    assert exited.value.code == 0
    output = capsys.readouterr().out
    assert output.startswith("usage: jaga " + " ".join(path))
    assert len(output.splitlines()) > 3


def fresh_env(data: Path) -> dict[str, str]:
    """The environment of a ``jaga`` process on a new, empty SQLite data directory."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["JAGA_DATA_DIR"] = str(data)
    return env


@pytest.mark.parametrize(
    "args",
    [
        ("sop", "list", "--agency", "bogor"),
        ("calendar", "days-off", "bogor", "2026"),
        ("run", "--bind", "127.0.0.1:1"),
    ],
    ids=" ".join,
)
def test_it_says_to_run_migrate_first_on_a_fresh_data_directory(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jaga", *args],
        env=fresh_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "belum memiliki tabel" in result.stderr  # Indonesian, the default language
    assert "jaga migrate" in result.stderr
    assert str(tmp_path / "jaga.sqlite3") in result.stderr


def test_it_names_the_first_missing_migration_after_an_upgrade(tmp_path: Path) -> None:
    env = fresh_env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "jaga", "migrate", "contenttypes", "-v0"],
        env=env,
        check=True,
        timeout=180,
    )
    result = subprocess.run(
        [sys.executable, "-m", "jaga", "sop", "list", "--agency", "bogor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "belum mutakhir" in result.stderr  # Indonesian, the default language
    assert "Jalankan `jaga migrate` terlebih dahulu" in result.stderr
