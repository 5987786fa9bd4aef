"""`coursectl assign-reviews` end to end on copies of the shipped course, through the real CLI.

Outputs are read back with independent parsers (the csv and json modules) and checked for what
a TA would check: every reviewer has k authors, every author k reviewers, no teammates, no pair
repeated from the other round, the right people left out; plus golden files for CSV and messages.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course.roster import Student, read_roster
from tests.conftest import Golden

PP1 = "pp1-peer-reviews"
PP2 = "pp2-peer-reviews"


def roster(course: Path) -> dict[str, Student]:
    students, problems = read_roster(course / "rosters" / "synthetic-roster.csv", "roster")
    assert not problems
    return {s.sid: s for s in students}


def run(runner: CliRunner, course: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["assign-reviews", *args, "--course", str(course)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def read_csv(course: Path, deliverable: str = PP1) -> list[dict[str, str]]:
    text = (course / "reviews" / deliverable / "reviews.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def read_messages(course: Path, deliverable: str = PP1) -> list[dict[str, object]]:
    lines = (course / "reviews" / deliverable / "messages.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in lines.splitlines()]


def read_manifest(course: Path, deliverable: str = PP1) -> dict[str, object]:
    data = json.loads(
        (course / "reviews" / deliverable / "manifest.json").read_text(encoding="utf-8")
    )
    assert isinstance(data, dict)
    return data


def pairs(rows: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(row["reviewer_sid"], row["author_sid"]) for row in rows}


def assert_balanced(
    rows: list[dict[str, str]], students: dict[str, Student], k: int, sids: set[str]
) -> None:
    """What the issue guarantees, checked on the CSV alone."""
    reviewers = Counter(row["reviewer_sid"] for row in rows)
    authors = Counter(row["author_sid"] for row in rows)
    assert set(reviewers) == sids and set(reviewers.values()) == {k}
    assert set(authors) == sids and set(authors.values()) == {k}
    assert len(pairs(rows)) == len(rows), "duplicate pair"
    for reviewer, author in pairs(rows):
        assert reviewer != author
        assert students[reviewer].team != students[author].team, "teammates"
        if len(sids) >= 2 * k + 1:
            assert (author, reviewer) not in pairs(rows), "reciprocal pair"


# ---------------------------------------------------------------------------- first run


def test_assigns_everyone_exactly_k_and_writes_csv_messages_manifest(
    runner: CliRunner, course_dir: Path
) -> None:
    code, out, err = run(runner, course_dir, PP1, "--seed", "7")
    assert code == 0, err
    students = roster(course_dir)
    rows = read_csv(course_dir)
    assert_balanced(rows, students, 2, set(students))
    assert "48 students review 2 each" in out and "seed 7" in out
    for row in rows:
        author = students[row["author_sid"]]
        assert row["link"] == f"https://github.com/llm101-sp26/portfolio-{author.github}"
        assert row["reviewer_email"] == students[row["reviewer_sid"]].email
        assert row["assignment"] == PP1
    messages = read_messages(course_dir)
    assert [m["sid"] for m in messages] == list(students)  # one per reviewer, roster order
    manifest = read_manifest(course_dir)
    assert manifest["seed"] == 7 and manifest["k"] == 2
    assert manifest["allocation"] == {
        sid: [r["author_sid"] for r in rows if r["reviewer_sid"] == sid] for sid in students
    }


def test_csv_and_messages_match_golden_files(
    runner: CliRunner, course_dir: Path, golden: Golden
) -> None:
    code, _, err = run(runner, course_dir, PP1, "--seed", "7")
    assert code == 0, err
    golden.check(
        "assign-reviews/pp1-seed7.csv", (course_dir / "reviews" / PP1 / "reviews.csv").read_text()
    )
    messages = read_messages(course_dir)
    first = messages[0]
    text = f"To: {first['name']} <{first['email']}>\nSubject: {first['subject']}\n\n{first['body']}"
    golden.check("assign-reviews/pp1-seed7-message.md", text)


def test_anonymous_messages_show_stable_pseudonyms_not_names(
    runner: CliRunner, course_dir: Path, golden: Golden
) -> None:
    code, _, err = run(runner, course_dir, PP1, "--seed", "7", "--anonymous")
    assert code == 0
    assert "each submission link contains the author's github" in err  # honest: not hidden
    students = roster(course_dir)
    rows = read_csv(course_dir)
    messages = {m["sid"]: m for m in read_messages(course_dir)}
    alias = {row["author_sid"]: row["author_pseudonym"] for row in rows}
    assert len(set(alias.values())) == len(alias)  # one pseudonym per author
    for row in rows:
        body = str(messages[row["reviewer_sid"]]["body"])
        assert alias[row["author_sid"]] in body
        assert students[row["author_sid"]].name not in body
    # Stable: printing or amending the round later keeps every author's pseudonym.
    code, _, _ = run(runner, course_dir, PP1, "--drop", rows[0]["reviewer_sid"])
    assert code == 0
    after = {row["author_sid"]: row["author_pseudonym"] for row in read_csv(course_dir)}
    assert all(after[sid] == alias[sid] for sid in after)
    first = next(iter(messages.values()))
    text = re.sub(r"Peer [A-Z2-7]{5}-[A-Z2-7]{5}", "<pseudonym>", str(first["body"]))
    golden.check("assign-reviews/pp1-seed7-anonymous-message.md", text)


def test_same_seed_same_csv_and_force_needed_to_reshuffle(
    runner: CliRunner, course_dir: Path
) -> None:
    assert run(runner, course_dir, PP1, "--seed", "11")[0] == 0
    first = (course_dir / "reviews" / PP1 / "reviews.csv").read_text()
    assert run(runner, course_dir, PP1, "--seed", "11", "--force")[0] == 0
    assert (course_dir / "reviews" / PP1 / "reviews.csv").read_text() == first
    code, _, err = run(runner, course_dir, PP1, "--seed", "12")
    assert code == 1 and "--force" in err
    assert (course_dir / "reviews" / PP1 / "reviews.csv").read_text() == first
    assert run(runner, course_dir, PP1, "--seed", "12", "--force")[0] == 0
    assert (course_dir / "reviews" / PP1 / "reviews.csv").read_text() != first


def test_second_run_prints_the_saved_allocation_without_writing(
    runner: CliRunner, course_dir: Path
) -> None:
    assert run(runner, course_dir, PP1)[0] == 0  # random seed, recorded
    folder = course_dir / "reviews" / PP1
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code, out, _ = run(runner, course_dir, PP1)
    assert code == 0
    assert "saved allocation" in out
    manifest = read_manifest(course_dir)
    assert f"seed {manifest['seed']}" in out
    for reviewer, authors in manifest["allocation"].items():
        assert re.search(rf"^{reviewer} .* -> {', '.join(authors)}$", out, re.MULTILINE)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # A new list of submitters would change the allocation: that takes --force (or --add).
    listing = folder.parent.parent / "submitted.txt"
    listing.write_text("9100001\n9100038\n9100075\n9100112\n9100149\n")
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing))
    assert code == 1 and "--force" in err and "--submitted submitted.txt" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# ---------------------------------------------------------------------------- who takes part


def test_submitted_list_of_sids_and_emails(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    students = list(roster(course_dir).values())
    chosen = students[:30]
    lines = ["# PP1 submitters, from the TA's notes"]
    lines += [s.sid if i % 2 else s.email.upper() for i, s in enumerate(chosen)]
    listing = tmp_path / "submitted.txt"
    listing.write_text("\n".join(lines) + "\n\n")
    code, out, err = run(runner, course_dir, PP1, "--seed", "3", "--submitted", str(listing))
    assert code == 0, err
    assert_balanced(read_csv(course_dir), roster(course_dir), 2, {s.sid for s in chosen})
    assert "not submitted (18)" in out
    for missing in students[30:]:
        assert missing.sid in out
    assert read_manifest(course_dir)["non_submitters"] == [s.sid for s in students[30:]]


def gradescope_export(students: list[Student], statuses: list[str]) -> str:
    """A per-assignment scores export as Gradescope writes it (field-notes, 'Gradescope')."""
    header = (
        "First Name,Last Name,SID,Email,Sections,Total Score,Max Points,Status,Submission ID,"
        "Submission Time,Lateness (H:M:S),View Count,Submission Count,1: Portfolio (10.0 pts)"
    )
    lines = [header]
    for number, (student, status) in enumerate(zip(students, statuses, strict=True)):
        first, last = student.name.split(" ", 1)
        submitted = status != "Missing"
        lines.append(
            ",".join(
                [
                    first,
                    last,
                    student.sid,
                    student.email,
                    student.section,
                    "9.0" if status == "Graded" else "",
                    "10.0",
                    status,
                    str(300000 + number) if submitted else "",
                    "2026-02-20 22:13:14 -0800" if submitted else "",
                    "00:00:00" if submitted else "",
                    "1" if submitted else "0",
                    "1" if submitted else "0",
                    "9.0" if status == "Graded" else "",
                ]
            )
        )
    return "\n".join(lines) + "\n"


def test_submitted_gradescope_export_uses_status(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    students = list(roster(course_dir).values())
    statuses = ["Graded", "", "Missing"] * 16  # blank status = submitted, not graded yet
    export = tmp_path / "PP1_scores.csv"
    export.write_text(gradescope_export(students, statuses))
    code, out, err = run(runner, course_dir, PP1, "--seed", "5", "--submitted", str(export))
    assert code == 0, err
    expected = {s.sid for s, status in zip(students, statuses, strict=True) if status != "Missing"}
    assert_balanced(read_csv(course_dir), roster(course_dir), 2, expected)
    assert "not submitted (16)" in out
    assert read_manifest(course_dir)["submitted_from"] == "PP1_scores.csv"


def test_submitted_unknown_student_names_file_and_line(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "submitted.txt"
    listing.write_text("9100001\n9100038\nnobody@example.edu\n")
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing))
    assert code == 1
    assert "submitted.txt:3: 'nobody@example.edu' is not a student in the roster" in err
    assert not (course_dir / "reviews" / PP1 / "reviews.csv").exists()


SAMPLE_EXPORTS = Path(__file__).resolve().parent.parent / "exports" / "sample" / "gradescope"
DOWNLOAD_GRADES = SAMPLE_EXPORTS / "LLM_101_Spring_2026_grades.csv"


def _export_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _roster_sid(course: Path, row: dict[str, str]) -> str | None:
    """An independent match: sid, else the email's local part (the policy aliases the domains)."""
    students = roster(course)
    if row["SID"] in students:
        return row["SID"]
    local = row["Email"].lower().split("@")[0]
    return next((s.sid for s in students.values() if s.email.lower().split("@")[0] == local), None)


