"""The roster is needed only by commands that name students.

The README tells TAs to point course.roster at a git-ignored real roster, so a co-TA's fresh
clone has none: listing deadlines, building calendars and rendering pages must still work there,
while commands about students (and validate) say the roster is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.errors import UserError

WIDE = {"COLUMNS": "200"}
ROSTER = "rosters/synthetic-roster.csv"


@pytest.fixture
def fresh_clone(course_dir: Path) -> Path:
    """The shipped course with course.roster naming a real roster that git never committed."""
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    assert f"roster: {ROSTER}" in text
    schedule.write_text(text.replace(f"roster: {ROSTER}", "roster: rosters/real-roster.csv"))
    return course_dir


@pytest.mark.parametrize(
    ("argv", "shows"),
    [
        (["deadlines", "--week", "7", "--now", "Tue 2026-03-03 12:00"], "Week 7 Reflection"),
        (["render", "week", "7"], "Lecture 9"),
        (["render", "reminder", "pp1-peer-reviews"], "Portfolio Piece 1"),
    ],
)
def test_commands_without_students_work_without_the_roster(
    runner: CliRunner, fresh_clone: Path, argv: list[str], shows: str
) -> None:
    result = runner.invoke(app, [*argv, "--course", str(fresh_clone)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert shows in result.output


def test_calendar_builds_without_the_roster(runner: CliRunner, fresh_clone: Path) -> None:
    out = fresh_clone / "course.ics"
    argv = ["calendar", "--course", str(fresh_clone), "--out", str(out)]
    result = runner.invoke(app, argv, env=WIDE)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("BEGIN:VEVENT") > 20


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["assign-reviews", "pp1-peer-reviews", "--seed", "7"],
        ["gradebook", "--inputs", "exports/sample"],
    ],
)
def test_commands_about_students_name_the_missing_roster(
    runner: CliRunner, fresh_clone: Path, argv: list[str]
) -> None:
    result = runner.invoke(app, [*argv, "--course", str(fresh_clone)], env=WIDE)
    assert result.exit_code == 1, result.output
    assert "rosters/real-roster.csv: roster file not found; fix course.roster" in result.output


def test_students_are_read_when_first_used(fresh_clone: Path) -> None:
    course = load_course(fresh_clone, roster=False)
    assert course.schedule.week(7) is not None
    with pytest.raises(UserError, match=r"real-roster\.csv: roster file not found"):
        _ = course.students
    (fresh_clone / "rosters" / "real-roster.csv").write_bytes((fresh_clone / ROSTER).read_bytes())
    assert len(course.students) == 48


def test_lazily_read_roster_is_checked_against_the_sections(fresh_clone: Path) -> None:
    real = fresh_clone / "rosters" / "real-roster.csv"
    lines = (fresh_clone / ROSTER).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("section")] = "Z9"
    real.write_text("\n".join([*lines[:5], ",".join(cells), *lines[6:]]) + "\n")
    course = load_course(fresh_clone, roster=False)
    with pytest.raises(UserError, match=r"real-roster\.csv:6: unknown section 'Z9'"):
        _ = course.students


def test_a_broken_roster_does_not_stop_the_deadlines(runner: CliRunner) -> None:
    course = Path(__file__).parent / "courses" / "roster-missing-column"
    result = runner.invoke(app, ["deadlines", "--course", str(course)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Portfolio Piece 1" in result.output
    result = runner.invoke(app, ["validate", "--course", str(course)], env=WIDE)
    assert result.exit_code == 1 and "missing column(s) github" in result.output
