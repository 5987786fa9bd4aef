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
    "malformed-csv": ("rosters/roster.csv", 5, "malformed CSV"),  # the row with the open quote
    "roster-missing-column": ("rosters/roster.csv", 1, "missing column(s) github"),
    "duplicate-id": ("schedule.yaml", 47, "duplicate id 'pp1' (first on line 35)"),
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
    "misspelled-key": ("schedule.yaml", 51, "unknown key 'platfrom'; did you mean 'platform'?"),
    "deadline-without-time": ("schedule.yaml", 50, "has no time; a deadline needs one"),
    "break-outside-term": ("schedule.yaml", 29, "is outside the term"),
    "unknown-kind": (
        "schedule.yaml",
        36,
        "unknown kind 'portfolio'; did you mean 'portfolio-piece'?",
    ),
    "policy-weights": ("rubrics/grading-policy.yaml", 3, "category weights add up to 90, not 100"),
    "policy-unknown-item": ("rubrics/grading-policy.yaml", 7, "unknown deliverable 'pp2'"),
    "roster-repeated-header": ("rosters/roster.csv", 4, "line 4 repeats the header; remove it"),
    "roster-excel-sid": (
        "rosters/roster.csv",
        3,
        "sid '9.10E+06' was turned into a number by Excel; format the sid column as Text "
        "and export again",
    ),
    "duplicate-lecture-number": (
        "schedule.yaml",
        67,
        "two lectures numbered 2 (first on line 61); renumber one",
    ),
    "review-of-a-review": (
        "schedule.yaml",
        58,
        "'pp1-meta-reviews' reviews 'pp1-peer-reviews', which is itself a peer review; "
        "name the deliverable whose submissions are reviewed, e.g. 'pp1'",
    ),
    "policy-penalty-fraction": (
        "rubrics/grading-policy.yaml",
        15,
        "penalty_per_day is in percent of the item per late day: 0.1 means 0.1%, not 10%; "
        "write 10 for 10%",
    ),
    "rubric-file-missing": (
        "schedule.yaml",
        47,
        "rubrics/peer-review.yaml is missing (no rubric there has id 'peer-review')",
    ),
    "rubrics-folder-missing": (
        "schedule.yaml",
        47,
        "names rubric 'peer-review', but there is no ",
    ),
    "deadline-in-dst-gap": (
        "schedule.yaml",
        38,
        "'pp1': Sun 2026-03-08 02:30 does not exist in America/Los_Angeles (clocks jump from "
        "02:00 to 03:00 that night); write 03:00 or 01:59",
    ),
    "timezone-abbreviation": (
        "schedule.yaml",
        5,
        "'EST' is an abbreviation, not the zone of a place: the clock changes would be wrong "
        "for the term; write the IANA region zone, e.g. 'America/New_York'",
    ),
    "timezone-offset": ("schedule.yaml", 5, "'UTC-5' is a fixed offset from UTC"),
    "deadline-at-fall-back": (
        "schedule.yaml",
        38,
        "'pp1': Sun 2026-11-01 01:30 happens twice in America/Los_Angeles (clocks go back from "
        "02:00 to 01:00 that night); write 00:59 or 02:00, or add the offset: "
        "'2026-11-01 01:30-07:00' (the first) or '2026-11-01 01:30-08:00' (the second)",
    ),
    "empty-course": ("schedule.yaml", 34, "the course has no weeks and no deliverables"),
    "link-unknown-field": (
        "schedule.yaml",
        46,
        "'pp1-peer-reviews' submission_link 'https://github.com/{org}/pp1-{login}' uses "
        "{login}, which coursectl cannot fill; use {github}, {sid}, {org}",
    ),
    "words-as-range": (
        "schedule.yaml",
        53,
        "words: '300-500' is not a word range; write words: {min: 300, max: 500}",
    ),
    "sections-mismatch": (
        "rosters/roster.csv",
        2,
        "none of the 40 students is in a section schedule.yaml's meetings name (A): the roster "
        "has 101, 102; make the section meetings' section: match the roster's section column",
    ),
    "misspelled-optional-key": (
        "schedule.yaml",
        46,
        "unknown key 'submision_link'; did you mean 'submission_link'?",
    ),
    "api-url-without-scheme": (
        "schedule.yaml",
        11,
        "'github.example.edu/api/v3' has no scheme; write a full URL, e.g. "
        "https://github.example.edu/api/v3",
    ),
}

# Mistakes that can be intended: a warning naming file and line, and exit 0.
WARNED = {
    "lecture-off-pattern": (
        "schedule.yaml",
        62,
        "Lecture 2 is on Thu 2026-03-05, a day no lecture meets ('lecture' meets MO, WE)",
    ),
    "ungraded-deliverable": (
        "schedule.yaml",
        47,
        "'pp1-quiz' is in no category of rubrics/grading-policy.yaml: the gradebook gives it no "
        "weight; add an item {deliverable: pp1-quiz, weight: ...} unless it is not graded",
    ),
    "peer-review-without-link": (
        "schedule.yaml",
        40,
        "'pp1-peer-reviews' has no submission_link and no rubric",
    ),
    "deliverable-week-mismatch": (
        "schedule.yaml",
        43,
        "'pp1-peer-reviews' says week 1 but is due Wed 2026-03-18, in course week 2",
    ),
}


