"""The roster reader: Excel's exports read, and every mistake named with its line."""

from __future__ import annotations

from pathlib import Path

from coursectl.course.roster import read_roster


def test_read_roster_reports_what_the_row_reader_reports(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "sid,name,email,github,section\n1,Ada,ada@uni.edu,ada,A\n2,Bo,ADA@uni.edu,bo,A\n",
        encoding="utf-8",
    )
    students, problems = read_roster(path, "roster.csv")
    assert [str(p) for p in problems] == [
        "roster.csv:3: duplicate email 'ADA@uni.edu' (also on line 2); each student appears once"
    ]
    assert [s.line for s in students] == [2, 3]


HEADER = "sid,name,email,github,section\n"
ADA = "1,Ada,ada@uni.edu,ada,A\n"
BO = "2,Bo,bo@uni.edu,bo,A\n"


def _read(tmp_path: Path, data: bytes) -> tuple[list[str], list[str]]:
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    students, problems = read_roster(path, "roster.csv")
    return [s.sid for s in students], [str(p) for p in problems]


def test_rows_of_empty_cells_are_skipped(tmp_path: Path) -> None:
    # Excel leaves ",,,," rows at the end; they were reported as "empty sid, name, ...".
    data = HEADER + ADA + ",,,,\n" + BO + ",,,,\r\n,,,,\n"
    assert _read(tmp_path, data.encode()) == (["1", "2"], [])
    assert _read(tmp_path, (HEADER + ADA + BO + ",,,,\n,,,,").encode()) == (["1", "2"], [])


def test_excel_unicode_text_export_is_read(tmp_path: Path) -> None:
    # Excel's "Unicode text": UTF-16 with a byte-order mark, TAB-separated, CRLF line ends;
    # a cell holding a TAB or a quote is quoted. It used to be refused ("separated by tabs").
    text = (
        "sid\tname\temail\tgithub\tsection\r\n"
        "1\tAda\tada@uni.edu\tada\tA\r\n"
        '3\t"Cy\tTab, ""Jr."""\tcy@uni.edu\tcy\tA\r\n'
        "2\tBo\tbo@uni.edu\tbo\tA\r\n"
    )
    assert _read(tmp_path, text.encode("utf-16")) == (["1", "3", "2"], [])
    students = read_roster(tmp_path / "roster.csv", "roster.csv")[0]
    assert students[1].name == 'Cy\tTab, "Jr."' and students[1].line == 3


def test_semicolons_are_still_refused(tmp_path: Path) -> None:
    _, problems = _read(tmp_path, (HEADER + ADA).replace(",", ";").encode())
    assert problems == [
        "roster.csv:1: cells are separated by semicolons; save it as comma-separated CSV"
    ]


def test_repeated_header_is_named(tmp_path: Path) -> None:
    # It was reported as "unknown section 'section' for sid".
    students, problems = _read(tmp_path, (HEADER + ADA + HEADER + BO).encode())
    assert (students, problems) == (
        ["1", "2"],
        ["roster.csv:3: line 3 repeats the header; remove it"],
    )


def test_excel_numbers_as_sids_are_refused(tmp_path: Path) -> None:
    data = HEADER + "9.10E+06,Ada,ada@uni.edu,ada,A\n9100038.0,Bo,bo@uni.edu,bo,A\n"
    students, problems = _read(tmp_path, data.encode())
    hint = "was turned into a number by Excel; format the sid column as Text and export again"
    assert (students, problems) == (
        [],
        [f"roster.csv:2: sid '9.10E+06' {hint}", f"roster.csv:3: sid '9100038.0' {hint}"],
    )
