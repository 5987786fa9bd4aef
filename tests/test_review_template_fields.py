"""Which `x.field` in a review template is a student asked for something they do not have.

The check reads jinja2's own syntax tree: it must follow the template's scopes, so a name that a
loop or macro rebinds to something else is not taken for a student, and every real field passes.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from coursectl.reviews.messages import AuthorView, student_field_mistakes

SHIPPED = Path(__file__).resolve().parent.parent / "templates" / "review-message.md.j2"


def mistakes(source: str) -> list[tuple[int, str]]:
    return student_field_mistakes(jinja2.Environment().parse(source), AuthorView._fields)


def test_the_shipped_template_uses_only_fields() -> None:
    assert mistakes(SHIPPED.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "{{ reviewer.sid }} {{ reviewer.name }} {{ reviewer.email }} {{ reviewer.github }}"
        " {{ reviewer.section }} {{ reviewer.team }}",
        "{% for a in authors %}{{ a.name }}{{ a.pseudonym }}{{ a.sid }}{{ a.github }}"
        "{{ a.link }}{{ loop.index }}{% endfor %}",
        # The same names bound to something else are not students.
        "{% for a in authors %}{{ a.name }}{% endfor %}{% for a in [course] %}{{ a.code }}{% endfor %}",
        "{% for reviewer in [course] %}{{ reviewer.code }}{% endfor %}",
        "{% macro line(reviewer) %}{{ reviewer.code }}{% endmacro %}{{ line(course) }}",
        "{% with reviewer = course %}{{ reviewer.code }}{% endwith %}{{ reviewer.name }}",
        "{% set reviewer = course %}{{ reviewer.code }}",
        "{% for i, a in authors|batch(1) %}{{ a.code }}{% endfor %}",
        "{{ authors|length }} {{ authors[0].name }} {{ (authors|last).link }}",
    ],
)
def test_fields_and_other_objects_pass(source: str) -> None:
    assert mistakes(source) == []


def test_every_mistake_with_its_line() -> None:
    source = (
        "Hi {{ reviewer.nmae }}\n"
        "{% for a in authors %}\n"
        "{{ a.nmae }}{{ a.email }}\n"
        "{% endfor %}\n"
        "{% with x = authors[1] %}{{ x.count }}{% endwith %}\n"
    )
    assert mistakes(source) == [
        (1, "reviewer has no field 'nmae'; use sid, name, email, github, section, team"),
        (3, "a (an author) has no field 'email'; use name, pseudonym, sid, github, link"),
        (3, "a (an author) has no field 'nmae'; use name, pseudonym, sid, github, link"),
        (5, "x (an author) has no field 'count'; use name, pseudonym, sid, github, link"),
    ]