def test_submitted_download_grades_reads_the_reviewed_column(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    # The course-wide export without its 2 unknown rows (as the QA run had it): every row used
    # to count as submitted, blank Portfolio Piece 1 scores included.
    header, rows = _export_rows(DOWNLOAD_GRADES)
    known = [r for r in rows if _roster_sid(course_dir, r) is not None and r["SID"] != "9199999"]
    export = tmp_path / "grades.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(known)
    blank = {_roster_sid(course_dir, r) for r in known if not r["Portfolio Piece 1"].strip()}
    assert len(blank) == 5
    code, _, err = run(runner, course_dir, PP1, "--seed", "7", "--submitted", str(export))
    assert code == 0, err
    manifest = read_manifest(course_dir)
    submitted = {_roster_sid(course_dir, r) for r in known if r["Portfolio Piece 1"].strip()}
    assert set(manifest["students"]) == submitted  # type: ignore[arg-type]
    assert blank <= set(manifest["non_submitters"])  # type: ignore[arg-type]
    assert_balanced(read_csv(course_dir), roster(course_dir), 2, submitted)  # type: ignore[arg-type]


def test_submitted_download_grades_without_the_reviewed_column_is_refused(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    header, rows = _export_rows(DOWNLOAD_GRADES)
    kept = [c for c in header if not c.startswith("Portfolio Piece 1") or "peer" in c]
    export = tmp_path / "grades.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(export))
    assert code == 1
    assert err.strip().splitlines() == [
        f"error: {export}:1: this course-wide 'Download Grades' export has no column for "
        "'Portfolio Piece 1' (pp1); use the per-assignment scores export of that assignment, or "
        "map its Gradescope title in the policy's gradebook.gradescope_titles"
    ]
    assert not (course_dir / "reviews" / PP1 / "reviews.csv").exists()


def test_submitted_export_matches_alias_emails_and_warns_about_dropped_students(
    runner: CliRunner, course_dir: Path
) -> None:
    # The shipped per-assignment export writes one student as FINLEY.FERNHOLLOW@EXAMPLE.EDU
    # with no sid; the policy says example.edu = students.example.edu, as in the gradebook.
    export = SAMPLE_EXPORTS / "Mid-course_participation_self-assessment_scores.csv"
    code, _, err = run(runner, course_dir, PP1, "--seed", "7", "--submitted", str(export))
    assert code == 0, err
    _, rows = _export_rows(export)
    finley = _roster_sid(course_dir, next(r for r in rows if not r["SID"]))
    assert finley in read_manifest(course_dir)["students"]  # type: ignore[operator]

    # The course-wide export still lists a dropped student (9199999): a warning, exit 0.
    code, _, err = run(
        runner, course_dir, PP1, "--force", "--seed", "7", "--submitted", str(DOWNLOAD_GRADES)
    )
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: "), err
    assert warnings[0].endswith(
        f"{DOWNLOAD_GRADES.name}:12: '9199999' is not a student in the roster (by sid or "
        "email); row not counted"
    )


# ---------------------------------------------------------------------------- rules


def test_second_round_repeats_no_pair_of_the_first(runner: CliRunner, course_dir: Path) -> None:
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    code, out, _ = run(runner, course_dir, PP2, "--seed", "1")
    assert code == 0
    assert "no pairs repeated from pp1-peer-reviews" in out
    students = roster(course_dir)
    second = read_csv(course_dir, PP2)
    assert_balanced(second, students, 2, set(students))
    assert not pairs(second) & pairs(read_csv(course_dir, PP1))
    assert read_manifest(course_dir, PP2)["earlier_rounds"] == [PP1]


def test_within_section_keeps_pairs_in_sections(runner: CliRunner, course_dir: Path) -> None:
    code, out, _ = run(runner, course_dir, PP1, "--seed", "4", "--within-section", "--reviews", "3")
    assert code == 0
    assert "within sections" in out
    students = roster(course_dir)
    rows = read_csv(course_dir)
    assert_balanced(rows, students, 3, set(students))
    assert all(students[r].section == students[a].section for r, a in pairs(rows))


def test_infeasible_class_explains_and_writes_nothing(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "submitted.txt"
    listing.write_text("9100001\n9100038\n")
    code, out, err = run(runner, course_dir, PP1, "--submitted", str(listing))
    assert code == 1
    assert "only 2 students take part" in err and "at least 3" in err and "--reviews 1" in err
    assert "Traceback" not in out + err
    assert not (course_dir / "reviews" / PP1).exists()


def test_two_teammates_alone_are_not_told_to_lower_k(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    """9100001 and 9100149 are both in team T01: no k works for them, so only more students
    (never --reviews 1) is suggested."""
    listing = tmp_path / "submitted.txt"
    listing.write_text("9100001\n9100149\n")
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing))
    assert code == 1
    assert "only 2 students take part" in err and "1 more student taking part" in err
    assert "--reviews" not in err


def test_a_tiny_section_suggests_allocating_across_sections(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    """Only two of section A submitted: within sections it cannot work, across sections it
    can, and the error says both ways out."""
    students = roster(course_dir)
    kept = [s.sid for s in students.values() if s.section != "A"] + ["9100001", "9100445"]
    listing = tmp_path / "submitted.txt"
    listing.write_text("\n".join(kept) + "\n")
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing), "--within-section")
    assert code == 1
    assert "section A" in err and "--reviews 1" in err
    assert "or allocate across sections" in err
    code, _, _ = run(runner, course_dir, PP1, "--submitted", str(listing))
    assert code == 0  # and across sections it does work


def test_team_too_big_for_section_names_the_team(runner: CliRunner, course_dir: Path) -> None:
    # Section A has 12 students in 4 teams of 3; with 5 reviews each, a member needs 10 others.
    code, _, err = run(runner, course_dir, PP1, "--within-section", "--reviews", "5")
    assert code == 1
    assert re.search(r"team T\d\d in section A has 3 of the 12 students", err), err
    assert "Smallest change" in err


def test_not_a_peer_review_deliverable(runner: CliRunner, course_dir: Path) -> None:
    code, _, err = run(runner, course_dir, "pp1")
    assert code == 1
    assert "'pp1' is a portfolio-piece, not a peer review" in err and PP1 in err


# ---------------------------------------------------------------------------- late changes


def test_add_late_student_changes_exactly_k_reviewers(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    students = roster(course_dir)
    late = "9101740"
    assert late in students
    listing = tmp_path / "submitted.txt"
    listing.write_text("\n".join(sid for sid in students if sid != late))
    assert run(runner, course_dir, PP1, "--seed", "9", "--submitted", str(listing))[0] == 0
    before = read_manifest(course_dir)["allocation"]
    code, out, err = run(runner, course_dir, PP1, "--add", late)
    assert code == 0, err
    after = read_manifest(course_dir)["allocation"]
    assert isinstance(before, dict) and isinstance(after, dict)
    changed = [sid for sid in before if before[sid] != after[sid]]
    assert len(changed) == 2
    for sid in changed:
        assert late in after[sid]
        assert re.search(
            rf"^  {sid} .*: {', '.join(before[sid])} -> {', '.join(after[sid])}$", out, re.M
        )
    assert_balanced(read_csv(course_dir), students, 2, set(students))
    updated = {m["sid"] for m in read_messages(course_dir) if m["updated"]}
    assert updated == {*changed, late}
    history = read_manifest(course_dir)["history"]
    assert isinstance(history, list) and history[0]["action"] == "add" and history[0]["sid"] == late


def test_drop_student_changes_exactly_k_reviewers(runner: CliRunner, course_dir: Path) -> None:
    assert run(runner, course_dir, PP1, "--seed", "2")[0] == 0
    before = read_manifest(course_dir)["allocation"]
    assert isinstance(before, dict)
    gone = "9100038"
    code, out, err = run(runner, course_dir, PP1, "--drop", gone)
    assert code == 0, err
    after = read_manifest(course_dir)["allocation"]
    assert isinstance(after, dict)
    assert gone not in after and all(gone not in authors for authors in after.values())
    changed = [sid for sid in after if before[sid] != after[sid]]
    assert sorted(changed) == sorted(sid for sid in before if gone in before[sid])
    assert f"dropped {gone}" in out
    students = roster(course_dir)
    assert_balanced(read_csv(course_dir), students, 2, set(students) - {gone})


def test_add_without_saved_round_or_with_force_is_refused(
    runner: CliRunner, course_dir: Path
) -> None:
    code, _, err = run(runner, course_dir, PP1, "--add", "9100001")
    assert code == 1 and "no saved allocation" in err
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    code, _, err = run(runner, course_dir, PP1, "--add", "9100001", "--force")
    assert code == 1 and "use one of them" in err
    code, _, err = run(runner, course_dir, PP1, "--add", "9100001")
    assert code == 1 and "already in the saved allocation" in err


# ---------------------------------------------------------------------------- privacy


def test_review_outputs_stay_out_of_git(runner: CliRunner, course_dir: Path) -> None:
    """A real git repo: after a run, nothing under reviews/ is visible to `git status`."""
    repo_ignore = Path(__file__).resolve().parent.parent / ".gitignore"
    (course_dir / ".gitignore").write_text(repo_ignore.read_text())
    subprocess.run(["git", "init", "-q", str(course_dir)], check=True)
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    status = subprocess.run(
        ["git", "-C", str(course_dir), "status", "--porcelain", "--untracked-files=all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    untracked = [line[3:] for line in status.splitlines()]
    assert not [path for path in untracked if path.startswith("reviews/")], status
    assert "schedule.yaml" in untracked  # git does see the rest of the folder
    # And without the repository's ignore rules: the folder's own .gitignore still hides it.
    (course_dir / ".gitignore").unlink()
    status = subprocess.run(
        ["git", "-C", str(course_dir), "status", "--porcelain", "--untracked-files=all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    untracked = [line[3:] for line in status.splitlines()]
    assert not [path for path in untracked if path.startswith("reviews/")], status
    assert "schedule.yaml" in untracked


def test_without_the_courses_own_template_the_default_is_used(
    runner: CliRunner, course_dir: Path
) -> None:
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    own = read_messages(course_dir)
    (course_dir / "templates" / "review-message.md.j2").unlink()
    assert run(runner, course_dir, PP1, "--seed", "1", "--force")[0] == 0
    assert read_messages(course_dir) == own


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "Hi {{ reviewer.nickname }}\n",
            "review-message.md.j2:1: reviewer has no field 'nickname'",
        ),
        (
            "Hi\n{% for a in authors %}\n{{ a.name }\n{% endfor %}\n",
            "review-message.md.j2:3: template syntax error",
        ),
    ],
)
def test_template_mistakes_name_the_template(
    runner: CliRunner, course_dir: Path, template: str, expected: str
) -> None:
    (course_dir / "templates" / "review-message.md.j2").write_text(template)
    code, _, err = run(runner, course_dir, PP1)
    assert code == 1
    assert expected in err


REVIEWER_HINT = "use sid, name, email, github, section, team"
AUTHOR_HINT = "use name, pseudonym, sid, github, link"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "Subject: x\n\nHi {{ reviewer.nmae }},\n",
            f"md.j2:3: reviewer has no field 'nmae'; {REVIEWER_HINT}",
        ),
        (
            "Hi\n{% for author in authors %}\n- {{ author.nmae }}\n{% endfor %}\n",
            f"md.j2:3: author has no field 'nmae'; {AUTHOR_HINT}",
        ),
        (
            "Hi\n\n{{ authors[0].nmae }}\n",
            f"md.j2:3: authors[0] has no field 'nmae'; {AUTHOR_HINT}",
        ),
        # Student is a tuple: its methods are not fields, nor is the roster line.
        ("Hi\n{{ reviewer.count }}\n", f"md.j2:2: reviewer has no field 'count'; {REVIEWER_HINT}"),
        ("Hi\n{{ reviewer['index'] }}\n", "md.j2:2: reviewer has no field 'index'"),
        ("{% set r = reviewer %}\n{{ r.line }}\n", "md.j2:2: r (the reviewer) has no field 'line'"),
        (
            "Hi\n{{ (authors|first).count }}\n",
            f"md.j2:2: an author has no field 'count'; {AUTHOR_HINT}",
        ),
        # In a branch no reviewer reaches (the round is not anonymous): still reported.
        (
            "Hi\n{% if anonymous %}\n{% for a in authors %}{{ a.pseudonm }}{% endfor %}\n{% endif %}\n",
            "md.j2:3: a (an author) has no field 'pseudonm'",
        ),
        # Hidden from the syntax tree (a list built around the reviewer): found while rendering.
        (
            "Hi\n\n{% for r in [reviewer] %}{{ r.nmae }}{% endfor %}\n",
            "md.j2:3: reviewer has no field 'nmae'",
        ),
    ],
)
def test_a_misspelled_student_field_names_the_template_line(
    runner: CliRunner, course_dir: Path, template: str, expected: str
) -> None:
    (course_dir / "templates" / "review-message.md.j2").write_text(template)
    code, out, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 1 and "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert f"{course_dir / 'templates'}/review-message.{expected}" in lines[0], err
    assert not (course_dir / "reviews" / PP1 / "messages.jsonl").exists()


