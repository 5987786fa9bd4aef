"""What a round produces: the CSV (one row per review) and one message per reviewer.

Messages come from the course's jinja2 template `templates/review-message.md.j2`; its first
line may be `Subject: ...`. The template sees `reviewer` (the roster row: sid, name, email,
github, section, team), `authors` (each with `name` — a pseudonym with --anonymous — `github`,
`sid`, `link`), `deliverable`, `reviewed`, `due` (course time zone), `platform`, `course`, `rubric` (from
rubrics/, may be None), `rubric_text` (that rubric as Markdown), `k` and `anonymous`. Students
show only those fields (template_shapes.FieldsOnlyEnvironment); a template asking for another
is refused with its line before anything renders (template_shapes.student_field_mistakes).

A template that only prints students' fields or tests whether one is empty (the shipped one)
is rendered once per shape, not once per reviewer (template_shapes.py); any other template is
rendered per reviewer. Both write the same bytes.
"""

from __future__ import annotations

import itertools
import os
import stat
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from json.encoder import encode_basestring
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from coursectl.course import Course
from coursectl.course.model import PLATFORM_NAMES, PeerReviewDeliverable, Rubric
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError, decode_error_line
from coursectl.files import (
    atomic_write_bytes,
    atomic_write_parts,
    atomic_write_text,
    check_target,
)
from coursectl.reviews.assign import CSV_FILE, MESSAGES_FILE, pseudonym
from coursectl.reviews.manifest import (
    PAIRS_FILE,
    Manifest,
    ManifestEvent,
    allocation_positions,
    joined_rows,
    pairs_cache_bytes,
    protect_folder,
)

if TYPE_CHECKING:
    from coursectl.reviews.manifest import Positions

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


# From this many reviewers the messages are written by a forked child while the parent builds
# the CSV and manifest (coursectl/background.py); below it a fork costs more than it saves.
BACKGROUND_MESSAGES_FROM = 5000


def write_outputs(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    manifest_file: Path,
    changes: Sequence[ManifestEvent],
    messages: bool = True,
    check: Callable[[Positions | None], None] | None = None,
    positions: Positions | None = None,
) -> list[Path]:
    """Write messages, CSV and (last, as the commitment) the manifest; return the paths.

    Every output is made from `positions`, the allocation as positions in `manifest.students`
    (manifest.allocation_positions; computed when not given). `check` is the independent
    validation of them: it runs while the messages are rendered (in a forked child at scale)
    and before anything is replaced, so a failed check or a template mistake leaves the
    previous round's files as they were. Without `messages`, an earlier messages file is
    removed: it would describe another allocation.
    """
    from coursectl import background

    folder = manifest_file.parent
    protect_folder(folder.parent)
    students = _students(course, manifest)
    csv_path, messages_path = folder / CSV_FILE, folder / MESSAGES_FILE
    # Each output is written to a hidden staging file first; the three replace the previous
    # round's files back to back once everything is written and checked, so the folder never
    # holds messages of one allocation beside the CSV or manifest of another.
    pairs_path = folder / PAIRS_FILE
    targets = [messages_path, csv_path, manifest_file, pairs_path]
    staged = {target: folder / f".{target.name}.staged" for target in targets}
    _remove_staged(staged.values())  # what a killed earlier run may have left
    links = submission_links(course, deliverable, manifest, students)
    if positions is None:
        positions = allocation_positions(manifest)

    def write_messages() -> None:
        updated = {sid for event in changes for sid in [*event.changed_reviewers, event.sid]}
        chunks = message_chunks(course, deliverable, manifest, students, updated, links, positions)
        with _naming(messages_path):
            atomic_write_parts(staged[messages_path], chunks, private=True)

    def discard() -> None:
        _remove_staged(staged.values())

    pending = background.start(
        write_messages if messages else lambda: None,
        fork=messages and len(manifest.students) >= BACKGROUND_MESSAGES_FROM,
        cleanup=discard,
    )
    try:
        if check is not None:
            check(positions)
        csv_text = render_csv(course, deliverable, manifest, students, links, positions)
        manifest_text = manifest.to_json(positions)
        pairs_bytes = pairs_cache_bytes(manifest, manifest_text, positions)
        # Staged while the messages are still being written: only the renames wait for them.
        for target, text in ((csv_path, csv_text), (manifest_file, manifest_text)):
            check_target(target)  # a folder where the file belongs fails here, not mid-commit
            with _naming(target):
                atomic_write_text(staged[target], text, private=True)  # names students (FERPA)
        check_target(messages_path)
        check_target(pairs_path)  # or a folder there fails after the other three are replaced
        atomic_write_bytes(staged[pairs_path], pairs_bytes, private=True)
    except BaseException:
        pending.cancel()
        discard()
        raise
    try:
        pending.wait()
    except BaseException:
        discard()
        raise
    with _signals_held():  # the commit: Ctrl-C waits the microseconds it takes
        if messages:
            _replace_keeping_mode(staged[messages_path], messages_path)
        else:
            messages_path.unlink(missing_ok=True)
        _replace_keeping_mode(staged[csv_path], csv_path)
        _replace_keeping_mode(staged[manifest_file], manifest_file)  # the commitment
        os.replace(staged[pairs_path], pairs_path)  # a cache, checked against the manifest
    return [csv_path, *([messages_path] if messages else []), manifest_file]


