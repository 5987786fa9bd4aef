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
