"""`coursectl validate` on the shipped course and on one small broken course per mistake."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app

COURSES = Path(__file__).parent / "courses"

# case folder -> (file the error must name, its line, words the message must carry)
BROKEN = {
    "malformed-yaml": ("schedule.yaml", 21, "malformed YAML"),
    "malformed-csv": ("rosters/roster.csv", 4, "malformed CSV"),
    "roster-missing-column": ("rosters/roster.csv", 1, "missing column(s) github"),
    "duplicate-id": ("schedule.yaml", 46, "duplicate id 'pp1' (first on line 35)"),
    "duplicate-sid": ("rosters/roster.csv", 4, "duplicate sid '1001' (also on line 2)"),
    "duplicate-email": ("rosters/roster.csv", 4, "duplicate email 'ADA@example.edu'"),
    "duplicate-github": ("rosters/roster.csv", 4, "duplicate github 'Ada-Example'"),
    "unknown-section": ("rosters/roster.csv", 4, "unknown section 'Z'"),
    "invalid-timezone": ("schedule.yaml", 5, "'America/Springfield' is not an IANA time zone"),
    "end-before-start": (
        "schedule.yaml",
        20,
        "meeting ends at 08:50, not after it starts at 09:00",
    ),
    "weekday-mismatch": ("schedule.yaml", 38, "2026-03-06 is a Friday, not a Thursday"),
    "deadline-in-break": ("schedule.yaml", 43, "inside 'Spring break'"),
    "unknown-reference": ("schedule.yaml", 45, "reviews unknown deliverable 'pp9'"),
    "misspelled-key": ("schedule.yaml", 50, "unknown key 'platfrom'; did you mean 'platform'?"),
    "deadline-without-time": ("schedule.yaml", 49, "has no time; a deadline needs one"),
    "break-outside-term": ("schedule.yaml", 29, "is outside the term"),
    "unknown-kind": ("schedule.yaml", 35, "unknown kind 'portfolio'"),
    "policy-weights": ("rubrics/grading-policy.yaml", 3, "category weights add up to 90, not 100"),
    "policy-unknown-item": ("rubrics/grading-policy.yaml", 7, "unknown deliverable 'pp2'"),
}


def test_shipped_course_is_clean(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: LLM 101 Spring 2026")
    assert "48 students" in result.output


def test_small_valid_course(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--course", str(COURSES / "valid")])
    assert result.exit_code == 0, result.output


def test_every_broken_case_has_a_folder() -> None:
    folders = {p.name for p in COURSES.iterdir() if p.is_dir()} - {"valid"}
    assert folders == set(BROKEN)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_mistake_is_one_line_naming_file_and_line(runner: CliRunner, case: str) -> None:
    file, line, words = BROKEN[case]
    folder = COURSES / case
    result = runner.invoke(app, ["validate", "--course", str(folder)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    expected = f"{(folder / file).relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder / file}:{line}"
    matching = [entry for entry in lines if expected in entry and words in entry]
    assert matching, f"no line naming {expected} with {words!r} in:\n{result.output}"
    for entry in lines:  # every problem is a one-line 'error: file:line[:col]: message'
        assert re.match(r"error: \S+?:(\d+:)?(\d+:)? \S", entry), entry


def test_course_from_environment_variable(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["validate"], env={"COURSECTL_COURSE": str(COURSES / "duplicate-sid")}
    )
    assert result.exit_code == 1
    assert "duplicate sid" in result.output


def test_missing_course_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--course", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_empty_folder_names_schedule(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--course", str(tmp_path)])
    assert result.exit_code == 1
    assert "schedule.yaml: file not found" in result.output


def test_week7_facts_come_from_schedule(course_dir: Path, runner: CliRunner) -> None:
    """Changing schedule.yaml changes what commands say: nothing about week 7 lives in code."""
    schedule = course_dir / "schedule.yaml"
    schedule.write_text(
        schedule.read_text().replace("Wed 2026-03-04 23:59", "Thu 2026-03-05 23:59")
    )
    result = runner.invoke(
        app,
        ["deadlines", "--course", str(course_dir), "--week", "7", "--now", "2026-03-01 12:00"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Thu Mar 05 23:59" in result.output
    assert "Wed Mar 04 23:59" not in result.output


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("March 4", "'March 4' is not a date and time; write e.g. 'Wed 2026-03-04 23:59'"),
        ("Wdn 2026-03-04 23:59", "'Wdn' is not a weekday; write e.g. 'Mon 2026-03-02'"),
    ],
)
def test_due_date_in_words_says_what_a_date_looks_like(
    runner: CliRunner, course_dir: Path, written: str, expected: str
) -> None:
    # "due: March 4" answered "'March' is not a weekday", which sent TAs looking for a weekday.
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    schedule.write_text(text.replace("due: Fri 2026-03-06 23:59", f"due: {written}", 1))
    line = next(
        n for n, row in enumerate(schedule.read_text().splitlines(), 1) if f"due: {written}" in row
    )
    result = runner.invoke(app, ["validate", "--course", str(course_dir)])
    assert result.exit_code == 1, result.output
    assert f"schedule.yaml:{line}:" in result.output and expected in result.output, result.output
