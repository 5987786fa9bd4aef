"""Hostile course YAML: a "billion laughs" file and deep nesting are refused in one line naming
the file, quickly, by `validate` (and by every command, which loads the course the same way)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import yamlsource

COURSES = Path(__file__).parent / "courses"


def course_with(tmp_path: Path, extra: str) -> Path:
    target = tmp_path / "course"
    shutil.copytree(COURSES / "valid", target)
    with (target / "schedule.yaml").open("a", encoding="utf-8") as handle:
        handle.write(extra)
    return target


def laughs(levels: int = 9) -> str:
    lines = ['x-lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"x-lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    return "\n" + "\n".join(lines) + "\n"


def one_error(runner: CliRunner, course: Path) -> str:
    started = time.monotonic()
    result = runner.invoke(app, ["validate", "--course", str(course)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "schedule.yaml" in lines[0], lines[0]
    return lines[0]


def test_billion_laughs_is_refused_at_once(runner: CliRunner, tmp_path: Path) -> None:
    line = one_error(runner, course_with(tmp_path, laughs()))
    assert "aliases" in line and "expanded" in line


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("base: &b {x: 1}\nthis: *b\nthat: [*b, *b]\n", encoding="utf-8")
    data, _, problems = yamlsource.load_yaml(path)
    assert problems == [] and data["that"] == [{"x": 1}, {"x": 1}]


@pytest.mark.parametrize(
    "nesting",
    [
        "[" * 80 + "]" * 80,  # within libyaml's own limit, past ours
        "[" * 5000 + "]" * 5000,  # past libyaml's
    ],
)
def test_deep_nesting_is_refused(runner: CliRunner, tmp_path: Path, nesting: str) -> None:
    line = one_error(runner, course_with(tmp_path, f"x-deep: {nesting}\n"))
    assert "nested" in line or "nesting" in line


def test_deep_nesting_with_the_pure_python_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where PyYAML has no libyaml, its composer recurses until RecursionError.
    class Pure(yaml.SafeLoader):
        pass

    monkeypatch.setattr(yamlsource, "_SourceLoader", Pure)
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    _, _, problems = yamlsource.load_yaml(path)
    assert [p.message for p in problems] == [
        f"nested more than {yamlsource.MAX_DEPTH} levels deep; a course file needs a few"
    ]
