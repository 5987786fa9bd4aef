"""What a round produces: the CSV (one row per review) and one message per reviewer.

Messages come from the course's jinja2 template `templates/review-message.md.j2`; its first
line may be `Subject: ...`. The template sees `reviewer`, `authors` (each with `name` — a
pseudonym with --anonymous — `link`, `number`), `deliverable`, `reviewed`, `due` (course time
zone), `course`, `rubric` (from rubrics/, may be None), `k` and `anonymous`.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursectl.atomic import atomic_write_text
from coursectl.course import Course
from coursectl.errors import Problem, UserError
from coursectl.model import PeerReviewDeliverable, Rubric
from coursectl.reviews.assign import CSV_FILE, MESSAGES_FILE, pseudonym
from coursectl.reviews.manifest import Manifest, ManifestEvent, protect_folder, save_manifest
from coursectl.roster import Student

TEMPLATE = "templates/review-message.md.j2"
DEFAULT_RUBRIC = "peer-review"
CSV_COLUMNS = (
    "assignment",
    "reviewer_sid",
    "reviewer_name",
    "reviewer_email",
    "author_sid",
    "author_name",
    "author_github",
    "link",
)
LINK_FIELDS = ("github", "sid", "org")


@dataclass(frozen=True, slots=True)
class ReviewerView:
    sid: str
    name: str
    email: str
    github: str
    section: str
    team: str | None


@dataclass(frozen=True, slots=True)
class AuthorView:
    number: int
    name: str  # the pseudonym with --anonymous
    pseudonym: str
    sid: str  # empty with --anonymous
    github: str  # empty with --anonymous
    link: str


@dataclass(frozen=True)
class Message:
    sid: str
    name: str
    email: str
    subject: str
    body: str
    updated: bool  # changed by the latest --add/--drop: send it again


def write_outputs(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    manifest_file: Path,
    changes: Sequence[ManifestEvent],
) -> list[Path]:
    """Write CSV, messages and (last, as the commitment) the manifest; return the paths."""
    folder = manifest_file.parent
    protect_folder(folder.parent)
    students = _students(course, manifest)
    csv_path, messages_path = folder / CSV_FILE, folder / MESSAGES_FILE
    atomic_write_text(csv_path, render_csv(course, deliverable, manifest, students))
    updated = {sid for event in changes for sid in [*event.changed_reviewers, event.sid]}
    messages = render_messages(course, deliverable, manifest, students, updated)
    atomic_write_text(messages_path, messages_jsonl(messages))
    save_manifest(manifest_file, manifest)
    return [csv_path, messages_path, manifest_file]


def _students(course: Course, manifest: Manifest) -> dict[str, Student]:
    by_sid = {s.sid: s for s in course.students}
    missing = [sid for sid in manifest.students if sid not in by_sid]
    if missing:
        raise UserError(
            f"{', '.join(missing[:5])} in the allocation for '{manifest.deliverable}' "
            f"{'is' if len(missing) == 1 else 'are'} not in the roster; "
            f"--drop {missing[0]} or re-run with --force"
        )
    return by_sid


def link_for(course: Course, deliverable: PeerReviewDeliverable, author: Student) -> str:
    pattern = deliverable.submission_link
    if not pattern:
        return ""
    org = course.schedule.course.github.org if course.schedule.course.github else ""
    return pattern.format(github=author.github, sid=author.sid, org=org)


def check_link_pattern(course: Course, deliverable: PeerReviewDeliverable) -> None:
    pattern = deliverable.submission_link
    if not pattern:
        return
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link '{pattern}': {exc}"
        ) from None
    unknown = [name for name in names if name not in LINK_FIELDS]
    if unknown:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link uses {{{unknown[0]}}}; "
            f"use {', '.join('{' + f + '}' for f in LINK_FIELDS)}"
        )
    if "org" in names and course.schedule.course.github is None:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link uses {{org}}; set course.github.org"
        )


def render_csv(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
) -> str:
    check_link_pattern(course, deliverable)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    anonymous = manifest.anonymous
    writer.writerow([*CSV_COLUMNS, "author_pseudonym"] if anonymous else CSV_COLUMNS)
    links = {sid: link_for(course, deliverable, students[sid]) for sid in manifest.students}
    rows = []
    for reviewer_sid in manifest.students:
        reviewer = students[reviewer_sid]
        for author_sid in manifest.allocation[reviewer_sid]:
            author = students[author_sid]
            row = [
                deliverable.id,
                reviewer.sid,
                reviewer.name,
                reviewer.email,
                author.sid,
                author.name,
                author.github,
                links[author_sid],
            ]
            if anonymous:
                row.append(pseudonym(manifest.pseudonym_key, author_sid))
            rows.append(row)
    writer.writerows(rows)
    return buffer.getvalue()


def rubric_for(course: Course, deliverable: PeerReviewDeliverable) -> Rubric | None:
    if deliverable.rubric:
        return course.rubrics[deliverable.rubric]  # checked to exist when the course loaded
    return course.rubrics.get(DEFAULT_RUBRIC)


def describe_due(course: Course, deliverable: PeerReviewDeliverable) -> str:
    """'Wednesday March 4, 23:59 PST': the deadline as students at the course see it."""
    due = deliverable.due.astimezone(course.schedule.tz)
    return f"{due:%A %B} {due.day}, {due:%H:%M} {due.tzname()}"


def render_messages(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
    updated: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[Message]:
    import jinja2

    template_path = course.root / TEMPLATE
    try:
        source = template_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            Problem(
                TEMPLATE,
                None,
                None,
                "message template not found; create it (see README, assign-reviews)",
            )
        ) from None
    bodies: list[str] = []

    def collect(text: str) -> str:
        bodies.append(text)
        return ""

    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    environment.filters["_coursectl_collect"] = collect
    # One render over all reviewers: a jinja call per message costs more than the message.
    # The prefix stays on the template's first line so error line numbers match the file.
    wrapped = "{% for reviewer, authors in _messages %}{% filter _coursectl_collect %}" + source
    wrapped += "{% endfilter %}{% endfor %}"
    check_link_pattern(course, deliverable)
    anonymous = manifest.anonymous
    views: dict[str, AuthorView] = {}
    reviewers = []
    for reviewer_sid in manifest.students:
        reviewer = students[reviewer_sid]
        authors = []
        for number, author_sid in enumerate(manifest.allocation[reviewer_sid], start=1):
            view = views.get(author_sid)
            if view is None:
                view = views[author_sid] = _author_view(
                    course, deliverable, manifest, students[author_sid], anonymous
                )
            authors.append(
                AuthorView(number, view.name, view.pseudonym, view.sid, view.github, view.link)
            )
        reviewers.append(
            (
                ReviewerView(
                    reviewer.sid,
                    reviewer.name,
                    reviewer.email,
                    reviewer.github,
                    reviewer.section,
                    reviewer.team,
                ),
                authors,
            )
        )
    reviewed = course.schedule.deliverable(deliverable.reviews)
    context: dict[str, Any] = {
        "_messages": reviewers,
        "course": course.schedule.course,
        "deliverable": deliverable,
        "reviewed": reviewed,
        "due": describe_due(course, deliverable),
        "rubric": rubric_for(course, deliverable),
        "k": manifest.k,
        "anonymous": anonymous,
    }
    try:
        environment.from_string(wrapped).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(
            Problem(TEMPLATE, exc.lineno, None, f"template error: {exc.message}")
        ) from None
    except jinja2.UndefinedError as exc:
        raise UserError(
            Problem(
                TEMPLATE,
                None,
                None,
                f"{exc.message}; the template can use reviewer, authors, deliverable, "
                "reviewed, due, course, rubric, k, anonymous",
            )
        ) from None
    messages = []
    for (reviewer_view, _), text in zip(reviewers, bodies, strict=True):
        subject, body = _split_subject(text, deliverable)
        messages.append(
            Message(
                reviewer_view.sid,
                reviewer_view.name,
                reviewer_view.email,
                subject,
                body,
                reviewer_view.sid in updated,
            )
        )
    return messages


def _author_view(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    author: Student,
    anonymous: bool,
) -> AuthorView:
    alias = pseudonym(manifest.pseudonym_key, author.sid)
    link = link_for(course, deliverable, author)
    if anonymous:
        return AuthorView(0, alias, alias, "", "", link)
    return AuthorView(0, author.name, alias, author.sid, author.github, link)


def _split_subject(text: str, deliverable: PeerReviewDeliverable) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first.split(":", 1)[1].strip(), rest.lstrip("\n")
    return deliverable.title, text


def messages_jsonl(messages: Sequence[Message]) -> str:
    encode = json.JSONEncoder(ensure_ascii=False).encode
    return "".join(
        encode(
            {
                "sid": m.sid,
                "name": m.name,
                "email": m.email,
                "subject": m.subject,
                "body": m.body,
                "updated": m.updated,
            }
        )
        + "\n"
        for m in messages
    )
