"""Reviewer messages as JSON lines without a jinja2 render per reviewer.

At 10^5 reviewers, rendering the message template once per reviewer cost 1.2-1.7 s and JSON-
encoding the 120 MB of bodies another 0.4 s, although every message is the same text with a few
names swapped in. So, when the template only *prints* per-student fields (and at most tests
whether one is empty), it is rendered once per "shape" with marker objects in place of the
students; the result becomes a `str.format` pattern for a whole JSON line, with the literal text
JSON-escaped once. Each reviewer's line is then one C-level `format` call.

Which templates qualify is decided from jinja2's own syntax tree, conservatively: a per-student
name (`reviewer`, `authors`, a loop variable over `authors`) may appear only as `x.field` printed
directly (`{{ author.name }}`) or tested directly (`{% if author.link %}` / `{% if not ... %}`),
only inside plain `if`/`for` blocks, and `authors` only as the list a plain `for` runs over.
Anything else (a filter, a comparison, `set`, a macro, a filter block, an include...) could make
the output depend on a student's data in a way a marker cannot stand for; such templates return
None here and are rendered per reviewer by jinja2, which gives the same text, only slower.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import jinja2
import numpy as np
from jinja2 import nodes

from coursectl.course.roster import Student
from coursectl.reviews.manifest import joined_row_bytes, positions_of

if TYPE_CHECKING:
    from coursectl.reviews.manifest import Positions

PER_STUDENT = ("reviewer", "authors")
_MARKER = re.compile("\x00([0-9]+)\x01")
_LOOP_ITEM_ATTRIBUTES = frozenset({"previtem", "nextitem", "changed"})
_ALLOWED_ANCESTORS = (nodes.Template, nodes.Output, nodes.If, nodes.For)
# What a template sees of a reviewer: the roster row's fields, not its `line` (kept for error
# messages) nor the tuple's methods (`count`, `index`).
REVIEWER_FIELDS = tuple(field for field in Student._fields if field != "line")
# The reviewer's sid, name and email open every JSON line, whatever the template prints.
_LINE_FIELDS = ("sid", "name", "email")
_MAX_SHAPES = 64
_TEXT_FIELDS = frozenset({"sid", "name", "email", "github", "section"})  # str in every Student


@dataclass(frozen=True)
class TemplateFields:
    """The per-student fields a qualifying template uses."""

    reviewer: tuple[str, ...]
    author: tuple[str, ...]


def template_fields(
    environment: jinja2.Environment, source: str, author_fields: Sequence[str]
) -> TemplateFields | None:
    """The per-student fields the template prints or tests, or None when it does anything else
    with a student (see the module docstring). Raises jinja2.TemplateSyntaxError."""
    if "\x00" in source:
        return None
    tree = environment.parse(source)
    loop_names = {
        node.target.name
        for node in tree.find_all(nodes.For)
        if isinstance(node.iter, nodes.Name) and node.iter.name == "authors"
        if isinstance(node.target, nodes.Name)
    }
    reviewer_used: list[str] = []
    author_used: list[str] = []

    def visit(node: nodes.Node, ancestors: tuple[nodes.Node, ...]) -> bool:
        if isinstance(node, nodes.Name):
            return name_allowed(node, ancestors)
        if (
            isinstance(node, nodes.Getattr)
            and _is_name(node.node, "loop")
            and node.attr in _LOOP_ITEM_ATTRIBUTES
        ):
            return False  # these hand out the neighbouring authors themselves
        if (
            isinstance(node, nodes.For)
            and (node.recursive or node.test is not None)
            and _mentions(node, {"authors", "reviewer", *loop_names})
        ):
            return False
        if isinstance(node, (nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
            return False
        return all(visit(child, (*ancestors, node)) for child in node.iter_child_nodes())

    def name_allowed(name: nodes.Name, ancestors: tuple[nodes.Node, ...]) -> bool:
        student = name.name == "reviewer" or name.name in loop_names
        if name.name not in PER_STUDENT and not student:
            return True
        parent = ancestors[-1]
        if name.ctx != "load":
            # Only `for author in authors` may bind a per-student name.
            return (
                isinstance(parent, nodes.For)
                and parent.target is name
                and _is_name(parent.iter, "authors")
                and name.name not in PER_STUDENT
            )
        if name.name == "authors" and not student:
            return isinstance(parent, nodes.For) and parent.iter is name
        if not isinstance(parent, nodes.Getattr) or parent.node is not name:
            return False
        allowed = REVIEWER_FIELDS if name.name == "reviewer" else frozenset(author_fields)
        if parent.attr not in allowed:
            return False
        if not _printed_or_tested(parent, ancestors[:-1]):
            return False
        used = reviewer_used if name.name == "reviewer" else author_used
        if parent.attr not in used:
            used.append(parent.attr)
        return True

    if not visit(tree, ()):
        return None
    return TemplateFields(tuple(reviewer_used), tuple(author_used))


class NotAField(jinja2.UndefinedError):
    """A template asked a student (the reviewer, an author) for something that is not one of
    their fields."""


def not_a_field_message(student: str, attribute: object, fields: Sequence[str]) -> str:
    return f"{student} has no field {str(attribute)!r}; use {', '.join(fields)}"


class FieldsOnlyEnvironment(jinja2.Environment):
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


def _is_name(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def _mentions(node: nodes.Node, names: set[str]) -> bool:
    return any(n.name in names for n in node.find_all(nodes.Name))


def _printed_or_tested(expression: nodes.Getattr, ancestors: tuple[nodes.Node, ...]) -> bool:
    """`{{ x.field }}` on its own, or `{% if x.field %}` / `{% if not x.field %}`, with only
    if/for blocks around it (a filter block, macro or `set` block could transform the text)."""
    parent = ancestors[-1]
    if isinstance(parent, nodes.Not):
        expression, ancestors, parent = parent, ancestors[:-1], ancestors[-2]  # type: ignore[assignment]
    if isinstance(parent, nodes.Output):
        direct = any(child is expression for child in parent.nodes)
    elif isinstance(parent, nodes.If):
        direct = parent.test is expression
    else:
        return False
    return direct and all(isinstance(a, _ALLOWED_ANCESTORS) for a in ancestors)


class _Slot:
    """Stands for one student field: prints as a marker, answers `if` with the real value's
    truth for the reviewer the shape is being made for."""

    __slots__ = ("index", "truth")

    def __init__(self, index: int, truth: Callable[[], bool]) -> None:
        self.index, self.truth = index, truth

    def __str__(self) -> str:
        return f"\x00{self.index}\x01"

    def __bool__(self) -> bool:
        return self.truth()


class _Student:
    """A reviewer or one author position, whose fields are slots."""

    def __init__(self, slots: Mapping[str, _Slot]) -> None:
        self._slots = slots

    def __getattr__(self, name: str) -> _Slot:
        try:
            return self._slots[name]
        except KeyError:
            raise AttributeError(name) from None


def json_lines(
    environment: jinja2.Environment,
    source: str,
    used: TemplateFields,
    context: Mapping[str, Any],
    reviewers: Sequence[Student],
    allocation: Mapping[str, Sequence[str]],
    author_columns: Mapping[str, Sequence[str]],
    updated: set[str] | frozenset[str],
    subject_line: bool,
    default_subject: str,
    k: int,
    chunk: int = 2000,
    positions: Positions | None = None,
) -> Iterator[bytes] | None:
    """The messages file's lines (UTF-8), `chunk` reviewers per part, or None when the fast path
    cannot promise the jinja2 result (then the caller renders per reviewer).

    `reviewers` are every taking-part student, in the file's order; each is also an author.
    `author_columns[field]` holds that author field (see outputs.AuthorView) for each of them,
    in the same order. Each line is what outputs._jsonl_chunks writes for the rendered message.
    `positions[i]` are reviewer i's authors as positions in `reviewers` (made when not given).
    """
    sids = list(map(attrgetter("sid"), reviewers))
    if positions is not None:
        if positions.shape != (len(sids), k):
            return None
    elif set(map(len, map(allocation.__getitem__, sids))) - {k}:
        return None
    reviewer_fields = (*_LINE_FIELDS, *(f for f in used.reviewer if f not in _LINE_FIELDS))
    updated_slot = len(reviewer_fields)
    # Each column JSON-escaped and joined by \x1f (map/attrgetter keep these 10^5-long loops
    # in C; str() as jinja2 prints a value).
    reviewer_joined = [
        _escaped_column(
            list(map(attrgetter(name), reviewers))
            if name in _TEXT_FIELDS
            else list(map(str, map(attrgetter(name), reviewers)))
        )
        for name in reviewer_fields
    ]
    author_joined = [_escaped_column(author_columns[name]) for name in used.author]
    if None in reviewer_joined or None in author_joined:
        return None
    flags = ["false"] * len(sids)
    if updated:
        for i, sid in enumerate(sids):
            if sid in updated:
                flags[i] = "true"

    reviewer_slot = {name: i for i, name in enumerate(reviewer_fields)}

    def author_slot(place: int, name: str) -> int:
        return updated_slot + 1 + place * len(used.author) + used.author.index(name)

    # Which fields `if` tests is learnt while making shapes; a reviewer's shape key is the truth
    # of those fields for them and their authors. A shape is rendered for one reviewer and is
    # right for everyone who agrees with them on every field its render tested.
    tested_reviewer: list[str] = []
    tested_author: list[str] = []
    template = environment.from_string(source)

    def make_shape(reviewer: Student) -> Shape | None:
        authors = [sids.index(sid) for sid in allocation[reviewer.sid]]  # a few shapes only

        def reviewer_truth(name: str) -> Callable[[], bool]:
            def answer() -> bool:
                if name not in tested_reviewer:
                    tested_reviewer.append(name)
                return bool(getattr(reviewer, name))

            return answer

        def author_truth(name: str, author: int) -> Callable[[], bool]:
            def answer() -> bool:
                if name not in tested_author:
                    tested_author.append(name)
                return bool(author_columns[name][author])

            return answer

        symbolic_reviewer = _Student(
            {name: _Slot(reviewer_slot[name], reviewer_truth(name)) for name in used.reviewer}
        )
        symbolic_authors = [
            _Student(
                {
                    name: _Slot(author_slot(place, name), author_truth(name, author))
                    for name in used.author
                }
            )
            for place, author in enumerate(authors)
        ]
        try:
            text = template.render(
                {**context, "reviewer": symbolic_reviewer, "authors": symbolic_authors}
            )
        except Exception:  # any failure: the per-reviewer render reports it properly
            return None
        return _line_shape(text, subject_line, default_subject, updated_slot)

    first = make_shape(reviewers[0]) if reviewers else None
    if first is None:
        return None
    shapes: Shape | list[Shape] = first
    # One shape serves all when every student agrees on every field the template tested.
    uniform = all(
        len(set(map(bool, column))) <= 1
        for column in (
            *(list(map(attrgetter(f), reviewers)) for f in tested_reviewer),
            *(author_columns[f] for f in tested_author),
        )
    )
    if not uniform:
        chosen = _shape_per_reviewer(
            reviewers, allocation, make_shape, tested_reviewer, tested_author, author_columns
        )
        if chosen is None:
            return None
        shapes = chosen
    if isinstance(shapes, Shape):
        if positions is None:
            positions = positions_of(sids, allocation, k)
            if positions is None:  # an author who is not among the reviewers
                return None
        columns = _Columns(reviewer_joined, "\x1f".join(flags), author_joined, positions)  # type: ignore[arg-type]
        segments = _segments(shapes)
        return (
            joined_row_bytes(
                columns.for_rows(segments, start, start + chunk), len(sids[start : start + chunk])
            )
            for start in range(0, len(sids), chunk)
        )
    reviewer_cells = [joined.split("\x1f") for joined in reviewer_joined]  # type: ignore[union-attr]
    author_cells = [joined.split("\x1f") for joined in author_joined]  # type: ignore[union-attr]
    rows = dict(zip(sids, zip(*reviewer_cells, flags, strict=True), strict=True))
    by_author = (
        dict(zip(sids, zip(*author_cells, strict=True), strict=True))
        if author_cells
        else dict.fromkeys(sids, ())
    )
    return _chunks(sids, shapes, rows, by_author, allocation, chunk)


def _segments(shape: Shape) -> list[bytes | int]:
    """A line's literal pieces (UTF-8) and field numbers, in order."""
    segments: list[bytes | int] = []
    for literal, field, _, _ in string.Formatter().parse(shape.pattern):
        if literal:
            segments.append(literal.encode("utf-8"))
        if field is not None:
            segments.append(int(field))  # _line_shape writes plain {N} fields
    segments.append(shape.tail.encode("utf-8"))
    return segments


