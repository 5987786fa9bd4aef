"""`coursectl canvas` against a local fake Canvas, driven by unmodified canvasapi."""

from __future__ import annotations

import csv
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.gradebook.canvas_scores import canvas_cells
from coursectl.gradebook.compute import gradebook_for
from coursectl.platforms.policy_edit import set_canvas_ids
from tests.fake_canvas import FakeAssignment, FakeCanvas, FakeCourse, FakeUser

TOKEN = "canvas-test-token"


def _fake_course(course_dir: Path, inputs: Path) -> FakeCourse:
    loaded = load_course(course_dir)
    book = gradebook_for(course_dir, inputs)
    _, points = canvas_cells(book)
    sections = {10 + i: f"Section {name}" for i, name in enumerate(loaded.schedule.sections())}
    section_id = {name.split()[-1]: sid for sid, name in sections.items()}
    users = [
        FakeUser(
            100 + i,
            s.name,
            s.sid,
            s.email.split("@")[0],
            s.email,
            section_id.get(s.section, 10),
        )
        for i, s in enumerate(loaded.students)
    ]
    assignments = [
        FakeAssignment(600 + i, r.item.deliverable.title, points[r.item.id])
        for i, r in enumerate(book.items)
    ]
    return FakeCourse(4242, "LLM 101", "LLM101-SP26", sections, users, assignments)


@pytest.fixture
def inputs(course_dir: Path) -> Path:
    folder = course_dir / "grades" / "inputs"
    shutil.copytree(course_dir / "exports" / "sample", folder)
    return folder


@pytest.fixture
def fake(course_dir: Path, inputs: Path) -> Iterator[FakeCanvas]:
    with FakeCanvas(_fake_course(course_dir, inputs), TOKEN) as server:
        server.page_size = 7  # every list spans several pages (Link headers)
        yield server


def _env(fake: FakeCanvas, **more: str) -> dict[str, str]:
    return {
        "COURSECTL_CANVAS_URL": fake.url,
        "COURSECTL_CANVAS_COURSE_ID": "4242",
        "COURSECTL_CANVAS_TOKEN": TOKEN,
        **more,
    }


def _run(runner: CliRunner, course_dir: Path, env: dict[str, str], *argv: str) -> tuple[int, str]:
    result = runner.invoke(app, [*argv, "--course", str(course_dir)], env=env)
    assert "Traceback" not in result.output
    assert TOKEN not in result.output
    return result.exit_code, result.output


