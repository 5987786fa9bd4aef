"""The fast path for reviewer messages (coursectl/reviews/template_shapes.py) must write exactly
what rendering every message with jinja2 writes.

The oracle here is jinja2 itself, called once per reviewer with the real roster objects, and the
messages file's own line encoder: any template, roster or allocation where the two differ is a
bug. Tests also pin which templates take the fast path, so the equality is not reached by
always falling back.
"""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course.roster import Student
from coursectl.reviews import template_shapes
from coursectl.reviews.outputs import AuthorView, Message, _jsonl_chunks

REPO = Path(__file__).resolve().parent.parent
SHIPPED = (REPO / "templates" / "review-message.md.j2").read_text(encoding="utf-8")

TEAM_AND_LINKS = """Subject: Reviews for {{ reviewer.name }} ({{ reviewer.section }}) today
{% if reviewer.team %}Team {{ reviewer.team }}{% else %}No team{% endif %}, {{ k }} to do:
{% for a in authors %}
{{ loop.index }}/{{ loop.length }} {{ a.name }}{% if not a.link %} (no link yet){% endif %}
{% if a.link %}  {{ a.link }}{% endif %}

{% endfor %}
Braces {kept} and "quotes" and \\backslashes\\ and tabs\there.
"""
NO_SUBJECT_SIMPLE = (
    "Hello {{ reviewer.name }}\n{% for a in authors %}- {{ a.github }}\n{% endfor %}"
)
ENDS_WITH_FIELD = "{% for a in authors %}{{ a.name }}{% endfor %}"
# A field tested only inside another test: the shape path learns it late.
NESTED = """Subject: Peer reviews
{% if reviewer.team %}Team {{ reviewer.team }}:
{% for a in authors %}{% if a.link %}{{ a.link }}{% else %}{{ a.name }}{% endif %}
{% endfor %}{% endif %}
Thanks.
"""


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


CONTEXT: dict[str, object] = {
    "course": {"code": "LLM 101"},
    "deliverable": {"title": "PP1 peer reviews"},
    "reviewed": {"title": "Portfolio Piece 1"},
    "due": "Wednesday March 4, 23:59 PST",
    "platform": "Gradescope",
    "rubric": {"title": "Rubric"},
    "rubric_text": '**Rubric**\n\n- {criterion}: "be specific" \\o/',
    "k": 2,
    "anonymous": False,
}


def jinja_lines(
    source: str,
    context: dict[str, object],
    reviewers: list[Student],
    allocation: dict[str, list[str]],
    views: dict[str, AuthorView],
    updated: set[str],
) -> str:
    """The reference: one jinja2 render per reviewer, split as the messages file splits."""
    template = environment().from_string(source)
    messages = []
    for reviewer in reviewers:
        authors = [views[sid] for sid in allocation[reviewer.sid]]
        text = template.render({**context, "reviewer": reviewer, "authors": authors})
        if source.lower().startswith("subject:"):
            first, _, body = text.partition("\n")
            subject, body = first.split(":", 1)[1].strip(), body.lstrip("\n")
        else:
            subject, body = "PP1 peer reviews", text
        messages.append(
            Message(
                reviewer.sid, reviewer.name, reviewer.email, subject, body, reviewer.sid in updated
            )
        )
    return "".join(_jsonl_chunks(messages))


def shape_lines(
    source: str,
    context: dict[str, object],
    reviewers: list[Student],
    allocation: dict[str, list[str]],
    views: dict[str, AuthorView],
    updated: set[str],
    k: int,
) -> str | None:
    env = environment()
    used = template_shapes.template_fields(env, source, AuthorView._fields)
    if used is None:
        return None
    columns = {f: [getattr(views[s.sid], f) for s in reviewers] for f in AuthorView._fields}
    lines = template_shapes.json_lines(
        env,
        source,
        used,
        context,
        reviewers,
        allocation,
        columns,
        updated,
        source.lower().startswith("subject:"),
        "PP1 peer reviews",
        k,
        chunk=3,  # several chunks even for small classes
    )
    return None if lines is None else b"".join(lines).decode("utf-8")


