"""Templates are code: every template the tool renders (week page in Markdown and HTML,
reminder, review message, feedback issue) runs sandboxed, and a blocked access is one line
naming the template file and line. coursectl ships default templates inside the package (the
wheel carries them); a course folder without templates/ renders everything from them, and a
course's own file overrides the default, file by file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.course.templating import DEFAULTS
from coursectl.errors import UserError
from coursectl.pages.views import render_reminder, render_week
from tests.conftest import REPO_ROOT
from tests.fake_github import FakeGitHub
from tests.test_check_reflections_github import fake, invoke, populate

__all__ = ["fake"]  # the fixture, shared with the check-reflections tests

NAMES = (
    "week.md.j2",
    "week.html.j2",
    "reminder.md.j2",
    "review-message.md.j2",
    "reflection-feedback.md.j2",
)
PP1 = "pp1-peer-reviews"
# Ways out of a template into Python, each refused by the sandbox.
ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].system('id') }}",
]


def _blocked_line(message: str, template: Path, line: int) -> None:
    assert "\n" not in message.strip() and "Traceback" not in message, message
    assert re.search(
        rf"{re.escape(str(template))}:{line}: blocked: access to attribute '__\w+__' of "
        r"'\w+' object is unsafe; a template may only show the values it is given",
        message,
    ), message


def _plant(template: Path, escape: str) -> int:
    """Append `escape` on a line of its own to the course's template; its line number."""
    text = template.read_text(encoding="utf-8").rstrip("\n") + "\n"
    template.write_text(text + escape + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize("escape", ESCAPES)
@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("week.md.j2", lambda course: render_week(course, 7, "md")),
        ("week.html.j2", lambda course: render_week(course, 7, "html")),
        ("reminder.md.j2", lambda course: render_reminder(course, "week-07-reflection")),
    ],
)
def test_pages_run_sandboxed(
    course_dir: Path, name: str, render: Callable[..., str], escape: str
) -> None:
    template = course_dir / "templates" / name
    line = _plant(template, escape)
    with pytest.raises(UserError) as caught:
        render(load_course(course_dir))
    (message,) = caught.value.lines()
    _blocked_line(message, template, line)


@pytest.mark.parametrize("escape", [*ESCAPES, "{{ course.__class__.__mro__ }}"])
def test_review_messages_run_sandboxed(runner: CliRunner, course_dir: Path, escape: str) -> None:
    template = course_dir / "templates" / "review-message.md.j2"
    line = _plant(template, escape)
    result = runner.invoke(app, ["assign-reviews", PP1, "--seed", "1", "--course", str(course_dir)])
    assert result.exit_code == 1
    _blocked_line(result.stderr, template, line)
    assert not (course_dir / "reviews" / PP1 / "messages.jsonl").exists()


def test_feedback_issues_run_sandboxed(course_dir: Path, fake: FakeGitHub) -> None:
    populate(fake, course_dir)
    template = course_dir / "templates" / "reflection-feedback.md.j2"
    line = _plant(template, ESCAPES[0])
    result = invoke(course_dir, fake, "--comment")
    assert result.exit_code == 1  # type: ignore[attr-defined]
    errors = [x for x in result.output.splitlines() if x.startswith("error:")]  # type: ignore[attr-defined]
    assert len(errors) == 1, result.output  # type: ignore[attr-defined]
    _blocked_line(errors[0], template, line)
    assert fake.count("POST", "/issues") == 0


def test_an_included_template_is_sandboxed_too(course_dir: Path) -> None:
    templates = course_dir / "templates"
    (templates / "footer.md.j2").write_text("ok\n" + ESCAPES[1] + "\n", encoding="utf-8")
    _plant(templates / "week.md.j2", '{% include "footer.md.j2" %}')
    with pytest.raises(UserError) as caught:
        render_week(load_course(course_dir), 7)
    (message,) = caught.value.lines()
    _blocked_line(message, templates / "footer.md.j2", 2)


# ---------------------------------------------------------------------------- package defaults


def test_the_package_carries_every_default_template() -> None:
    assert sorted(p.name for p in DEFAULTS.iterdir()) == sorted(NAMES)


def test_the_shipped_course_keeps_copies_equal_to_the_defaults() -> None:
    # The shipped course shows a TA what to customise; a copy that drifted would render
    # differently from a course that relies on the defaults.
    for name in NAMES:
        assert (REPO_ROOT / "templates" / name).read_bytes() == (DEFAULTS / name).read_bytes(), (
            f"templates/{name} differs from coursectl/templates/{name}; copy one over the other"
        )


def _render_all(course: Path, fake: FakeGitHub, runner: CliRunner) -> dict[str, str]:
    loaded = load_course(course)
    out = {
        "week.md.j2": render_week(loaded, 7, "md"),
        "week.html.j2": render_week(loaded, 7, "html"),
        "reminder.md.j2": render_reminder(loaded, "week-07-reflection"),
    }
    result = runner.invoke(
        app, ["assign-reviews", PP1, "--seed", "1", "--force", "--course", str(course)]
    )
    assert result.exit_code == 0, result.stderr
    lines = (course / "reviews" / PP1 / "messages.jsonl").read_text(encoding="utf-8")
    out["review-message.md.j2"] = json.dumps([json.loads(x) for x in lines.splitlines()])
    issued = invoke(course, fake, "--comment")
    assert issued.exit_code == 0, issued.output  # type: ignore[attr-defined]
    out["reflection-feedback.md.j2"] = json.dumps(
        sorted(issue["body"] for repo in fake.repos.values() for issue in repo.issues)
    )
    return out


def test_a_course_without_templates_renders_everything_from_the_defaults(
    course_dir: Path, fake: FakeGitHub, runner: CliRunner, tmp_path: Path
) -> None:
    populate(fake, course_dir)
    own = _render_all(course_dir, fake, runner)
    bare = tmp_path / "bare"
    shutil.copytree(course_dir, bare, ignore=shutil.ignore_patterns("templates", ".coursectl"))
    with FakeGitHub(token=fake.token) as other:
        populate(other, bare)
        defaults = _render_all(bare, other, runner)
    assert not (bare / "templates").exists()
    assert set(defaults) == set(NAMES)
    for name in NAMES:
        assert defaults[name] == own[name], name
    assert "Week 7" in defaults["week.md.j2"] and "<!DOCTYPE html>" in defaults["week.html.j2"]
    assert "120 words, below the 300-word minimum" in defaults["reflection-feedback.md.j2"]


def test_a_courses_own_file_overrides_the_default_file_by_file(course_dir: Path) -> None:
    templates = course_dir / "templates"
    for name in NAMES:
        (templates / name).unlink()
    (templates / "reminder.md.j2").write_text(
        "Ours: {{ page.deliverable.title }}\n", encoding="utf-8"
    )
    course = load_course(course_dir)
    assert render_reminder(course, "week-07-reflection") == "Ours: Week 7 Reflection\n"
    assert "# Week 7:" in render_week(course, 7, "md")  # still the default week page


def test_the_wheel_carries_the_default_templates(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / "coursectl", source / "coursectl", ignore=shutil.ignore_patterns("__pycache__")
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("coursectl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in NAMES:
            assert f"coursectl/templates/{name}" in names, name
            assert archive.read(f"coursectl/templates/{name}") == (DEFAULTS / name).read_bytes()
