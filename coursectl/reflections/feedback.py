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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursectl.course import templating
from coursectl.course.loading import Course
from coursectl.course.model import ReflectionDeliverable
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError
from coursectl.reflections.check import ReflectionReport, format_duration

NAME = "reflection-feedback.md.j2"
TEMPLATE = f"templates/{NAME}"
NAMES_HINT = (
    "the template can use course, student, deliverable, status, words, reason, commit, due, "
    "late_by, submitted_at"
)
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


@dataclass(frozen=True)
class IssueResult:
    """What happened to one feedback issue: opened, already-there or failed (with why)."""

    github: str
    repo: str
    outcome: str
    url: str = ""
    number: int | None = None
    reason: str = ""


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
    course_root: Path,
    context: dict[str, Any],
    already: dict[str, Any],
) -> list[Feedback]:
    """A rendered issue for every student outside the range or late, not yet written to.

    `repos` maps sid -> "owner/name"; `already` is this deliverable's part of the record. The
    template is the course's templates/reflection-feedback.md.j2, else coursectl's default.
    """
    environment = templating.make_environment(course_root)
    template = templating.load(environment, course_root, NAME, NAMES_HINT)
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
        with templating.template_errors(course_root, NAME, NAMES_HINT):
            body = template.render(values)
        planned.append(
            Feedback(record.sid, record.github, repos[record.sid], issue_title(deliverable), body)
        )
    return planned


@dataclass
class FeedbackRecord:
    """The record of issues opened (`.coursectl/feedback-issues.json`), rewritten atomically
    after each new one so that a crash midway never causes a second issue."""

    path: Path
    deliverable_id: str
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def already(self) -> dict[str, Any]:
        return self.data.get(self.deliverable_id, {})

    def remember(self, result: IssueResult) -> None:
        from coursectl.files import atomic_write_text

        self.data.setdefault(self.deliverable_id, {})[result.github] = {
            "repo": result.repo,
            "number": result.number,
            "url": result.url,
            "how": result.outcome,
        }
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        atomic_write_text(self.path, text, private=True)


def plan_course_feedback(
    course: Course, deliverable: ReflectionDeliverable, report: ReflectionReport
) -> tuple[list[Feedback], FeedbackRecord]:
    """The issues still to open for this week, and the record to note them in."""
    from coursectl.reflections.check import plan_requests

    github = course.schedule.course.github
    requests, _ = plan_requests(course.students, deliverable, github.org if github else None)
    record = FeedbackRecord(course.root / RECORD, deliverable.id, load_record(course.root / RECORD))
    planned = plan_feedback(
        report,
        course.students,
        deliverable,
        {r.sid: r.repo for r in requests},
        course.root,
        {"course": course.schedule.course},
        record.already,
    )
    return planned, record


def feedback_summary(results: list[IssueResult], written_before: int) -> list[str]:
    """One line of counts, then one line per issue that could not be opened."""
    opened = sum(r.outcome == "opened" for r in results)
    there = sum(r.outcome == "already-there" for r in results)
    failed = [r for r in results if r.outcome == "failed"]
    lines = [
        f"feedback issues: {opened} opened, {there} already on GitHub, "
        f"{written_before} written to before, {len(failed)} failed"
    ]
    lines += [f"  {r.github} ({r.repo}): {r.reason}" for r in failed]
    return lines