# Names as TAs' exports have them: accents, quotes, commas, braces, backslashes, emoji.
names = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from('{}"\\,'),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def classes(
    draw: st.DrawFn,
) -> tuple[list[Student], dict[str, list[str]], dict[str, AuthorView], set[str], int]:
    n = draw(st.integers(3, 9))
    k = draw(st.integers(1, min(3, n - 1)))
    anonymous = draw(st.booleans())
    links = draw(st.sampled_from(["all", "none", "some"]))
    students = [
        Student(
            sid=f"9{i:07d}",
            name=draw(names),
            email=f"s{i}@example.edu",
            github=f"gh-{i}",
            section="ABCD"[i % 4],
            team=draw(st.sampled_from([None, f"T{i // 3}"])),
        )
        for i in range(n)
    ]
    views = {}
    for i, s in enumerate(students):
        link = "" if links == "none" or (links == "some" and i % 2) else f"https://x/{s.github}"
        if anonymous:
            views[s.sid] = AuthorView(f"Author {i:02d}", f"Author {i:02d}", "", "", link)
        else:
            views[s.sid] = AuthorView(s.name, "", s.sid, s.github, link)
    shift = draw(st.integers(0, n - 1))
    order = [students[(i + shift) % n].sid for i in range(n)]
    allocation = {order[i]: [order[(i + step) % n] for step in range(1, k + 1)] for i in range(n)}
    updated = set(draw(st.sets(st.sampled_from(order), max_size=2)))
    return students, allocation, views, updated, k


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    classes(),
    st.sampled_from([SHIPPED, TEAM_AND_LINKS, NO_SUBJECT_SIMPLE, ENDS_WITH_FIELD, NESTED]),
)
def test_shapes_write_what_jinja_writes(
    case: tuple[list[Student], dict[str, list[str]], dict[str, AuthorView], set[str], int],
    source: str,
) -> None:
    students, allocation, views, updated, k = case
    anonymous = all(not view.github for view in views.values())
    context = {**CONTEXT, "k": k, "anonymous": anonymous}
    fast = shape_lines(source, context, students, allocation, views, updated, k)
    expected = jinja_lines(source, context, students, allocation, views, updated)
    assert fast is not None, "these templates and rosters must take the fast path"
    assert fast == expected
    assert [json.loads(line)["sid"] for line in fast.splitlines()] == [s.sid for s in students]


def small_class() -> tuple[list[Student], dict[str, list[str]], dict[str, AuthorView]]:
    students = [
        Student(f"9{i}", f"Student {i}", f"s{i}@x.edu", f"gh{i}", "A", None) for i in range(5)
    ]
    sids = [s.sid for s in students]
    allocation = {sid: [sids[(i + 1) % 5], sids[(i + 2) % 5]] for i, sid in enumerate(sids)}
    views = {s.sid: AuthorView(s.name, "", s.sid, s.github, "") for s in students}
    return students, allocation, views


@pytest.mark.parametrize(
    "source",
    [
        "{{ reviewer.name | upper }}",
        "{{ authors | length }}",
        "{% if reviewer.section == 'A' %}A{% endif %}",
        "{% set who = reviewer.name %}{{ who }}",
        "{% filter upper %}{{ reviewer.name }}{% endfilter %}",
        "{% macro m() %}{{ reviewer.name }}{% endmacro %}{{ m() | upper }}",
        "{% for a in authors if a.link %}{{ a.name }}{% endfor %}",
        "{% for a in authors %}{{ loop.previtem }}{% endfor %}",
        "{{ authors[0].name }}",
        "{{ reviewer.name ~ '!' }}",
        "{{ reviewer }}",
        "{% if reviewer.team and k %}x{% endif %}",
        "{% for reviewer in authors %}{{ reviewer.name }}{% endfor %}",
    ],
)
def test_templates_that_use_students_otherwise_are_rendered_per_reviewer(source: str) -> None:
    assert template_shapes.template_fields(environment(), source, AuthorView._fields) is None


def test_subject_that_starts_with_a_field_is_rendered_per_reviewer() -> None:
    """strip() would meet a name's own spaces: the shape cannot promise the same text."""
    students, allocation, views = small_class()
    source = "Subject: {{ reviewer.name }}\nHi\n"
    assert template_shapes.template_fields(environment(), source, AuthorView._fields)
    assert shape_lines(source, CONTEXT, students, allocation, views, set(), 2) is None


def test_a_name_with_a_line_break_is_rendered_per_reviewer() -> None:
    students, allocation, views = small_class()
    students[1] = Student("91", "Two\nLines", "s1@x.edu", "gh1", "A", None)
    assert shape_lines(SHIPPED, CONTEXT, students, allocation, views, set(), 2) is None


def test_the_command_writes_a_filtered_template_correctly(
    runner: CliRunner, course_dir: Path
) -> None:
    """End to end through the fallback: a TA's template with a filter still gets every
    reviewer's own name, upper-cased."""
    template = course_dir / "templates" / "review-message.md.j2"
    template.write_text("Subject: Reviews\nHi {{ reviewer.name | upper }}!\n", encoding="utf-8")
    result = runner.invoke(
        app, ["assign-reviews", "pp1-peer-reviews", "--seed", "3", "--course", str(course_dir)]
    )
    assert result.exit_code == 0, result.stderr
    lines = (course_dir / "reviews" / "pp1-peer-reviews" / "messages.jsonl").read_text("utf-8")
    messages = [json.loads(line) for line in lines.splitlines()]
    assert messages and all(m["body"] == f"Hi {m['name'].upper()}!\n" for m in messages)
