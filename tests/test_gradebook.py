"""`coursectl gradebook` on the shipped synthetic scenario (golden files) and on broken inputs.

Each malformed variant is written into a private copy of the course; the CLI must answer with
one line naming the file, the line and what to change, and exit 1 without writing anything.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.course.matching import NO_MATCH, RosterIndex
from coursectl.course.model import LateRule
from coursectl.gradebook.compute import InputPaths, build_gradebook, late_multiplier
from coursectl.gradebook.sheets import round2

SAMPLE = Path("exports/sample")
GRADES = SAMPLE / "gradescope" / "LLM_101_Spring_2026_grades.csv"
SELF = SAMPLE / "gradescope" / "Mid-course_participation_self-assessment_scores.csv"


@pytest.fixture
def here(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run inside a private copy of the course, so messages show short relative paths."""
    monkeypatch.chdir(course_dir)
    return course_dir


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def build(*extra: str) -> list[str]:
    return ["gradebook", "--inputs", str(SAMPLE), "--out", "grades", *extra]


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def rewrite(path: Path, change: str, to: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert change in text, f"{change!r} not in {path}"
    path.write_text(text.replace(change, to, count), encoding="utf-8")


def one_error(code: int, stderr: str, pattern: str) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert code == 1, stderr
    assert len(errors) == 1, stderr
    assert re.search(pattern, errors[0]), errors[0]
    assert "Traceback" not in stderr


# ----------------------------------------------------------------------------- the shipped scenario


def test_sample_gradebook_matches_goldens(here: Path, runner: CliRunner, golden: object) -> None:
    code, out, err = run(runner, *build("--files", "both"))
    assert code == 0, err
    golden.check("gradebook/gradebook.csv", (here / "grades/gradebook.csv").read_text())  # type: ignore[attr-defined]
    golden.check(
        "gradebook/gradebook-canvas.csv", (here / "grades/gradebook-canvas.csv").read_text()
    )  # type: ignore[attr-defined]
    golden.check("gradebook/warnings.txt", err)  # type: ignore[attr-defined]
    code, out, err = run(runner, "gradebook", "explain", "9100038", "--inputs", str(SAMPLE))
    assert code == 0, err
    golden.check("gradebook/explain-9100038.txt", out)  # type: ignore[attr-defined]


def test_sample_gradebook_says_what_a_ta_checks(here: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, *build("--format", "both"))
    assert code == 0, err
    rows = read_csv(here / "grades/gradebook.csv")
    roster = [s.sid for s in load_course(here).students]
    assert [r["sid"] for r in rows] == roster  # every roster student, once, in roster order
    by_sid = {r["sid"]: r for r in rows}
    # 26:10:00 late, with a 48 h extension in adjustments.csv: no penalty (9 / 10).
    assert by_sid["9100038"]["pp1"] == "90.00"
    # 225:07:02 late is 10 started days, over max_days 3: 0 although the score is 10 / 10.
    assert by_sid["9100075"]["pp1"] == "0.00"
    assert "pp1: 10 late day(s)" in by_sid["9100075"]["notes"]
    # Gradescope knows student 6 only by an upper-case alias email and no SID: still matched.
    assert by_sid["9100186"]["pp1"] != ""
    # Student 8 has no row in the course export: blank (not counted), flagged, and warned about.
    assert by_sid["9100260"]["pp1"] == "" and "pp1: no row" in by_sid["9100260"]["notes"]
    assert "no row for 1 roster student(s) in this export, not counted for them: 9100260" in err
    # The dropped student is reported with the export's line, not silently ignored.
    assert re.search(
        r"LLM_101_Spring_2026_grades\.csv:12: sid '9199999'.*matches no roster student", err
    )
    # Excused reflection: EX in Canvas, not counted in the category.
    assert by_sid["9100408"]["week-03-reflection"] == "EX"
    # Unconfirmed self-assessments are listed by sid.
    unconfirmed = [
        r["sid"]
        for r in rows
        if r["midcourse-self-assessment TA"] == "" and r["midcourse-self-assessment proposed"]
    ]
    assert unconfirmed and all(sid in out for sid in unconfirmed)


def test_blank_score_is_not_submitted_but_zero_is_a_grade(here: Path, runner: CliRunner) -> None:
    zero = run(runner, "gradebook", "explain", "9100112", "--inputs", str(SAMPLE))[1]
    blank = run(runner, "gradebook", "explain", "9100149", "--inputs", str(SAMPLE))[1]
    assert "pp1 (80% of category, score): 0 / 10 points" in zero
    assert "pp1 (80% of category, score): blank score in" in blank and "not submitted" in blank


def test_canvas_import_layout(here: Path, runner: CliRunner) -> None:
    assert run(runner, *build("--format", "canvas"))[0] == 0
    rows = list(csv.reader(io.StringIO((here / "grades/gradebook-canvas.csv").read_text())))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert "Portfolio Piece 1 (510001)" in rows[0]
    assert rows[1][0].strip() == "Points Possible"
    points = dict(zip(rows[0], rows[1], strict=True))
    assert (
        points["Portfolio Piece 1 (510001)"] == "10.00"
        and points["Mid-course participation self-assessment (510004)"] == "5.00"
    )
    blake = next(r for r in rows if r[2] == "9100038")
    assert dict(zip(rows[0], blake, strict=True))["Portfolio Piece 1 (510001)"] == "9.00"
    assert not (here / "grades/gradebook.csv").exists()


def test_survey_times_never_reach_the_outputs(here: Path, runner: CliRunner) -> None:
    course = load_course(here)
    book = build_gradebook(course, InputPaths.for_course(course, here / SAMPLE))
    survey = next(r for r in book.items if r.item.id == "course-survey")
    assert survey.late_seconds is None or np.all(
        np.isnan(survey.late_seconds) | (survey.late_seconds == 0)
    )
    export = list(csv.DictReader(io.StringIO(GRADES.read_text(encoding="utf-8-sig"))))
    times = {r["Course survey - Submission Time"] for r in export} - {""}
    assert times
    run(runner, *build("--format", "both"))
    explained = run(runner, "gradebook", "explain", "9100001", "--inputs", str(SAMPLE))[1]
    for text in (
        (here / "grades/gradebook.csv").read_text(),
        (here / "grades/gradebook-canvas.csv").read_text(),
        explained,
    ):
        for stamp in times:
            assert stamp not in text and stamp[11:19] not in text


def test_utf16_excel_export_gives_the_same_gradebook(here: Path, runner: CliRunner) -> None:
    run(runner, *build())
    before = (here / "grades/gradebook.csv").read_text()
    text = GRADES.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    GRADES.write_bytes(buffer.getvalue().encode("utf-16"))
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert (here / "grades/gradebook.csv").read_text() == before


def test_formula_in_a_name_is_neutralised(here: Path, runner: CliRunner) -> None:
    rewrite(here / "rosters/synthetic-roster.csv", "Avery Quillfeather", '=HYPERLINK("http://x")')
    assert run(runner, *build("--format", "both"))[0] == 0
    for name in ("gradebook.csv", "gradebook-canvas.csv"):
        cells = [
            c for row in csv.reader(io.StringIO((here / "grades" / name).read_text())) for c in row
        ]
        assert '\'=HYPERLINK("http://x")' in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


# ----------------------------------------------------------------------------- malformed Gradescope exports


def test_download_grades_missing_column(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, ",SID,", ",Student ID,")
    one_error(
        *run(runner, *build())[::2], r"LLM_101_Spring_2026_grades\.csv:1: missing column 'SID'"
    )
    assert not (here / "grades").exists()


def test_download_grades_duplicate_student(here: Path, runner: CliRunner) -> None:
    lines = GRADES.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    GRADES.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    one_error(
        *run(runner, *build())[::2],
        rf"grades\.csv:{len(lines) + 1}: 9100001 \(Avery Quillfeather\) has a second row here \(first on line 2\)",
    )


def test_download_grades_unknown_student_is_reported_and_strict_fails(
    here: Path, runner: CliRunner
) -> None:
    rewrite(
        GRADES,
        "9100001,avery.quillfeather@students.example.edu",
        "9100999,someone@else.example.org",
    )
    code, _, err = run(runner, *build())
    assert code == 0
    assert re.search(
        r"grades\.csv:2: sid '9100999', email 'someone@else\.example\.org' \(Avery Quillfeather\) matches no roster student",
        err,
    )
    assert "9100001" in err  # and the roster student now without a row
    code, _, err = run(runner, *build("--strict"))
    assert code == 1 and "grades.csv:2:" in err


def test_name_alone_never_matches(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "9100001,avery.quillfeather@students.example.edu", ",")
    err = run(runner, *build())[2]
    assert re.search(
        r"grades\.csv:2: no sid, email or GitHub name \(Avery Quillfeather\) matches no roster student",
        err,
    )


def test_latin1_export_is_refused_with_its_line(here: Path, runner: CliRunner) -> None:
    text = GRADES.read_text(encoding="utf-8-sig").replace("Quillfeather", "Quillféather")
    GRADES.write_bytes(text.encode("latin-1"))
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:2: not UTF-8 text \(byte 0xe9\); export or save it again as 'CSV UTF-8'",
    )


