"""One message per reviewer, from the template `review-message.md.j2` (the course's own in
templates/, else coursectl's default; rendered sandboxed, see coursectl.course.templating).

The template's first line may be `Subject: ...`. It sees `reviewer` (the roster row: sid, name,
email, github, section, team), `authors` (each with `name` — a pseudonym with --anonymous —
`pseudonym`, `sid`, `github`, `link`), `deliverable`, `reviewed`, `due` (course time zone),
`platform`, `course`, `rubric` (from rubrics/, may be None), `rubric_text` (that rubric as
Markdown), `k` and `anonymous`. Students show only those fields (FieldsOnlyEnvironment); a
template asking for another is refused with its line before anything renders
(student_field_mistakes). Each reviewer's message is one jinja2 render.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from coursectl.course import Course, templating
from coursectl.course.model import PLATFORM_NAMES, PeerReviewDeliverable, Rubric
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError
from coursectl.files import display_path
from coursectl.reviews.manifest import Manifest

NAME = "review-message.md.j2"
TEMPLATE = f"templates/{NAME}"
DEFAULT_RUBRIC = "peer-review"
# What a template sees of a reviewer: the roster row's fields, not its `line` (kept for error
# messages) nor the tuple's methods (`count`, `index`).
REVIEWER_FIELDS = tuple(field for field in Student._fields if field != "line")
TEMPLATE_NAMES = (
    "reviewer, authors, deliverable, reviewed, due, platform, course, rubric, rubric_text, "
    "k, anonymous"
)
NAMES_HINT = f"the template can use {TEMPLATE_NAMES}"


class AuthorView(NamedTuple):
    """An author as messages show them."""

    name: str  # the pseudonym with --anonymous
    pseudonym: str  # empty without --anonymous
    sid: str  # empty with --anonymous
    github: str  # empty with --anonymous
    link: str


class Message(NamedTuple):
    """One reviewer's message."""

    sid: str
    name: str
    email: str
    subject: str
    body: str
    updated: bool  # changed by the latest --add/--drop: send it again


def pseudonym(key: str, sid: str) -> str:
    """A stable name for an author in anonymous messages: keyed, so not guessable from the sid."""
    digest = hmac.new(bytes.fromhex(key), sid.encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest).decode()[:10]
    return f"Peer {code[:5]}-{code[5:]}"


def render_messages(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: Mapping[str, Student],
    links: Mapping[str, str],
    updated: set[str] | frozenset[str] = frozenset(),
) -> list[Message]:
    """Every reviewer's message, in the manifest's order: one jinja2 render per reviewer."""
    template, source = _template(course)
    context = _context(course, deliverable, manifest)
    views = _author_views(manifest, students, links)
    reviewers = [
        (students[sid], [views[author] for author in manifest.allocation[sid]])
        for sid in manifest.students
    ]
    with templating.template_errors(course.root, NAME, NAMES_HINT):
        texts = [
            template.render({**context, "reviewer": reviewer, "authors": authors})
            for reviewer, authors in reviewers
        ]
    subject_line = source.lower().startswith("subject:")
    messages = []
    for (reviewer, _), text in zip(reviewers, texts, strict=True):
        subject, body = split_subject(text) if subject_line else (deliverable.title, text)
        messages.append(
            Message(
                reviewer.sid, reviewer.name, reviewer.email, subject, body, reviewer.sid in updated
            )
        )
    return messages


def messages_jsonl(messages: Sequence[Message]) -> str:
    """The messages file: one JSON object per reviewer and line."""
    return "".join(
        json.dumps(
            {
                "sid": m.sid,
                "name": m.name,
                "email": m.email,
                "updated": m.updated,
                "subject": m.subject,
                "body": m.body,
            },
            ensure_ascii=False,
        )
        + "\n"
        for m in messages
    )


def split_subject(text: str) -> tuple[str, str]:
    """A rendered message whose first line is `Subject: ...` as (subject, body): the subject
    stripped, the blank lines after it dropped."""
    first, _, body = text.partition("\n")
    return first.split(":", 1)[1].strip(), body.lstrip("\n")


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


