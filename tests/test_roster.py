"""The roster reader's column-wise path for clean rosters must give exactly what the row-by-row
reader gives, and leave every roster with something to report to the row-by-row reader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from coursectl.course.roster import _read_clean_roster, _read_roster_rows, read_roster

COLUMNS = ["sid", "name", "email", "github", "section"]
FLAWS = [
    "duplicate-sid",
    "duplicate-email-case",
    "bad-email",
    "bad-github",
    "long-github",
    "double-hyphen-github",
    "empty-name",
    "blank-line",
    "two-line-name",
    "short-row",
    "long-row",
    "lone-cr",
    "repeated-header",
    "excel-sid",
    "nul-in-name",
]

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(",\"' "),
    min_size=1,
    max_size=10,
).filter(lambda n: n.strip() != "")
# Names the csv module writes without quotes in either format: such rosters take the
# split-at-the-delimiter path, the others the csv module's.
plain_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=',"\t')
    | st.sampled_from("' "),
    min_size=1,
    max_size=10,
).filter(lambda n: n.strip() != "")


# Comma-separated CSV, and the TAB-separated text of Excel's "Unicode text" export.
delimiters = st.shared(st.sampled_from([",", "\t"]), key="delimiter")


@st.composite
def rosters(draw: st.DrawFn, quoted: bool = True) -> tuple[str, set[str], str]:
    n = draw(st.integers(1, 12))
    header = list(COLUMNS)
    if draw(st.booleans()):
        header.append("team")
    if draw(st.booleans()):
        header.append("notes")
    header = draw(st.permutations(header))
    rows = []
    for i in range(n):
        values = {
            "sid": f"9{i:04d}",
            "name": draw(names if quoted else plain_names),
            "email": f"s{i}@uni.example.edu",
            "github": draw(st.sampled_from([f"gh-{i}", f"User{i}", f"a{i}b"])),
            "section": draw(st.sampled_from("ABCD")),
            "team": draw(st.sampled_from(["", f"T{i // 2}", f" T{i // 3} "])),
            "notes": draw(st.sampled_from(["", "late add", "a,b" if quoted else "a;b"])),
        }
        rows.append([values[c] for c in header])
    flaws = set(draw(st.sets(st.sampled_from(FLAWS), max_size=2)))
    column = {c: header.index(c) for c in header}
    if "duplicate-sid" in flaws and n > 1:
        rows[-1][column["sid"]] = rows[0][column["sid"]]
    if "duplicate-email-case" in flaws and n > 1:
        rows[-1][column["email"]] = rows[0][column["email"]].upper()
    if "bad-email" in flaws:
        rows[0][column["email"]] = "not-an-email"
    if "bad-github" in flaws:
        rows[0][column["github"]] = "-bad-"
    if "long-github" in flaws:
        rows[0][column["github"]] = "a" * 40  # GitHub allows 39
    if "double-hyphen-github" in flaws:
        rows[0][column["github"]] = "ab--cd"
    if "empty-name" in flaws:
        rows[0][column["name"]] = "  "
    if "nul-in-name" in flaws:
        rows[0][column["name"]] = "Nul\x00Name"
    if "two-line-name" in flaws and quoted:
        rows[0][column["name"]] = "Two\nLines"
    if "excel-sid" in flaws:
        rows[0][column["sid"]] = draw(st.sampled_from(["9.10E+06", "9100038.0", "9.1e6"]))
    # Row-length flaws last: they move the cells the flaws above address by column.
    if "short-row" in flaws:
        rows[0] = rows[0][:-1]
    if "long-row" in flaws:
        rows[0] = [*rows[0], "extra"]
    if "repeated-header" in flaws:
        rows.insert(draw(st.integers(0, len(rows))), list(header))
    # Excel leaves rows of empty cells at the end: not a flaw, nothing to report.
    rows += [[""] * len(header)] * draw(st.integers(0, 2))
    buffer = io.StringIO()
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(buffer, lineterminator=newline, delimiter=draw(delimiters))
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if "blank-line" in flaws:
        text = text.replace(newline, newline + newline, 1)
    if "lone-cr" in flaws:
        text = text.replace(newline, "\r", 1)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no newline at the end
    return text, flaws, draw(delimiters)


@settings(max_examples=300, deadline=None)
@given(st.one_of(rosters(), rosters(quoted=False)))
def test_clean_rosters_read_the_same_either_way(case: tuple[str, set[str], str]) -> None:
    text, _, delimiter = case
    clean = _read_clean_roster(text, delimiter)
    students, problems = _read_roster_rows(text, "roster.csv", delimiter)
    if problems:
        assert clean is None, "the column path let a problem through"
    if clean is not None:
        assert clean == students  # the same fields and line numbers


@settings(max_examples=100, deadline=None)
@given(rosters().filter(lambda case: not case[1]))
def test_a_roster_without_flaws_takes_the_column_path(case: tuple[str, set[str], str]) -> None:
    text, _, delimiter = case
    assert _read_clean_roster(text, delimiter) is not None


@settings(max_examples=300, deadline=None)
@given(rosters(quoted=False))
def test_unquoted_rosters_split_at_the_delimiter_read_as_the_rows_do(
    case: tuple[str, set[str], str],
) -> None:
    text, flaws, delimiter = case
    assert '"' not in text  # the split path, not the csv module
    clean = _read_clean_roster(text, delimiter)
    students, problems = _read_roster_rows(text, "roster.csv", delimiter)
    if problems:
        assert clean is None, "the split path let a problem through"
    if not flaws:
        assert clean == students  # the same fields and line numbers


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