class _Columns:
    """The fields of every line as numpy object columns of UTF-8 bytes: a line's field numbers
    are the reviewer's fields, then the updated flag, then each author place's fields. Bytes,
    not str: a chunk of str lines holding one non-Latin-1 character is stored 2-4 bytes per
    character and then encoded again, which cost 8x the join at 10^5 messages."""

    def __init__(
        self,
        reviewer_joined: Sequence[str],
        flags_joined: str,
        author_joined: Sequence[str],
        positions: Positions,
    ) -> None:
        self.reviewer = [_utf8_column(joined) for joined in reviewer_joined]
        self.flags = _utf8_column(flags_joined)
        self.author = [_utf8_column(joined) for joined in author_joined]
        self.positions = positions

    def for_rows(self, segments: Sequence[bytes | int], start: int, stop: int) -> list[Any]:
        updated_slot = len(self.reviewer)
        columns: list[Any] = []
        for segment in segments:
            if isinstance(segment, bytes):
                columns.append(segment)
            elif segment < updated_slot:
                columns.append(self.reviewer[segment][start:stop])
            elif segment == updated_slot:
                columns.append(self.flags[start:stop])
            else:
                place, field = divmod(segment - updated_slot - 1, len(self.author))
                columns.append(self.author[field][self.positions[start:stop, place]])
        return columns


