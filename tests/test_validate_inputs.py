"""Hand-edited course files: what a TA naturally types is read as meant, or refused with one
line naming the file, the line and what to change."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course

COURSES = Path(__file__).parent / "courses"


def copy_valid(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(COURSES / "valid", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def validate_errors(runner: CliRunner, course: Path) -> list[str]:
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    for line in lines:
        assert re.match(r"error: \S+?:(\d+:)?(\d+:)? \S", line), line
    return lines


# ---------------------------------------------------------------------------- numbers as ids


def test_unquoted_numbers_are_ids(runner: CliRunner, tmp_path: Path) -> None:
    # They used to give "gradescope_id: Input should be a valid string (got 7000001)".
    course = copy_valid(tmp_path)
    schedule = course / "schedule.yaml"
    edit(schedule, "  term: Spring 2026", "  term: 2026\n  gradescope:\n    course_id: 1234567")
    edit(schedule, "    section: A\n", "    section: 1\n    location: 101\n")
    edit(schedule, "    reviews: pp1", "    reviews: pp1\n    gradescope_id: 7000001")
    edit(schedule, "    org: test-org", "    org: 2026")
    roster = course / "rosters" / "roster.csv"
    roster.write_text(roster.read_text().replace(",A\n", ",1\n"))
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 0, result.output
    loaded = load_course(course)
    info = loaded.schedule.course
    assert info.term == "2026"
    assert info.gradescope is not None and info.gradescope.course_id == "1234567"
    assert loaded.schedule.sections() == ["1"]
    assert loaded.schedule.meetings[1].location == "101"
    assert info.github is not None and info.github.org == "2026"
    reviews = loaded.schedule.deliverable("pp1-peer-reviews")
    assert reviews is not None and reviews.gradescope_id == "7000001"


@pytest.mark.parametrize(
    ("line", "written", "message"),
    [
        (22, "    section: 01\n", "section: 01 is read as the number 1; quote it: '01'"),
        (22, "    section: 010\n", "section: 010 is read as the number 8; quote it: '010'"),
        (
            22,
            "    section: 1.0\n",
            "section: 1.0 is a decimal number, not an id; write it without the decimal part: 1",
        ),
        (
            22,
            "    section: 9.10E+06\n",
            "section: 9.10E+06 is a decimal number, not an id; write the id's exact digits",
        ),
    ],
)
def test_numbers_that_are_not_what_was_written_are_refused(
    runner: CliRunner, tmp_path: Path, line: int, written: str, message: str
) -> None:
    course = copy_valid(tmp_path)
    edit(course / "schedule.yaml", "    section: A\n", written)
    errors = validate_errors(runner, course)
    assert [e for e in errors if f"schedule.yaml:{line}:" in e and message in e], errors


def test_quoted_leading_zero_is_kept(runner: CliRunner, tmp_path: Path) -> None:
    course = copy_valid(tmp_path)
    edit(course / "schedule.yaml", "    section: A\n", "    section: '01'\n")
    roster = course / "rosters" / "roster.csv"
    roster.write_text(roster.read_text().replace(",A\n", ",01\n"))
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 0, result.output
    assert load_course(course).schedule.sections() == ["01"]


def test_rubric_file_with_another_id_is_named(runner: CliRunner, tmp_path: Path) -> None:
    course = copy_valid(tmp_path)
    edit(
        course / "schedule.yaml",
        "    reviews: pp1\n",
        "    reviews: pp1\n    rubric: peer-review\n",
    )
    (course / "rubrics" / "peer-review.yaml").write_text("id: peer-reviews\ntitle: Peer review\n")
    errors = validate_errors(runner, course)
    assert errors == [
        f"error: {course}/schedule.yaml:46:13: 'pp1-peer-reviews' names rubric 'peer-review', "
        f"but {course}/rubrics/peer-review.yaml has id 'peer-reviews'; make the two agree"
    ]


@pytest.mark.parametrize(
    ("zone", "written", "suggestion"),
    [
        ("America/Los_Angeles", "Sun 2026-03-08 02:00", "write 03:00 or 01:59"),
        ("America/Los_Angeles", "Sun 2026-03-08 02:59", "write 03:00 or 01:59"),
        ("Europe/Berlin", "Sun 2026-03-29 02:15", "write 03:00 or 01:59"),
        ("Australia/Lord_Howe", "Sun 2026-10-04 02:10", "write 02:30 or 01:59"),  # a half hour
    ],
)
def test_times_the_clocks_skip_are_refused(
    runner: CliRunner, tmp_path: Path, zone: str, written: str, suggestion: str
) -> None:
    course = copy_valid(tmp_path)
    schedule = course / "schedule.yaml"
    edit(schedule, "America/Los_Angeles", zone)
    edit(schedule, "end: Fri 2026-03-27", "end: Fri 2026-12-18")
    edit(schedule, "Fri 2026-03-06 23:59", written)
    errors = validate_errors(runner, course)
    assert [e for e in errors if ":38:10: 'pp1': " in e and e.endswith(suggestion)], errors


@pytest.mark.parametrize(
    "written",
    [
        "Sun 2026-03-08 01:59",
        "Sun 2026-03-08 03:00",
        "Sun 2026-11-01 00:59",
        "Sun 2026-11-01 02:00",
        "Sun 2026-11-01 01:30-07:00",  # the first 01:30 of the night the clocks go back
    ],
)
def test_times_around_the_gap_are_accepted(runner: CliRunner, tmp_path: Path, written: str) -> None:
    course = copy_valid(tmp_path)
    edit(course / "schedule.yaml", "end: Fri 2026-03-27", "end: Fri 2026-12-18")
    edit(course / "schedule.yaml", "Fri 2026-03-06 23:59", written)
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 0, result.output