def test_link_push_hand_edit_push_again(
    runner: CliRunner, course_dir: Path, inputs: Path, fake: FakeCanvas
) -> None:
    env = _env(fake)
    policy = course_dir / "rubrics" / "grading-policy.yaml"
    before = policy.read_text()

    code, out = _run(runner, course_dir, env, "canvas", "link", "--dry-run")
    assert code == 0, out
    assert policy.read_text() == before

    code, out = _run(runner, course_dir, env, "canvas", "link")
    assert code == 0, out
    after = policy.read_text()
    ids = load_course(course_dir).policy.gradebook.canvas_ids  # type: ignore[union-attr]
    by_title = {a.name: str(a.id) for a in fake.course.assignments}
    schedule = load_course(course_dir, roster=False).schedule
    assert ids == {d: by_title[schedule.deliverable(d).title] for d in ids}  # type: ignore[union-attr]
    assert len(ids) == len(fake.course.assignments)
    # The TA's comments and layout stay: only canvas_ids lines changed or were added.
    old_lines = set(before.splitlines())
    assert [line for line in after.splitlines() if line not in old_lines] == [
        line for line in after.splitlines() if line not in old_lines and line.startswith("    ")
    ]
    assert "# Grading policy." in after and "# EXAMPLE Canvas assignment ids" in after

    # First push: every gradebook cell with a value reaches Canvas.
    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs))
    assert code == 0, out
    ours, _ = canvas_cells(gradebook_for(course_dir, inputs))
    user_of = {u.sis_user_id: u.id for u in fake.course.users}
    pp1 = int(ids["pp1"])
    first_writes = sum(1 for cells in ours.values() for cell in cells.values() if cell)
    assert f"wrote {first_writes} grade(s)" in out
    for deliverable, cells in ours.items():
        for sid, cell in cells.items():
            held = fake.grade(int(ids[deliverable]), user_of[sid])
            if cell == "EX":
                assert held.excused
            elif cell:
                assert held.score == pytest.approx(float(cell))
    record = course_dir / "grades" / "canvas-push.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600

    # Again: nothing to write, nothing posted.
    posts = len(fake.grade_posts)
    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs))
    assert code == 0, out
    assert "0 grade(s) to write" in out and len(fake.grade_posts) == posts

    # A TA edits one grade in Canvas; the gradebook changes another (an excused pp1).
    sids = list(user_of)
    edited, excused = sids[0], sids[2]
    fake.set_grade(pp1, user_of[edited], 1.25)
    with (inputs / "adjustments.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow([excused, "pp1", "excused", "", "family emergency"])

    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs), "-n")
    assert code == 0, out
    assert "1 grade(s) to write" in out and "1 changed in Canvas by hand kept" in out
    assert len(fake.grade_posts) == posts

    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs))
    assert code == 1, out
    assert "wrote 1 grade(s)" in out
    assert len(fake.grade_posts) == posts + 1
    assert fake.grade_posts[-1]["grades"].keys() == {user_of[excused]}
    assert fake.grade(pp1, user_of[excused]).excused
    assert fake.grade(pp1, user_of[edited]).score == 1.25  # the hand edit kept

    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs), "--force")
    assert code == 0, out
    assert "wrote 1 grade(s)" in out
    assert fake.grade(pp1, user_of[edited]).score == pytest.approx(float(ours["pp1"][edited]))

    code, out = _run(runner, course_dir, env, "canvas", "push", "--inputs", str(inputs))
    assert code == 0 and "0 grade(s) to write" in out, out


def test_roster_proposes_canvas_students(
    runner: CliRunner, course_dir: Path, fake: FakeCanvas
) -> None:
    fake.course.users.pop(0)  # dropped
    fake.course.users[0].email = "new.address@students.example.edu"
    fake.course.users.append(
        FakeUser(999, "Newt Newcomer", "9199999", "newt", "newt@students.example.edu", 11)
    )
    code, out = _run(runner, course_dir, _env(fake), "canvas", "roster")
    assert code == 0, out
    assert "1 new, 1 dropped, 1 changed email" in out
    proposed = (course_dir / ".coursectl" / "canvas" / "roster-proposed.csv").read_text()
    assert "9199999,Newt Newcomer,newt@students.example.edu,,B" in proposed
    assert "new.address@students.example.edu" in proposed


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        (401, {}, "refused course 4242 (401: not authorized)"),
        (403, {}, "forbids course 4242 (403)"),
        (404, {}, "has no course 4242 (404)"),
        (
            429,
            {"retry_after": "120"},
            "is throttling requests (429) while reading course 4242; wait 120 s",
        ),
    ],
)
def test_errors_are_one_line(
    runner: CliRunner,
    course_dir: Path,
    fake: FakeCanvas,
    status: int,
    extra: dict[str, str],
    expected: str,
) -> None:
    fake.fail(r"^/api/v1/courses/4242$", status, **extra)  # type: ignore[arg-type]
    code, out = _run(runner, course_dir, _env(fake), "canvas", "roster")
    assert code == 1, out
    errors = [line for line in out.splitlines() if line.strip()]
    assert errors == [f"error: Canvas at {fake.url} {expected}"] or (
        len(errors) == 1 and expected in errors[0]
    ), out


def test_bad_token_and_short_throttle(
    runner: CliRunner, course_dir: Path, fake: FakeCanvas
) -> None:
    code, out = _run(
        runner, course_dir, _env(fake, COURSECTL_CANVAS_TOKEN="wrong"), "canvas", "roster"
    )
    assert code == 1 and "rejected the API token (401)" in out and "wrong" not in out, out
    fake.fail(r"/search_users", 429, times=1, retry_after="0")
    code, out = _run(runner, course_dir, _env(fake), "canvas", "roster")
    assert code == 0, out  # retried after Retry-After