def _utf8_column(joined: str) -> Any:
    """A column joined by \x1f (see _escaped_column) as an object array of UTF-8 cells,
    encoded in one call."""
    return np.array(joined.encode("utf-8").split(b"\x1f"), dtype=object)


def _bits(values: Sequence[Sequence[Any]], sids: Sequence[str]) -> dict[str, tuple[bool, ...]]:
    if not values:
        return dict.fromkeys(sids, ())
    return dict(
        zip(sids, (tuple(map(bool, cells)) for cells in zip(*values, strict=True)), strict=True)
    )


def _shape_per_reviewer(
    reviewers: Sequence[Student],
    allocation: Mapping[str, Sequence[str]],
    make_shape: Callable[[Student], Shape | None],
    tested_reviewer: list[str],
    tested_author: list[str],
    author_columns: Mapping[str, Sequence[str]],
) -> list[Shape] | None:
    """Each reviewer's shape when tested fields differ between students."""
    sids = [s.sid for s in reviewers]
    shapes: dict[tuple[bool, ...], Shape] = {}
    chosen: list[Shape] = []
    reviewer_bits: dict[str, tuple[bool, ...]] = {}
    author_bits: dict[str, tuple[bool, ...]] = {}

    def learn() -> None:
        reviewer_bits.update(
            _bits([[getattr(s, f) for s in reviewers] for f in tested_reviewer], sids)
        )
        author_bits.update(_bits([author_columns[f] for f in tested_author], sids))

    def key_of(sid: str) -> tuple[bool, ...]:
        key = reviewer_bits[sid]
        for author in allocation[sid]:
            key += author_bits[author]
        return key

    learn()
    for reviewer in reviewers:
        key = key_of(reviewer.sid)
        shape = shapes.get(key)
        if shape is None:
            tested_before = (len(tested_reviewer), len(tested_author))
            shape = make_shape(reviewer)
            if shape is None or len(shapes) >= _MAX_SHAPES:
                return None
            if (len(tested_reviewer), len(tested_author)) != tested_before:
                learn()
                shapes.clear()  # keyed on fewer fields; still right for the lines made so far
                key = key_of(reviewer.sid)
            shapes[key] = shape
        chosen.append(shape)
    return chosen


