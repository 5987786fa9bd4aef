"""`check-reflections --comment`: which students get a feedback issue, and its text.

Pure apart from reading the template and the record of issues already opened: the GitHub side
(`coursectl.integrations.github.open_feedback_issues`) opens the issues; the command wires the two.
A student is written to when the graded version is outside the word range (too-short,
too-long, empty) or late — never twice for the same deliverable: the record in
`.coursectl/feedback-issues.json` and, on GitHub, an existing issue with the same title both
stop a second one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursectl.course.model import ReflectionDeliverable
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError
from coursectl.reflections.check import ReflectionRecord, ReflectionReport, format_duration

TEMPLATE = "templates/reflection-feedback.md.j2"
RECORD = ".coursectl/feedback-issues.json"
FEEDBACK_STATUSES = ("too-short", "too-long", "empty", "late")


@dataclass(frozen=True)
class Feedback:
    """One issue to open in one student's repository."""

    sid: str
    github: str
    repo: str
    title: str
    body: str


def issue_title(deliverable: ReflectionDeliverable) -> str:
    """The same title every run: it is how an issue already opened is recognised on GitHub."""
    return f"{deliverable.title}: feedback"


def load_record(path: Path) -> dict[str, dict[str, Any]]:
    """deliverable id -> github login -> what was opened; a missing file is an empty record."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            Problem(str(path), None, None, f"not readable JSON ({exc}); fix or remove it")
        ) from None
    return data if isinstance(data, dict) else {}


def plan_feedback(
    report: ReflectionReport,
    students: list[Student],
    deliverable: ReflectionDeliverable,
    repos: dict[str, str],
    template_path: Path,
    context: dict[str, Any],
    already: dict[str, Any],
) -> list[Feedback]:
    """A rendered issue for every student outside the range or late, not yet written to.

    `repos` maps sid -> "owner/name"; `already` is this deliverable's part of the record.
    """
    from jinja2 import Environment, StrictUndefined, TemplateError

    try:
        source = template_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            Problem(
                str(template_path),
                None,
                None,
                "feedback template not found; --comment renders it for each student "
                f"(create {TEMPLATE} in the course folder)",
            )
        ) from None
    environment = Environment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    try:
        template = environment.from_string(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise UserError(Problem(str(template_path), line, None, f"template error: {exc}")) from None
    by_sid = {s.sid: s for s in students}
    zone = report.due.tzinfo
    planned: list[Feedback] = []
    for record in report.records:
        if record.status not in FEEDBACK_STATUSES or record.sid not in repos:
            continue
        if record.github.lower() in {k.lower() for k in already}:
            continue
        student = by_sid[record.sid]
        values = {
            **context,
            "student": student,
            "deliverable": deliverable,
            "status": record.status,
            "words": record.words,
            "reason": record.reason,
            "commit": record.commit,
            "due": f"{report.due:%a %b %d %H:%M %Z}",
            "late_by": format_duration(record.late_by) if record.late_by is not None else None,
            "submitted_at": (
                f"{record.submitted_at.astimezone(zone):%a %b %d %H:%M %Z}"
                if record.submitted_at is not None
                else None
            ),
        }
        try:
            body = template.render(values)
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            raise UserError(
                Problem(str(template_path), line, None, f"template error: {exc}")
            ) from None
        planned.append(
            Feedback(record.sid, record.github, repos[record.sid], issue_title(deliverable), body)
        )
    return planned


def feedback_candidates(report: ReflectionReport) -> list[ReflectionRecord]:
    return [r for r in report.records if r.status in FEEDBACK_STATUSES]