def test_a_misspelled_field_in_an_included_template_names_that_file_and_line(
    runner: CliRunner, course_dir: Path
) -> None:
    templates = course_dir / "templates"
    (templates / "review-footer.md.j2").write_text("--\n{{ reviewer.nmae }}\n")
    (templates / "review-message.md.j2").write_text(
        'Subject: x\nHi {{ reviewer.name }}\n{% include "review-footer.md.j2" %}\n'
    )
    code, _, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 1
    assert err.splitlines() == [
        f"error: {templates / 'review-footer.md.j2'}:2: reviewer has no field 'nmae'; {REVIEWER_HINT}"
    ]


def test_no_messages_writes_csv_and_manifest_only(runner: CliRunner, course_dir: Path) -> None:
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    folder = course_dir / "reviews" / PP1
    assert (folder / "messages.jsonl").exists()
    code, out, _ = run(runner, course_dir, PP1, "--seed", "2", "--force", "--no-messages")
    assert code == 0
    # The old messages described the old allocation: they must not survive next to the new CSV.
    assert not (folder / "messages.jsonl").exists()
    assert "messages.jsonl" not in out
    students = roster(course_dir)
    assert_balanced(read_csv(course_dir), students, 2, set(students))


def test_same_submitted_list_again_prints_the_saved_round(
    runner: CliRunner, course_dir: Path
) -> None:
    """The weekly re-run with the same list must not fail; a changed list needs --add or --force."""
    listing = course_dir / "samples" / "pp1-submitted.txt"
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing), "--seed", "7")
    assert code == 0, err
    first = (course_dir / "reviews" / PP1 / "reviews.csv").read_text()
    code, out, err = run(runner, course_dir, PP1, "--submitted", str(listing), "--seed", "7")
    assert code == 0, err
    assert "re-run with --force to reallocate" in out + err  # it says this is the saved round
    assert (course_dir / "reviews" / PP1 / "reviews.csv").read_text() == first
    listing.write_text(listing.read_text() + "9100075\n")
    code, _, err = run(runner, course_dir, PP1, "--submitted", str(listing), "--seed", "7")
    assert code == 1
    assert "1 new, 0 no longer listed" in err and "--add SID" in err