def _escaped_column(values: Sequence[str]) -> str | None:
    """The values JSON-escaped (no quotes) and joined by \x1f, in a few C calls over the whole
    column; None when there are none, or one holds a line break or a control character the
    joining relies on (then message lines could split differently)."""
    joined = "\x1f".join(values)
    if not values or "\n" in joined or "\r" in joined or "\x00" in joined:
        return None
    if joined.count("\x1f") != len(values) - 1:
        return None
    if '"' not in joined and "\\" not in joined and "".join(values).isprintable():
        return joined  # sids, emails, logins, links: JSON has nothing to escape
    escaped = _escape(joined)  # the separator becomes the text \u001f
    # A value holding the text "\u001f" itself (its backslash escaped) counts once more.
    if escaped.count("\\u001f") != len(values) - 1:
        return None
    return escaped.replace("\\u001f", "\x1f")


def _escape(text: str) -> str:
    return encode_basestring(text)[1:-1]


def _chunks(
    sids: Sequence[str],
    shapes: Sequence[Shape],
    rows: Mapping[str, tuple[str, ...]],
    columns: Mapping[str, tuple[str, ...]],
    allocation: Mapping[str, Sequence[str]],
    chunk: int,
) -> Iterator[bytes]:
    """Lines of reviewers whose shapes differ: one format call per reviewer."""
    for start in range(0, len(sids), chunk):
        part = sids[start : start + chunk]
        yield "".join(
            shapes[start + i].pattern.format(
                *rows[sid], *(c for a in allocation[sid] for c in columns[a])
            )
            + shapes[start + i].tail
            for i, sid in enumerate(part)
        ).encode("utf-8")


