"""Every gradebook input read into per-deliverable arrays aligned with the roster.

Each reader returns data, never prints: structural mistakes (a missing column, a student twice
in one file, a score that is not a number) raise `UserError` with the file and line; rows that
match no roster student and roster students without a row come back as `Problem` notices, so
nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from coursectl.course.adjustments import parse_duration
from coursectl.course.matching import (
    NO_MATCH,
    RosterIndex,
    describe_row,
    gradescope_names,
)
from coursectl.course.matching import normal_title as _normal
from coursectl.course.model import (
    REFLECTION_STATUSES,
    Deliverable,
    ReflectionDeliverable,
    Schedule,
    SurveyDeliverable,
)
from coursectl.errors import Problem, UserError
from coursectl.gradebook.csvio import (
    Table,
    decode,
    header_of,
    read_table,
    reject_other_separators,
    require,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

# Gradescope writes blank or "Ungraded" for a submission not graded yet (not counted: pending).
SUBMISSION_STATUSES = {
    "graded": "graded",
    "missing": "missing",
    "": "ungraded",
    "ungraded": "ungraded",
}
LATENESS = "Lateness (H:M:S)"


@dataclass
class Observed:
    """What one source says about one deliverable, one slot per roster student."""

    deliverable: str
    source: str  # file as shown to the TA
    line: IntArray  # line of the student's row; 0 = no row
    submitted: BoolArray
    score: FloatArray  # NaN: blank / not graded
    max_points: FloatArray
    late_seconds: FloatArray  # NaN: unknown
    status: ObjectArray | None = None  # Gradescope Status or check-reflections status
    words: ObjectArray | None = None


# ----------------------------------------------------------------------------- matching rows


def _column(table: Table, name: str | None) -> list[str]:
    """A column's cells, stripped (blank where the file has no such column)."""
    if name is None or not table.has(name):
        return [""] * table.rows
    return [cell.strip() for cell in table.column(name).tolist()]


def _lowered(table: Table, column: str) -> ObjectArray:
    """A status-like column, stripped and lower-cased."""
    return np.array([cell.lower() for cell in _column(table, column)], dtype=object)


def _column_raw(table: Table, column: str) -> ObjectArray:
    """Cells as they are (for display only), blank where the column is absent."""
    if not table.has(column):
        return np.full(table.rows, "", dtype=object)
    return table.column(column)


def is_in(cells: ObjectArray, allowed: Iterable[object]) -> BoolArray:
    """Whether each cell is one of `allowed` (cells may be None)."""
    allowed = set(allowed)
    return np.array([cell in allowed for cell in cells.tolist()], dtype=bool)


def match_rows(
    table: Table,
    roster: RosterIndex,
    sid_col: str | None,
    email_col: str | None,
    github_col: str | None,
    name_cols: Sequence[str],
    notices: list[Problem],
    what: str,
) -> IntArray:
    """Roster position of every row (NO_MATCH for unmatched rows, each reported)."""
    positions = np.full(table.rows, NO_MATCH, dtype=np.int64)
    first_line: dict[int, int] = {}
    names = [_column(table, c) for c in name_cols]
    identities = zip(
        _column(table, sid_col), _column(table, email_col), _column(table, github_col), strict=True
    )
    for row, (sid, email, github) in enumerate(identities):
        position, _ = roster.match(sid, email, github)
        if position == NO_MATCH:
            name = " ".join(cell for cell in (column[row] for column in names) if cell)
            notices.append(
                table.problem(
                    row,
                    f"{describe_row(sid, email, github, name)} matches no roster student; "
                    "this row is not counted: add the student to the roster, fix the sid/email, "
                    "or leave it if they dropped",
                )
            )
            continue
        if position in first_line:
            student = roster.students[position]
            raise UserError(
                table.problem(
                    row,
                    f"{student.sid} ({student.name}) has a second row here (first on line "
                    f"{first_line[position]}) in {what}; keep one row per student",
                )
            )
        first_line[position] = table.line(row)
        positions[row] = position
    return positions


