"""What a round produces: the CSV (one row per review) and one message per reviewer.

Messages come from the course's jinja2 template `templates/review-message.md.j2`; its first
line may be `Subject: ...`. The template sees `reviewer` (the roster row: sid, name, email,
github, section, team), `authors` (each with `name` — a pseudonym with --anonymous — `github`,
`sid`, `link`), `deliverable`, `reviewed`, `due` (course time zone), `platform`, `course`, `rubric` (from
rubrics/, may be None), `rubric_text` (that rubric as Markdown), `k` and `anonymous`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, NamedTuple

from coursectl.atomic import atomic_write_parts, atomic_write_text
from coursectl.course import Course
from coursectl.errors import Problem, UserError
from coursectl.model import PLATFORM_NAMES, PeerReviewDeliverable, Rubric
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


class AuthorView(NamedTuple):
    """An author as messages show them (a tuple: a frozen dataclass per author cost 0.3 s at
    10^5 students)."""

    name: str  # the pseudonym with --anonymous
    pseudonym: str  # empty without --anonymous
    sid: str  # empty with --anonymous
    github: str  # empty with --anonymous
    link: str


class Message(NamedTuple):
    """One reviewer's message (a tuple: 10^5 of them are made per run)."""

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
    messages: bool = True,
) -> list[Path]:
    """Write CSV, messages and (last, as the commitment) the manifest; return the paths.

    Without `messages`, an earlier messages file is removed: it would describe another allocation.
    """
    folder = manifest_file.parent
    protect_folder(folder.parent)
    students = _students(course, manifest)
    csv_path, messages_path = folder / CSV_FILE, folder / MESSAGES_FILE
    links = submission_links(course, deliverable, manifest, students)
    atomic_write_text(csv_path, render_csv(course, deliverable, manifest, students, links))
    written = [csv_path]
    if messages:
        updated = {sid for event in changes for sid in [*event.changed_reviewers, event.sid]}
        rendered = render_messages(course, deliverable, manifest, students, updated, links)
        write_messages(messages_path, rendered)
        written.append(messages_path)
    else:
        messages_path.unlink(missing_ok=True)
    save_manifest(manifest_file, manifest)
    return [*written, manifest_file]


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


def submission_links(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
) -> dict[str, str]:
    """Each taking-part student's submission link ("" when schedule.yaml gives no pattern)."""
    check_link_pattern(course, deliverable)
    if not deliverable.submission_link:
        return dict.fromkeys(manifest.students, "")
    return {sid: link_for(course, deliverable, students[sid]) for sid in manifest.students}


def csv_cell(value: str) -> str:
    """A CSV field quoted as the csv module's QUOTE_MINIMAL would (RFC 4180)."""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def render_csv(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
    links: dict[str, str] | None = None,
) -> str:
    """One row per review. Each student's cells are quoted once and reused for all their rows."""
    if links is None:
        links = submission_links(course, deliverable, manifest, students)
    anonymous = manifest.anonymous
    header = [*CSV_COLUMNS, "author_pseudonym"] if anonymous else list(CSV_COLUMNS)
    assignment = csv_cell(deliverable.id)
    as_reviewer: dict[str, str] = {}
    as_author: dict[str, str] = {}
    for sid in manifest.students:
        student = students[sid]
        cell = csv_cell(sid)
        as_reviewer[sid] = (
            f"{assignment},{cell},{csv_cell(student.name)},{csv_cell(student.email)},"
        )
        author = (
            f"{cell},{csv_cell(student.name)},{csv_cell(student.github)},{csv_cell(links[sid])}"
        )
        if anonymous:
            author += "," + csv_cell(pseudonym(manifest.pseudonym_key, sid))
        as_author[sid] = author + "\n"
    allocation = manifest.allocation
    rows = [
        as_reviewer[reviewer] + as_author[author]
        for reviewer in manifest.students
        for author in allocation[reviewer]
    ]
    return ",".join(header) + "\n" + "".join(rows)


