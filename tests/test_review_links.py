"""Submission links are made for a whole column at once; they must be what filling the
pattern in for each student with str.format gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coursectl.reviews.outputs import _links

FIELDS = ["{github}", "{sid}", "{org}", "{sid:>10}", "{github!r}", "{org!s}"]
literals = st.lists(st.sampled_from(["a", "b/", "-", ".:", "\x1f", "{{", "}}"]), max_size=4).map(
    "".join
)
values = st.text(alphabet=st.sampled_from("xyz-9\x1f"), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.tuples(literals, st.sampled_from(FIELDS)), max_size=3),
    end=literals,
    githubs=st.lists(values, min_size=1, max_size=6),
    org=values,
)
def test_links_are_the_pattern_filled_in_for_each_student(
    pieces: list[tuple[str, str]], end: str, githubs: list[str], org: str
) -> None:
    pattern = "".join(literal + field for literal, field in pieces) + end
    sids = [f"9{i:03d}" for i in range(len(githubs))]
    expected = [
        pattern.format(github=g, sid=s, org=org) for g, s in zip(githubs, sids, strict=True)
    ]
    assert _links(pattern, {"github": githubs, "sid": sids}, org) == expected


def test_the_shipped_pattern() -> None:
    links = _links(
        "https://github.com/{org}/portfolio-{github}",
        {"github": ["ada", "bo"], "sid": ["1", "2"]},
        "llm-101",
    )
    assert links == [
        "https://github.com/llm-101/portfolio-ada",
        "https://github.com/llm-101/portfolio-bo",
    ]
