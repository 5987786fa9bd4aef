"""Gradebook inputs as TAs actually hand them over: Excel's leftovers, re-downloads, typed dates.

Each case changes a private copy of the shipped exports and runs the real CLI.
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
SELF = SAMPLE / "gradescope" / "Mid-course_participation_self-assessment_scores.csv"


@pytest.fixture
def here(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(course_dir)
    return course_dir


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def build(*extra: str) -> list[str]:
    return ["gradebook", "--inputs", str(SAMPLE), "--out", "grades", *extra]


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def gradebook_rows(here: Path) -> list[dict[str, str]]:
    text = (here / "grades" / "gradebook.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# ----------------------------------------------------------------------------- separators, empty rows


def test_semicolon_export_is_one_error_naming_the_file(here: Path, runner: CliRunner) -> None:
    rows = list(csv.reader(io.StringIO(GRADES.read_text(encoding="utf-8-sig"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    GRADES.write_text(buffer.getvalue(), encoding="utf-8-sig")
    code, _, err = run(runner, *build())
    assert code == 1, err
    assert errors(err) == [
        f"error: {GRADES}:1: cells are separated by semicolons; export as comma-separated CSV"
    ]
    assert not (here / "grades" / "gradebook.csv").exists()


def test_rows_of_only_commas_are_skipped(here: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, *build())
    assert code == 0, err
    before = gradebook_rows(here)
    lines = GRADES.read_text(encoding="utf-8-sig").splitlines()
    width = len(next(csv.reader([lines[0]])))
    # Excel leaves rows of separators after the data, sometimes shorter than the header; one
    # in the middle too. A bad score after it must still be reported at its own file line.
    empty_short, empty_full = ",,,,,", "," * (width - 1)
    lines = [*lines[:10], empty_full, *lines[10:], empty_short, empty_full, empty_short]
    GRADES.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    code, _, err = run(runner, *build("--force"))
    assert code == 0, err
    assert not errors(err)
    assert gradebook_rows(here) == before
    broken = lines[20].split(",")
    broken[5] = "eight"
    lines[20] = ",".join(broken)
    GRADES.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    code, _, err = run(runner, *build("--force"))
    assert code == 1
    assert re.search(r"grades\.csv:21: score 'eight' in column 'Portfolio Piece 1'", err), err


# ----------------------------------------------------------------------------- a re-downloaded export


def proposed_score(here: Path, sid: str) -> str:
    row = next(r for r in gradebook_rows(here) if r["sid"] == sid)
    return row["midcourse-self-assessment proposed"]


def test_redownloaded_export_uses_the_newest_by_content(here: Path, runner: CliRunner) -> None:
    import os

    again = SELF.with_name(SELF.stem + " (1).csv")
    text = SELF.read_text(encoding="utf-8-sig")
    old_row = "A,4,5,Graded,254892713,2026-03-06 20:54:08 -0800,0:00:00,8,1,4,"
    assert old_row in text
    # The second download: Avery resubmitted later and scored 3. Its file is even older on disk
    # (copied from a backup): the submissions decide, not the clock.
    again.write_text(
        text.replace(old_row, "A,3,5,Graded,254892799,2026-03-07 09:00:00 -0800,0:00:00,9,2,3,"),
        encoding="utf-8",
    )
    os.utime(again, (1_000_000_000, 1_000_000_000))
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert proposed_score(here, "9100001") == "3.00"
    used = [line for line in err.splitlines() if "is also in" in line]
    assert used == [
        f"warning: {again}: the scores export of 'midcourse-self-assessment' is also in "
        f"'{SELF.name}'; using this file (it has the latest submissions)"
    ]


def test_redownloaded_export_with_the_same_submissions_uses_the_file_saved_last(
    here: Path, runner: CliRunner
) -> None:
    import os

    again = SELF.with_name(SELF.stem + " (1).csv")
    again.write_bytes(SELF.read_bytes())
    os.utime(again, (1_000_000_000, 1_000_000_000))  # the copy is the older file
    code, _, err = run(runner, *build())
    assert code == 0, err
    used = [line for line in err.splitlines() if "is also in" in line]
    assert used == [
        f"warning: {SELF}: the scores export of 'midcourse-self-assessment' is also in "
        f"'{again.name}'; using this file (same submissions, and it was saved last)"
    ]
    assert proposed_score(here, "9100001") == "4.00"


# ----------------------------------------------------------------------------- adjustments' dates

ADJUSTMENTS = SAMPLE / "adjustments.csv"


def pp1_of(here: Path, sid: str) -> str:
    return next(r for r in gradebook_rows(here) if r["sid"] == sid)["pp1"]


def test_adjustment_until_reads_dates_as_schedule_yaml_does(here: Path, runner: CliRunner) -> None:
    # 9100038 handed Portfolio Piece 1 in 26:10 late. 48h covers it; so does the same moment
    # written the way schedule.yaml writes deadlines, and one day less leaves 1 late day.
    assert "9100038,pp1,extension,48h," in ADJUSTMENTS.read_text(encoding="utf-8")
    code, _, err = run(runner, *build())
    assert code == 0, err
    assert pp1_of(here, "9100038") == "90.00"
    for until, expected in (("Sun 2026-02-22 11:59pm", "90.00"), ("Sat 2026-02-21 23:59", "81.00")):
        text = ADJUSTMENTS.read_text(encoding="utf-8")
        ADJUSTMENTS.write_text(
            re.sub(r"9100038,pp1,extension,[^,]*,", f"9100038,pp1,extension,{until},", text),
            encoding="utf-8",
        )
        code, _, err = run(runner, *build("--force"))
        assert code == 0, err
        assert pp1_of(here, "9100038") == expected, until


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (
            "2026-02-19 23:59",
            "until '2026-02-19 23:59' is before the due date (Fri 2026-02-20 23:59); an extension "
            "ends after it: fix the date, or use action excused",
        ),
        (
            "Fri 2026-02-21 23:59",
            "until: 2026-02-21 is a Saturday, not a Friday; fix the date or the weekday",
        ),
    ],
)
def test_adjustment_until_mistakes_name_the_line(
    here: Path, runner: CliRunner, until: str, message: str
) -> None:
    text = ADJUSTMENTS.read_text(encoding="utf-8")
    ADJUSTMENTS.write_text(
        text.replace("9100038,pp1,extension,48h,", f"9100038,pp1,extension,{until},")
    )
    code, _, err = run(runner, *build())
    assert code == 1
    assert errors(err) == [f"error: {ADJUSTMENTS}:2: {message}"]
    assert not (here / "grades" / "gradebook.csv").exists()


# ----------------------------------------------------------------------------- explain's arithmetic


def test_explain_shows_the_late_penalty_as_the_arithmetic_it_is(
    here: Path, runner: CliRunner
) -> None:
    # 9100038's 26:10 late Portfolio Piece 1 with a 24h extension: 1 late day at 10% of the item.
    text = ADJUSTMENTS.read_text(encoding="utf-8")
    ADJUSTMENTS.write_text(text.replace("9100038,pp1,extension,48h,", "9100038,pp1,extension,24h,"))
    code, out, err = run(runner, "gradebook", "explain", "9100038", "--inputs", str(SAMPLE))
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.strip().startswith("pp1 ("))
    assert "-> 90.00% x (1 - 1 late day x 10%) = 81.00%;" in line
    # The numbers on the line multiply out: 90 x (1 - 0.10) = 81.
    found = re.search(r"-> ([\d.]+)% x \(1 - (\d+) late days? x ([\d.]+)%\) = ([\d.]+)%", line)
    assert found is not None
    raw, days, penalty, earned = (float(g) for g in found.groups())
    assert round(raw * (1 - days * penalty / 100), 2) == earned
    # Beyond max_days (3) the item scores 0, and the line says why.
    ADJUSTMENTS.write_text(text.replace("9100038,pp1,extension,48h,documented illness\n", ""))
    rows = GRADES.read_text(encoding="utf-8-sig")
    assert rows.count(",26:10:00,") == 1
    GRADES.write_text(rows.replace(",26:10:00,", ",100:00:00,"), encoding="utf-8")
    out = run(runner, "gradebook", "explain", "9100038", "--inputs", str(SAMPLE))[1]
    line = next(x for x in out.splitlines() if x.strip().startswith("pp1 ("))
    assert "-> 90.00%, 5 late days, more than the 3 allowed -> 0.00%;" in line
