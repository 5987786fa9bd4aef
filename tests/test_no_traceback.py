"""No command ever answers a user's mistake with a traceback.

Every command is run on a course folder with malformed YAML and on one whose roster is missing a
column: each must exit non-zero with one-line errors naming the file. The table below must list
every registered command, so a new command cannot skip this test.
"""

from __future__ import annotations

import os
import socket
import stat
import tempfile
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
    "COURSECTL_CANVAS_URL": "http://127.0.0.1:9",
    "COURSECTL_CANVAS_TOKEN": "not-a-real-token",
}

ARGS: dict[str, list[str]] = {
    "demo": ["--out", str(Path(tempfile.mkdtemp(prefix="coursectl-demo-test-")) / "demo")],
    "validate": [],
    "deadlines": [],
    "assign-reviews": ["pp1-peer-reviews"],
    "calendar": [],
    "calendar publish": [],
    "check-reflections": ["7", "--source", "local", str(SAMPLES)],
    "gradescope roster": [],
    "gradescope check-dates": [],
    "gradescope extensions": [],
    "canvas roster": [],
    "canvas link": [],
    "canvas push": [],
    "gradebook": [],
    "gradebook explain": ["9100001"],
    "render week": ["7"],
    "render reminder": ["pp1-peer-reviews"],
    # `{course}` stands for the course folder where a command takes it as an argument.
    "new-term": [
        "{course}",
        str(Path(tempfile.mkdtemp(prefix="coursectl-nt-")) / "n"),
        "--start",
        "2027-01-19",
    ],
    "init": [],  # starts a course, reads none: see tests/test_start_course.py
}
# Commands that take the course folder as an argument instead of --course, or none.
COURSE_ARGUMENT = {"new-term"}
NO_COURSE = {"init"}

LEAVES = [
    name for name, command in COMMANDS if not _is_group(command) or command.invoke_without_command
]


def test_every_command_is_covered() -> None:
    assert set(LEAVES) == set(ARGS), "add the new command's arguments to ARGS"


# Commands that never name students work without the roster (see test_roster_optional.py).
ROSTER_FREE = {
    "deadlines",
    "calendar",
    "calendar publish",
    "render week",
    "render reminder",
    "gradescope check-dates",
    "canvas link",
}


@pytest.mark.parametrize(
    ("name", "case"),
    [(name, "malformed-yaml") for name in sorted(set(ARGS) - NO_COURSE)]
    + [
        (name, "roster-missing-column")
        for name in sorted(set(ARGS) - ROSTER_FREE - NO_COURSE - COURSE_ARGUMENT)
    ],
)
def test_broken_course_gives_one_line_errors(
    runner: CliRunner, name: str, case: str, tmp_path: Path
) -> None:
    course = str(COURSES / case)
    argv = [*name.split(), *(course if a == "{course}" else a for a in ARGS[name])]
    argv += [] if name in COURSE_ARGUMENT else ["--course", course]
    result = runner.invoke(app, argv, env={**OFFLINE, "HOME": str(tmp_path)})
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors, result.output
    expected = "schedule.yaml" if case == "malformed-yaml" else "roster.csv"
    assert any(expected in line for line in errors), result.output


OUTPUT_COMMANDS: dict[str, list[str]] = {
    "calendar": ["calendar"],
    "render": ["render", "week", "7"],
    "check-reflections": ["check-reflections", "7", "--source", "local", str(SAMPLES)],
    "gradebook": ["gradebook", "--inputs", "exports/sample"],
    "render reminder": ["render", "reminder", "pp1-peer-reviews"],
}


@pytest.mark.parametrize("name", sorted(OUTPUT_COMMANDS))
@pytest.mark.parametrize("where", ["parent-is-a-file", "target-is-a-folder"])
def test_unusable_out_path_names_it_and_keeps_files(
    runner: CliRunner, course_dir: Path, name: str, where: str
) -> None:
    # A TA's typo in --out once printed "/x: File exists" or the name of a hidden temp file.
    # Typer's own path checks answered with a boxed usage error (exit 2) for render and gradebook.
    blocker = course_dir / "notes.txt"
    blocker.write_text("keep me\n")
    if where == "parent-is-a-file":
        out, named = blocker / "out" / "result.csv", blocker
    else:
        out = named = course_dir / "a-folder" / "result.csv"
        out.mkdir(parents=True)
    if name == "gradebook":  # its --out is a folder: a file there, or a folder for its CSV
        if where == "target-is-a-folder":
            out = out.parent
            named = out / "gradebook.csv"
            named.mkdir()
        else:
            out = named = blocker
    argv = [*OUTPUT_COMMANDS[name], "--course", str(course_dir), "--out", str(out), "--force"]
    result = runner.invoke(app, argv, env={"COURSECTL_COURSE": str(course_dir)})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors == [errors[0]] and errors[0].startswith(f"error: {named}: "), result.output
    assert ".tmp" not in result.output
    assert blocker.read_text() == "keep me\n"


def test_out_onto_a_device_is_refused_not_replaced(runner: CliRunner, course_dir: Path) -> None:
    # Atomic replace would swap a pipe or device (e.g. /dev/stdout, /dev/full) for a file.
    fifo = course_dir / "pipe"
    os.mkfifo(fifo)
    argv = ["render", "week", "7", "--course", str(course_dir), "--out", str(fifo), "--force"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert f"error: {fifo}: is not a regular file" in result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_unreachable_github_is_one_line_not_every_student_cut_off(
    runner: CliRunner, course_dir: Path
) -> None:
    # A wrong --api-url (or no network) used to give all 48 students "GitHub's answer was cut
    # off (4 tries)" and exit 0, as if the run had completed.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    api_url = f"http://127.0.0.1:{closed_port}"
    argv = ["check-reflections", "7", "--course", str(course_dir), "--api-url", api_url]
    result = runner.invoke(app, argv, env={"GITHUB_TOKEN": "not-a-real-token"})
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors == [
        f"error: cannot connect to GitHub at {api_url}; check the network, "
        "--api-url or course.github.api_url in schedule.yaml"
    ], result.output
    assert "cut off" not in result.output