def _shown(folder: Path, file: str) -> Path:
    path = folder / file
    return path.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else path


@pytest.mark.parametrize("case", sorted(WARNED))
def test_each_likely_slip_is_a_warning_naming_file_and_line(runner: CliRunner, case: str) -> None:
    file, line, words = WARNED[case]
    folder = COURSES / case
    result = runner.invoke(app, ["validate", "--course", str(folder)])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 1, result.output
    assert warnings[0].startswith(f"warning: {_shown(folder, file)}:{line}:"), warnings
    assert words in warnings[0]
    assert result.stdout.startswith("ok: ") and "(1 warning(s) above)" in result.stdout


def test_shipped_course_is_clean(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: LLM 101 Spring 2026")
    assert "warning" not in result.output
    assert "48 students" in result.output


def test_small_valid_course(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--course", str(COURSES / "valid")])
    assert result.exit_code == 0, result.output


def test_every_broken_case_has_a_folder() -> None:
    folders = {p.name for p in COURSES.iterdir() if p.is_dir()} - {"valid"}
    assert folders == set(BROKEN) | set(WARNED)


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
    for entry in lines:  # every problem is one line: 'error: file:line[:col]: message'
        assert re.match(r"(error|warning): \S+?:(\d+:)?(\d+:)? \S", entry), entry


@pytest.mark.parametrize("case", ["misspelled-key", "sections-mismatch", "words-as-range"])
def test_one_mistake_is_one_line(runner: CliRunner, case: str) -> None:
    """A misspelled required key is not also reported missing; forty students in sections the
    meetings do not name are one line, not forty."""
    result = runner.invoke(app, ["validate", "--course", str(COURSES / case)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output


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


def _copy_valid(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "course"
    shutil.copytree(COURSES / "valid", target)
    return target


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("March 4", "'March 4' is not a date and time; write e.g. 'Wed 2026-03-04 23:59'"),
        ("Fri 2026-03-06 25:00", "is not a date and time"),
    ],
)
def test_hand_typed_due_dates(
    runner: CliRunner, tmp_path: Path, written: str, message: str
) -> None:
    course = _copy_valid(tmp_path)
    schedule = course / "schedule.yaml"
    schedule.write_text(schedule.read_text().replace("Fri 2026-03-06 23:59", written))
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 1
    assert message in result.output and ":38:" in result.output


def test_course_page_style_time_is_understood(runner: CliRunner, tmp_path: Path) -> None:
    course = _copy_valid(tmp_path)
    schedule = course / "schedule.yaml"
    schedule.write_text(
        schedule.read_text().replace("Fri 2026-03-06 23:59", "Fri 2026-03-06 11:59pm")
    )
    result = runner.invoke(
        app,
        ["deadlines", "--course", str(course), "--now", "2026-03-06 23:00"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Fri Mar 06 23:59" in result.output and "59m left" in result.output


def test_roster_exports_spreadsheets_make(runner: CliRunner, tmp_path: Path) -> None:
    course = _copy_valid(tmp_path)
    roster = course / "rosters" / "roster.csv"
    text = roster.read_text()
    # Excel's "Unicode text" (UTF-16 with BOM, CRLF) and a UTF-8 BOM both read as the same roster.
    for data in (text.replace("\n", "\r\n").encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        roster.write_bytes(data)
        result = runner.invoke(app, ["validate", "--course", str(course)])
        assert result.exit_code == 0, result.output
        assert "3 students" in result.output
    roster.write_text(text.replace(",", ";"))
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 1
    assert (
        "roster.csv:1: cells are separated by semicolons; save it as comma-separated CSV"
        in result.output
    )
    roster.write_bytes(text.replace("Ada", "Ad\xe9").encode("latin-1"))
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 1
    assert "not UTF-8 text" in result.output and "export it as UTF-8 CSV" in result.output


def test_week_written_as_a_word(runner: CliRunner, tmp_path: Path) -> None:
    course = _copy_valid(tmp_path)
    schedule = course / "schedule.yaml"
    schedule.write_text(
        schedule.read_text().replace(
            "    kind: reflection\n", "    kind: reflection\n    week: seven\n"
        )
    )
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert result.exit_code == 1
    assert "week: 'seven' is not a whole number; write e.g. 7" in result.output


@pytest.mark.parametrize(
    ("case", "level"), [("timezone-abbreviation", "error"), ("ungraded-deliverable", "warning")]
)
def test_new_checks_in_json(runner: CliRunner, case: str, level: str) -> None:
    import json

    result = runner.invoke(app, ["validate", "--course", str(COURSES / case), "--format", "json"])
    assert result.exit_code == (1 if level == "error" else 0)
    report = json.loads(result.stdout)
    file, line, words = {**BROKEN, **WARNED}[case]
    [entry] = report["problems"]
    assert entry["level"] == level and entry["line"] == line and words in entry["message"]
    assert entry["file"].endswith(file)
