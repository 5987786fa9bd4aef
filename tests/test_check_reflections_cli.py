"""`coursectl check-reflections`: the shipped sample, real git clones, formats, --out, --fail-on."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.reflections.wordcount import count_words

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "reflections"
WIDE = {"COLUMNS": "200"}
PACIFIC = ZoneInfo("America/Los_Angeles")


def run(runner: CliRunner, course: Path, *args: str) -> object:
    return runner.invoke(app, ["check-reflections", *args, "--course", str(course)], env=WIDE)


def test_sample_csv_matches_golden_and_the_files(runner: CliRunner, golden: object) -> None:
    result = runner.invoke(
        app,
        [
            "check-reflections",
            "7",
            "-C",
            str(REPO),
            "--source",
            "local",
            str(SAMPLE),
            "--format",
            "csv",
        ],
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    golden.check("check-reflections-week07-sample.csv", result.stdout)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 48
    assert Counter(r["status"] for r in rows) == {
        "ok": 36,
        "too-short": 4,
        "too-long": 2,
        "missing": 2,
        "empty": 2,
        "no-repo": 2,
    }
    for row in rows:  # every count is the counter's count of that student's file
        file = SAMPLE / row["github"] / "reflections" / "week-07.md"
        if row["status"] in ("ok", "too-short", "too-long", "empty"):
            assert int(row["words"]) == count_words(file.read_text(encoding="utf-8"))
            assert row["submitted_at"] == "" and row["time_source"] == "none"


def test_sample_json_matches_golden(runner: CliRunner, golden: object) -> None:
    args = ["check-reflections", "week-07-reflection", "-C", str(REPO), "--source", "local"]
    result = runner.invoke(app, [*args, str(SAMPLE), "--format", "json"], env=WIDE)
    assert result.exit_code == 0, result.output
    golden.check("check-reflections-week07-sample.json", result.stdout)  # type: ignore[attr-defined]
    report = json.loads(result.stdout)
    # The grading policy's 15-minute grace (rubrics/grading-policy.yaml), as the gradebook's.
    assert report["cutoff"] == "2026-03-07T00:14:00-08:00" and report["source"] == "local"
    assert report["grace_minutes"] == 15 and "grading-policy.yaml" in report["on_time"]
    assert report["words"] == {"min": 300, "max": 500} and len(report["students"]) == 48


def test_sample_table_says_exports_have_no_times(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(SAMPLE)], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "Week 7 Reflection (week-07-reflection), due Fri Mar 06 23:59 PST" in result.stdout
    assert "ok 36" in result.stdout and "no-repo 2" in result.stdout
    assert "lateness not checked" in result.stdout


def git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "S", "GIT_AUTHOR_EMAIL": "s@x.edu", "GIT_COMMITTER_NAME": "S"}
    env |= {"GIT_COMMITTER_EMAIL": "s@x.edu"}
    if when:
        env |= {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def clone_with(root: Path, name: str, commits: list[tuple[str, datetime]]) -> str:
    repo = root / name
    (repo / "reflections").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for text, when in commits:
        (repo / "reflections" / "week-07.md").write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "week 7", when=when)
    return git(repo, "rev-parse", "HEAD")


def test_git_clones_json_with_late_and_backdated(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    clones = tmp_path / "clones"
    essay = "word " * 350
    clone_with(
        clones,
        "avery-quill-syn",
        [
            ("too short\n", datetime(2026, 3, 5, 9, tzinfo=PACIFIC)),
            (essay, datetime(2026, 3, 9, 8, tzinfo=PACIFIC)),
        ],
    )
    # Made now, dated the evening of the deadline: looks on time, and the report says unverified.
    backdated = clone_with(
        clones, "reflections-blake-brigh-syn", [(essay, datetime(2026, 3, 6, 21, tzinfo=PACIFIC))]
    )
    result = run(
        runner,
        course_dir,
        "week-07-reflection",
        "--source",
        "local",
        str(clones),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["due"] == "2026-03-06T23:59:00-08:00"
    assert "unverified" in report["times"]
    students = {s["github"]: s for s in report["students"]}
    avery = students["avery-quill-syn"]
    assert (avery["status"], avery["words"], avery["late_by"]) == ("late", 350, "55:01:00")
    assert avery["submitted_at"] == "2026-03-09T08:00:00-07:00"  # after the DST change
    blake = students["blake-brigh-syn"]
    assert (blake["status"], blake["commit"], blake["time_verified"]) == ("ok", backdated, False)
    assert blake["time_source"] == "commit"
    assert report["counts"] == {"ok": 1, "late": 1, "no-repo": 46}


def test_out_is_written_atomically_and_replaces_only_its_own_report(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "grades" / "week07.csv"
    args = [
        "check-reflections",
        "7",
        "-C",
        str(REPO),
        "--source",
        "local",
        str(SAMPLE),
        "--out",
        str(out),
    ]
    first = runner.invoke(app, args, env=WIDE)
    assert first.exit_code == 0, first.output
    assert out.read_text(encoding="utf-8").startswith(
        "sid,github,status,words,submitted_at,late_by,commit"
    )
    assert "wrote 48 students" in first.stderr
    assert out.stat().st_mode & 0o077 == 0, "the report names students: owner only (FERPA)"
    rerun = runner.invoke(app, args, env=WIDE)  # the weekly re-run replaces its own report
    assert rerun.exit_code == 0, rerun.output
    out.write_text("edited by a TA\n", encoding="utf-8")
    again = runner.invoke(app, args, env=WIDE)
    assert again.exit_code == 1
    assert "is not a check-reflections report; add --force" in again.stderr
    assert out.read_text(encoding="utf-8") == "edited by a TA\n"
    forced = runner.invoke(app, [*args, "--force"], env=WIDE)
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8").count("\n") == 49
    assert [p.name for p in out.parent.iterdir()] == ["week07.csv"]  # no temp file left behind


def test_fail_on(runner: CliRunner) -> None:
    base = [
        "check-reflections",
        "7",
        "-C",
        str(REPO),
        "--source",
        "local",
        str(SAMPLE),
        "--format",
        "csv",
    ]
    hit = runner.invoke(app, [*base, "--fail-on", "missing,late"], env=WIDE)
    assert hit.exit_code == 3 and "2 student(s) with missing" in hit.stderr
    assert hit.stdout.count("\n") == 49  # the output is still complete
    assert runner.invoke(app, [*base, "--fail-on", "late,error"], env=WIDE).exit_code == 0
    bad = runner.invoke(app, [*base, "--fail-on", "lat"], env=WIDE)
    assert bad.exit_code == 1 and "--fail-on lat: unknown status" in bad.stderr


def test_mistakes_are_one_line_errors(runner: CliRunner, tmp_path: Path) -> None:
    cases = [
        (["99", "--source", "local", str(SAMPLE)], "no reflection due in week 99"),
        (["7", "--source", "local"], "--source local needs the folder"),
        (["7", "--source", "local", str(tmp_path / "nope")], "not a folder"),
        (["7", str(SAMPLE)], "a folder is only read with --source local"),
        (["7", "--source", "ftp"], "--source ftp: unknown source"),
        (
            ["7", "--source", "local", str(SAMPLE), "--format", "xml"],
            "--format xml: use table, csv or json",
        ),
        (
            ["7", "--source", "local", str(SAMPLE), "--out", str(tmp_path / "x.txt")],
            "say --format csv",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["check-reflections", *args, "-C", str(REPO)], env=WIDE)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.stderr and "Traceback" not in result.output, (args, result.stderr)


def test_out_outside_gitignore_warns_about_ferpa(runner: CliRunner, course_dir: Path) -> None:
    # Results name students: written where `git add .` picks them up, the TA must be told.
    (course_dir / ".gitignore").write_text("grades/\n")
    subprocess.run(["git", "-C", str(course_dir), "init", "-q"], check=True)
    for out, warned in (("week-07.csv", True), ("grades/reflections/week-07.csv", False)):
        result = run(
            runner, course_dir, "7", "--source", "local", str(SAMPLE), "--format", "csv",
            "--out", str(course_dir / out),
        )  # fmt: skip
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
        warning = f"warning: {course_dir / out}: not git-ignored"
        assert (warning in result.output.replace("\n", " ")) is warned, result.output  # type: ignore[attr-defined]
        ignored = subprocess.run(["git", "-C", str(course_dir), "check-ignore", "-q", out])
        assert (ignored.returncode != 0) is warned


def test_a_push_within_the_policy_grace_is_on_time(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    """30 s after the due time: the gradebook does not penalise it (15-minute grace in
    rubrics/grading-policy.yaml), so check-reflections must not call it late either."""
    clones = tmp_path / "clones"
    essay = "word " * 350
    due = datetime(2026, 3, 6, 23, 59, tzinfo=PACIFIC)
    from datetime import timedelta

    clone_with(clones, "avery-quill-syn", [(essay, due + timedelta(seconds=30))])
    clone_with(clones, "blake-brigh-syn", [(essay, due + timedelta(minutes=16))])
    result = run(runner, course_dir, "7", "--source", "local", str(clones), "--format", "json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    students = {s["github"]: s for s in report["students"]}
    avery, blake = students["avery-quill-syn"], students["blake-brigh-syn"]
    assert (avery["status"], avery["late_by"]) == ("ok", None)
    assert "0:00:30 after the due time, within the 15-minute grace" in avery["reason"]
    assert (blake["status"], blake["late_by"]) == ("late", "0:16:00")  # lateness from the due time
    table = run(runner, course_dir, "7", "--source", "local", str(clones))
    assert "+ 15 min grace" in table.stdout  # type: ignore[attr-defined]
    assert "late.grace_minutes in rubrics/grading-policy.yaml" in table.stdout  # type: ignore[attr-defined]


def test_out_refuses_another_weeks_report_without_force(runner: CliRunner, tmp_path: Path) -> None:
    """Week 8 written over week-07.csv would have the gradebook grade week 7 from week 8."""
    out = tmp_path / "week-07.csv"
    base = ["check-reflections", "-C", str(REPO), "--source", "local", str(SAMPLE)]
    week7 = runner.invoke(app, [*base[:1], "7", *base[1:], "--out", str(out)], env=WIDE)
    assert week7.exit_code == 0, week7.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["deliverable"] for r in rows} == {"week-07-reflection"}  # on every row
    written = out.read_text(encoding="utf-8")

    week8 = runner.invoke(app, [*base[:1], "8", *base[1:], "--out", str(out)], env=WIDE)
    assert week8.exit_code == 1
    assert (
        f"{out}: holds the report for 'week-07-reflection', not 'week-08-reflection'"
        in week8.stderr
    )
    assert out.read_text(encoding="utf-8") == written
    as_json = tmp_path / "week-07.json"
    runner.invoke(app, [*base[:1], "7", *base[1:], "--out", str(as_json)], env=WIDE)
    refused = runner.invoke(app, [*base[:1], "8", *base[1:], "--out", str(as_json)], env=WIDE)
    assert refused.exit_code == 1 and "not 'week-08-reflection'" in refused.stderr

    # A report of an older coursectl (no deliverable column) does not say its week: --force.
    out.write_text("sid,github,status,words,submitted_at,late_by,commit,time_verified,"
                   "time_source,reason\n1,a,ok,400,,,,false,none,\n", encoding="utf-8")  # fmt: skip
    older = runner.invoke(app, [*base[:1], "7", *base[1:], "--out", str(out)], env=WIDE)
    assert older.exit_code == 1 and "does not say which week" in older.stderr

    forced = runner.invoke(app, [*base[:1], "8", *base[1:], "--out", str(out), "--force"], env=WIDE)
    assert forced.exit_code == 0, forced.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["deliverable"] for r in rows} == {"week-08-reflection"}


def test_out_dash_is_standard_output(
    runner: CliRunner, tmp_path: Path, monkeypatch: object
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    base = ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(SAMPLE)]
    result = runner.invoke(app, [*base, "--format", "csv", "--out", "-"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 48
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    unsaid = runner.invoke(app, [*base, "--out", "-"], env=WIDE)
    assert unsaid.exit_code == 1 and "--out -: say --format csv" in unsaid.stderr


def test_empty_folder_warns_once_and_still_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(tmp_path)],
        env={"COLUMNS": "80"},  # piped: the warning stays one line all the same
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert f"no student folders found in {tmp_path}: expected one folder per" in warnings[0]
    assert "no-repo 48" in result.stdout


def test_80_columns_never_cut_sids_or_statuses(
    runner: CliRunner, course_dir: Path, tmp_path: Path
) -> None:
    """Piped output is 80 columns; with every column shown, sids and statuses stay whole."""
    clones = tmp_path / "clones"
    clone_with(
        clones,
        "avery-quill-syn",
        [
            ("word " * 100, datetime(2026, 3, 6, 20, tzinfo=PACIFIC)),
            ("five words and no more", datetime(2026, 3, 7, 20, tzinfo=PACIFIC)),
        ],
    )
    result = runner.invoke(
        app,
        ["check-reflections", "7", "-C", str(course_dir), "--source", "local", str(clones)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line.split() for line in lines if line.startswith(" 91")]
    assert len(rows) == 48 and all(len(row[0]) == 7 for row in rows), result.stdout
    assert rows[0][0] == "9100001" and "too-short" in rows[0] and "20:01:00" in rows[0]
    assert "…" not in result.stdout
    assert sum("no-repo" in row for row in rows) == 47


def test_errors_on_stderr_have_no_blank_line_before_them(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(tmp_path / "no")],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: "), repr(result.stderr)


def test_out_whose_extension_names_another_format_is_warned(
    runner: CliRunner, tmp_path: Path, monkeypatch: object
) -> None:
    # JSON silently written into x.csv: the gradebook (or a spreadsheet) then fails on it.
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    base = ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(SAMPLE)]
    result = runner.invoke(app, [*base, "--format", "json", "--out", "x.csv"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: x.csv: writing JSON into a .csv file; name it .json or change --format"
    ]
    assert len(json.loads((tmp_path / "x.csv").read_text(encoding="utf-8"))["students"]) == 48

    result = runner.invoke(app, [*base, "--format", "csv", "--out", "y.json"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "warning: y.json: writing CSV into a .json file; name it .csv" in result.stderr

    for argv in (["--out", "z.csv"], ["--format", "json", "--out", "z.json"]):
        result = runner.invoke(app, [*base, *argv], env=WIDE)
        assert result.exit_code == 0, result.output
        assert "writing" not in result.stderr and "warning" not in result.stderr


def test_status_filters_the_table_not_the_files(
    runner: CliRunner, tmp_path: Path, monkeypatch: object
) -> None:
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    base = ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(SAMPLE)]
    result = runner.invoke(app, [*base, "--status", "too-short, missing"], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(" 91")]
    assert len(rows) == 6 and {row[2] for row in rows} == {"too-short", "missing"}
    assert "6 of 48 students shown" in result.stdout
    assert "ok 36" in result.stdout  # the counts are still the whole class's

    result = runner.invoke(app, [*base, "--status", "missing", "--out", "w.csv"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "w.csv").read_text(encoding="utf-8").splitlines()) == 49


def test_unknown_status_is_one_line_naming_the_valid_ones(runner: CliRunner) -> None:
    base = ["check-reflections", "7", "-C", str(REPO), "--source", "local", str(SAMPLE)]
    result = runner.invoke(app, [*base, "--status", "too-short,mising"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --status mising: unknown status; use any of "
        "ok,too-short,too-long,missing,late,empty,no-repo,no-access,error\n"
    )


def test_80_columns_keep_long_logins_whole(runner: CliRunner, course_dir: Path) -> None:
    """Every column shown (commit, submitted, late by) and GitHub's longest logins (39
    characters): the ids are whole on one line, the table stays within 80 columns."""
    roster = course_dir / "rosters" / "synthetic-roster.csv"
    text = roster.read_text(encoding="utf-8")
    longest = "a" * 19 + "-" + "b" * 19
    text = text.replace("avery-quill-syn", longest).replace("blake-brigh-syn", "x" + longest[1:])
    roster.write_text(text, encoding="utf-8")
    clones = course_dir / "clones"
    clone_with(
        clones,
        longest,
        [
            ("word " * 100, datetime(2026, 3, 6, 20, tzinfo=PACIFIC)),
            ("word " * 350, datetime(2026, 3, 7, 20, tzinfo=PACIFIC)),
        ],
    )
    result = runner.invoke(
        app,
        ["check-reflections", "7", "-C", str(course_dir), "--source", "local", str(clones)],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    rows = [line.split() for line in lines if line.startswith(" 91")]
    assert rows[0][:3] == ["9100001", longest, "late"], result.stdout
    assert rows[1][:3] == ["9100038", "x" + longest[1:], "no-repo"], result.stdout
    assert "20:01:00" in rows[0]