def report_absent(
    observed: Observed, roster: RosterIndex, notices: list[Problem], what: str
) -> None:
    """Every roster student with no row in the file, on one line per file."""
    absent = [roster.students[i].sid for i in np.flatnonzero(observed.line == 0)]
    if absent:
        notices.append(
            Problem(
                observed.source,
                None,
                None,
                f"no row for {len(absent)} roster student(s) in {what}, not counted for them: {', '.join(absent)}",
            )
        )


def _scatter(size: int, positions: IntArray, values: npt.NDArray[Any], fill: object) -> Any:
    """Each row's value at its student's roster position; `fill` for students without a row."""
    out = np.full(size, fill, dtype=values.dtype if values.dtype != object else object)
    keep = positions != NO_MATCH
    out[positions[keep]] = values[keep]
    return out


def _numbers(table: Table, column: str, what: str) -> FloatArray:
    """Floats of a column; blank is NaN; anything else that is not a number is an error."""
    cells = table.column(column)
    parsed = pd.to_numeric(pd.Series(cells, dtype=str), errors="coerce")
    values = np.asarray(parsed, dtype=np.float64)
    for row in np.flatnonzero(np.isnan(values)).tolist():
        cell = str(cells[row]).strip()
        if cell:
            raise UserError(
                table.problem(
                    row, f"{what} '{cell}' in column '{column}' is not a number; fix or blank it"
                )
            )
    return values


_HMS = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})$")


def _lateness(table: Table, column: str) -> FloatArray:
    """Seconds from Gradescope's H:M:S lateness (hours may exceed 24); blank is on time."""
    seconds = np.zeros(table.rows)
    for row, value in enumerate(_column(table, column)):
        if not value:
            continue
        match = _HMS.match(value)
        if match is None:
            raise UserError(
                table.problem(
                    row, f"lateness '{value}' in column '{column}' is not H:M:S (e.g. 225:07:02)"
                )
            )
        hours, minutes, secs = (int(g) for g in match.groups())
        seconds[row] = hours * 3600.0 + minutes * 60.0 + secs
    return seconds


# ----------------------------------------------------------------------------- Gradescope


def _name_columns(table: Table) -> list[str]:
    """Name columns of either layout (for messages only: never matched on)."""
    return ["Name"] if table.has("Name") else ["First Name", "Last Name"]


def _require_identity(table: Table) -> None:
    require(
        table,
        ["SID", "Email"],
        "export it again with Gradescope's 'Download Grades' (it has SID and Email)",
    )