def rubric_for(course: Course, deliverable: PeerReviewDeliverable) -> Rubric | None:
    if deliverable.rubric:
        return course.rubrics[deliverable.rubric]  # checked to exist when the course loaded
    return course.rubrics.get(DEFAULT_RUBRIC)


def rubric_markdown(rubric: Rubric) -> str:
    """The rubric as Markdown, rendered once for all messages (`rubric_text` in the template)."""
    lines = [f"**{rubric.title}**", ""]
    if rubric.description:
        lines += [rubric.description, ""]
    lines += [f"- **{c.name}**: {c.description}" for c in rubric.criteria]
    if rubric.levels:
        lines += [
            "",
            *(f"- {level.score:g} {level.label}: {level.description}" for level in rubric.levels),
        ]
    for note in rubric.notes:
        lines += ["", note]
    return "\n".join(lines).strip()


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
    links: dict[str, str] | None = None,
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
    if links is None:
        links = submission_links(course, deliverable, manifest, students)
    anonymous = manifest.anonymous
    # One shared view per author, and the roster's own Student as the reviewer: at 10^5
    # reviewers, building objects per message costs as much as rendering it.
    if anonymous:
        key = manifest.pseudonym_key
        views = {}
        for sid in manifest.students:
            alias = pseudonym(key, sid)
            views[sid] = AuthorView(alias, alias, "", "", links[sid])
    else:
        views = {
            sid: AuthorView(student.name, "", sid, student.github, links[sid])
            for sid, student in ((sid, students[sid]) for sid in manifest.students)
        }
    allocation, view = manifest.allocation, views.__getitem__
    # map, not a nested comprehension: on Python 3.11 each comprehension is a call.
    reviewers = [(students[sid], list(map(view, allocation[sid]))) for sid in manifest.students]
    reviewed = course.schedule.deliverable(deliverable.reviews)
    rubric = rubric_for(course, deliverable)
    context: dict[str, Any] = {
        "_messages": reviewers,
        "course": course.schedule.course,
        "deliverable": deliverable,
        "reviewed": reviewed,
        "due": describe_due(course, deliverable),
        "platform": PLATFORM_NAMES.get(deliverable.platform, deliverable.platform),
        "rubric": rubric,
        "rubric_text": rubric_markdown(rubric) if rubric else "",
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
                "reviewed, due, platform, course, rubric, rubric_text, k, anonymous",
            )
        ) from None
    has_subject = source.lower().startswith("subject:")
    messages = []
    for (reviewer, _), text in zip(reviewers, bodies, strict=True):
        if has_subject:
            first, _, body = text.partition("\n")
            subject, body = first.split(":", 1)[1].strip(), body.lstrip("\n")
        else:
            subject, body = deliverable.title, text
        messages.append(
            Message(
                reviewer.sid, reviewer.name, reviewer.email, subject, body, reviewer.sid in updated
            )
        )
    return messages


def messages_jsonl(messages: Sequence[Message]) -> str:
    """One JSON object per line; fields quoted by json's C string encoder (json.dumps per
    record costs ~5x more at 10^5 messages)."""
    return "".join(_jsonl_chunks(messages))


def write_messages(path: Path, messages: Sequence[Message]) -> None:
    """`messages_jsonl` written in chunks: 10^5 messages are 120 MB, and joining and encoding
    them whole doubled the command's peak memory and cost 0.3 s of copying."""
    atomic_write_parts(path, (chunk.encode("utf-8") for chunk in _jsonl_chunks(messages)))


def _jsonl_chunks(messages: Sequence[Message], size: int = 2000) -> Iterator[str]:
    quote = encode_basestring
    for start in range(0, len(messages), size):
        yield "".join(
            f'{{"sid": {quote(m.sid)}, "name": {quote(m.name)}, "email": {quote(m.email)}, '
            f'"subject": {quote(m.subject)}, "body": {quote(m.body)}, '
            f'"updated": {"true" if m.updated else "false"}}}\n'
            for m in messages[start : start + size]
        )