def test_a_template_that_is_not_utf8_is_one_line(runner: CliRunner, course_dir: Path) -> None:
    template = course_dir / "templates" / "review-message.md.j2"
    template.write_bytes(template.read_bytes() + b"caf\xe9\n")
    lines = template.read_bytes().count(b"\n")
    code, out, err = run(runner, course_dir, PP1)
    assert code == 1
    assert f"templates/review-message.md.j2:{lines}: not UTF-8 text; save it as UTF-8" in err
    assert "Traceback" not in out + err
    assert not (course_dir / "reviews" / PP1 / "reviews.csv").exists()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda text: "\udcff", "not UTF-8 text"),
        (
            lambda text: text.replace('"9100001": [', '"9100001": ["9999999", ', 1),
            "authors are not among its students",
        ),
        (lambda text: text.replace('"format": 1', '"format": 7'), "unknown format"),
        # A reviewer with one author fewer than k, or k edited: --add/--drop stacked the rows
        # into an array and failed with numpy's ValueError and a traceback.
        (
            lambda text: re.sub(r'("9100001": \[)"[0-9]+", ', r"\1", text, count=1),
            "9100001 has 1 author(s), not k = 2",
        ),
        (lambda text: text.replace('"k": 2', '"k": 3'), "not k = 3"),
    ],
)
def test_a_damaged_manifest_is_one_line(
    runner: CliRunner, course_dir: Path, damage: object, expected: str
) -> None:
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    path = course_dir / "reviews" / PP1 / "manifest.json"
    damaged = damage(path.read_text(encoding="utf-8"))  # type: ignore[operator]
    path.write_bytes(damaged.encode("utf-8", "surrogateescape"))
    code, out, err = run(runner, course_dir, PP1, "--drop", "9100075")
    assert code == 1
    assert "manifest.json" in err and expected in err and "--force" in err
    assert "Traceback" not in out + err