def _context(
    course: Course, deliverable: PeerReviewDeliverable, manifest: Manifest
) -> dict[str, Any]:
    """What every reviewer's render shares."""
    rubric = rubric_for(course, deliverable)
    return {
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


def _author_views(
    manifest: Manifest, students: Mapping[str, Student], links: Mapping[str, str]
) -> dict[str, AuthorView]:
    views = {}
    for sid in manifest.students:
        if manifest.anonymous:
            alias = pseudonym(manifest.pseudonym_key, sid)
            views[sid] = AuthorView(alias, alias, "", "", links[sid])
        else:
            student = students[sid]
            views[sid] = AuthorView(student.name, "", sid, student.github, links[sid])
    return views


def _template(course: Course) -> tuple[jinja2.Template, str]:
    """The course's template (or the default), read and checked: its syntax, and that it asks
    students only for their fields (with its line, also in a branch no reviewer reaches)."""
    environment = templating.make_environment(
        course.root,
        FieldsOnlyEnvironment,
        students={
            Student: ("reviewer", REVIEWER_FIELDS),
            AuthorView: ("an author", AuthorView._fields),
        },
        trim_blocks=True,
        lstrip_blocks=True,
    )
    assert environment.loader is not None
    with templating.template_errors(course.root, NAME, NAMES_HINT):
        source, filename, _ = environment.loader.get_source(environment, NAME)
        tree = environment.parse(source, NAME, filename)
    mistakes = student_field_mistakes(tree, AuthorView._fields)
    if mistakes:
        shown = display_path(Path(filename)) if filename else TEMPLATE
        raise UserError([Problem(shown, line, None, message) for line, message in mistakes])
    return templating.load(environment, course.root, NAME, NAMES_HINT), source


# ---------------------------------------------------------------------------- students' fields


class NotAField(templating.Refused):
    """A template asked a student (the reviewer, an author) for something that is not one of
    their fields."""


def not_a_field_message(student: str, attribute: object, fields: Sequence[str]) -> str:
    return f"{student} has no field {str(attribute)!r}; use {', '.join(fields)}"


class FieldsOnlyEnvironment(SandboxedEnvironment):
    """An environment in which students show templates only their fields. Student and
    AuthorView are tuples: without this `reviewer.count` printed a tuple method and
    `reviewer.nmae` failed with no line. `students` maps each student type to how messages
    name it and its fields."""

    def __init__(self, students: Mapping[type, tuple[str, Sequence[str]]], **options: Any) -> None:
        super().__init__(**options)
        self.students = {kind: (label, tuple(fields)) for kind, (label, fields) in students.items()}

    def _not_a_field(self, obj: Any, name: object) -> jinja2.Undefined | None:
        described = self.students.get(type(obj))
        if described is None or name in described[1]:
            return None
        label, fields = described
        return self.undefined(
            hint=not_a_field_message(label, name, fields), obj=obj, name=str(name), exc=NotAField
        )

    def getattr(self, obj: Any, attribute: str) -> Any:
        refused = self._not_a_field(obj, attribute)
        return refused if refused is not None else super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str):  # reviewer["count"] reaches the tuple's attributes too
            refused = self._not_a_field(obj, argument)
            if refused is not None:
                return refused
        return super().getitem(obj, argument)


# Filters that hand out one element of a list, and ones that keep a list of the same elements.
_ONE_OF = frozenset({"first", "last", "random"})
_SAME_ELEMENTS = frozenset({"reverse", "sort", "list", "unique", "batch", "slice"})


def student_field_mistakes(
    tree: nodes.Template, author_fields: Sequence[str]
) -> list[tuple[int, str]]:
    """(line, message) for every place the template asks a student for something that is not
    one of their fields: `reviewer.nmae`, `authors[0].nmae`, `author.nmae` inside
    `{% for author in authors %}`, `reviewer["count"]`, through `set`/`with` aliases too.
    Found in the syntax tree, so a mistake in a branch no reviewer reaches is reported as well;
    names are followed through jinja2's scopes (a loop or macro variable shadows them)."""
    fields = {"reviewer": REVIEWER_FIELDS, "author": tuple(author_fields)}
    mistakes: list[tuple[int, str]] = []

    def kind_of(expression: nodes.Node | None, scope: Mapping[str, str]) -> str | None:
        """'reviewer', 'author' (one author) or 'authors' (a list of them), else None."""
        if isinstance(expression, nodes.Name):
            return scope.get(expression.name)
        if isinstance(expression, nodes.Getitem) and kind_of(expression.node, scope) == "authors":
            return "authors" if isinstance(expression.arg, nodes.Slice) else "author"
        if isinstance(expression, nodes.Filter) and kind_of(expression.node, scope) == "authors":
            if expression.name in _ONE_OF:
                return "author"
            if expression.name in _SAME_ELEMENTS:
                return "authors"
        return None

    def described(expression: nodes.Node, kind: str) -> str:
        if isinstance(expression, nodes.Name):
            if expression.name == kind:
                return kind
            return f"{expression.name} ({'the reviewer' if kind == 'reviewer' else 'an author'})"
        if (
            isinstance(expression, nodes.Getitem)
            and isinstance(expression.arg, nodes.Const)
            and isinstance(expression.node, nodes.Name)
        ):
            return f"{expression.node.name}[{expression.arg.value!r}]"
        return "an author"

    def check(expression: nodes.Node, attribute: object, scope: Mapping[str, str]) -> None:
        kind = kind_of(expression, scope)
        if kind is not None and kind in fields and attribute not in fields[kind]:
            message = not_a_field_message(described(expression, kind), attribute, fields[kind])
            mistakes.append((expression.lineno, message))

    def bind(target: nodes.Node, kind: str | None, scope: dict[str, str]) -> None:
        for name in target.find_all(nodes.Name) if not isinstance(target, nodes.Name) else [target]:
            scope.pop(name.name, None)  # unpacking or a plain value: no longer a student
        if isinstance(target, nodes.Name) and kind is not None:
            scope[target.name] = kind

    def visit(node: nodes.Node, scope: dict[str, str]) -> None:
        if isinstance(node, nodes.Getattr):
            check(node.node, node.attr, scope)
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            check(node.node, node.arg.value, scope)
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            inner = dict(scope)
            bind(node.target, "author" if kind_of(node.iter, scope) == "authors" else None, inner)
            for child in (*node.body, *([node.test] if node.test else [])):
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
            return
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            if isinstance(node, nodes.CallBlock):
                visit(node.call, scope)
            for default in node.defaults:
                visit(default, scope)
            inner = dict(scope)
            for argument in node.args:
                bind(argument, None, inner)
            inner.pop("caller", None)
            for child in node.body:
                visit(child, inner)
            return
        if isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                visit(value, scope)
                bind(target, kind_of(value, scope), inner)
            for child in node.body:
                visit(child, inner)
            return
        if isinstance(node, nodes.Assign):
            visit(node.node, scope)
            bind(node.target, kind_of(node.node, scope), scope)
            return
        if isinstance(node, nodes.AssignBlock):
            for child in node.iter_child_nodes():
                visit(child, scope)
            bind(node.target, None, scope)
            return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(tree, {"reviewer": "reviewer", "authors": "authors"})
    return sorted(mistakes)
