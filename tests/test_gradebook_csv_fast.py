"""The gradebook's fast paths must read exactly what the general ones read.

- `plain_grid` splits a plain CSV file in one go (csv.reader reads its lines with quotes);
  pandas' C reader (`_read_with_pandas`) reads any file. Whenever the fast path accepts a file, both must give the same cells and lines.
- `csv_text` joins rows with str.join and quotes only the cells that need it; it must write
  what csv.writer wrote.
- `_numbers` parses each distinct cell once; it must give what pd.to_numeric over every cell
  gave, and refuse the same first cell; `_lateness` reads all distinct H:M:S values with one
  regex and must give what a regex match and int() per value gave.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from coursectl.errors import UserError
from coursectl.gradebook.csvio import (
    Table,
    _first_line,
    _has_empty_rows,
    _read_with_pandas,
    _separator,
    csv_text,
    header_of,
    neutralise,
    plain_grid,
    read_table,
)
from coursectl.gradebook.inputs import _lateness, _numbers

MESSY = ["a", "1", "2.5", " ", "\t", ",", '"', "\r", "\n", "é", "\u00a0", "=", "\x00", ";", "#"]
PLAIN = ["a", "1", "2.5", " ", "é", "\u00a0", "=", "-", "#", "'", "x y"]

messy_cells = st.lists(st.sampled_from(MESSY), max_size=3).map("".join)
plain_cells = st.lists(st.sampled_from(PLAIN), max_size=3).map("".join)


def _text(header: list[str], rows: list[list[str]], separator: str, ending: str, last: str) -> str:
    lines = [separator.join(header)] + [separator.join(row) for row in rows]
    return ending.join(lines) + last


def _both(text: str, keep: list[str] | None) -> tuple[Table | None, Table | Exception]:
    separator = _separator(_first_line(text))
    names = header_of(text)
    wanted = None if keep is None else set(keep)
    grid = plain_grid(text, separator, names)
    try:
        general: Table | Exception = _read_with_pandas(text, "t.csv", separator, names, wanted)
    except Exception as exc:  # some messy files break the general reader itself (csv.Error)
        general = exc
    if grid is None:
        return None, general
    fast = read_table(text, "t.csv", keep)
    return fast, general


def _same(fast: Table, general: Table | Exception) -> None:
    assert isinstance(general, Table), f"pandas refused what the fast path read: {general}"
    assert list(fast.columns) == list(general.columns)
    for name, cells in general.columns.items():
        assert fast.columns[name].tolist() == cells.tolist(), name
        assert all(type(cell) is str for cell in fast.columns[name].tolist())
    assert fast.rows == general.rows
    assert fast.lines == general.lines


@settings(max_examples=1000, deadline=None)
@given(
    header=st.lists(
        st.sampled_from(["sid", "a", "b", "c d", "", " e"]), min_size=1, max_size=4, unique=True
    ),
    data=st.data(),
    separator=st.sampled_from([",", "\t"]),
    ending=st.sampled_from(["\n", "\r\n"]),  # decode() turns bare CRs into \n first
    last=st.sampled_from(["", "\n", "\r\n", "\n\n", ",\n", " \n"]),
    keep=st.none() | st.lists(st.sampled_from(["sid", "a", "zz"])),
)
def test_fast_reader_agrees_with_pandas_on_messy_files(
    header: list[str],
    data: st.DataObject,
    separator: str,
    ending: str,
    last: str,
    keep: list[str] | None,
) -> None:
    # Mostly rows as wide as the header with a few messy cells, so both readers get work.
    cell = st.one_of(plain_cells, plain_cells, messy_cells)
    width = st.one_of(st.just(len(header)), st.integers(0, 5))
    row = width.flatmap(lambda n: st.lists(cell, min_size=n, max_size=n))
    rows = data.draw(st.lists(row, max_size=5))
    text = _text(header, rows, separator, ending, last)
    if not text.strip():
        return
    fast, general = _both(text, keep)
    event("fast path" if fast is not None else "pandas only")
    if fast is not None:
        _same(fast, general)


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 5),
    data=st.data(),
    separator=st.sampled_from([",", "\t"]),
    ending=st.sampled_from(["\n", "\r\n"]),
    last=st.sampled_from(["", "\n", "\r\n"]),
)
def test_plain_files_take_the_fast_path_and_agree(
    width: int, data: st.DataObject, separator: str, ending: str, last: str
) -> None:
    header = [f"c{i}" for i in range(width)]
    # A row with one non-blank cell is never an "empty row" (those are dropped, by pandas).
    row = st.lists(plain_cells, min_size=width, max_size=width).filter(
        lambda cells: any(c.strip(" \t") for c in cells)
    )
    rows = data.draw(st.lists(row, max_size=6))
    text = _text(header, rows, separator, ending, last)
    fast, general = _both(text, None)
    assert fast is not None
    _same(fast, general)


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"1",2\n',  # quoted where csv.writer would not quote
        'a,b\n"x\ny",2\n',  # a cell spanning lines
        'a,b\nx"y,2\n',  # a quote inside an unquoted cell
        'a,b\n"x"y,2\n',  # text after a closing quote
        "a,b\n1,2\n\n3,4\n",  # empty line
        "a,b\n1,2\n,\n",  # a row of nothing but commas
        "a,b\n1,2,3\n4\n",  # ragged rows that add up
        "a,b,c,d\na\n,a\n",  # a short row and a long one holding the same cells
        "a,b\n1\r2\n",  # a bare CR
        "a,a\n1,2\n",  # duplicate names
        "a,,\n1,2,3\n",  # duplicate blank names
    ],
)
def test_files_that_are_not_plain_go_to_pandas(text: str) -> None:
    assert plain_grid(text, ",", header_of(text)) is None


QUOTABLE = ["a", "1", " ", ",", '"', "\t", "é", "=", "x y", "\n"]


@settings(max_examples=500, deadline=None)
@given(
    width=st.integers(1, 4),
    data=st.data(),
    separator=st.sampled_from([",", "\t"]),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_files_quoted_as_csv_writer_does_agree(
    width: int, data: st.DataObject, separator: str, ending: str
) -> None:
    """Cells with separators and quotes, quoted by csv.writer (Gradescope quotes a name with a
    comma in it the same way): the quoted lines are read by csv.reader, the rest by the split."""
    if width == 1:
        separator = ","  # a header of one name has no tab: it reads as comma-separated
    cell = st.lists(st.sampled_from(QUOTABLE), max_size=3).map("".join)
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator=ending)
    writer.writerow([f"c{i}" for i in range(width)])
    writer.writerows(rows)
    text = buffer.getvalue()
    fast, general = _both(text, None)
    spans_lines = any("\n" in c for row in rows for c in row)
    # A line of only separators, quotes and blanks counts as empty (and is dropped) either way.
    empty_row = _has_empty_rows(text.replace("\r\n", "\n"), separator)
    if not spans_lines and not empty_row:
        assert fast is not None
    if fast is not None:
        _same(fast, general)


NUMERIC = [
    "",
    " ",
    "1",
    " 2.5 ",
    "-0",
    "+3",
    ".5",
    "5.",
    "1e3",
    "1E-2",
    "inf",
    "-Infinity",
    "nan",
    "NaN",
    "1_000",
    "0x1A",
    "1,5",
    "\u0663",
    "99999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "7 ",
    "abc",
    "\u00a05",
]


def _old_numbers(cells: list[str]) -> np.ndarray | tuple[int, str]:
    """The reader before the fast path (pd.to_numeric over every cell of a pandas str column):
    the numbers, or the first row that is not a number and its stripped cell."""
    text = pd.Series(cells, dtype=str)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    for row in np.flatnonzero(np.isnan(values)):
        cell = str(text.iloc[row]).strip()
        if cell:
            return int(row), cell
    return values


@settings(max_examples=400, deadline=None)
@given(cells=st.lists(st.sampled_from(NUMERIC) | st.text(max_size=4), min_size=1, max_size=12))
def test_numbers_parse_each_distinct_cell_as_pd_to_numeric_did(cells: list[str]) -> None:
    table = Table("t.csv", {"x": np.array(cells, dtype=object)}, len(cells))
    table.lines = list(range(2, len(cells) + 2))
    expected = _old_numbers(cells)
    if isinstance(expected, tuple):
        row, cell = expected
        with pytest.raises(UserError) as raised:
            _numbers(table, "x", "score")
        (problem,) = raised.value.problems
        assert problem.line == row + 2
        assert problem.message == f"score '{cell}' in column 'x' is not a number; fix or blank it"
        return
    got = _numbers(table, "x", "score")
    assert np.array_equal(got, expected, equal_nan=True)
    assert (np.signbit(got) == np.signbit(expected)).all()


def _old_csv_text(header: list[str], columns: list[list[str]], text_columns: list[int]) -> str:
    """The writer before the fast path: csv.writer over every row."""
    cells = [list(column) for column in columns]
    for index in text_columns:
        cells[index] = [neutralise(cell) for cell in cells[index]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()


OUT_CELLS = ["", "a", "1.50", "=1+1", "-2.50", "+x", "@a", '"q"', "a,b", "x\ny", "\r", "\t1", " "]


@settings(max_examples=400, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(0, 4)),
    data=st.data(),
)
def test_csv_text_writes_what_csv_writer_wrote(shape: tuple[int, int], data: st.DataObject) -> None:
    width, rows = shape
    cell = st.sampled_from(OUT_CELLS) | st.text(max_size=3)
    header = data.draw(st.lists(cell, min_size=width, max_size=width))
    columns = data.draw(
        st.lists(st.lists(cell, min_size=rows, max_size=rows), min_size=width, max_size=width)
    )
    text_columns = data.draw(st.sets(st.integers(0, width - 1)))
    expected = _old_csv_text(header, columns, sorted(text_columns))
    assert csv_text(header, columns, sorted(text_columns)) == expected


LATENESS = [
    "",
    "0:00:00",
    " 0:00:00",
    "0:00:00 ",
    " ",
    "225:07:02",
    " 225:07:02",
    "1:2:3",
    "1:234:5",
    "1:2",
    "1:2:3:4",
    "a:b:c",
    "+1:00:00",
    "1_0:00:00",
    "\u0661:\u0660\u0662:\u0660\u0663",
    "\u00b2:00:00",
    "1:2:3\n4:5:6",
    "9" * 310 + ":00:00",
    "9" * 300 + ":00:00",
    "12345678901234567890:59:59",
]


def _old_lateness(cells: list[str]) -> np.ndarray | tuple[int, str]:
    """The reader before the fast path: a regex match and int() per distinct stripped value."""
    codes, uniques = pd.factorize(pd.Series(cells, dtype=str), use_na_sentinel=False)
    values = [str(u).strip() for u in uniques]
    seconds = np.zeros(len(values) + 1)
    for index, value in enumerate(values):
        match = re.match(r"^(\d+):(\d{1,2}):(\d{1,2})$", value)
        if match:
            hours, minutes, secs = (int(g) for g in match.groups())
            seconds[index] = hours * 3600.0 + minutes * 60.0 + secs
        elif value:
            return int(np.flatnonzero(codes == index)[0]), value
    return seconds[codes]


@settings(max_examples=400, deadline=None)
@given(
    cells=st.lists(
        st.sampled_from(LATENESS)
        | st.text(alphabet="0123456789: \n\u0663", max_size=9)
        | st.builds(
            "{}:{:02d}:{:02d}".format, st.integers(0, 10**6), st.integers(0, 99), st.integers(0, 99)
        ),
        min_size=1,
        max_size=12,
    )
)
def test_lateness_reads_each_value_as_the_regex_loop_did(cells: list[str]) -> None:
    table = Table("t.csv", {"late": np.array(cells, dtype=object)}, len(cells))
    table.lines = list(range(2, len(cells) + 2))
    try:
        expected = _old_lateness(cells)
    except OverflowError:  # hours of 309+ digits: the same crash as before, not a new answer
        with pytest.raises(OverflowError):
            _lateness(table, "late")
        return
    if isinstance(expected, tuple):
        row, value = expected
        with pytest.raises(UserError) as raised:
            _lateness(table, "late")
        (problem,) = raised.value.problems
        assert problem.line == row + 2
        assert f"lateness '{value}'" in problem.message
        return
    got = _lateness(table, "late")
    assert np.array_equal(got, expected, equal_nan=True)