def test_the_same_student_in_add_and_drop_is_refused(runner: CliRunner, course_dir: Path) -> None:
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    before = read_csv(course_dir)
    code, _, err = run(runner, course_dir, PP1, "--add", "9100075", "--drop", "9100075")
    assert code == 1
    assert "9100075 is in both --add and --drop" in err
    assert read_csv(course_dir) == before


def test_review_files_are_private(runner: CliRunner, course_dir: Path) -> None:
    """They name students (FERPA): readable by the TA only, whatever the umask."""
    import os
    import stat

    previous = os.umask(0o022)
    try:
        assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    finally:
        os.umask(previous)
    folder = course_dir / "reviews" / PP1
    for name in ("reviews.csv", "messages.jsonl", "manifest.json"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


@pytest.mark.parametrize("blocked", ["reviews.csv", "messages.jsonl", "manifest.json"])
def test_a_failed_commit_leaves_all_three_files_of_the_previous_round(
    runner: CliRunner, course_dir: Path, blocked: str
) -> None:
    """An output replaced by a folder: the new round fails before any file is replaced, so
    the messages never describe another allocation than the CSV and manifest."""
    assert run(runner, course_dir, PP1, "--seed", "7")[0] == 0
    folder = course_dir / "reviews" / PP1
    names = ("reviews.csv", "messages.jsonl", "manifest.json")
    before = {name: (folder / name).read_bytes() for name in names if name != blocked}
    (folder / blocked).unlink()
    (folder / blocked).mkdir()
    code, out, err = run(runner, course_dir, PP1, "--seed", "8", "--force")
    assert code == 1 and "Traceback" not in out + err
    assert f"{blocked}: is a folder" in err and ".staged" not in err
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert not [
        p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".gitignore"
    ]


def test_leftovers_of_a_killed_run_are_removed(runner: CliRunner, course_dir: Path) -> None:
    assert run(runner, course_dir, PP1, "--seed", "7")[0] == 0
    folder = course_dir / "reviews" / PP1
    # The staging file and the temp file atomic writes make beside it.
    for name in (".messages.jsonl.staged", "..messages.jsonl.staged.ab12cd34.tmp"):
        (folder / name).write_text("half a file from a killed run")
    assert run(runner, course_dir, PP1, "--seed", "8", "--force")[0] == 0
    assert not [p.name for p in folder.iterdir() if ".staged" in p.name]


def test_template_can_include_another_template(runner: CliRunner, course_dir: Path) -> None:
    templates = course_dir / "templates"
    (templates / "review-footer.md.j2").write_text("-- {{ course.code }} reviews desk\n")
    (templates / "review-message.md.j2").write_text(
        'Subject: Reviews\nHi {{ reviewer.name }}\n{% include "review-footer.md.j2" %}'
    )
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    messages = read_messages(course_dir)
    assert messages and all(str(m["body"]).endswith("-- LLM 101 reviews desk\n") for m in messages)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            'Subject: x\n{% include "footer.j2" %}\n',
            "templates/footer.j2: template not found (included from review-message.md.j2)",
        ),
        (
            'Subject: x\nHi\n{{ "%d" | format(reviewer.name) }}\n',
            "review-message.md.j2:3: template error",
        ),
        ("Subject: x\n{{ k // 0 }}\n", "review-message.md.j2:2: template error"),
    ],
)
def test_template_runtime_errors_are_one_line(
    runner: CliRunner, course_dir: Path, template: str, expected: str
) -> None:
    (course_dir / "templates" / "review-message.md.j2").write_text(template)
    code, out, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 1 and "Traceback" not in out + err
    assert expected in err, err
    assert not (course_dir / "reviews" / PP1 / "reviews.csv").exists()


