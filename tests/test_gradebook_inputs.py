"""Gradebook inputs as TAs actually hand them over: Excel's leftovers, re-downloads, typed dates.

Each case changes a private copy of the shipped exports and runs the real CLI.
"""

from __future__ import annotations

import csv
import io
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