def _remove_staged(paths: Iterable[Path]) -> None:
    from coursectl import background

    for path in paths:
        background.remove_temp_files(path)()
        path.unlink(missing_ok=True)


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """Errors name the file the TA knows, not its hidden staging file."""
    try:
        yield
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(target)) from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for a few renames (delivered right after), where possible."""
    import signal
    import threading

    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _replace_keeping_mode(staged: Path, target: Path) -> None:
    """Rename into place; a file the TA gave other permissions keeps them."""
    with suppress(FileNotFoundError):
        os.chmod(staged, stat.S_IMODE(target.stat().st_mode))
    os.replace(staged, target)


def _template_line(exc: BaseException) -> int | None:
    """The template line an error was raised on, from jinja2's traceback frames."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _students(course: Course, manifest: Manifest) -> dict[str, Student]:
    by_sid = dict(zip(map(attrgetter("sid"), course.students), course.students, strict=True))
    missing = list(itertools.filterfalse(by_sid.__contains__, manifest.students))
    if missing:
        raise UserError(
            f"{', '.join(missing[:5])} in the allocation for '{manifest.deliverable}' "
            f"{'is' if len(missing) == 1 else 'are'} not in the roster; "
            f"--drop {missing[0]} or re-run with --force"
        )
    return by_sid


def check_link_pattern(course: Course, deliverable: PeerReviewDeliverable) -> None:
    pattern = deliverable.submission_link
    if not pattern:
        return
    try:
        parsed = [(name, spec) for _, name, spec, _ in string.Formatter().parse(pattern)]
        names = [name for name, _ in parsed if name is not None]
        # Filled in with positional fields (_links), which a field inside a spec cannot name.
        if any("{" in (spec or "") for _, spec in parsed):
            raise ValueError("a field inside a format spec is not supported")
        # A spec or conversion str.format refuses fails here, not while filling in the links.
        if not set(names) - set(LINK_FIELDS):
            pattern.format(**dict.fromkeys(LINK_FIELDS, "x"))
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
    pattern = deliverable.submission_link
    if not pattern:
        return dict.fromkeys(manifest.students, "")
    org = course.schedule.course.github.org if course.schedule.course.github else ""
    people = list(map(students.__getitem__, manifest.students))
    columns = {"github": list(map(attrgetter("github"), people)), "sid": manifest.students}
    return dict(zip(manifest.students, _links(pattern, columns, org), strict=True))


