"""Who submitted: a list of sids or emails, or a Gradescope per-assignment scores export.

Gradescope's per-assignment export has `First Name, Last Name, SID, Email, Sections, Total Score,
Max Points, Status, Submission ID, Submission Time, ...`; Status is Graded, Missing, or blank
(submitted, not graded yet). A plain list has one sid or email per line (blank lines and
`#` comments skipped), or is a CSV with a `sid` or `email` column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from coursectl.errors import Problem, UserError
from coursectl.roster import Student

MAX_REPORTED = 10


def read_submitted(path: Path, students: list[Student], display: str | None = None) -> set[str]:
    """The sids of roster students who submitted, according to `path`."""
    name = display or str(path)
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
    by_sid = {s.sid: s.sid for s in students}
    by_email = {s.email.lower(): s.sid for s in students}
    first_line = text.split("\n", 1)[0]
    header = [cell.strip().lower() for cell in next(csv.reader([first_line]), [])]
    if "status" in header or "submission time" in header:
        return _read_gradescope(text, name, by_sid, by_email)
    if "sid" in header or "email" in header:
        return _read_column_csv(text, name, header, by_sid, by_email)
    return _read_list(text, name, by_sid, by_email)


def _match(value: str, by_sid: dict[str, str], by_email: dict[str, str]) -> str | None:
    value = value.strip()
    return by_sid.get(value) or by_email.get(value.lower())


def _raise_unknown(name: str, unknown: list[tuple[int, str]]) -> None:
    if not unknown:
        return
    problems = [
        Problem(
            name,
            line,
            None,
            f"'{value}' is not a student in the roster (neither a sid nor an email)",
        )
        for line, value in unknown[:MAX_REPORTED]
    ]
    if len(unknown) > MAX_REPORTED:
        problems.append(
            Problem(
                name, None, None, f"... and {len(unknown) - MAX_REPORTED} more unknown students"
            )
        )
    raise UserError(problems)


def _read_list(text: str, name: str, by_sid: dict[str, str], by_email: dict[str, str]) -> set[str]:
    found: set[str] = set()
    unknown: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = raw.split("#", 1)[0].strip().strip(",")
        if not value:
            continue
        sid = _match(value, by_sid, by_email)
        if sid is None:
            unknown.append((number, value))
        else:
            found.add(sid)
    _raise_unknown(name, unknown)
    return found


def _read_column_csv(
    text: str, name: str, header: list[str], by_sid: dict[str, str], by_email: dict[str, str]
) -> set[str]:
    reader = csv.reader(io.StringIO(text))
    next(reader)
    sid_col = header.index("sid") if "sid" in header else None
    email_col = header.index("email") if "email" in header else None
    found: set[str] = set()
    unknown: list[tuple[int, str]] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = [
            row[c]
            for c in (sid_col, email_col)
            if c is not None and c < len(row) and row[c].strip()
        ]
        matched = next((m for v in values if (m := _match(v, by_sid, by_email))), None)
        if matched is None:
            unknown.append((reader.line_num, values[0] if values else ",".join(row)))
        else:
            found.add(matched)
    _raise_unknown(name, unknown)
    return found


def _read_gradescope(
    text: str, name: str, by_sid: dict[str, str], by_email: dict[str, str]
) -> set[str]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    if "sid" not in fields and "email" not in fields:
        raise UserError(
            Problem(
                name, 1, None, "a Gradescope export needs an SID or Email column to match students"
            )
        )
    status_col, time_col = fields.get("status"), fields.get("submission time")
    found: set[str] = set()
    unknown: list[tuple[int, str]] = []
    for row in reader:
        status = (row.get(status_col) or "").strip().lower() if status_col else ""
        submitted_at = (row.get(time_col) or "").strip() if time_col else ""
        # Missing = no submission; blank status = submitted but not graded yet. A blank
        # submission time with a blank status is a row without a submission.
        if status == "missing" or (time_col and not submitted_at and status != "graded"):
            continue
        values = [(row.get(fields[c]) or "").strip() for c in ("sid", "email") if c in fields]
        matched = next((m for v in values if v and (m := _match(v, by_sid, by_email))), None)
        if matched is None:
            unknown.append((reader.line_num, next((v for v in values if v), "(empty)")))
        else:
            found.add(matched)
    _raise_unknown(name, unknown)
    return found
