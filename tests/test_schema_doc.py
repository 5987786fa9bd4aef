"""docs/schema.md is what the model says: every key of schedule.yaml and the grading policy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coursectl.course.model import GradingPolicy, Schedule
from coursectl.course.schema_doc import render

DOC = Path(__file__).resolve().parent.parent / "docs" / "schema.md"


def test_schema_doc_is_up_to_date(request: pytest.FixtureRequest) -> None:
    text = render() + "\n"
    if request.config.getoption("--update-goldens"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/schema.md is out of date: python -m coursectl.course.schema_doc > docs/schema.md "
        "(or pytest --update-goldens)"
    )


def test_every_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for model in (Schedule, GradingPolicy):
        for name in model.model_fields:
            assert f"| `{name}` |" in text, name
    assert "| `skip_breaks` | true/false | `true` |" in text
    assert "| `penalty_per_day` | number | `0` |" in text


def test_the_examples_are_valid_course_files() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    schedule, policy = (yaml.safe_load(b) for b in blocks)
    assert Schedule.model_validate(schedule).repeats
    assert GradingPolicy.model_validate(policy).categories
