"""`coursectl gradebook --out`: what it may replace, and what --out names.

Runs the real CLI on a private copy of the shipped course with the shipped sample exports.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app


@pytest.fixture
def here(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(course_dir)
    return course_dir


def gradebook(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["gradebook", "--inputs", "exports/sample", *args])
    return result.exit_code, result.stdout, result.stderr


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("name", ["gradebook.csv", "gradebook-canvas.csv"])
def test_a_file_coursectl_did_not_write_is_kept(
    runner: CliRunner, here: Path, tmp_path: Path, name: str
) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / name).write_text("my notes\n", encoding="utf-8")
    code, _, stderr = gradebook(runner, "--out", str(folder), "--format", "both")
    assert code == 1
    assert error_lines(stderr) == [
        f"error: {folder / name}: exists and was not written by coursectl gradebook; "
        "pass --force to replace it"
    ]
    assert (folder / name).read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in folder.iterdir()) == [name], "nothing written at all"

    code, _, _ = gradebook(runner, "--out", str(folder), "--format", "both", "--force")
    assert code == 0
    assert (folder / name).read_text(encoding="utf-8") != "my notes\n"


def test_its_own_earlier_outputs_are_replaced(runner: CliRunner, here: Path) -> None:
    assert gradebook(runner, "--out", "grades", "--format", "both")[0] == 0
    book = here / "grades" / "gradebook.csv"
    canvas = here / "grades" / "gradebook-canvas.csv"
    # A TA's adjustment changes the numbers: the files differ from what would be written now.
    adjustments = here / "exports" / "sample" / "adjustments.csv"
    rows = list(csv.reader(io.StringIO(adjustments.read_text(encoding="utf-8-sig"))))
    first_sid = next(iter(csv.DictReader(book.open(encoding="utf-8"))))["sid"]
    before = book.read_text(encoding="utf-8"), canvas.read_text(encoding="utf-8")
    header = rows[0]
    excuse = dict.fromkeys(header, "")
    excuse.update(sid=first_sid, deliverable="course-survey", action="excused")
    with adjustments.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([excuse[c] for c in header])
    code, _, stderr = gradebook(runner, "--out", "grades", "--format", "both")
    assert code == 0, stderr
    assert (book.read_text(encoding="utf-8"), canvas.read_text(encoding="utf-8")) != before


def test_a_canvas_export_is_not_taken_for_ours(runner: CliRunner, here: Path) -> None:
    """Canvas's own export has the same columns, but Canvas fills its user ID."""
    folder = here / "grades"
    folder.mkdir(exist_ok=True)
    export = (
        "Student,ID,SIS User ID,SIS Login ID,Section,Reflection 1 (101)\n"
        "    Points Possible,,,,,1.00\n"
        "Ada Example,48213,9100001,ada@example.edu,A,1.00\n"
    )
    (folder / "gradebook-canvas.csv").write_text(export, encoding="utf-8")
    code, _, stderr = gradebook(runner, "--out", "grades", "--format", "canvas")
    assert code == 1
    assert "not written by coursectl gradebook" in stderr
    assert (folder / "gradebook-canvas.csv").read_text(encoding="utf-8") == export


@pytest.mark.parametrize(
    ("fmt", "first_cell"), [("csv", "sid"), ("canvas", "Student")], ids=["csv", "canvas"]
)
def test_out_dash_is_standard_output(
    runner: CliRunner, here: Path, fmt: str, first_cell: str
) -> None:
    code, stdout, stderr = gradebook(runner, "--out", "-", "--format", fmt)
    assert code == 0, stderr
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows[0][0] == first_cell
    assert len(rows) > 40  # every sample student; the summary went to stderr
    assert "students" in stderr
    assert not (here / "-").exists()


def test_out_dash_with_both_formats_is_one_error(runner: CliRunner, here: Path) -> None:
    code, stdout, stderr = gradebook(runner, "--out", "-", "--format", "both")
    assert code == 1
    assert error_lines(stderr) == [
        "error: --out -: --format both writes two files (gradebook.csv and "
        "gradebook-canvas.csv); give --out a folder"
    ]
    assert stdout == ""
    assert not (here / "-").exists()


