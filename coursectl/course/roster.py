"""The roster CSV: one row per student, read with the csv module (no pandas at start-up)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import NamedTuple

from coursectl.errors import Problem
from coursectl.files import unneutralise

REQUIRED_COLUMNS = ("sid", "name", "email", "github", "section")
OPTIONAL_COLUMNS = ("team",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
# A sid column Excel treated as numbers: 9.10E+06 (shown rounded), 9100038.0 (via pandas).
_EXCEL_SID = re.compile(r"[+-]?(?:\d+\.\d*|\d*\.?\d+[eE][+-]?\d+)")
EXCEL_SID_HINT = "was turned into a number by Excel; format the sid column as Text and export again"


class Student(NamedTuple):
    """One roster row (a tuple: a frozen dataclass cost 0.19 s to build 10^5 of them)."""

    sid: str
    name: str
    email: str
    github: str
    section: str
    team: str | None = None
    line: int = 0  # line in the roster file, for error messages


def read_roster(path: Path, display_name: str) -> tuple[list[Student], list[Problem]]:
    """Read and check a roster; duplicates and malformed rows come back as problems."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], [
            Problem(
                display_name,
                None,
                None,
                "roster file not found; fix course.roster in schedule.yaml",
            )
        ]
    # Excel's "Unicode text" export is UTF-16 with a byte-order mark; other exports are UTF-8,
    # often with a byte-order mark too.
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return [], [
            Problem(
                display_name, None, None, f"not UTF-8 text ({exc.reason}); export it as UTF-8 CSV"
            )
        ]
    return _read_roster_rows(text, display_name, _delimiter(text))


def _delimiter(text: str) -> str:
    """TAB for Excel's "Unicode text" export (TAB-separated) and other TSV, else a comma."""
    end = text.find("\n")
    header = text if end < 0 else text[:end]
    return "\t" if "\t" in header and "," not in header else ","


def _read_roster_rows(
    text: str, display_name: str, delimiter: str = ","
) -> tuple[list[Student], list[Problem]]:
    """Row by row, naming the line of every problem."""

    def problem(line: int | None, message: str) -> Problem:
        return Problem(display_name, line, None, message)

    problems: list[Problem] = []
    students: list[Student] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    row_start = 1  # where a row that fails to parse began
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing and len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            separator = "semicolons" if ";" in header[0] else "tabs"
            return [], [
                problem(1, f"cells are separated by {separator}; save it as comma-separated CSV")
            ]
        if missing:
            return [], [
                problem(
                    1,
                    f"missing column(s) {', '.join(missing)}; the header needs "
                    f"{','.join(REQUIRED_COLUMNS)} (optional: team)",
                )
            ]
        columns = [header.index(c) for c in REQUIRED_COLUMNS]
        i_team = header.index("team") if "team" in header else None
        seen: dict[str, dict[str, int]] = {"sid": {}, "email": {}, "github": {}}
        row_start = reader.line_num + 1
        for row in reader:
            line = reader.line_num
            row_start = line + 1
            if not any(cell.strip() for cell in row):
                continue  # a blank line, or a row of empty cells Excel leaves at the end
            if [cell.strip().lower() for cell in row] == header:
                problems.append(problem(line, f"line {line} repeats the header; remove it"))
                continue
            if len(row) > len(header):
                problems.append(
                    problem(line, "more cells than columns; check for an unquoted comma")
                )
                continue
            row += [""] * (len(header) - len(row))
            # A roster coursectl wrote (gradescope roster --write) has formula-looking cells
            # neutralised ("'=x"): read back what Gradescope said.
            values = dict(
                zip(REQUIRED_COLUMNS, (unneutralise(row[i].strip()) for i in columns), strict=True)
            )
            empty = [c for c in REQUIRED_COLUMNS if not values[c]]
            if empty:
                problems.append(
                    problem(line, f"empty {', '.join(empty)}; fill it in or remove the row")
                )
                continue
            sid, name, email, github, section = values.values()
            if _EXCEL_SID.fullmatch(sid):
                problems.append(problem(line, f"sid '{sid}' {EXCEL_SID_HINT}"))
                continue
            if not _EMAIL.match(email):
                problems.append(problem(line, f"'{email}' is not an email address"))
            if not _GITHUB_LOGIN.match(github):
                problems.append(problem(line, f"'{github}' is not a GitHub username"))
            for column, first in seen.items():
                value = values[column]
                first_line = first.setdefault(value.lower(), line)
                if first_line != line:
                    problems.append(
                        problem(
                            line,
                            f"duplicate {column} '{value}' (also on line {first_line}); "
                            "each student appears once",
                        )
                    )
            team = unneutralise(row[i_team].strip()) if i_team is not None else ""
            students.append(Student(sid, name, email, github, section, team or None, line))
    except csv.Error as exc:
        problems.append(
            problem(
                row_start, f"malformed CSV: {exc}; check for an unclosed quote or a stray comma"
            )
        )
    if not students and not problems:
        problems.append(problem(None, "the roster has no students"))
    return students, problems
