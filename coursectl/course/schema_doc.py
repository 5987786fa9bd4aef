"""docs/schema.md: every key of schedule.yaml and rubrics/grading-policy.yaml, from the model.

Regenerate after changing the model (tests/test_schema_doc.py fails until you do):

    python -m coursectl.course.schema_doc > docs/schema.md
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from coursectl.course import model
from coursectl.course.model import GradingPolicy, Rubric, Schedule

_SCALARS: dict[Any, str] = {
    str: "text",
    int: "whole number",
    float: "number",
    bool: "true/false",
    date: "date (`Mon 2026-08-31`)",
    datetime: "date and time (`Fri 2026-09-04 23:59`)",
    time: "time (`10:00`)",
    typing.Any: "any",
}


def _type(annotation: Any, found: list[type[BaseModel]]) -> str:
    """A TA's name for a field's type; models it refers to are added to `found`."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0], found)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in args if isinstance(a, type) and issubclass(a, model.DeliverableBase)]
        if kinds and len(kinds) == len(args):
            found.extend(k for k in kinds if k not in found)
            return "[Deliverable](#deliverable), one per `kind`"
        parts = [_type(a, found) for a in args if a is not type(None)]
        return " or ".join(parts)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type(args[0], found)}"
    if origin is dict:
        return f"mapping of {_type(args[0], found)} to {_type(args[1], found)}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.append(annotation)
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return ""
    else:
        value = field.default
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if value in (None, [], {}):
        return "none" if value is None else "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    return f"`{value}`"


_DELIVERABLE_INTRO = [
    "### Deliverable",
    "",
    "Each item of `deliverables:` (and the `deliverable:` of a repeat) is one of the kinds",
    "below, chosen by its `kind:`; all have the keys of ReflectionDeliverable up to `gradescope_id`.",
    "",
]


def _section(cls: type[BaseModel], found: list[type[BaseModel]]) -> list[str]:
    doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    lines = [f"### {cls.__name__}", ""]
    if cls is model.ReflectionDeliverable:
        lines = [*_DELIVERABLE_INTRO, *lines]
    if doc and not doc.startswith("Usage docs"):
        lines += [doc, ""]
    lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in cls.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{name}` | {_type(field.annotation, found)} | {_default(field)} | {meaning} |"
        )
    return [*lines, ""]


def _reference(root: type[BaseModel]) -> list[str]:
    found: list[type[BaseModel]] = [root]
    lines: list[str] = []
    index = 0
    while index < len(found):
        lines += _section(found[index], found)
        index += 1
    return lines


def _example() -> tuple[str, str]:
    """The files `coursectl init` writes for an example course."""
    from coursectl.course.newcourse import (
        CourseSpec,
        build_course,
        parse_break,
        parse_meeting,
        parse_section,
        render_course,
    )

    spec = CourseSpec(
        code="CS 201",
        name="Data Structures",
        start=date(2026, 8, 31),
        end=date(2026, 10, 9),
        timezone="America/New_York",
        lectures=parse_meeting("MO WE 10:00-11:15"),
        sections=[parse_section("A TU 09:00-09:50")],
        breaks=[parse_break("2026-09-07 Labor Day")],
    )
    files = render_course(*build_course(spec))
    return files["schedule.yaml"], files["rubrics/grading-policy.yaml"]


def render() -> str:
    schedule_example, policy_example = _example()
    lines = [
        "# Course files reference",
        "",
        "Every key of `schedule.yaml`, `rubrics/grading-policy.yaml` and a rubric file, with its",
        "type and default, generated from coursectl's model. Do not edit by hand: regenerate with",
        "",
        "    python -m coursectl.course.schema_doc > docs/schema.md",
        "",
        "(`tests/test_schema_doc.py` fails when this file is out of date.) `coursectl init` writes",
        "a complete example of both files; `coursectl validate` checks them.",
        "",
        "## schedule.yaml",
        "",
        *_reference(Schedule),
        "### Example",
        "",
        "```yaml",
        schedule_example.rstrip(),
        "```",
        "",
        "## rubrics/grading-policy.yaml",
        "",
        *_reference(GradingPolicy),
        "### Example",
        "",
        "```yaml",
        policy_example.rstrip(),
        "```",
        "",
        "## rubrics/*.yaml (a rubric)",
        "",
        *_reference(Rubric),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