def test_out_csv_file_is_that_file(runner: CliRunner, here: Path) -> None:
    code, _, stderr = gradebook(runner, "--out", "week7.csv")
    assert code == 0, stderr
    assert (here / "week7.csv").is_file()
    assert next(csv.reader((here / "week7.csv").open(encoding="utf-8")))[0] == "sid"
    code, _, stderr = gradebook(runner, "--out", "canvas-upload.csv", "--format", "canvas")
    assert code == 0, stderr
    assert next(csv.reader((here / "canvas-upload.csv").open(encoding="utf-8")))[0] == "Student"


def test_out_csv_file_with_both_formats_is_one_error(runner: CliRunner, here: Path) -> None:
    code, _, stderr = gradebook(runner, "--out", "x.csv", "--format", "both")
    assert code == 1
    assert error_lines(stderr) == [
        "error: --out x.csv: --format both writes two files (gradebook.csv and "
        "gradebook-canvas.csv); give --out a folder"
    ]
    assert not (here / "x.csv").exists()


# ----------------------------------------------------------------------------- --files and --format


def test_files_option_chooses_the_files(runner: CliRunner, here: Path) -> None:
    code, stdout, stderr = gradebook(runner, "--out", "grades", "--files", "both")
    assert code == 0, stderr
    assert sorted(p.name for p in (here / "grades").iterdir()) == [
        "gradebook-canvas.csv",
        "gradebook.csv",
    ]
    assert "note:" not in stderr
    assert "wrote grades/gradebook.csv" in stdout
    code, stdout, stderr = gradebook(runner, "--out", "-", "--files", "canvas")
    assert code == 0, stderr
    assert next(csv.reader(io.StringIO(stdout)))[0] == "Student"
    code, _, stderr = gradebook(runner, "--out", "-", "--files", "both")
    assert error_lines(stderr) == [
        "error: --out -: --files both writes two files (gradebook.csv and "
        "gradebook-canvas.csv); give --out a folder"
    ]


@pytest.mark.parametrize("old", ["csv", "canvas", "both"])
def test_old_format_spelling_still_writes_the_files_with_a_note(
    runner: CliRunner, here: Path, old: str
) -> None:
    code, _, stderr = gradebook(runner, "--out", "grades", "--format", old)
    assert code == 0, stderr
    names = {"csv": ["gradebook.csv"], "canvas": ["gradebook-canvas.csv"]}
    expected = names.get(old, ["gradebook-canvas.csv", "gradebook.csv"])
    assert sorted(p.name for p in (here / "grades").iterdir()) == expected
    notes = [line for line in stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: --format {old} is now --files {old} (--format is table or json); "
        "the old spelling goes in the next release"
    ]


def test_old_format_spelling_with_files_is_one_error(runner: CliRunner, here: Path) -> None:
    code, _, stderr = gradebook(runner, "--format", "both", "--files", "csv")
    assert code == 1
    assert error_lines(stderr) == [
        "error: --format both is the old spelling of --files; give only --files"
    ]
    assert not (here / "grades" / "gradebook.csv").exists()


def test_format_json_prints_the_summary_on_standard_output(runner: CliRunner, here: Path) -> None:
    import json

    code, stdout, stderr = gradebook(
        runner, "--out", "grades", "--files", "both", "--format", "json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["students"] == 48
    assert summary["items"] >= summary["items_with_data"] > 0
    assert summary["written"] == ["grades/gradebook.csv", "grades/gradebook-canvas.csv"]
    warnings = [line for line in stderr.splitlines() if line.startswith("warning: ")]
    assert summary["warnings"] == [line.removeprefix("warning: ") for line in warnings]
    rows = list(csv.DictReader((here / "grades" / "gradebook.csv").open(encoding="utf-8")))
    unconfirmed = summary["unconfirmed"]["midcourse-self-assessment"]
    assert unconfirmed == [
        r["sid"]
        for r in rows
        if r["midcourse-self-assessment TA"] == "" and r["midcourse-self-assessment proposed"]
    ]


def test_format_json_with_out_dash_is_one_error(runner: CliRunner, here: Path) -> None:
    code, stdout, stderr = gradebook(runner, "--out", "-", "--format", "json")
    assert code == 1
    assert error_lines(stderr) == [
        "error: --out -: --format json prints the summary on standard output; "
        "give --out a folder or a .csv file"
    ]
    assert stdout == ""