def test_missing_default_rubric_is_warned(runner: CliRunner, course_dir: Path) -> None:
    (course_dir / "rubrics" / "peer-review.yaml").unlink()
    checked = runner.invoke(app, ["validate", "--course", str(course_dir)])
    assert checked.exit_code == 0
    assert re.search(
        r"warning: \S*schedule.yaml:\d+:\d+: 'pp1-peer-reviews' names no rubric", checked.stderr
    )
    code, _, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 0
    assert "rubrics/peer-review.yaml is missing" in err


def test_a_leading_newline_survives_the_per_reviewer_path(
    runner: CliRunner, course_dir: Path
) -> None:
    """Each message is the template rendered exactly as written, first newline included."""
    (course_dir / "templates" / "review-message.md.j2").write_text(
        "\nbody {{ reviewer.name | upper }}\n"
    )
    assert run(runner, course_dir, PP1, "--seed", "1")[0] == 0
    messages = read_messages(course_dir)
    assert all(m["body"] == f"\nbody {str(m['name']).upper()}\n" for m in messages)


def test_a_name_holding_the_text_of_an_escape_is_written_verbatim(
    runner: CliRunner, course_dir: Path
) -> None:
    roster_path = course_dir / "rosters" / "synthetic-roster.csv"
    text = roster_path.read_text(encoding="utf-8")
    roster_path.write_text(
        text.replace("9100001,Avery Quillfeather", "9100001,Avery \\u001f Quill", 1),
        encoding="utf-8",
    )
    code, _, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 0, err
    names = {m["sid"]: m["name"] for m in read_messages(course_dir)}
    assert names["9100001"] == "Avery \\u001f Quill"


