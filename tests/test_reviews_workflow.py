"""Pieces of assign-reviews without the CLI: who submitted, the manifest, the check before writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursectl.course import load_course
from coursectl.course.roster import Student
from coursectl.errors import UserError
from coursectl.reviews.allocation import make_constraints
from coursectl.reviews.assign import AssignOptions, assign_reviews, verify
from coursectl.reviews.manifest import load_manifest, manifest_path
from coursectl.reviews.messages import pseudonym
from coursectl.reviews.submitted import read_submitted


def student(sid: str, email: str) -> Student:
    return Student(sid=sid, name=f"Name {sid}", email=email, github=f"gh{sid}", section="A")


STUDENTS = [
    student("1001", "ada@uni.edu"),
    student("1002", "bo@uni.edu"),
    student("1003", "cy@uni.edu"),
]


def test_plain_list_mixes_sids_emails_comments(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("# submitted\n1001\n\n  BO@uni.edu  # late but in\n")
    assert read_submitted(path, STUDENTS).sids == {"1001", "1002"}


def test_csv_with_sid_or_email_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("email,note\ncy@uni.edu,ok\nada@uni.edu,\n")
    assert read_submitted(path, STUDENTS).sids == {"1001", "1003"}


def test_gradescope_status_missing_blank_and_graded(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        "\ufeffFirst Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status,Submission ID,"
        "Submission Time,Lateness (H:M:S)\n"
        "Ada,L,1001,ada@uni.edu,A,9.0,10.0,Graded,1,2026-02-20 22:13:14 -0800,00:00:00\n"
        "Bo,M,1002,bo@uni.edu,A,,10.0,Missing,,,\n"
        "Cy,N,1003,cy@uni.edu,A,,10.0,,3,2026-02-21 01:02:03 -0800,225:07:02\n",
        encoding="utf-8",
    )
    assert read_submitted(path, STUDENTS).sids == {"1001", "1003"}


def test_gradescope_row_for_unknown_student_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(
        "First Name,Last Name,SID,Email,Status,Submission Time\n"
        "Ada,L,1001,ada@uni.edu,Graded,2026-02-20 22:13:14 -0800\n"
        "Zed,Q,9999,zed@uni.edu,,2026-02-20 22:13:14 -0800\n"
    )
    # An export lists dropped students too: a warning naming the line, not a failure.
    result = read_submitted(path, STUDENTS, "scores.csv")
    assert result.sids == {"1001"}
    assert result.warnings == [
        "scores.csv:3: '9999' is not a student in the roster (by sid or email); row not counted"
    ]


def test_typo_in_a_hand_written_list_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("1001\n10002\n")
    with pytest.raises(UserError) as caught:
        read_submitted(path, STUDENTS, "list.txt")
    assert caught.value.lines() == [
        "list.txt:2: '10002' is not a student in the roster (neither a sid nor an email)"
    ]


def test_pseudonyms_are_stable_keyed_and_distinct() -> None:
    key, other_key = "00" * 16, "11" * 16
    assert pseudonym(key, "1001") == pseudonym(key, "1001")
    assert pseudonym(key, "1001") != pseudonym(other_key, "1001")
    names = {pseudonym(key, str(sid)) for sid in range(20000)}
    assert len(names) == 20000


def copy_course(tmp_path: Path) -> Path:
    import shutil

    repo = Path(__file__).resolve().parent.parent
    target = tmp_path / "course"
    target.mkdir()
    for name in ("schedule.yaml", "rosters", "rubrics", "templates"):
        source = repo / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / name)
    return target


def test_manifest_round_trip_and_verify_catches_a_tampered_allocation(tmp_path: Path) -> None:
    course = load_course(copy_course(tmp_path))
    assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=3))
    path = manifest_path(course.root, "pp1-peer-reviews")
    manifest = load_manifest(path)
    assert path.read_text() == manifest.to_json()  # what is read is what was written
    by_sid = {s.sid: s for s in course.students}
    students = [by_sid[sid] for sid in manifest.students]
    constraints = make_constraints(
        2, len(students), teams=[s.team for s in students], student_names=manifest.students
    )
    verify(manifest, constraints)  # the real allocation passes
    reviewer = manifest.students[0]
    teammate = next(s.sid for s in students[1:] if s.team == students[0].team)
    manifest.allocation[reviewer][0] = teammate
    with pytest.raises(
        UserError, match=r"internal check failed .* nothing was written: .*teammates"
    ):
        verify(manifest, constraints)


def test_hand_broken_manifest_is_a_one_line_error(tmp_path: Path) -> None:
    course = load_course(copy_course(tmp_path))
    assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=3))
    path = manifest_path(course.root, "pp1-peer-reviews")
    data = json.loads(path.read_text())
    del data["seed"]
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match="not a coursectl review manifest"):
        assign_reviews(course, AssignOptions("pp1-peer-reviews"))
    path.write_text("{ not json")
    with pytest.raises(UserError, match=r"manifest.json:1:3: not valid JSON"):
        assign_reviews(course, AssignOptions("pp1-peer-reviews"))


def test_peer_review_rubric_must_exist(tmp_path: Path) -> None:
    from coursectl.course import inspect_course

    root = copy_course(tmp_path)
    schedule = root / "schedule.yaml"
    text = schedule.read_text()
    marker = "    reviews: pp1\n"
    assert marker in text
    schedule.write_text(text.replace(marker, marker + "    rubric: peer-reveiw\n", 1))
    _, problems = inspect_course(root)
    assert any(
        "rubrics/peer-reveiw.yaml is missing" in p.message
        and "did you mean 'peer-review'?" in p.message
        for p in problems
    ), problems
    schedule.write_text(text.replace(marker, marker + "    rubric: peer-review\n", 1))
    _, problems = inspect_course(root)
    assert problems == []


def test_names_with_commas_and_quotes_survive_the_review_csv(course_dir: Path) -> None:
    """Registrar exports write 'Last, First' and nicknames in quotes: the CSV read back by the
    csv module gives every reviewer and author their roster name."""
    import csv
    import io

    roster_path = course_dir / "rosters" / "synthetic-roster.csv"
    rows = list(csv.DictReader(io.StringIO(roster_path.read_text(encoding="utf-8"))))
    rows[0]["name"] = 'Lovelace, Ada "Countess"'
    rows[1]["name"] = "O'Brien, Bo"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    roster_path.write_text(buffer.getvalue(), encoding="utf-8")
    course = load_course(course_dir)
    names = {s.sid: s.name for s in course.students}
    assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=5))
    written = (course_dir / "reviews" / "pp1-peer-reviews" / "reviews.csv").read_text("utf-8")
    reviews = list(csv.DictReader(io.StringIO(written)))
    assert len(reviews) == 2 * len(names)
    for review in reviews:
        assert review["reviewer_name"] == names[review["reviewer_sid"]]
        assert review["author_name"] == names[review["author_sid"]]
    assert {r["reviewer_name"] for r in reviews} >= {'Lovelace, Ada "Countess"', "O'Brien, Bo"}


def test_submission_links_fill_the_pattern_for_every_student(course_dir: Path) -> None:
    from coursectl.reviews.assign import peer_review
    from coursectl.reviews.outputs import submission_links

    course = load_course(course_dir)
    pattern = "https://example.edu/{org}/pp1-{github}?who={sid!r:>12}&keep={{braces}}"
    deliverable = peer_review(course, "pp1-peer-reviews").model_copy(
        update={"submission_link": pattern}
    )
    assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=2, messages=False))
    manifest = load_manifest(manifest_path(course_dir, "pp1-peer-reviews"))
    students = {s.sid: s for s in course.students}
    links = submission_links(course, deliverable, manifest, students)
    assert course.schedule.course.github is not None
    org = course.schedule.course.github.org
    assert links == {
        sid: pattern.format(org=org, github=students[sid].github, sid=sid)
        for sid in manifest.students
    }
    assert "keep={braces}" in links[manifest.students[0]]


def test_manifest_allocation_round_trips_through_json(tmp_path: Path) -> None:
    """The manifest is hand-written JSON for speed: a json reader must get back what was saved,
    odd sids and uneven rows (a drop in progress) included."""
    from coursectl.reviews.manifest import Manifest, save_manifest

    for allocation in (
        {'a"1': ["b\\2", "cé"], "b\\2": ["cé", 'a"1'], "cé": ['a"1', "b\\2"]},
        {"x": ["y"], "y": ["x", "z"], "z": []},
    ):
        manifest = Manifest(
            deliverable="pp1-peer-reviews",
            reviews="pp1",
            k=2,
            seed=1,
            within_section=False,
            anonymous=False,
            created="2026-03-01T00:00:00+00:00",
            submitted_from="roster",
            earlier_rounds=[],
            forbidden_pairs=0,
            reciprocal_pairs_allowed=False,
            pseudonym_key="00",
            students=list(allocation),
            non_submitters=[],
            allocation=allocation,
        )
        path = tmp_path / "reviews" / "pp1-peer-reviews" / "manifest.json"
        save_manifest(path, manifest)
        assert json.loads(path.read_text(encoding="utf-8"))["allocation"] == allocation
        assert load_manifest(path).allocation == allocation


def test_a_second_run_while_one_is_writing_is_refused_in_one_line(tmp_path: Path) -> None:
    """Two runs on one course folder removed each other's staging files (QA); the second now
    stops at once and the first's round is untouched."""
    import os

    from coursectl.reviews.assign import assign_reviews

    fcntl = pytest.importorskip("fcntl")  # POSIX advisory locks

    course = load_course(copy_course(tmp_path))
    lock = course.root / "reviews" / ".lock"
    lock.parent.mkdir()
    held = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)  # as a run in progress holds it
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(UserError, match="another `coursectl assign-reviews` is running"):
            assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=3))
        assert not (course.root / "reviews" / "pp1-peer-reviews").exists()
    finally:
        os.close(held)
    assign_reviews(course, AssignOptions("pp1-peer-reviews", seed=3))  # free again: it runs
    assert (course.root / "reviews" / "pp1-peer-reviews" / "manifest.json").exists()
    assert (course.root / "reviews" / ".gitignore").exists()