def _links(pattern: str, columns: dict[str, list[str]], org: str) -> list[str]:
    """The pattern filled in for every student, mapped over the columns in C. {org} is the
    same for everyone; when one field changes per student, each link is
    `before + value + after`, made for the whole column by one join and one split (a format
    call per student cost 0.06 s at 10^5)."""
    parsed = list(string.Formatter().parse(pattern))
    positional = ""
    for literal, name, spec, conversion in parsed:
        positional += literal.replace("{", "{{").replace("}", "}}")
        if name is not None:
            index = {"github": "0", "sid": "1", "org": "2"}[name]
            positional += "{" + index + (f"!{conversion}" if conversion else "")
            positional += (f":{spec}" if spec else "") + "}"
    varying = [(name, spec, conv) for _, name, spec, conv in parsed if name in ("github", "sid")]
    if len(varying) == 1 and not varying[0][1] and not varying[0][2]:
        sides = positional.format("\x1f", "\x1f", org).split("\x1f")
        column = columns[str(varying[0][0])]
        if len(sides) == 2:
            before, after = sides
            links = (before + (after + "\x1f" + before).join(column) + after).split("\x1f")
            if len(links) == len(column):  # no value held a \x1f of its own
                return links
    return list(map(positional.format, columns["github"], columns["sid"], itertools.repeat(org)))


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
    positions: Positions | None = None,
) -> str:
    """One row per review. Each student's cells are quoted once and reused for all their rows."""
    if links is None:
        links = submission_links(course, deliverable, manifest, students)
    anonymous = manifest.anonymous
    header = [*CSV_COLUMNS, "author_pseudonym"] if anonymous else list(CSV_COLUMNS)
    sids = manifest.students
    people = list(map(students.__getitem__, sids))
    sid_cells = _csv_cells(sids)
    name_cells = _csv_cells(list(map(attrgetter("name"), people)))
    reviewer_part = (
        f"{csv_cell(deliverable.id).replace('{', '{{').replace('}', '}}')},{{}},{{}},{{}},"
    )
    # Each student's cells as reviewer and as author, formatted once (map: the loop stays in C).
    as_reviewer = list(
        map(
            reviewer_part.format,
            sid_cells,
            name_cells,
            _csv_cells(list(map(attrgetter("email"), people))),
        )
    )
    author_columns = [
        sid_cells,
        name_cells,
        _csv_cells(list(map(attrgetter("github"), people))),
        _csv_cells(list(map(links.__getitem__, sids))),
    ]
    if anonymous:
        key = manifest.pseudonym_key
        author_columns.append(_csv_cells([pseudonym(key, sid) for sid in sids]))
    author_part = ",".join(["{}"] * len(author_columns)) + "\n"
    as_author = list(map(author_part.format, *author_columns))
    head = ",".join(header) + "\n"
    if positions is None:
        positions = allocation_positions(manifest)
    if positions is None:  # verify() rules this out; keep the plain way for it
        index = dict(zip(sids, range(len(sids)), strict=True))
        allocation = manifest.allocation
        lines = [
            as_reviewer[i] + as_author[index[a]] for i, r in enumerate(sids) for a in allocation[r]
        ]
        return head + "".join(lines)
    import numpy as np

    reviewer_cells = np.array(as_reviewer, dtype=object)
    author_cells = np.array(as_author, dtype=object)
    columns = []
    for place in range(positions.shape[1]):  # a reviewer's k rows, one after another
        columns += [reviewer_cells, author_cells[positions[:, place]]]
    return head + joined_rows(columns, len(sids))


def _csv_cells(values: list[str]) -> list[str]:
    """`csv_cell` over a column; one scan of the whole column when nothing needs quoting."""
    joined = "".join(values)
    if "," in joined or '"' in joined or "\n" in joined or "\r" in joined:
        return list(map(csv_cell, values))
    return values


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


class _MessageSetup(NamedTuple):
    environment: Any  # jinja2.Environment, imported late (start-up time)
    source: str
    context: dict[str, Any]
    reviewers: list[Student]
    links: dict[str, str]
    subject_line: bool


