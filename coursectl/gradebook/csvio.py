"""Reading CSV exports the way they arrive (writing is the kernel's: coursectl.files.csv_text).

Exports come with a byte-order mark (Gradescope, Excel's "CSV UTF-8"), as UTF-16 with tabs
(Excel's "Unicode text"), or re-saved in a legacy encoding. We decode the first two exactly
and refuse the rest with the line of the first bad byte: guessing an encoding garbles names
silently. Reading is the csv module's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from coursectl.errors import Problem, UserError, decode_error_line


def decode(data: bytes, display: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = decode_error_line(exc)
        raise UserError(
            Problem(
                display,
                line,
                None,
                f"not {encoding.upper()} text (byte 0x{data[exc.start]:02x}); "
                "export or save it again as 'CSV UTF-8'",
            )
        ) from None
    # Windows line ends, and the bare CRs of "CSV (Macintosh)" saves, read as "\n" (a bare CR
    # inside a line is a csv.Error).
    return text.replace("\r\n", "\n").replace("\r", "\n")


ObjectArray = npt.NDArray[np.object_]


@dataclass
class Table:
    """One CSV file as strings: column names stripped, and each row's file line.

    Each column is a numpy object array of str, one cell per row.
    """

    display: str
    columns: dict[str, ObjectArray]
    rows: int
    lines: list[int] = field(default_factory=list)

    def line(self, row: int) -> int:
        return self.lines[row]

    def line_array(self) -> npt.NDArray[np.int64]:
        return np.asarray(self.lines, dtype=np.int64)

    def has(self, column: str) -> bool:
        return column in self.columns

    def column(self, name: str) -> ObjectArray:
        return self.columns[name]

    def drop(self, name: str) -> None:
        del self.columns[name]

    def problem(self, row: int | None, message: str) -> Problem:
        return Problem(self.display, None if row is None else self.line(row), None, message)


def _separator(text: str) -> str:
    # Excel's "Unicode text" export is UTF-16 with tabs.
    first_line = text.split("\n", 1)[0]
    return "\t" if "\t" in first_line and "," not in first_line else ","


def _raw_header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text), delimiter=_separator(text)), [])


def header_of(text: str) -> list[str]:
    """Column names of CSV text, stripped."""
    return [name.strip() for name in _raw_header(text)]


def reject_other_separators(text: str, display: str) -> None:
    """A header that is one cell holding semicolons is a CSV saved with ';' (Excel in many
    locales): say so in one line instead of reading one column nobody recognises."""
    header = _raw_header(text)
    if len(header) == 1 and ";" in header[0]:
        raise UserError(
            Problem(
                display,
                1,
                None,
                "cells are separated by semicolons; export as comma-separated CSV",
            )
        )


def _wrong_width(display: str, line: int, cells: int, width: int) -> UserError:
    hint = (
        "check for an unquoted comma"
        if cells > width
        else "the row was cut short; export the file again"
    )
    return UserError(
        Problem(display, line, None, f"{cells} cells but the header has {width}; {hint}")
    )


def read_table(text: str, display: str, keep: Iterable[str] | None = None) -> Table:
    """CSV text as strings; `keep` limits the columns held in memory (others are never stored).

    Rows of nothing but separators, quotes and blanks (Excel leaves them after the data) are
    skipped; every other row must have as many cells as the header.
    """
    if not text.strip():
        raise UserError(Problem(display, 1, None, "the file is empty; export it again"))
    reject_other_separators(text, display)
    reader = csv.reader(io.StringIO(text), delimiter=_separator(text))
    names = [name.strip() for name in next(reader)]
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name and name in seen:
            raise UserError(
                Problem(
                    display,
                    1,
                    None,
                    f"column '{name}' appears twice (columns {seen[name] + 1} and {index + 1}); "
                    "remove or rename one",
                )
            )
        seen[name] = index
    wanted = None if keep is None else set(keep)
    kept = {name: index for name, index in seen.items() if wanted is None or name in wanted}
    cells: dict[str, list[str]] = {name: [] for name in kept}
    lines: list[int] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if len(record) != len(names):
                    raise _wrong_width(display, start, len(record), len(names))
                for name, index in kept.items():
                    cells[name].append(record[index])
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            Problem(display, reader.line_num, None, f"malformed CSV ({exc}); check the quotes")
        ) from None
    columns = {name: np.array(column, dtype=object) for name, column in cells.items()}
    return Table(display, columns, len(lines), lines)


def require(table: Table, columns: Sequence[str], hint: str) -> None:
    """One error naming every missing column and what the file should be."""
    missing = [c for c in columns if not table.has(c)]
    if missing:
        quoted = ", ".join(f"'{c}'" for c in missing)
        raise UserError(Problem(table.display, 1, None, f"missing column {quoted}; {hint}"))
