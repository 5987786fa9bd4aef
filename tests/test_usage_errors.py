"""A mistyped command line is one line on stderr naming the command and what is wrong, exit 2.

Typer's own usage errors (a bad value, an unknown option or command, a missing argument) used to
be a multi-line box. Every registered command and sub-command is tried, through the real app, and
once through the real entry point in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from tests.test_cli_help import COMMANDS

REPO = Path(__file__).resolve().parent.parent


def _one_line(result_stderr: str) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{result_stderr}"
    assert "╭" not in lines[0] and "Traceback" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_unknown_option_on_every_command(runner: CliRunner, name: str) -> None:
    result = runner.invoke(app, [*name.split(), "--no-such-option"])
    assert result.exit_code == 2
    line = _one_line(result.stderr)
    assert line.startswith(f"coursectl {name}: no such option: --no-such-option")
    assert line.endswith("; try --help")
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["deadlines", "--week", "abc"],
            "coursectl deadlines: --week: 'abc': input should be a valid integer",
        ),
        (["deadlines", "-w", "abc"], "coursectl deadlines: --week: 'abc':"),
        (["deadlines", "--week"], "coursectl deadlines: option '--week' requires an argument"),
        (["deadlines", "--wek", "7"], "coursectl deadlines: no such option: --wek (did you mean"),
        (["deadlines", "extra"], "coursectl deadlines: got unexpected extra argument(s) (extra)"),
        (["check-reflections"], "coursectl check-reflections: missing argument WEEK"),
        (["gradebook", "explain"], "coursectl gradebook explain: missing argument STUDENT"),
        (["render", "week", "x"], "coursectl render week: NUMBER: 'x':"),
        (["calendar", "publish", "--user"], "coursectl calendar publish: option '--user' requires"),
        (["nosuch"], "coursectl: no such command 'nosuch'"),
        (["calendar", "nosuch"], "coursectl calendar: no such command 'nosuch'"),
        (["--bogus"], "coursectl: no such option: --bogus"),
    ],
)
def test_usage_error_is_one_line(runner: CliRunner, argv: list[str], expected: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    line = _one_line(result.stderr)
    assert line.startswith(expected), line
    assert line.endswith("; try --help")


@pytest.mark.parametrize("name", ["", "deadlines", "calendar publish", "gradebook explain"])
def test_help_is_still_typers(runner: CliRunner, name: str) -> None:
    result = runner.invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Usage: coursectl" in result.stdout and "╭─ Options" in result.stdout
    assert result.stderr == ""


def test_no_arguments_still_shows_the_help(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2  # click's code for "no command given"
    assert "╭─ Commands" in result.output and "check-reflections" in result.output


def test_console_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "coursectl", "deadlines", "-w", "x"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    line = _one_line(done.stderr)
    assert line.startswith("python -m coursectl deadlines: --week: 'x': input should be a valid")
