"""Gradescope exports shaped as Gradescope writes them (BOM, CRLF, question columns, Status
Graded / Ungraded / Missing, sids typed in any case): the gradebook reads them, nothing stops.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app

SAMPLE = Path("exports/sample")
GRADES = SAMPLE / "gradescope" / "LLM_101_Spring_2026_grades.csv"
PP1 = SAMPLE / "gradescope" / "Portfolio_Piece_1_scores.csv"
SCORES_HEADER = [
    "First Name",
    "Last Name",
    "SID",
    "Email",
    "Sections",
    "Total Score",
    "Max Points",
    "Status",
    "Submission ID",
    "Submission Time",
    "Lateness (H:M:S)",
    "View Count",
    "Submission Count",
    "1: Thesis (4.0 pts)",
    "2: Evidence (6.0 pts)",
]
UPPER = "A87654321"  # the roster's spelling; the export writes " a87654321 "


@pytest.fixture
def here(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped course with Avery's sid 9100001 spelled A87654321 in every file."""
    monkeypatch.chdir(course_dir)
    for path in [Path("rosters/synthetic-roster.csv"), *SAMPLE.rglob("*.*")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"\b9100001\b", UPPER, text), encoding="utf-8")
    return course_dir


def write_pp1_export(rows: dict[str, tuple[str, str]]) -> None:
    """A per-assignment export of pp1 for every student of the course-wide export, with
    (Total Score, Status) overridden for the sids in `rows` (the sid cell as given there)."""
    course_wide = list(csv.DictReader(io.StringIO(GRADES.read_text(encoding="utf-8-sig"))))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SCORES_HEADER)
    for n, row in enumerate(course_wide):
        sid, score = row["SID"], row["Portfolio Piece 1"]
        status = "Graded" if score else "Missing"
        for written, (new_score, new_status) in rows.items():
            if written.strip().upper() == sid:
                sid, score, status = written, new_score, new_status
        submitted = status != "Missing"
        writer.writerow(
            [row["First Name"], row["Last Name"], sid, row["Email"], row["Sections"]]
            + [score, "10.0", status, str(254000000 + n) if submitted else ""]
            + [
                row["Portfolio Piece 1 - Submission Time"],
                "0:00:00",
                "3",
                "1" if submitted else "0",
            ]
            + (["4.0", ""] if status == "Graded" else ["", ""])
        )
    PP1.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def gradebook(runner: CliRunner) -> dict[str, dict[str, str]]:
    result = runner.invoke(
        app, ["gradebook", "--inputs", str(SAMPLE), "--out", "grades", "--force"]
    )
    assert result.exit_code == 0, result.stderr
    text = Path("grades/gradebook.csv").read_text(encoding="utf-8")
    return {row["sid"]: row for row in csv.DictReader(io.StringIO(text))}


def test_ungraded_status_is_pending_not_an_error(here: Path, runner: CliRunner) -> None:
    # Gradescope writes Ungraded (sometimes with a 0.0 score) for a submission not graded yet.
    write_pp1_export({"9100038": ("0.0", "Ungraded"), UPPER: ("9.5", "Graded")})
    rows = gradebook(runner)
    assert rows["9100038"]["pp1"] == ""  # not counted: the 0.0 is no grade
    assert "pp1: ungraded" in rows["9100038"]["notes"]
    assert rows[UPPER]["pp1"] == "95.00"
    explained = runner.invoke(app, ["gradebook", "explain", "9100038", "--inputs", str(SAMPLE)])
    assert explained.exit_code == 0, explained.stderr
    pp1_line = next(line for line in explained.stdout.splitlines() if "  pp1 (" in line)
    assert "not counted" in pp1_line and "graded" in pp1_line, pp1_line


def test_sids_match_the_roster_whatever_their_case_and_spaces(
    here: Path, runner: CliRunner
) -> None:
    write_pp1_export({" a87654321 ": ("7.0", "Graded")})
    # A personal email on Gradescope: only the sid can match this row.
    text = PP1.read_text(encoding="utf-8-sig")
    PP1.write_text(text.replace("avery.quillfeather@students.example.edu", "aq@gmail.example"))
    result = runner.invoke(app, ["gradebook", "--inputs", str(SAMPLE), "--out", "grades"])
    assert result.exit_code == 0, result.stderr
    assert "a87654321" not in result.stderr  # no "matches no roster student" warning
    text = Path("grades/gradebook.csv").read_text(encoding="utf-8")
    rows = {row["sid"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[UPPER]["pp1"] == "70.00"
    # The TA's adjustments.csv may spell it in lower case too.
    adjustments = SAMPLE / "adjustments.csv"
    lines = adjustments.read_text(encoding="utf-8").splitlines()
    lines.append("a87654321,exam-1,excused,,family emergency")
    adjustments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert gradebook(runner)[UPPER]["exam-1"] == "EX"


def test_gradescope_roster_matches_a_sid_in_another_case() -> None:
    # Gradescope's member list with a lower-case sid and a personal email: the same student,
    # not one dropped and one new.
    from coursectl.course.roster import Student
    from coursectl.platforms.records import Member
    from coursectl.platforms.sync import diff_roster

    roster = [Student(UPPER, "Avery Q", "avery@students.example.edu", "avery-q", "A")]
    members = [Member("Avery Q", " a87654321 ", "aq@gmail.example", "Student", ("A",), "1")]
    diff = diff_roster(roster, members, ["A"])
    assert [change.kind for change in diff.changes] == ["email"]
    assert [s.sid for s in diff.proposed] == [UPPER]