def test_unreachable_canvas(runner: CliRunner, course_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"COURSECTL_CANVAS_URL": f"http://127.0.0.1:{port}", "COURSECTL_CANVAS_TOKEN": TOKEN}
    code, out = _run(runner, course_dir, env, "canvas", "link")
    assert code == 1
    assert out.strip().splitlines() == [
        f"error: cannot connect to Canvas at http://127.0.0.1:{port}; check the network, "
        "course.canvas.url in schedule.yaml or COURSECTL_CANVAS_URL"
    ]


def test_set_canvas_ids_keeps_the_file() -> None:
    text = "title: x\n# keep\ngradebook:\n  reviews: r   # note\n  canvas_ids:\n    a: '1'  # c\n# tail\nnotes: []\n"
    new = set_canvas_ids(text, {"a": "2", "b": "3"}, "p.yaml")
    assert new == (
        "title: x\n# keep\ngradebook:\n  reviews: r   # note\n  canvas_ids:\n"
        '    a: "2"  # c\n    b: "3"\n# tail\nnotes: []\n'
    )
    assert (
        set_canvas_ids("title: x\n", {"a": "1"}, "p")
        == 'title: x\ngradebook:\n  canvas_ids:\n    a: "1"\n'
    )
    added = set_canvas_ids("gradebook:\n  reviews: r\nnotes: []\n", {"a": "1"}, "p")
    assert added == 'gradebook:\n  reviews: r\n  canvas_ids:\n    a: "1"\nnotes: []\n'


def test_sis_course_id_and_link_by_hand(
    runner: CliRunner, course_dir: Path, fake: FakeCanvas
) -> None:
    env = _env(fake, COURSECTL_CANVAS_COURSE_ID="sis_course_id:LLM101-SP26")
    exam = next(a for a in fake.course.assignments if a.name == "Exam 1")
    exam.name = "Midterm"  # no longer the deliverable's title
    code, out = _run(runner, course_dir, env, "canvas", "link", "-n")
    assert code == 1 and "unlinked: exam-1: no Canvas assignment titled 'Exam 1'" in out, out
    code, out = _run(runner, course_dir, env, "canvas", "link", "--set", "exam-1=Midterm")
    assert code == 0, out
    ids = load_course(course_dir, roster=False).policy.gradebook.canvas_ids  # type: ignore[union-attr]
    assert ids["exam-1"] == str(exam.id)


def test_a_grade_coursectl_never_wrote_is_kept() -> None:
    from coursectl.course.roster import Student
    from coursectl.platforms.canvas_sync import (
        CanvasAssignment,
        CanvasGrade,
        CanvasStudent,
        PushRecord,
        plan_push,
    )

    students = [Student("1", "A", "a@x.edu", "a", "A"), Student("2", "B", "b@x.edu", "b", "A")]
    on_canvas = {
        s.sid: CanvasStudent(f"u{s.sid}", s.name, s.sid, s.github, s.email, ()) for s in students
    }
    link = {"hw": CanvasAssignment("9", "HW", 10.0)}
    held = {"9": {"u1": CanvasGrade("u1", 7.0), "u2": CanvasGrade("u2", None)}}
    plan = plan_push(
        students,
        {"hw": {"1": "8.00", "2": "EX"}},
        {"hw": 10.0},
        link,
        on_canvas,
        held,
        PushRecord("c"),
    )
    assert [(c.sid, c.status) for c in plan.changes] == [("1", "hand-edited"), ("2", "write")]
    assert plan.hand_edited[0].why == "graded in Canvas, not by coursectl"
    wrong_points = plan_push(
        students, {"hw": {"1": "8.00"}}, {"hw": 20.0}, link, on_canvas, held, PushRecord("c")
    )
    assert wrong_points.problems and not wrong_points.changes
