"""Who submitted: a list of sids or emails, or a Gradescope export.

Two Gradescope exports are read:
- the per-assignment scores export: `First Name, Last Name, SID, Email, Sections, Total Score,
  Max Points, Status, Submission ID, Submission Time, ...`; Status is Graded, Missing, or blank
  (submitted, not graded yet);
- the course-wide "Download Grades" export: four columns per assignment (`<A>`,
  `<A> - Max Points`, `<A> - Submission Time`, `<A> - Lateness (H:M:S)`). Only the reviewed
  deliverable's columns count, found the way the gradebook finds them (title, id, Gradescope
  id, the policy's gradebook.gradescope_titles); a blank score with no submission time is no
  submission.
Rows are matched as the gradebook matches them: sid, then email with the policy's alias domains.
A row of an export that matches no roster student (a dropped student) is a warning; a name in a
hand-written list that matches nobody is an error (it is a typo).

A plain list has one sid or email per line (blank lines and `#` comments skipped), or is a CSV
with a `sid` or `email` column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coursectl.course.matching import NO_MATCH, RosterIndex, gradescope_names, normal_title
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError

if TYPE_CHECKING:
    from coursectl.course.model import Deliverable, Schedule

MAX_REPORTED = 10
MAX_POINTS_SUFFIX = " - Max Points"


@dataclass(frozen=True)
class ExportContext:
    """What reading a Gradescope export needs beyond the roster."""

    reviewed: Deliverable | None = None  # the deliverable whose submissions are reviewed
    schedule: Schedule | None = None
    email_aliases: Sequence[Sequence[str]] = ()
    gradescope_titles: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Submitted:
    sids: set[str]
    warnings: list[str] = field(default_factory=list)  # one line each, for the TA to read


def read_submitted(
    path: Path,
    students: list[Student],
    display: str | None = None,
    context: ExportContext | None = None,
) -> Submitted:
    """The sids of roster students who submitted, according to `path`."""
    name = display or str(path)
    context = context or ExportContext()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(
            Problem(name, None, None, "file not found; pass the export or list of sids")
        ) from None
    except UnicodeDecodeError as exc:
        raise UserError(
            Problem(name, None, None, f"not UTF-8 text ({exc.reason}); export it as UTF-8 CSV")
        ) from None
    roster = RosterIndex.build(students, context.email_aliases)
    first_line = text.split("\n", 1)[0]
    raw_header = [cell.strip() for cell in next(csv.reader([first_line]), [])]
    header = [cell.lower() for cell in raw_header]
    if any(cell.endswith(MAX_POINTS_SUFFIX) for cell in raw_header):
        return _read_download_grades(text, name, raw_header, roster, context)
    if "status" in header or "submission time" in header:
        return _read_gradescope(text, name, roster)
    if "sid" in header or "email" in header:
        return _read_column_csv(text, name, roster)
    return _read_list(text, name, roster)


def _match(roster: RosterIndex, *values: str) -> str | None:
    """The roster sid a sid or email names (each value is tried as both)."""
    for value in values:
        value = value.strip()
        if not value:
            continue
        position, _ = roster.match(sid=value, email=value if "@" in value else "")
        if position != NO_MATCH:
            return roster.students[position].sid
    return None


def _unknown_problems(name: str, unknown: list[tuple[int, str]], tail: str) -> list[Problem]:
    problems = [
        Problem(name, line, None, f"'{value}' is not a student in the roster{tail}")
        for line, value in unknown[:MAX_REPORTED]
    ]
    if len(unknown) > MAX_REPORTED:
        problems.append(
            Problem(
                name, None, None, f"... and {len(unknown) - MAX_REPORTED} more unknown students"
            )
        )
    return problems


def _raise_unknown(name: str, unknown: list[tuple[int, str]]) -> None:
    if unknown:
        raise UserError(_unknown_problems(name, unknown, " (neither a sid nor an email)"))


def _export_warnings(name: str, unknown: list[tuple[int, str]]) -> list[str]:
    """An export lists everyone Gradescope has, dropped students too: say so, go on."""
    return [str(p) for p in _unknown_problems(name, unknown, " (by sid or email); row not counted")]


def _read_list(text: str, name: str, roster: RosterIndex) -> Submitted:
    found: set[str] = set()
    unknown: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.split("#", 1)[0].strip().strip(",")
        if not value:
            continue
        sid = _match(roster, value)
        if sid is None:
            unknown.append((number, value))
        else:
            found.add(sid)
    _raise_unknown(name, unknown)
    return Submitted(found)


def _read_column_csv(text: str, name: str, roster: RosterIndex) -> Submitted:
    unknown: list[tuple[int, str]] = []
    reader = csv.DictReader(io.StringIO(text))
    found = {sid for _, sid in _matched_rows(reader, name, roster, unknown)}
    _raise_unknown(name, unknown)
    return Submitted(found)


def _identity_fields(fields: dict[str, str], name: str) -> list[str]:
    if "sid" not in fields and "email" not in fields:
        raise UserError(
            Problem(
                name, 1, None, "a Gradescope export needs an SID or Email column to match students"
            )
        )
    return [fields[c] for c in ("sid", "email") if c in fields]


def _matched_rows(
    reader: csv.DictReader[str], name: str, roster: RosterIndex, unknown: list[tuple[int, str]]
) -> Iterator[tuple[dict[str, str], str]]:
    """An export's non-blank rows with the sid of the roster student each names (by its SID,
    then Email column); rows naming nobody go to `unknown`, whether or not they submitted, as
    the gradebook reports them."""
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    identity = _identity_fields(fields, name)
    for row in reader:
        if not any((cell or "").strip() for cell in row.values() if isinstance(cell, str)):
            continue
        values = [(row.get(c) or "").strip() for c in identity]
        matched = _match(roster, *values)
        if matched is None:
            unknown.append((reader.line_num, next((v for v in values if v), "(empty)")))
            continue
        yield row, matched


def _read_export(
    text: str, name: str, roster: RosterIndex, submitted: Callable[[dict[str, str]], bool]
) -> Submitted:
    """The students whose row `submitted` accepts (its cells by lower-case column name);
    rows naming nobody are warnings."""
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    unknown: list[tuple[int, str]] = []
    found = {
        sid
        for row, sid in _matched_rows(reader, name, roster, unknown)
        if submitted({column: (row.get(f) or "").strip() for column, f in fields.items()})
    }
    return Submitted(found, _export_warnings(name, unknown))


def _read_gradescope(text: str, name: str, roster: RosterIndex) -> Submitted:
    def submitted(cells: dict[str, str]) -> bool:
        # Missing = no submission; blank status = submitted but not graded yet. A blank
        # submission time with a blank status is a row without a submission.
        status, at = cells.get("status", "").lower(), cells.get("submission time")
        return status != "missing" and (at is None or bool(at) or status == "graded")

    return _read_export(text, name, roster, submitted)


def _reviewed_column(
    name: str, header: list[str], context: ExportContext
) -> tuple[str, str | None]:
    """(score column, submission-time column) of the reviewed deliverable in Download Grades."""
    reviewed = context.reviewed
    assignments = [c[: -len(MAX_POINTS_SUFFIX)] for c in header if c.endswith(MAX_POINTS_SUFFIX)]
    if reviewed is not None and context.schedule is not None:
        names = gradescope_names(context.schedule, context.gradescope_titles)
        for assignment in assignments:
            if names.get(normal_title(assignment)) == reviewed.id and assignment in header:
                time_column = f"{assignment} - Submission Time"
                return assignment, time_column if time_column in header else None
    what = f"'{reviewed.title}' ({reviewed.id})" if reviewed is not None else "the reviewed work"
    raise UserError(
        Problem(
            name,
            1,
            None,
            f"this course-wide 'Download Grades' export has no column for {what}; use the "
            "per-assignment scores export of that assignment, or map its Gradescope title in "
            "the policy's gradebook.gradescope_titles",
        )
    )


def _read_download_grades(
    text: str, name: str, header: list[str], roster: RosterIndex, context: ExportContext
) -> Submitted:
    score_column, time_column = _reviewed_column(name, header, context)

    def submitted(cells: dict[str, str]) -> bool:
        # As in the gradebook: a blank score means no submission, unless a time says otherwise
        # (submitted, not graded yet). A zero is a graded submission.
        at = cells.get(time_column.lower(), "") if time_column else ""
        return bool(cells.get(score_column.lower()) or at)

    return _read_export(text, name, roster, submitted)
