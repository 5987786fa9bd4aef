"""`coursectl deadlines`: the table a TA reads, and its core function."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.course.deadlines import describe_time_left, list_deadlines

REPO = Path(__file__).resolve().parent.parent
WIDE = {"COLUMNS": "200"}


def test_week7_table(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["deadlines", "--week", "7", "--now", "Tue 2026-03-03 12:00"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "Mar 0" in line]
    assert len(lines) == 4
    assert "Wed Mar 04 23:59" in lines[0] and "Portfolio Piece 1 peer reviews" in lines[0]
    assert "Gradescope" in lines[0] and "1d 11h left" in lines[0]
    reflection = next(line for line in lines if "Week 7 Reflection" in line)
    assert "Fri Mar 06 23:59" in reflection and "GitHub" in reflection


def test_upcoming_drops_passed_deadlines(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["deadlines", "--week", "7", "--upcoming", "--now", "Thu 2026-03-05 09:00"], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "peer reviews" not in result.output
    assert "Week 7 Reflection" in result.output


def test_time_left_crosses_dst() -> None:
    """From noon PST on Mar 7 to 23:59 PDT on Mar 8 is 35h59m minus the lost hour."""
    schedule = load_course(REPO).schedule
    now = datetime(2026, 3, 1, 12, 0, tzinfo=schedule.tz)
    rows = list_deadlines(schedule, now, week=7)
    assert [r.id for r in rows] == [
        "pp1-peer-reviews",
        "course-survey",
        "midcourse-self-assessment",
        "week-07-reflection",
    ]
    assert rows[0].time_left == timedelta(days=3, hours=11, minutes=59)
    week8 = list_deadlines(schedule, datetime(2026, 3, 7, 12, 0, tzinfo=schedule.tz), week=8)
    # Fri Mar 20 23:59 PDT: 13 days 11h59m of wall clock, one hour fewer of real time.
    assert week8[0].time_left == timedelta(days=13, hours=10, minutes=59)


def test_describe_time_left() -> None:
    assert describe_time_left(timedelta(days=1, hours=11, minutes=59)) == "1d 11h left"
    assert describe_time_left(timedelta(minutes=-45)) == "passed 45m ago"


def test_bad_now_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["deadlines", "--now", "next tuesday"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "--now" in result.output


@pytest.mark.parametrize("week", ["99", "0", "-1", "17"])
def test_week_outside_the_course_is_an_error(runner: CliRunner, week: str) -> None:
    # It used to print "no deadlines match in week 99" and exit 0, as if the week were quiet,
    # while `render week 99` and `check-reflections 99` said the week does not exist.
    result = runner.invoke(app, ["deadlines", "--week", week], env=WIDE)
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (
        f"error: --week {week}: LLM 101 Spring 2026 has no week {week}; use a week from 1 to 16"
    )


def test_quiet_week_inside_the_course_is_not_an_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["deadlines", "--week", "16"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "no deadlines match in week 16" in result.output