def read_download_grades(
    text: str,
    display: str,
    roster: RosterIndex,
    names: dict[str, str],
    schedule: Schedule,
    notices: list[Problem],
) -> dict[str, Observed]:
    """The course's "Download Grades" CSV: four columns per assignment."""
    all_columns = header_of(text)
    assignments = [c[: -len(" - Max Points")] for c in all_columns if c.endswith(" - Max Points")]
    surveys = {
        a
        for a in assignments
        if isinstance(schedule.deliverable(names.get(_normal(a), "")), SurveyDeliverable)
    }
    # An anonymous survey's lateness is a time: never loaded. Its submission time is turned into
    # a yes/no below and dropped at once.
    keep = [c for c in all_columns if not any(c == f"{s} - {LATENESS}" for s in surveys)]
    table = read_table(text, display, keep=keep)
    _require_identity(table)
    name_cols = _name_columns(table)
    positions = match_rows(table, roster, "SID", "Email", None, name_cols, notices, "this export")
    size = len(roster.students)
    found: dict[str, Observed] = {}
    for assignment in assignments:
        deliverable_id = names.get(_normal(assignment))
        if deliverable_id is None:
            notices.append(
                Problem(
                    display,
                    1,
                    None,
                    f"assignment '{assignment}' is not in schedule.yaml; not counted (map it in the "
                    "policy's gradebook.gradescope_titles if it should be)",
                )
            )
            continue
        require(
            table,
            [assignment],
            f"each assignment needs its score column next to '{assignment} - Max Points'; "
            "export the grades again",
        )
        time_column = f"{assignment} - Submission Time"
        score = _numbers(table, assignment, "score")
        max_points = _numbers(table, f"{assignment} - Max Points", "max points")
        has_time = (
            (table.column(time_column) != "")  # whitespace-only cells do not occur
            if table.has(time_column)
            else np.zeros(len(score), bool)
        )
        submitted = ~np.isnan(score) | has_time
        late_column = f"{assignment} - {LATENESS}"
        if assignment in surveys:
            late = np.full(len(score), np.nan)
            if table.has(time_column):
                table.drop(time_column)
        elif table.has(late_column):
            late = _lateness(table, late_column)
        else:
            late = np.full(len(score), np.nan)
            notices.append(
                Problem(
                    display,
                    1,
                    None,
                    f"no column '{late_column}': no late penalty for '{assignment}'",
                )
            )
        observed = Observed(
            deliverable_id,
            display,
            _scatter(size, positions, table.line_array(), 0),
            _scatter(size, positions, submitted, False),
            _scatter(size, positions, score, np.nan),
            _scatter(size, positions, max_points, np.nan),
            _scatter(size, positions, late, np.nan),
        )
        observed.status = np.where(
            observed.submitted, np.where(np.isnan(observed.score), "ungraded", "graded"), "missing"
        ).astype(object)
        found[deliverable_id] = observed
    return found


def read_assignment_scores(
    text: str,
    display: str,
    deliverable: Deliverable,
    roster: RosterIndex,
    notices: list[Problem],
) -> Observed:
    """A per-assignment "scores" CSV: one row per student with Total Score, Max Points, Status."""
    identity = ["First Name", "Last Name", "Name", "SID", "Email", "Sections", "section_name"]
    wanted = [*identity, "Total Score", "Max Points", "Status"]
    if not isinstance(deliverable, SurveyDeliverable):
        wanted.append(LATENESS)
    # Question columns, submission ids and times are never loaded (a survey's would identify answers).
    table = read_table(text, display, keep=wanted)
    _require_identity(table)
    require(
        table,
        ["Total Score", "Max Points", "Status"],
        "export it again with Gradescope's per-assignment 'Download Grades'",
    )
    name_cols = _name_columns(table)
    positions = match_rows(table, roster, "SID", "Email", None, name_cols, notices, "this export")
    status_text = _lowered(table, "Status")
    unknown = np.flatnonzero(~is_in(status_text, SUBMISSION_STATUSES))
    if len(unknown):
        row = int(unknown[0])
        raise UserError(
            table.problem(
                row,
                f"Status '{table.column('Status')[row]}' is not Graded, Ungraded, Missing or blank; fix it",
            )
        )
    status = np.array([SUBMISSION_STATUSES[s] for s in status_text], dtype=object)
    score = _numbers(table, "Total Score", "score")
    submitted = status != "missing"
    score = np.where(status == "graded", score, np.nan)
    max_points = _numbers(table, "Max Points", "max points")
    late = _lateness(table, LATENESS) if table.has(LATENESS) else np.full(len(score), np.nan)
    size = len(roster.students)
    lines = table.line_array()
    return Observed(
        deliverable.id,
        display,
        _scatter(size, positions, lines, 0),
        _scatter(size, positions, submitted, False),
        _scatter(size, positions, score, np.nan),
        _scatter(size, positions, max_points, np.nan),
        _scatter(size, positions, late, np.nan),
        _scatter(size, positions, status, None),
    )


_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")  # a browser's second download: 'x_scores (1).csv'


@dataclass
class _Export:
    path: Path
    display: str
    text: str


