"""No command ever answers a user's mistake with a traceback.

Every command is run on a course folder with malformed YAML and on one whose roster is missing a
column: each must exit non-zero with one-line errors naming the file. The table below must list
every registered command, so a new command cannot skip this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from tests.test_cli_help import COMMANDS, _is_group

COURSES = Path(__file__).parent / "courses"
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "reflections"
OFFLINE = {
    # Credentials are present so that a command gets as far as reading the course; the URLs
    # point at a closed port on loopback, never at a real service.
    "GRADESCOPE_EMAIL": "ta@example.edu",
    "GRADESCOPE_PASSWORD": "not-a-real-password",
    "GRADESCOPE_URL": "http://127.0.0.1:9",
    "COURSECTL_CALDAV_URL": "http://127.0.0.1:9/cal/",
    "COURSECTL_CALDAV_USER": "ta",
    "COURSECTL_CALDAV_PASSWORD": "not-a-real-password",
    "GITHUB_TOKEN": "not-a-real-token",
}

ARGS: dict[str, list[str]] = {
    "validate": [],
    "deadlines": [],
    "calendar": [],
    "calendar publish": [],
    "check-reflections": ["7", "--source", "local", str(SAMPLES)],
    "gradescope roster": [],
    "gradescope check-dates": [],
    "gradescope extensions": [],
    "gradebook": [],
    "gradebook explain": ["9100001"],
    "render week": ["7"],
    "render reminder": ["pp1-peer-reviews"],
}

LEAVES = [
    name for name, command in COMMANDS if not _is_group(command) or command.invoke_without_command
]


def test_every_command_is_covered() -> None:
    assert set(LEAVES) == set(ARGS), "add the new command's arguments to ARGS"


@pytest.mark.parametrize("case", ["malformed-yaml", "roster-missing-column"])
@pytest.mark.parametrize("name", sorted(ARGS))
def test_broken_course_gives_one_line_errors(
    runner: CliRunner, name: str, case: str, tmp_path: Path
) -> None:
    argv = [*name.split(), *ARGS[name], "--course", str(COURSES / case)]
    result = runner.invoke(app, argv, env={**OFFLINE, "HOME": str(tmp_path)})
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors, result.output
    expected = "schedule.yaml" if case == "malformed-yaml" else "roster.csv"
    assert any(expected in line for line in errors), result.output