def test_bad_score_and_lateness(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "A,8.5,10,", "A,eight,10,")
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:2: score 'eight' in column 'Portfolio Piece 1' is not a number",
    )
    rewrite(GRADES, "A,eight,10,", "A,8.5,10,")
    rewrite(GRADES, "26:10:00", "1 day 2:10")
    one_error(*run(runner, *build())[::2], r"grades\.csv:3: lateness '1 day 2:10' .* is not H:M:S")


def test_single_name_column_and_section_name(here: Path, runner: CliRunner) -> None:
    rows = list(csv.reader(io.StringIO(GRADES.read_text(encoding="utf-8-sig"))))
    fixed = [
        [f"{r[0]} {r[1]}".strip() if i else "Name", *r[2:4], r[4], *r[5:]]
        for i, r in enumerate(rows)
    ]
    fixed[0][3] = "section_name"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(fixed)
    GRADES.write_text(buffer.getvalue(), encoding="utf-8")
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert "(Jordan Example) matches no roster student" in err


def test_scores_export_missing_status_and_unknown_status(here: Path, runner: CliRunner) -> None:
    rewrite(SELF, ",Status,", ",State,")
    one_error(
        *run(runner, *build())[::2], r"self-assessment_scores\.csv:1: missing column 'Status'"
    )
    rewrite(SELF, ",State,", ",Status,")
    rewrite(SELF, ",Graded,", ",Done,")
    one_error(
        *run(runner, *build())[::2],
        r"self-assessment_scores\.csv:2: Status 'Done' is not Graded, Ungraded, Missing or blank",
    )