def _message_setup(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
    links: dict[str, str] | None,
) -> _MessageSetup:
    import jinja2

    from coursectl.reviews import template_shapes

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
    except UnicodeDecodeError as exc:
        raise UserError(
            Problem(TEMPLATE, decode_error_line(exc), None, "not UTF-8 text; save it as UTF-8")
        ) from None
    environment = template_shapes.FieldsOnlyEnvironment(
        {
            Student: ("reviewer", template_shapes.REVIEWER_FIELDS),
            AuthorView: ("an author", AuthorView._fields),
        },
        # {% include "x.md.j2" %} finds templates/x.md.j2, as a TA splitting a template expects.
        loader=jinja2.FileSystemLoader(course.root / "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    # A field that is not there, found before any render: with its line, also in a branch no
    # reviewer reaches (the render only says "has no attribute", without a line).
    try:
        tree = environment.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(
            Problem(TEMPLATE, exc.lineno, None, f"template error: {exc.message}")
        ) from None
    mistakes = template_shapes.student_field_mistakes(tree, AuthorView._fields)
    if mistakes:
        raise UserError([Problem(TEMPLATE, line, None, message) for line, message in mistakes])
    if links is None:
        links = submission_links(course, deliverable, manifest, students)
    rubric = rubric_for(course, deliverable)
    context: dict[str, Any] = {
        "course": course.schedule.course,
        "deliverable": deliverable,
        "reviewed": course.schedule.deliverable(deliverable.reviews),
        "due": describe_due(course, deliverable),
        "platform": PLATFORM_NAMES.get(deliverable.platform, deliverable.platform),
        "rubric": rubric,
        "rubric_text": rubric_markdown(rubric) if rubric else "",
        "k": manifest.k,
        "anonymous": manifest.anonymous,
    }
    reviewers = list(map(students.__getitem__, manifest.students))
    return _MessageSetup(
        environment,
        source,
        context,
        reviewers,
        links,
        source.lower().startswith("subject:"),
    )


def _author_views(
    manifest: Manifest, students: dict[str, Student], links: dict[str, str]
) -> dict[str, AuthorView]:
    """One shared view per author: at 10^5 reviewers, building objects per message costs as
    much as rendering it."""
    if manifest.anonymous:
        key = manifest.pseudonym_key
        views = {}
        for sid in manifest.students:
            alias = pseudonym(key, sid)
            views[sid] = AuthorView(alias, alias, "", "", links[sid])
        return views
    return {
        sid: AuthorView(student.name, "", sid, student.github, links[sid])
        for sid, student in ((sid, students[sid]) for sid in manifest.students)
    }


class _AuthorColumns(Mapping[str, list[str]]):
    """AuthorView's fields as columns in manifest order, each made when first asked for (the
    shape path needs only the ones the template prints or tests)."""

    def __init__(self, manifest: Manifest, people: list[Student], links: dict[str, str]) -> None:
        """`people`: the roster rows of manifest.students, in that order."""
        self._manifest, self._people, self._links = manifest, people, links
        self._made: dict[str, list[str]] = {}

    def __getitem__(self, field: str) -> list[str]:
        if field not in self._made:
            self._made[field] = self._column(field)
        return self._made[field]

    def __iter__(self) -> Iterator[str]:
        return iter(AuthorView._fields)

    def __len__(self) -> int:
        return len(AuthorView._fields)

    def _column(self, field: str) -> list[str]:
        sids, people = self._manifest.students, self._people
        if field == "link":
            return list(map(self._links.__getitem__, sids))
        if self._manifest.anonymous:
            if field in ("name", "pseudonym"):
                if "alias" not in self._made:
                    key = self._manifest.pseudonym_key
                    self._made["alias"] = [pseudonym(key, sid) for sid in sids]
                return self._made["alias"]
            if field in ("sid", "github"):
                return [""] * len(sids)
        elif field == "name":
            return list(map(attrgetter("name"), people))
        elif field == "pseudonym":
            return [""] * len(sids)
        elif field == "sid":
            return list(sids)
        elif field == "github":
            return list(map(attrgetter("github"), people))
        raise KeyError(field)


def render_messages(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
    updated: set[str] = frozenset(),  # type: ignore[assignment]
    links: dict[str, str] | None = None,
) -> list[Message]:
    """Every reviewer's message, rendered by jinja2 one reviewer at a time (the reference that
    `message_chunks`' fast path must equal; also its fallback)."""
    import jinja2

    from coursectl.reviews.template_shapes import NotAField, split_subject

    setup = _message_setup(course, deliverable, manifest, students, links)
    bodies: list[str] = []

    def collect(text: str) -> str:
        bodies.append(text)
        return ""

    environment = setup.environment
    environment.filters["_coursectl_collect"] = collect
    # One render over all reviewers: a jinja call per message costs more than the message.
    # The prefix stays on the template's first line so error line numbers match the file.
    # "+%}" and "{%+": trim_blocks/lstrip_blocks must not eat the template's own first newline
    # or last blanks (the per-shape path renders the template as written).
    wrapped = "{% for reviewer, authors in _messages %}{% filter _coursectl_collect +%}"
    wrapped += setup.source + "{%+ endfilter %}{% endfor %}"
    allocation, view = (
        manifest.allocation,
        _author_views(manifest, students, setup.links).__getitem__,
    )
    # map, not a nested comprehension: on Python 3.11 each comprehension is a call.
    pairs = [(reviewer, list(map(view, allocation[reviewer.sid]))) for reviewer in setup.reviewers]
    try:
        environment.from_string(wrapped).render({**setup.context, "_messages": pairs})
    except jinja2.TemplateSyntaxError as exc:
        raise UserError(
            Problem(TEMPLATE, exc.lineno, None, f"template error: {exc.message}")
        ) from None
    except NotAField as exc:  # one the syntax tree cannot see (an included template, ...)
        raise UserError(Problem(TEMPLATE, _template_line(exc), None, exc.message or "")) from None
    except jinja2.UndefinedError as exc:
        raise UserError(
            Problem(
                TEMPLATE,
                _template_line(exc),
                None,
                f"{exc.message}; the template can use reviewer, authors, deliverable, "
                "reviewed, due, platform, course, rubric, rubric_text, k, anonymous",
            )
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise UserError(
            Problem(TEMPLATE, None, None, f"includes '{exc.name}', which is not in templates/")
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        # Errors the template's own expressions raise ('%d'|format(name), x // 0, ...).
        raise UserError(
            Problem(TEMPLATE, _template_line(exc), None, f"template error: {exc}")
        ) from None
    messages = []
    for reviewer, text in zip(setup.reviewers, bodies, strict=True):
        if setup.subject_line:
            subject, body = split_subject(text)
        else:
            subject, body = deliverable.title, text
        messages.append(
            Message(
                reviewer.sid, reviewer.name, reviewer.email, subject, body, reviewer.sid in updated
            )
        )
    return messages


def message_chunks(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: dict[str, Student],
    updated: set[str] = frozenset(),  # type: ignore[assignment]
    links: dict[str, str] | None = None,
    positions: Positions | None = None,
) -> Iterator[bytes]:
    """The messages file (JSON lines, UTF-8) in chunks. Templates that only print or test students'
    fields take the shape path (template_shapes), which writes the same bytes as rendering
    every message with jinja2 (`render_messages`) at a fraction of the cost."""
    from coursectl.reviews import template_shapes

    setup = _message_setup(course, deliverable, manifest, students, links)  # syntax checked
    used = template_shapes.template_fields(setup.environment, setup.source, AuthorView._fields)
    if used is not None:
        lines = template_shapes.json_lines(
            setup.environment,
            setup.source,
            used,
            setup.context,
            setup.reviewers,
            manifest.allocation,
            _AuthorColumns(manifest, setup.reviewers, setup.links),
            updated,
            setup.subject_line,
            deliverable.title,
            manifest.k,
            positions=positions,
        )
        if lines is not None:
            return lines
    messages = render_messages(course, deliverable, manifest, students, updated, links)
    return (chunk.encode("utf-8") for chunk in _jsonl_chunks(messages))


def _jsonl_chunks(messages: Sequence[Message], size: int = 2000) -> Iterator[str]:
    """The messages file, one JSON object per line, `size` messages per string; fields are
    quoted by json's C string encoder (json.dumps per record costs ~5x more at 10^5)."""
    quote = encode_basestring
    for start in range(0, len(messages), size):
        yield "".join(
            f'{{"sid": {quote(m.sid)}, "name": {quote(m.name)}, "email": {quote(m.email)}, '
            f'"updated": {"true" if m.updated else "false"}, '
            f'"subject": {quote(m.subject)}, "body": {quote(m.body)}}}\n'
            for m in messages[start : start + size]
        )