@pytest.mark.parametrize(
    "pattern",
    [
        "https://x.example/{github:d}",
        "https://x.example/{github!x}",
        "https://x.example/{org:{sid}}",
    ],
)
def test_a_submission_link_that_cannot_be_filled_in_is_one_line(
    runner: CliRunner, course_dir: Path, pattern: str
) -> None:
    """A format spec or conversion str.format refuses, or a field inside a spec: these passed
    the pattern check and failed while filling in the links, with a traceback."""
    schedule = course_dir / "schedule.yaml"
    shipped = "submission_link: https://github.com/{org}/portfolio-{github}"
    assert shipped in schedule.read_text()
    schedule.write_text(schedule.read_text().replace(shipped, f"submission_link: '{pattern}'"))
    code, out, err = run(runner, course_dir, PP1, "--seed", "1")
    assert code == 1
    assert "Traceback" not in out + err
    assert f"submission_link '{pattern}'" in err
    assert not (course_dir / "reviews" / PP1 / "reviews.csv").exists()


def messages_of(runner: CliRunner, course: Path) -> bytes:
    result = runner.invoke(
        app, ["assign-reviews", "pp1-peer-reviews", "--seed", "11", "--course", str(course)]
    )
    assert result.exit_code == 0, result.stderr
    return (course / "reviews" / "pp1-peer-reviews" / "messages.jsonl").read_bytes()