def _submission_times(text: str) -> set[datetime]:
    """Every submission time in an export, read only to compare two downloads of it.

    The times are compared and dropped: never stored or shown (a survey's could identify).
    """
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    columns = [
        i
        for i, h in enumerate(header)
        if h == "Submission Time" or h.endswith(" - Submission Time")
    ]
    times: set[datetime] = set()
    for record in reader:
        for i in columns:
            try:
                times.add(datetime.strptime(record[i].strip(), "%Y-%m-%d %H:%M:%S %z"))
            except (IndexError, ValueError):
                continue
    return times


def _newest(exports: list[_Export]) -> tuple[_Export, str]:
    """The most recent of several downloads of one export, and why (for the warning).

    By content first: of two downloads, the newer one holds the latest submission the other
    lacks (a resubmission or a late submitter). Same submissions: the file modified last.
    """
    times = {id(e): _submission_times(e.text) for e in exports}

    def later_by_content(a: _Export, b: _Export) -> bool | None:
        only_a, only_b = times[id(a)] - times[id(b)], times[id(b)] - times[id(a)]
        if not only_a and not only_b:
            return None
        return bool(only_a) and (not only_b or max(only_a) > max(only_b))

    winner, why = exports[0], ""
    for other in exports[1:]:
        verdict = later_by_content(other, winner)
        if verdict is None:
            if other.path.stat().st_mtime > winner.path.stat().st_mtime:
                winner = other
            why = why or "same submissions, and it was saved last"
        elif verdict:
            winner, why = other, "it has the latest submissions"
        else:
            why = "it has the latest submissions"
    return winner, why


def _warn_newest(exports: list[_Export], what: str, notices: list[Problem]) -> _Export:
    winner, why = _newest(exports)
    others = ", ".join(f"'{e.path.name}'" for e in exports if e is not winner)
    notices.append(
        Problem(winner.display, None, None, f"{what} is also in {others}; using this file ({why})")
    )
    return winner


def read_gradescope_folder(
    folder: Path,
    display_of: DisplayFn,
    schedule: Schedule,
    roster: RosterIndex,
    titles: dict[str, str],
    notices: list[Problem],
) -> dict[str, Observed]:
    """Every CSV in the exports folder; a per-assignment export wins over the course-wide one.

    The same export downloaded twice ('x_scores.csv', 'x_scores (1).csv') is read once: the
    newest by content, else by modification time, with one warning naming the file used.
    """
    if not folder.is_dir():
        notices.append(
            Problem(
                display_of(folder),
                None,
                None,
                "no Gradescope exports folder; Gradescope items not counted",
            )
        )
        return {}
    names = gradescope_names(schedule, titles)
    scores_files: dict[str, list[_Export]] = {}
    grades_files: list[_Export] = []
    for path in sorted(folder.glob("*.csv")):
        display = display_of(path)
        text = decode(path.read_bytes(), display)
        reject_other_separators(text, display)
        columns = set(header_of(text))
        if "Total Score" in columns:
            stem = _COPY_SUFFIX.sub("", path.stem)
            stem = re.sub(r"[_ ]scores$", "", stem, flags=re.I)
            deliverable_id = names.get(_normal(stem))
            if deliverable_id is None:
                notices.append(
                    Problem(
                        display,
                        None,
                        None,
                        f"'{path.name}' names no deliverable of schedule.yaml; name it '<title or id>_scores.csv' "
                        "or map the title in gradebook.gradescope_titles",
                    )
                )
                continue
            scores_files.setdefault(deliverable_id, []).append(_Export(path, display, text))
        elif any(c.endswith(" - Max Points") for c in columns):
            grades_files.append(_Export(path, display, text))
        else:
            notices.append(
                Problem(
                    display,
                    1,
                    None,
                    "not a Gradescope grades or scores export (no 'Total Score' or '- Max Points' columns); skipped",
                )
            )
    assignment_sets = [
        {c for c in header_of(e.text) if c.endswith(" - Max Points")} for e in grades_files
    ]
    if sum(map(len, assignment_sets)) > len(set().union(*assignment_sets)):
        # Two downloads of the course's grades (not two halves of them): read the newest.
        grades_files = [
            _warn_newest(grades_files, "a course-wide 'Download Grades' export", notices)
        ]
    course_wide: dict[str, Observed] = {}
    for export in grades_files:
        course_wide.update(
            read_download_grades(export.text, export.display, roster, names, schedule, notices)
        )
    per_assignment: dict[str, Observed] = {}
    for deliverable_id, exports in scores_files.items():
        export = exports[0]
        if len(exports) > 1:
            export = _warn_newest(exports, f"the scores export of '{deliverable_id}'", notices)
        deliverable = schedule.deliverable(deliverable_id)
        assert deliverable is not None
        per_assignment[deliverable_id] = read_assignment_scores(
            export.text, export.display, deliverable, roster, notices
        )
    merged = {**course_wide, **per_assignment}
    reported: set[str] = set()
    for observed in merged.values():
        if observed.source not in reported:  # absence is per file: one line per export
            reported.add(observed.source)
            report_absent(observed, roster, notices, "this export")
    return merged