def test_ungraded_self_assessment_is_pending_not_zero(here: Path, runner: CliRunner) -> None:
    rewrite(
        SELF,
        "9100001,avery.quillfeather@students.example.edu,A,4,5,Graded,",
        "9100001,avery.quillfeather@students.example.edu,A,,5,,",
    )
    (here / SAMPLE / "confirmations/midcourse-self-assessment.csv").write_text("sid,score,note\n")
    run(runner, *build())
    row = read_csv(here / "grades/gradebook.csv")[0]
    assert (
        row["midcourse-self-assessment"] == ""
        and "midcourse-self-assessment: ungraded" in row["notes"]
    )


# ----------------------------------------------------------------------------- other sources


def test_confirmations_override_and_their_errors(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "confirmations/midcourse-self-assessment.csv"
    path.write_text("\ufeffsid,score,note\n9100001,2.5,asked in OH\n", encoding="utf-8")
    run(runner, *build())
    row = read_csv(here / "grades/gradebook.csv")[0]
    assert (
        row["midcourse-self-assessment"] == "50.00"
        and row["midcourse-self-assessment TA"] == "2.50"
    )
    path.write_text("sid,score,note\n9100001,7,\n")
    one_error(
        *run(runner, *build())[::2],
        r"confirmations/midcourse-self-assessment\.csv:2: score 7 is outside 0\.\.5",
    )
    path.write_text("sid,score,note\n9100001,4,\n9100001,5,\n")
    one_error(
        *run(runner, *build())[::2],
        r"midcourse-self-assessment\.csv:3: 9100001 .* second row here \(first on line 2\)",
    )
    path.write_text("sid,points\n9100001,4\n")
    one_error(
        *run(runner, *build())[::2], r"midcourse-self-assessment\.csv:1: missing column 'score'"
    )
    path.write_text("sid,score,note\n9100777,4,\n")
    assert re.search(
        r"midcourse-self-assessment\.csv:2: sid '9100777' matches no roster student",
        run(runner, *build())[2],
    )


def test_reflection_errors(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reflections/week-07.csv"
    original = path.read_text()
    rewrite(path, "status,", "state,")
    one_error(*run(runner, *build())[::2], r"reflections/week-07\.csv:1: missing column 'status'")
    lines = original.splitlines(keepends=True)
    cells = lines[1].split(",")
    path.write_text("".join([lines[0], ",".join([*cells[:2], "fine", *cells[3:]]), *lines[2:]]))
    one_error(
        *run(runner, *build())[::2], r"week-07\.csv:2: status 'fine' is not one of ok, too-short"
    )
    path.write_text("".join([*lines, lines[2]]))
    one_error(
        *run(runner, *build())[::2], rf"week-07\.csv:{len(lines) + 1}: 9100038 .* second row here"
    )
    path.write_text(original.replace("9100001,avery-quill-syn", "9100000,someone-syn"))
    err = run(runner, *build())[2]
    assert re.search(
        r"week-07\.csv:2: sid '9100000', GitHub 'someone-syn' matches no roster student", err
    )
    assert re.search(
        r"week-07\.csv: no row for 1 roster student\(s\) in 'week-07-reflection'.*: 9100001", err
    )
    path.write_text(original.replace("9100001,", ",", 1))  # no sid: matched by GitHub name
    assert "week-07.csv" not in run(runner, *build())[2]
    (here / SAMPLE / "reflections/week-06.json").write_text('[{"sid": ')
    path.write_text(original)
    one_error(*run(runner, *build())[::2], r"reflections/week-06\.json:1:\d+: malformed JSON")


def test_late_reflection_follows_the_late_rule(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reflections/week-07.csv"
    text = path.read_text()
    first = text.splitlines()[1].split(",")
    first[2], first[3], first[5] = "late", "400", "30:00:00"
    path.write_text(text.replace(text.splitlines()[1], ",".join(first)))
    out = run(runner, "gradebook", "explain", "9100001", "--inputs", str(SAMPLE))[1]
    line = next(x for x in out.splitlines() if "week-07-reflection" in x)
    assert "status late" in line and "late by 30:00:00 (" in line
    assert "-> 100.00% x (1 - 2 late days x 10%) = 80.00%" in line


def test_peer_review_done_file_gives_partial_credit(here: Path, runner: CliRunner) -> None:
    allocation = read_csv(here / SAMPLE / "reviews/pp1-peer-reviews/reviews.csv")
    mine = [r for r in allocation if r["reviewer_sid"] == "9100001"]
    assert len(mine) == 2
    done = here / SAMPLE / "reviews-done"
    done.mkdir()
    (done / "pp1-peer-reviews.csv").write_text(
        f"reviewer_sid,author_sid\n9100001,{mine[0]['author_sid']}\n9100001,9100001\n"
    )
    code, _, err = run(runner, *build())
    assert code == 0
    assert "9100001 reviewed 9100001, which was not assigned; not counted" in err
    row = read_csv(here / "grades/gradebook.csv")[0]
    assert row["pp1-peer-reviews"] == "50.00"
    rewrite(here / SAMPLE / "reviews/pp1-peer-reviews/reviews.csv", "author_sid", "author")
    one_error(
        *run(runner, *build())[::2],
        r"reviews/pp1-peer-reviews/reviews\.csv:1: missing column 'author_sid'",
    )


def test_adjustments_errors_name_the_line(here: Path, runner: CliRunner) -> None:
    (here / SAMPLE / "adjustments.csv").write_text(
        "sid,deliverable,action,until,note\n9100001,pp1,forgiven,,\n"
    )
    one_error(
        *run(runner, *build())[::2],
        r"adjustments\.csv:2: action 'forgiven' is not one of excused, extension",
    )


# ----------------------------------------------------------------------------- policy and output safety


def test_policy_gradebook_section_is_validated(here: Path, runner: CliRunner) -> None:
    policy = here / "rubrics/grading-policy.yaml"
    rewrite(policy, "  email_aliases:", "  email_alias:")
    code, _, err = run(runner, "validate")
    assert code == 1 and re.search(r"grading-policy\.yaml:\d+:\d+: unknown key 'email_alias'", err)
    rewrite(policy, "  email_alias:", "  email_aliases:")
    rewrite(policy, '    pp1: "510001"', '    pp9: "510001"')
    code, _, err = run(runner, "validate")
    assert code == 1 and re.search(
        r"grading-policy\.yaml:\d+:\d+: unknown deliverable 'pp9' in canvas_ids", err
    )
    rewrite(policy, "adjustments: grades/adjustments.csv", "adjustments: rubrics/adjustments.csv")
    assert "outside rubrics/" in run(runner, "validate")[2]


def test_validate_checks_the_adjustments_file(here: Path, runner: CliRunner) -> None:
    (here / "grades").mkdir()
    (here / "grades/adjustments.csv").write_text(
        "sid,deliverable,action,until,note\n9100001,pp1,extension,soon,\n"
    )
    one_error(*run(runner, "validate")[::2], r"grades/adjustments\.csv:2: until 'soon' is neither")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_refuses_to_write_into_a_tracked_file(here: Path, runner: CliRunner) -> None:
    shutil.copy2(Path(__file__).resolve().parent.parent / ".gitignore", here / ".gitignore")
    _git(here, "init", "-q")
    (here / "grades").mkdir()
    (here / "grades/gradebook.csv").write_text("old\n")
    _git(here, "add", "-f", "grades/gradebook.csv")
    _git(here, "commit", "-q", "-m", "oops")
    code, _, err = run(runner, *build())
    assert code == 1 and "git tracks this file" in err
    assert (here / "grades/gradebook.csv").read_text() == "old\n"
    code, _, err = run(runner, *build("--force"))
    assert code == 0 and (here / "grades/gradebook.csv").read_text() != "old\n"
    code, _, err = run(runner, "gradebook", "--inputs", str(SAMPLE), "--out", "public")
    assert code == 0 and "public/gradebook.csv: not git-ignored" in err


# ----------------------------------------------------------------------------- rules as functions


def test_late_rule_days_and_cap() -> None:
    rule = LateRule(grace_minutes=15, penalty_per_day=10, max_days=3)
    seconds = np.array(
        [0, 14 * 60 + 59, 15 * 60 + 1, 86400, 86401, 3 * 86400, 3 * 86400 + 1, np.nan]
    )
    keep, days = late_multiplier(seconds, rule)
    assert days.tolist() == [0, 0, 1, 1, 2, 3, 4, 0]
    assert np.allclose(keep, [1, 1, 0.9, 0.9, 0.8, 0.7, 0, 1])


def test_rounding_half_up_once() -> None:
    assert round2(np.array([1.005, 0.125, 2.675, 99.994999, np.nan])).tolist()[:4] == [
        1.01,
        0.13,
        2.68,
        99.99,
    ]


def test_matching_order_and_aliases(here: Path) -> None:
    students = load_course(here).students
    index = RosterIndex.build(students, [["students.example.edu", "example.edu"]])
    avery = students[0]
    assert index.match(avery.sid) == (0, "sid")
    assert index.match("", avery.email.upper().replace("students.example.edu", "example.edu")) == (
        0,
        "email",
    )
    assert index.match("", "", avery.github.upper()) == (0, "github")
    assert index.match("nope", "nobody@example.edu", "nobody") == (NO_MATCH, "")
    # sid wins over a conflicting email
    assert index.match(students[1].sid, avery.email)[0] == 1


# ----------------------------------------------------------------------------- more variants


def test_confirmation_blank_is_unconfirmed_but_zero_is_a_score(
    here: Path, runner: CliRunner
) -> None:
    path = here / SAMPLE / "confirmations/midcourse-self-assessment.csv"
    path.write_text("sid,score,note\n9100001,,follow up\n9100038,0,no participation\n")
    code, out, _ = run(runner, *build())
    assert code == 0
    rows = {r["sid"]: r for r in read_csv(here / "grades/gradebook.csv")}
    assert rows["9100001"]["midcourse-self-assessment TA"] == ""
    assert "midcourse-self-assessment: unconfirmed" in rows["9100001"]["notes"]
    assert rows["9100038"]["midcourse-self-assessment TA"] == "0.00"
    assert rows["9100038"]["midcourse-self-assessment"] == "0.00"
    assert "9100001" in out and "9100038" not in out.split("not confirmed", 1)[1]


def test_reflections_with_bom_and_crlf_read_the_same(here: Path, runner: CliRunner) -> None:
    run(runner, *build())
    before = (here / "grades/gradebook.csv").read_text()
    path = here / SAMPLE / "reflections/week-07.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\n", "\r\n").encode())
    assert run(runner, *build())[0] == 0
    assert (here / "grades/gradebook.csv").read_text() == before


def test_exports_saved_with_old_mac_line_ends_read_the_same(here: Path, runner: CliRunner) -> None:
    """Excel's "CSV (Macintosh)" ends lines with a bare CR; it was a csv.Error traceback."""
    run(runner, *build())
    before = (here / "grades/gradebook.csv").read_text()
    for path in sorted((here / SAMPLE / "gradescope").glob("*.csv"))[:2]:
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    code, out, err = run(runner, *build())
    assert code == 0, err
    assert "Traceback" not in out + err
    assert (here / "grades/gradebook.csv").read_text() == before


def test_json_reflection_errors_point_at_the_record_line(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reflections/week-06.json"
    text = path.read_text()
    assert '"status": "' in text
    path.write_text(
        text.replace('"sid": "9100038"', '"sid": "9100038", "status_": 1', 1).replace(
            '"status": "', '"status": "bogus-', 2
        )
    )
    code, _, err = run(runner, *build())
    # The second record (9100038) starts on line 10 of the pretty-printed file.
    lines = path.read_text().splitlines()
    first_bogus = next(i for i, line in enumerate(lines, 1) if "bogus-" in line)
    record_start = max(i for i, line in enumerate(lines[:first_bogus], 1) if line.strip() == "{")
    one_error(code, err, rf"week-06\.json:{record_start}: status 'bogus-")


def test_unknown_assignment_is_reported_and_can_be_mapped(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "Exam 1", "Midterm", count=4)
    code, _, err = run(runner, *build())
    assert code == 0
    assert "grades.csv:1: assignment 'Midterm' is not in schedule.yaml; not counted" in err
    assert read_csv(here / "grades/gradebook.csv")[0]["exam-1"] == ""
    rewrite(
        here / "rubrics/grading-policy.yaml",
        "  canvas_ids:",
        "  gradescope_titles:\n    exam-1: Midterm\n  canvas_ids:",
    )
    code, _, err = run(runner, *build())
    assert code == 0 and "Midterm" not in err
    assert read_csv(here / "grades/gradebook.csv")[0]["exam-1"] == "75.00"


def test_unknown_reviewer_is_reported(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reviews/pp1-peer-reviews/reviews.csv"
    lines = path.read_text().splitlines(keepends=True)
    cells = lines[1].split(",")
    cells[1], cells[3] = "9100555", "nobody@students.example.edu"
    path.write_text("".join([lines[0], ",".join(cells), *lines[2:]]))
    err = run(runner, *build())[2]
    assert re.search(
        r"reviews\.csv:2: reviewer sid '9100555', email 'nobody@students\.example\.edu' matches no roster student",
        err,
    )


def test_explain_unknown_student(here: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, "gradebook", "explain", "nobody", "--inputs", str(SAMPLE))
    one_error(code, err, r"no roster student with sid, email or GitHub name 'nobody'")


def test_explain_finds_a_student_by_github_or_email(here: Path, runner: CliRunner) -> None:
    by_sid = run(runner, "gradebook", "explain", "9100038", "--inputs", str(SAMPLE))[1]
    assert (
        run(runner, "gradebook", "explain", "blake-brigh-syn", "--inputs", str(SAMPLE))[1] == by_sid
    )
    assert (
        run(
            runner, "gradebook", "explain", "Blake.Brightwater@example.edu", "--inputs", str(SAMPLE)
        )[1]
        == by_sid
    )


def test_line_numbers_survive_a_cell_spanning_lines(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "Avery,Quillfeather,", '"Avery\nA.",Quillfeather,')
    rewrite(GRADES, "26:10:00", "soon")
    one_error(*run(runner, *build())[::2], r"grades\.csv:4: lateness 'soon'")


def test_ragged_row_and_missing_score_column(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "Avery,Quillfeather,", "Avery,Quill,feather,")
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:2: \d+ cells but the header has \d+; check for an unquoted comma",
    )
    rewrite(GRADES, "Avery,Quill,feather,", "Avery,Quillfeather,")
    rewrite(GRADES, ",Exam 1,", ",Exam one,")
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:1: missing column 'Exam 1'; each assignment needs its score column",
    )


def test_long_or_short_rows_anywhere_are_errors(here: Path, runner: CliRunner) -> None:
    original = GRADES.read_text(encoding="utf-8-sig")
    rewrite(GRADES, "Devon,Dunmore,", "Devon,Dun,more,")
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:5: \d+ cells but the header has \d+; check for an unquoted comma",
    )
    lines = original.splitlines(keepends=True)
    GRADES.write_text("".join([*lines[:4], "Devon,Dunmore\n", *lines[5:]]))
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:5: 2 cells but the header has \d+; the row was cut short",
    )
    GRADES.write_text(
        "".join(
            [
                lines[0],
                '"Avery, Q",Quillfeather' + lines[1][len("Avery,Quillfeather") :],
                *lines[2:4],
                "Devon\n",
                *lines[5:],
            ]
        )
    )
    one_error(
        *run(runner, *build())[::2],
        r"grades\.csv:5: 1 cells but the header has \d+; the row was cut short",
    )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_reads_what_check_reflections_writes(here: Path, runner: CliRunner, fmt: str) -> None:
    """The real check-reflections output, not a hand-made imitation, feeds the gradebook."""
    for old in (here / SAMPLE / "reflections").glob("week-07.*"):
        old.unlink()
    target = here / SAMPLE / "reflections" / f"week-07.{fmt}"
    result = runner.invoke(
        app,
        [
            "check-reflections",
            "7",
            "--source",
            "local",
            "samples/reflections",
            "--format",
            fmt,
            "--out",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.stderr
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert "week-07" not in err  # every roster student has a record
    if fmt == "csv":
        statuses = {r["sid"]: r["status"] for r in read_csv(target)}
    else:
        statuses = {r["sid"]: r["status"] for r in json.loads(target.read_text())["students"]}
    grades = {r["sid"]: r["week-07-reflection"] for r in read_csv(here / "grades/gradebook.csv")}
    assert set(statuses.values()) - {"ok"}, "the sample should hold incomplete reflections too"
    for sid, status in statuses.items():
        expected = {"ok": "100.00", "no-access": "", "error": ""}.get(status, "0.00")
        assert grades[sid] == expected, (sid, status)


def test_json_for_another_week_is_refused(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reflections/week-06.json"
    path.write_text(
        json.dumps({"deliverable": "week-05-reflection", "students": json.loads(path.read_text())})
    )
    one_error(
        *run(runner, *build())[::2],
        r"week-06\.json:1: this file is for 'week-05-reflection', not 'week-06-reflection'",
    )


def test_gradescope_extensions_file_and_adjustments_winning(here: Path, runner: CliRunner) -> None:
    before = run(runner, "gradebook", "explain", "9100186", "--inputs", str(SAMPLE))[1]
    assert "x (1 - 2 late days x 10%) = 80.00%" in before
    # As `coursectl gradescope extensions` writes it: ISO times with offset, extra columns.
    (here / SAMPLE / "extensions.csv").write_text(
        "sid,deliverable,action,until,note,email,name,gradescope_id,late_due\n"
        "9100186,pp1-peer-reviews,extension,2026-03-06T23:59-08:00,Gradescope extension,"
        "finley.fernhollow@students.example.edu,Finley Fernhollow,7000002,\n"
    )
    after = run(runner, "gradebook", "explain", "9100186", "--inputs", str(SAMPLE))[1]
    line = next(x for x in after.splitlines() if x.strip().startswith("pp1-peer-reviews"))
    assert "extension of 48:00:00 (exports/sample/extensions.csv:2)" in line
    assert line.rstrip().endswith("-> 100.00%; counts 20.00% of the category")
    (here / SAMPLE / "adjustments.csv").write_text(
        "sid,deliverable,action,until,note\n9100186,pp1-peer-reviews,extension,24h,TA decision\n"
    )
    decided = run(runner, "gradebook", "explain", "9100186", "--inputs", str(SAMPLE))[1]
    line = next(x for x in decided.splitlines() if x.strip().startswith("pp1-peer-reviews"))
    assert "extension of 24:00:00 (exports/sample/adjustments.csv:2) (TA decision)" in line
    assert "-> 100.00% x (1 - 1 late day x 10%) = 90.00%" in line


def test_categories_and_totals_recomputed_from_the_csv(here: Path, runner: CliRunner) -> None:
    """An independent reading of gradebook.csv and the policy gives the same numbers (to rounding)."""
    import yaml

    assert run(runner, *build())[0] == 0
    rows = read_csv(here / "grades/gradebook.csv")
    policy = yaml.safe_load((here / "rubrics/grading-policy.yaml").read_text())
    schedule = yaml.safe_load((here / "schedule.yaml").read_text())
    for row in rows:
        numerator = denominator = 0.0
        for category in policy["categories"]:
            weights: dict[str, float] = {}
            for entry in category["items"]:
                ids = (
                    [entry["deliverable"]]
                    if "deliverable" in entry
                    else [d["id"] for d in schedule["deliverables"] if d["kind"] == entry["kind"]]
                )
                for item_id in ids:
                    weights[item_id] = entry["weight"] / len(ids)
            counted = {i: w for i, w in weights.items() if row[i] not in ("", "EX")}
            cell = row[f"category {category['id']}"]
            if not counted:
                assert cell == ""
                continue
            score = sum(w * float(row[i]) for i, w in counted.items()) / sum(counted.values())
            assert abs(score - float(cell)) <= 0.01, (row["sid"], category["id"])
            numerator += category["weight"] * score
            denominator += category["weight"]
        assert abs(numerator / denominator - float(row["total"])) <= 0.01, row["sid"]
        assert 0 <= float(row["total"]) <= 100


def test_negative_score_stays_a_number(here: Path, runner: CliRunner) -> None:
    rewrite(GRADES, "A,8.5,10,", "A,-1,10,")
    assert run(runner, *build("--format", "both"))[0] == 0
    assert read_csv(here / "grades/gradebook.csv")[0]["pp1"] == "-10.00"
    canvas = list(csv.reader(io.StringIO((here / "grades/gradebook-canvas.csv").read_text())))
    assert dict(zip(canvas[0], canvas[2], strict=True))["Portfolio Piece 1 (510001)"] == "-1.00"


def _commit(repo: Path, text: str, when: str) -> None:
    """A commit of the week-7 reflection dated `when` (commit dates are what the local source reads)."""
    import os

    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@x.edu", "GIT_COMMITTER_NAME": "S"}
    env |= {"GIT_COMMITTER_EMAIL": "s@x.edu", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    if not (repo / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    (repo / "reflections").mkdir(exist_ok=True)
    (repo / "reflections" / "week-07.md").write_text(text, encoding="utf-8")
    for args in (["add", "-A"], ["commit", "-q", "-m", "week 7"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)


def test_late_version_outside_the_range_gets_no_credit(
    here: Path, runner: CliRunner, tmp_path: Path
) -> None:
    """100 words on time then 5 words the next morning is no better than 100 words on time."""
    clones = tmp_path / "clones"
    _commit(clones / "avery-quill-syn", "word " * 100, "2026-03-06T20:00:00-08:00")
    _commit(clones / "avery-quill-syn", "five words and no more", "2026-03-07T09:00:00-08:00")
    _commit(clones / "blake-brigh-syn", "word " * 100, "2026-03-06T20:00:00-08:00")
    target = here / SAMPLE / "reflections" / "week-07.csv"
    target.unlink()
    result = runner.invoke(
        app,
        ["check-reflections", "7", "--source", "local", str(clones), "--out", str(target)],
    )
    assert result.exit_code == 0, result.stderr
    rows = {r["github"]: r for r in read_csv(target)}
    avery, blake = rows["avery-quill-syn"], rows["blake-brigh-syn"]
    assert (avery["status"], avery["words"], avery["late_by"]) == ("too-short", "5", "9:01:00")
    assert "on-time version: 100 words, below 300" in avery["reason"]
    assert (blake["status"], blake["words"], blake["late_by"]) == ("too-short", "100", "")

    def week7(sid: str) -> str:
        out = run(runner, "gradebook", "explain", sid, "--inputs", str(SAMPLE))[1]
        return next(x for x in out.splitlines() if "week-07-reflection" in x)

    assert "status too-short, 5 words" in week7("9100001") and "-> 0.00%;" in week7("9100001")
    assert "status too-short, 100 words" in week7("9100038") and "-> 0.00%;" in week7("9100038")


def test_late_row_outside_the_range_from_an_older_report_gets_no_credit(
    here: Path, runner: CliRunner
) -> None:
    """Reports written before the fix said `late` for a 5-word late version; never credit it."""
    path = here / SAMPLE / "reflections/week-07.csv"
    rewrite(path, "9100112,devon-dunmo-syn,late,408,", "9100112,devon-dunmo-syn,late,5,")
    code, out, err = run(runner, "gradebook", "explain", "9100112", "--inputs", str(SAMPLE))
    assert code == 0, err
    line = next(x for x in out.splitlines() if "week-07-reflection" in x)
    assert "outside 300–500 words: no credit" in line and "-> 0.00%;" in line
    assert "1 'late' row(s) outside 300–500 words" in err


def test_csv_for_another_week_is_refused(here: Path, runner: CliRunner) -> None:
    """The CSV says its deliverable on every row; week 8's report named week-07.csv is refused."""
    path = here / SAMPLE / "reflections/week-07.csv"
    path.write_text(path.read_text().replace(",week-07-reflection", ",week-08-reflection"))
    one_error(
        *run(runner, *build())[::2],
        r"week-07\.csv:2: this file is for 'week-08-reflection', not 'week-07-reflection'",
    )


def test_csv_of_an_older_coursectl_is_read_with_a_warning(here: Path, runner: CliRunner) -> None:
    path = here / SAMPLE / "reflections/week-07.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert "week-07.csv: no deliverable column, so it cannot be checked" in err
    assert "'week-07-reflection'" in err