def test_a_template_mistake_is_one_line_and_writes_nothing(
    runner: CliRunner, course_dir: Path
) -> None:
    (course_dir / "templates" / "review-message.md.j2").write_text("Hi {{ reviewer.name }\n")
    result = runner.invoke(app, ["assign-reviews", "pp1-peer-reviews", "--course", str(course_dir)])
    assert result.exit_code == 1
    assert "review-message.md.j2:1: template syntax error" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    folder = course_dir / "reviews" / "pp1-peer-reviews"
    assert not (folder / "reviews.csv").exists() and not (folder / "manifest.json").exists()
    assert not list(course_dir.rglob(".*.tmp"))


def test_a_failed_check_replaces_nothing(runner: CliRunner, course_dir: Path) -> None:
    """The allocation check runs before anything is replaced; when it fails, the previous
    round's CSV, messages and manifest stay as they were and no staging file is left."""
    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.reviews import outputs
    from coursectl.reviews.assign import peer_review
    from coursectl.reviews.manifest import load_manifest, manifest_path

    messages_of(runner, course_dir)  # a first round, written normally
    folder = course_dir / "reviews" / "pp1-peer-reviews"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    course = load_course(course_dir)
    path = manifest_path(course_dir, "pp1-peer-reviews")
    manifest = load_manifest(path)
    manifest.seed += 1  # a different manifest, so a write would show

    def failing_check(positions: object) -> None:
        raise UserError("internal check failed for 'pp1-peer-reviews', nothing was written")

    with pytest.raises(UserError, match="nothing was written"):
        outputs.write_outputs(
            course,
            peer_review(course, "pp1-peer-reviews"),
            manifest,
            path,
            [],
            True,
            check=failing_check,
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