# ----------------------------------------------------------------------------- reflections


def reflection_file(folder: Path, deliverable: ReflectionDeliverable) -> Path | None:
    """check-reflections' output for this week: <file stem>.csv|json, else <deliverable id>.csv|json."""
    for stem in (Path(deliverable.path).stem, deliverable.id):
        for suffix in (".csv", ".json"):
            candidate = folder / f"{stem}{suffix}"
            if candidate.exists():
                return candidate
    return None


def _record_lines(text: str) -> list[int]:
    """Line where each record of a JSON list starts (the list may sit under one key)."""
    decoder = json.JSONDecoder()
    opening = text.find("[")
    lines: list[int] = []
    if opening < 0:
        return lines
    position = opening + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return lines
        lines.append(text.count("\n", 0, position) + 1)
        try:
            _, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return lines


def _json_table(path: Path, display: str, deliverable_id: str) -> Table:
    """check-reflections --format json: {"deliverable": ..., "students": [...]}, or a bare list."""
    text = decode(path.read_bytes(), display)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            Problem(display, exc.lineno, exc.colno, f"malformed JSON: {exc.msg}")
        ) from None
    if isinstance(data, dict):
        named = data.get("deliverable")
        if named is not None and named != deliverable_id:
            raise UserError(
                Problem(
                    display,
                    1,
                    None,
                    f"this file is for '{named}', not '{deliverable_id}'; rename it or run check-reflections again",
                )
            )
        lists = [v for v in data.values() if isinstance(v, list)]
        data = data.get("students", lists[0] if len(lists) == 1 else None)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise UserError(
            Problem(
                display,
                1,
                None,
                "expected a list of records (one per student), as check-reflections --format json writes",
            )
        )
    records = [{str(k): "" if v is None else str(v).strip() for k, v in r.items()} for r in data]
    names = dict.fromkeys(name for record in records for name in record)
    columns = {
        name: np.array([record.get(name, "") for record in records], dtype=object) for name in names
    }
    lines = _record_lines(text)
    if len(lines) != len(records):  # a list nested deeper than one key: record numbers instead
        lines = list(range(1, len(records) + 1))
    return Table(display, columns, len(records), lines)


def _check_csv_deliverable(table: Table, deliverable_id: str, notices: list[Problem]) -> None:
    """A report of another week (copied or written under the wrong name) is refused; one of an
    older coursectl without the column is read, with a warning that it could not be checked."""
    if not table.has("deliverable"):
        notices.append(
            table.problem(
                None,
                f"no deliverable column, so it cannot be checked to be '{deliverable_id}' "
                "(written by an older coursectl); re-run check-reflections to add it",
            )
        )
        return
    named = np.asarray(_column(table, "deliverable"), dtype=object)
    other = np.flatnonzero((named != deliverable_id) & (named != ""))
    if len(other):
        row = int(other[0])
        raise UserError(
            table.problem(
                row,
                f"this file is for '{named[row]}', not '{deliverable_id}'; rename it or run "
                "check-reflections again",
            )
        )


