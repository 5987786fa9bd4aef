"""A reflection report as CSV or JSON for the gradebook, and the sentence that says how far its
times can be trusted. Pure: text in, text out; the command writes it."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, tzinfo
from typing import Any

from coursectl.files import csv_text
from coursectl.reflections.check import ReflectionRecord, ReflectionReport, format_duration

CSV_COLUMNS = (
    "sid",
    "github",
    "status",
    "words",
    "submitted_at",
    "late_by",
    "commit",
    "time_verified",
    "time_source",
    "reason",
    "deliverable",  # the week's deliverable id on every row: a CSV moved or misnamed is caught
)
# The header of reports written before the deliverable column (still recognised, not trusted).
LEGACY_CSV_COLUMNS = CSV_COLUMNS[:-1]


def _moment(value: datetime | None, zone: tzinfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else ""


def record_fields(record: ReflectionRecord, zone: tzinfo) -> dict[str, Any]:
    """One student's values, JSON-ready; times in the course's zone with their UTC offset."""
    return {
        "sid": record.sid,
        "github": record.github,
        "status": record.status,
        "words": record.words,
        "submitted_at": _moment(record.submitted_at, zone) or None,
        "late_by": format_duration(record.late_by) if record.late_by is not None else None,
        "late_by_seconds": int(record.late_by.total_seconds())
        if record.late_by is not None
        else None,
        "commit": record.commit or None,
        "time_verified": record.time_verified,
        "time_source": record.time_source,
        "reason": record.reason,
    }


def to_csv(report: ReflectionReport, zone: tzinfo) -> str:
    """One row per student, roster order; empty cells for unknown values; the kernel's writer
    (a GitHub login or reason that looks like a formula is neutralised, word counts are numbers)."""
    rows = (
        [
            (record_fields(record, zone) | {"deliverable": report.deliverable_id})[name]
            for name in CSV_COLUMNS
        ]
        for record in report.records
    )
    return csv_text(CSV_COLUMNS, rows)


def to_json(report: ReflectionReport, zone: tzinfo, source: str) -> str:
    document = {
        "deliverable": report.deliverable_id,
        "title": report.title,
        "due": _moment(report.due, zone),
        "cutoff": _moment(report.cutoff, zone),
        "grace_minutes": report.grace.minutes,
        "on_time": grace_note(report, zone),
        "words": {"min": report.words.min, "max": report.words.max},
        "source": source,
        "times": times_note(report),
        "counts": report.counts(),
        "students": [record_fields(r, zone) for r in report.records],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# `report_deliverable` of a check-reflections report that does not say its deliverable.
UNKNOWN_WEEK = ""


def report_deliverable(text: str) -> str | None:
    """The deliverable id of a report this module wrote; None when `text` is not such a report;
    UNKNOWN_WEEK when it is one that does not say (older CSV) — replacing it is a guess."""
    header = text.split("\n", 1)[0].strip()
    if header == ",".join(CSV_COLUMNS):
        rows = list(csv.DictReader(io.StringIO(text)))
        named = {row.get("deliverable") or UNKNOWN_WEEK for row in rows}
        if not rows:
            return None if text.count("\n") > 1 else UNKNOWN_WEEK
        return named.pop() if len(named) == 1 else UNKNOWN_WEEK
    if header == ",".join(LEGACY_CSV_COLUMNS):
        return UNKNOWN_WEEK
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, dict) and {"deliverable", "students", "counts"} <= document.keys():
        return str(document["deliverable"] or UNKNOWN_WEEK)
    return None


def is_reflection_report(text: str) -> bool:
    """Whether `text` is a report this module wrote."""
    return report_deliverable(text) is not None


def grace_note(report: ReflectionReport, zone: tzinfo) -> str:
    """Until when a version counts as on time, and where that grace period is set."""
    cutoff = report.cutoff.astimezone(zone)
    grace = report.grace
    if not grace.minutes:
        return f"at or before the due time, {cutoff:%a %b %d %H:%M %Z} (no grace: {grace.source})"
    return (
        f"at or before {cutoff:%a %b %d %H:%M %Z}, the due time + {grace.minutes} min grace "
        f"({grace.source}, which the gradebook's late rule uses too)"
    )


def times_note(report: ReflectionReport) -> str:
    """How far the submission times can be trusted, in one sentence for the TA."""
    kinds = report.time_sources()
    notes = []
    if "push" in kinds:
        notes.append("push times recorded by GitHub (verified)")
    if "commit" in kinds:
        notes.append(
            "commit dates, which students set themselves (unverified: a backdated commit looks on time)"
        )
    if "mtime" in kinds:
        notes.append("file modification times (unverified)")
    if "none" in kinds:
        notes.append(
            "no times for exported files: lateness not checked (--use-mtime trusts file times)"
        )
    return "; ".join(notes) if notes else "no submissions, no times"