class Shape(NamedTuple):
    """One JSON line as `pattern.format(*fields) + tail`: `tail` is the line's literal end
    (most of a message: the rubric, the sign-off), kept apart so it is never scanned by
    `format`."""

    pattern: str
    tail: str


def split_subject(text: str) -> tuple[str, str]:
    """A rendered message whose first line is `Subject: ...` as (subject, body): the subject
    stripped, the blank lines after it dropped."""
    first, _, body = text.partition("\n")
    return first.split(":", 1)[1].strip(), body.lstrip("\n")


def _line_shape(
    text: str, subject_line: bool, default_subject: str, updated_slot: int
) -> Shape | None:
    """The shape of one JSON line for a rendered message, split into subject and body as
    outputs.render_messages splits a real one."""
    if subject_line:
        subject, body = split_subject(text)
        # strip() and lstrip() must not meet a marker: a field's own spaces would count.
        if _MARKER.match(subject) or _ends_with_marker(subject) or _MARKER.match(body):
            return None
    else:
        subject, body = default_subject, text

    def pattern(part: str) -> tuple[str, str]:
        """(format pattern up to the last marker, escaped literal after it)."""
        pieces = _MARKER.split(part)
        out = []
        for i, piece in enumerate(pieces[:-1]):
            out.append("{" + piece + "}" if i % 2 else _format_literal(_escape(piece)))
        return "".join(out), _escape(pieces[-1])

    subject_head, subject_tail = pattern(subject)
    body_head, body_tail = pattern(body)
    subject_pattern = subject_head + _format_literal(subject_tail)
    head = (
        '{{"sid": "{0}", "name": "{1}", "email": "{2}", "updated": {' + str(updated_slot) + "}, "
        f'"subject": "{subject_pattern}", "body": "{body_head}'
    )
    return Shape(head, body_tail + '"}\n')


def _format_literal(text: str) -> str:
    """`text` as literal text inside a str.format pattern."""
    return text.replace("{", "{{").replace("}", "}}")


def _ends_with_marker(text: str) -> bool:
    return text.endswith("\x01") and bool(re.search("\x00[0-9]+\x01$", text))