def read_reflections(
    path: Path,
    display: str,
    deliverable: ReflectionDeliverable,
    roster: RosterIndex,
    notices: list[Problem],
) -> Observed:
    """One week of check-reflections output: sid, github, status, words, submitted_at, late_by, commit."""
    if path.suffix == ".json":
        table = _json_table(path, display, deliverable.id)
    else:
        # submitted_at and commit are not needed for completion; they are never loaded.
        table = read_table(
            decode(path.read_bytes(), display),
            display,
            keep=["sid", "github", "status", "words", "late_by", "name", "email", "deliverable"],
        )
        _check_csv_deliverable(table, deliverable.id, notices)
    require(
        table,
        ["sid", "github", "status"],
        "use the CSV or JSON that 'coursectl check-reflections --format csv' writes",
    )
    status_text = _lowered(table, "status")
    unknown = np.flatnonzero(~is_in(status_text, REFLECTION_STATUSES))
    if len(unknown):
        row = int(unknown[0])
        raise UserError(
            table.problem(
                row,
                f"status '{table.column('status')[row]}' is not one of {', '.join(REFLECTION_STATUSES)}",
            )
        )
    positions = match_rows(
        table,
        roster,
        "sid",
        "email" if table.has("email") else None,
        "github",
        ["name"],
        notices,
        "this file",
    )
    late = np.zeros(table.rows)
    for row, text in enumerate(_column(table, "late_by")):
        parsed = parse_duration(text)
        if parsed is None:
            raise UserError(
                table.problem(
                    row, f"late_by '{text}' is not a length of time; write H:M:S, e.g. 26:03:00"
                )
            )
        late[row] = parsed
    late_rows = status_text == "late"
    size = len(roster.students)
    lines = table.line_array()
    observed = Observed(
        deliverable.id,
        display,
        _scatter(size, positions, lines, 0),
        _scatter(
            size,
            positions,
            is_in(status_text, ("ok", "late", "too-short", "too-long", "empty")),
            False,
        ),
        np.full(size, np.nan),
        np.full(size, np.nan),
        _scatter(size, positions, np.where(late_rows, late, 0.0), np.nan),
        _scatter(size, positions, status_text.astype(object), None),
        _scatter(size, positions, _column_raw(table, "words"), None),
    )
    report_absent(observed, roster, notices, f"'{deliverable.id}'")
    return observed


# ----------------------------------------------------------------------------- peer reviews


def read_review_allocation(
    folder: Path,
    display_of: DisplayFn,
    deliverable_id: str,
    roster: RosterIndex,
    notices: list[Problem],
) -> tuple[str, IntArray, set[tuple[int, str]]] | None:
    """Reviews assigned per student, from assign-reviews' CSV(s) (one row per review)."""
    # assign-reviews writes reviews.csv (beside its manifest and messages); other CSVs are
    # read only when it is absent (an allocation made by hand, possibly in several files).
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if folder / "reviews.csv" in files:
        files = [folder / "reviews.csv"]
    if not files:
        return None
    pairs: set[tuple[int, str]] = set()
    for path in files:
        display = display_of(path)
        table = read_table(decode(path.read_bytes(), display), display)
        require(
            table,
            ["reviewer_sid", "author_sid"],
            "use the CSV that 'coursectl assign-reviews' writes",
        )
        for row, named in enumerate(_column(table, "assignment")):
            if named not in (deliverable_id, ""):
                raise UserError(
                    table.problem(
                        row,
                        f"review for '{table.column('assignment')[row]}' in the folder of '{deliverable_id}'; move the file",
                    )
                )
        _rows, positions, authors = _matched_reviews(table, roster, notices)
        pairs.update(zip(positions, authors, strict=True))
    # Each distinct (reviewer, author) pair is one review assigned.
    reviewers = np.array([position for position, _author in pairs], dtype=np.int64)
    assigned = np.bincount(reviewers, minlength=len(roster.students)).astype(np.int64)
    return ", ".join(display_of(p) for p in files), assigned, pairs


def _matched_reviews(
    table: Table, roster: RosterIndex, notices: list[Problem]
) -> tuple[list[int], list[int], list[str]]:
    """Rows, reviewers' roster positions and author sids of the review rows whose reviewer is
    on the roster; the others become notices."""
    rows: list[int] = []
    positions: list[int] = []
    authors: list[str] = []
    reviewers = zip(
        _column(table, "reviewer_sid"),
        _column(table, "reviewer_email"),
        _column(table, "author_sid"),
        strict=True,
    )
    for row, (sid, email, author) in enumerate(reviewers):
        position, _ = roster.match(sid, email)
        if position == NO_MATCH:
            notices.append(
                table.problem(
                    row,
                    f"reviewer {describe_row(sid, email)} matches no roster student; not counted",
                )
            )
            continue
        rows.append(row)
        positions.append(position)
        authors.append(author)
    return rows, positions, authors


def read_reviews_done(
    path: Path, display: str, roster: RosterIndex, notices: list[Problem]
) -> tuple[str, IntArray, IntArray, set[tuple[int, str]]]:
    """The TA's record of reviews done: one row per review (reviewer_sid, author_sid)."""
    table = read_table(decode(path.read_bytes(), display), display)
    require(
        table, ["reviewer_sid", "author_sid"], "one row per review done: reviewer_sid,author_sid"
    )
    reviewer_sid = _column(table, "reviewer_sid")
    done = np.zeros(len(roster.students), dtype=np.int64)
    lines = np.zeros(len(roster.students), dtype=np.int64)
    pairs: dict[tuple[int, str], int] = {}
    for row, position, author in zip(*_matched_reviews(table, roster, notices), strict=True):
        key = (position, author)
        if key in pairs:
            raise UserError(
                table.problem(
                    row,
                    f"review of {author} by {reviewer_sid[row]} is listed twice (first on line {pairs[key]}); keep one",
                )
            )
        pairs[key] = table.line(row)
        done[position] += 1
        lines[position] = lines[position] or table.line(row)
    return display, done, lines, set(pairs)


# ----------------------------------------------------------------------------- confirmations


def read_confirmations(
    path: Path,
    display: str,
    deliverable_id: str,
    max_score: float,
    roster: RosterIndex,
    notices: list[Problem],
) -> Observed:
    """The TAs' confirmations and adjustments of a self-assessment: sid, score, note."""
    table = read_table(decode(path.read_bytes(), display), display)
    require(table, ["sid", "score"], "the header is sid,score,note")
    positions = match_rows(
        table,
        roster,
        "sid",
        "email" if table.has("email") else None,
        None,
        ["name"],
        notices,
        "this file",
    )
    score = _numbers(table, "score", "score")
    outside = np.flatnonzero((score < 0) | (score > max_score))
    if len(outside):
        row = int(outside[0])
        raise UserError(
            table.problem(
                row, f"score {table.column('score')[row]} is outside 0..{max_score:g}; fix it"
            )
        )
    size = len(roster.students)
    lines = table.line_array()
    return Observed(
        deliverable_id,
        display,
        _scatter(size, positions, lines, 0),
        _scatter(size, positions, ~np.isnan(score), False),
        _scatter(size, positions, score, np.nan),
        np.full(size, max_score),
        np.full(size, np.nan),
        _scatter(size, positions, np.asarray(_column(table, "note"), dtype=object), None),
    )


class DisplayFn:
    """Paths in messages as the TA typed them (relative to the current folder when possible)."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = (base or Path.cwd()).resolve()

    def __call__(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.base))
        except ValueError:
            return str(path)
