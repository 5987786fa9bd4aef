"""`--source local`: real git clones made in temp dirs (with real dates, one backdated) and exports."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coursectl.course.model import WordRange
from coursectl.reflections.check import classify
from coursectl.reflections.local import READ_LIMIT, LocalSource
from coursectl.reflections.source import RepoRequest

PACIFIC = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=PACIFIC)
CUTOFF = DUE + timedelta(minutes=10)
PATH = "reflections/week-07.md"
RANGE = WordRange(min=5, max=50)
ESSAY = "This is my reflection about scaling laws and alignment this week.\n"  # 11 words


def git(
    repo: Path, *args: str, when: datetime | None = None, author_when: datetime | None = None
) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Student",
        "GIT_AUTHOR_EMAIL": "student@example.edu",
        "GIT_COMMITTER_NAME": "Student",
        "GIT_COMMITTER_EMAIL": "student@example.edu",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if when is not None:
        env["GIT_COMMITTER_DATE"] = when.isoformat()
        env["GIT_AUTHOR_DATE"] = (author_when or when).isoformat()
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def make_clone(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit_file(
    repo: Path, text: str | bytes, when: datetime, path: str = PATH, message: str = "w7"
) -> str:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


def request(login: str) -> RepoRequest:
    return RepoRequest(
        sid=f"sid-{login}", github=login, repo=f"llm101/reflections-{login}", path=PATH
    )


def fetch_one(root: Path, login: str, **options: bool) -> object:
    return LocalSource(root, **options).fetch([request(login)], CUTOFF)[0]


def test_on_time_commit_is_graded_with_its_unverified_commit_date(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "ana")
    # 07:30 UTC on Mar 7 is 23:30 on Mar 6 in Los Angeles: on time.
    sha = commit_file(repo, ESSAY, datetime.fromisoformat("2026-03-07T07:30:00+00:00"))
    [result] = LocalSource(tmp_path).fetch([request("ana")], CUTOFF)
    assert result.outcome == "ok" and result.latest is None
    assert result.on_time is not None
    assert result.on_time.content == ESSAY.encode()
    assert result.on_time.commit_sha == sha
    assert result.on_time.received_at == datetime.fromisoformat("2026-03-07T07:30:00+00:00")
    assert result.on_time.time_verified is False and result.on_time.time_kind == "commit"
    record = classify(result, RANGE, DUE, CUTOFF)
    assert (record.status, record.words, record.commit, record.time_verified) == (
        "ok",
        11,
        sha,
        False,
    )


def test_a_later_version_is_late_with_its_lateness(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "ben")
    first = commit_file(repo, "Too short.\n", datetime(2026, 3, 5, 12, tzinfo=PACIFIC))
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "unrelated",
        when=datetime(2026, 3, 6, 9, tzinfo=PACIFIC),
    )
    late_time = datetime(2026, 3, 8, 10, 30, tzinfo=PACIFIC)
    second = commit_file(repo, ESSAY, late_time)
    [result] = LocalSource(tmp_path).fetch([request("ben")], CUTOFF)
    assert result.on_time is not None and result.latest is not None
    # The on-time version is the one written by the commit that last changed the file.
    assert (result.on_time.commit_sha, result.on_time.content) == (first, b"Too short.\n")
    assert (result.latest.commit_sha, result.latest.received_at) == (second, late_time)
    record = classify(result, RANGE, DUE, CUTOFF)
    assert record.status == "late" and record.words == 11 and record.commit == second
    # Real elapsed time across the DST change of Mar 8 (wall clocks say 1 day 10:31).
    assert record.late_by == timedelta(days=1, hours=9, minutes=31)
    assert "on-time version: 2 words, below 5" in record.reason


def test_first_pushed_after_the_deadline_is_late(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "cy")
    commit_file(repo, "# readme\n", datetime(2026, 3, 1, tzinfo=PACIFIC), path="README.md")
    commit_file(repo, ESSAY, datetime(2026, 3, 7, 0, 30, tzinfo=PACIFIC))  # 20 min past the grace
    [result] = LocalSource(tmp_path).fetch([request("cy")], CUTOFF)
    assert result.on_time is None and result.latest is not None
    record = classify(result, RANGE, DUE, CUTOFF)
    assert record.status == "late" and record.late_by == timedelta(minutes=31)


def test_within_the_grace_period_is_on_time(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "dee")
    commit_file(repo, ESSAY, DUE + timedelta(minutes=9))
    [result] = LocalSource(tmp_path).fetch([request("dee")], CUTOFF)
    assert classify(result, RANGE, DUE, CUTOFF).status == "ok"


def test_a_backdated_commit_passes_and_is_marked_unverified(tmp_path: Path) -> None:
    """Commit dates are the student's: a commit made after the deadline but dated before it
    looks on time. The local source cannot know; it says so (time_verified False)."""
    repo = make_clone(tmp_path, "eve")
    commit_file(repo, "Draft.\n", datetime(2026, 3, 4, 10, tzinfo=PACIFIC))
    backdated = datetime(2026, 3, 6, 22, 0, tzinfo=PACIFIC)
    sha = commit_file(repo, ESSAY, backdated)  # really made now, in 2026-11 or later
    real_time = datetime.fromtimestamp((repo / PATH).stat().st_mtime, tz=PACIFIC)
    assert real_time > DUE  # the file was written long after the deadline...
    [result] = LocalSource(tmp_path).fetch([request("eve")], CUTOFF)
    record = classify(result, RANGE, DUE, CUTOFF)
    # ...yet the commit date says 22:00 on the due day: graded as on time, flagged unverified.
    assert (record.status, record.commit, record.submitted_at) == ("ok", sha, backdated)
    assert record.time_verified is False and record.time_source == "commit"


def test_history_is_read_by_commit_date_not_order(tmp_path: Path) -> None:
    """A late commit followed by a commit backdated before the deadline: the backdated one is
    the newest commit dated in time, so its version is the on-time one (unverified)."""
    repo = make_clone(tmp_path, "fay")
    commit_file(repo, "Late words only here now.\n", datetime(2026, 3, 9, tzinfo=PACIFIC))
    sha = commit_file(repo, ESSAY, datetime(2026, 3, 6, tzinfo=PACIFIC))
    [result] = LocalSource(tmp_path).fetch([request("fay")], CUTOFF)
    assert result.on_time is not None and result.on_time.commit_sha == sha
    assert result.latest is None  # HEAD's file is the on-time file


def test_author_date_is_ignored_committer_date_is_used(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "gil")
    file = repo / PATH
    file.parent.mkdir(parents=True)
    file.write_text(ESSAY, encoding="utf-8")
    git(repo, "add", "-A")
    committed = datetime(2026, 3, 8, tzinfo=PACIFIC)
    git(
        repo,
        "commit",
        "-q",
        "-m",
        "x",
        when=committed,
        author_when=datetime(2026, 3, 1, tzinfo=PACIFIC),
    )
    [result] = LocalSource(tmp_path).fetch([request("gil")], CUTOFF)
    assert result.on_time is None and result.latest is not None
    assert result.latest.received_at == committed


def test_repo_without_the_file_and_empty_clone_are_missing(tmp_path: Path) -> None:
    commit_file(
        make_clone(tmp_path, "hal"),
        "notes\n",
        datetime(2026, 3, 1, tzinfo=PACIFIC),
        path="notes.md",
    )
    make_clone(tmp_path, "ivy")  # git init, nothing committed
    results = LocalSource(tmp_path).fetch([request("hal"), request("ivy")], CUTOFF)
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert all(r.on_time is None and r.latest is None for r in results)
    assert [classify(r, RANGE, DUE, CUTOFF).status for r in results] == ["missing", "missing"]
    assert "no commits" in results[1].reason


def test_folders_by_login_any_case_by_repo_name_and_owner_slash_name(tmp_path: Path) -> None:
    commit_file(make_clone(tmp_path, "JoLogin"), ESSAY, datetime(2026, 3, 5, tzinfo=PACIFIC))
    commit_file(
        make_clone(tmp_path, "reflections-kim"), ESSAY, datetime(2026, 3, 5, tzinfo=PACIFIC)
    )
    commit_file(
        make_clone(tmp_path / "llm101", "reflections-lee"),
        ESSAY,
        datetime(2026, 3, 5, tzinfo=PACIFIC),
    )
    results = LocalSource(tmp_path).fetch(
        [request("jologin"), request("kim"), request("lee"), request("max")], CUTOFF
    )
    assert [r.outcome for r in results] == ["ok", "ok", "ok", "no-repo"]
    assert all(r.on_time is not None for r in results[:3])
    assert results[3].reason == "no folder max or reflections-max"


def test_a_broken_clone_is_one_students_error(tmp_path: Path) -> None:
    broken = tmp_path / "nia"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nonexistent/place\n", encoding="utf-8")
    commit_file(make_clone(tmp_path, "oz"), ESSAY, datetime(2026, 3, 5, tzinfo=PACIFIC))
    progress: list[int] = []
    results = LocalSource(tmp_path).fetch([request("nia"), request("oz")], CUTOFF, progress.append)
    assert results[0].outcome == "error" and results[0].reason.startswith("git ")
    assert results[1].outcome == "ok"
    assert sum(progress) == 2


def test_folder_inside_another_repository_is_an_export_not_that_repository(tmp_path: Path) -> None:
    """samples/ lives inside coursectl's own checkout: its folders must not read that history."""
    outer = make_clone(tmp_path, "outer")
    commit_file(outer, "unrelated\n", datetime(2026, 1, 1, tzinfo=PACIFIC), path="x.md")
    export = outer / "submissions" / "pat" / "reflections"
    export.mkdir(parents=True)
    (export / "week-07.md").write_text(ESSAY, encoding="utf-8")
    [result] = LocalSource(outer / "submissions").fetch([request("pat")], CUTOFF)
    assert result.on_time is not None and result.on_time.time_kind == "none"
    assert result.on_time.commit_sha == ""


def test_export_without_times_by_default_and_with_mtime_on_request(tmp_path: Path) -> None:
    for login in ("quin", "rae"):
        file = tmp_path / login / PATH
        file.parent.mkdir(parents=True)
        file.write_text(ESSAY, encoding="utf-8")
    late = (DUE + timedelta(days=1)).timestamp()
    os.utime(tmp_path / "rae" / PATH, (late, late))
    on_time = (DUE - timedelta(days=1)).timestamp()
    os.utime(tmp_path / "quin" / PATH, (on_time, on_time))

    plain = LocalSource(tmp_path).fetch([request("quin"), request("rae")], CUTOFF)
    records = [classify(r, RANGE, DUE, CUTOFF) for r in plain]
    assert [r.status for r in records] == ["ok", "ok"]  # no time: lateness is not judged
    assert all(r.submitted_at is None and r.time_source == "none" for r in records)

    timed = LocalSource(tmp_path, use_mtime=True).fetch([request("quin"), request("rae")], CUTOFF)
    records = [classify(r, RANGE, DUE, CUTOFF) for r in timed]
    assert [r.status for r in records] == ["ok", "late"]
    assert records[1].late_by == timedelta(days=1) and records[1].time_source == "mtime"


def test_export_file_may_sit_directly_in_the_student_folder(tmp_path: Path) -> None:
    (tmp_path / "sam").mkdir()
    (tmp_path / "sam" / "week-07.md").write_text(ESSAY, encoding="utf-8")
    [result] = LocalSource(tmp_path).fetch([request("sam")], CUTOFF)
    assert result.on_time is not None and result.on_time.content == ESSAY.encode()


@pytest.mark.parametrize("in_git", [True, False])
def test_huge_and_binary_files_are_errors_and_are_not_read_whole(
    tmp_path: Path, in_git: bool
) -> None:
    huge = b"word " * 400_000  # 2 MB
    binary = b"%PDF-1.7\n\x00\x01\x02 binary"
    when = datetime(2026, 3, 5, tzinfo=PACIFIC)
    for login, data in (("tao", huge), ("uma", binary)):
        if in_git:
            commit_file(make_clone(tmp_path, login), data, when)
        else:
            (tmp_path / login / "reflections").mkdir(parents=True)
            (tmp_path / login / PATH).write_bytes(data)
    results = LocalSource(tmp_path).fetch([request("tao"), request("uma")], CUTOFF)
    assert results[0].on_time is not None and len(results[0].on_time.content) == READ_LIMIT
    records = [classify(r, RANGE, DUE, CUTOFF) for r in results]
    assert [r.status for r in records] == ["error", "error"]
    assert "over 1 MiB" in records[0].reason and "binary" in records[1].reason


def test_non_utf8_text_is_read_with_a_note(tmp_path: Path) -> None:
    commit_file(
        make_clone(tmp_path, "vic"),
        "Caf\u00e9 na\u00efve words for a reflection.\n".encode("latin-1"),
        datetime(2026, 3, 5, tzinfo=PACIFIC),
    )
    [result] = LocalSource(tmp_path).fetch([request("vic")], CUTOFF)
    record = classify(result, RANGE, DUE, CUTOFF)
    assert record.status == "ok" and record.words == 6
    assert "not valid UTF-8" in record.reason


def test_merge_after_the_deadline_keeps_the_mainline_version(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "wes")
    sha = commit_file(repo, ESSAY, datetime(2026, 3, 5, tzinfo=PACIFIC))
    git(repo, "checkout", "-q", "-b", "draft")
    commit_file(
        repo, ESSAY + "More words added on a branch.\n", datetime(2026, 3, 6, 12, tzinfo=PACIFIC)
    )
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge",
        "draft",
        when=datetime(2026, 3, 8, tzinfo=PACIFIC),
    )
    [result] = LocalSource(tmp_path).fetch([request("wes")], CUTOFF)
    # At the cutoff main still had the first version; the merge brought the edit in late.
    assert result.on_time is not None and result.on_time.commit_sha == sha
    assert result.latest is not None and b"More words" in result.latest.content


def test_a_missing_dir_is_a_user_error(tmp_path: Path) -> None:
    from coursectl.errors import UserError

    with pytest.raises(UserError, match="not a folder"):
        LocalSource(tmp_path / "nope").fetch([request("x")], CUTOFF)


# ---------------------------------------------------------------------------- odd folders


def test_symlink_out_of_the_students_export_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("a file the TA can read but the student never wrote " * 5)
    folder = tmp_path / "dir" / "ana" / "reflections"
    folder.mkdir(parents=True)
    (folder / "week-07.md").symlink_to(secret)
    record = classify(fetch_one(tmp_path / "dir", "ana"), RANGE, DUE, CUTOFF)  # type: ignore[arg-type]
    assert (record.status, record.words) == ("error", None)
    assert "symbolic link to outside the student's folder" in record.reason
    # A link that stays inside the student's folder is theirs.
    (folder / "draft.md").write_text(ESSAY)
    (folder / "week-07.md").unlink()
    (folder / "week-07.md").symlink_to(folder / "draft.md")
    record = classify(fetch_one(tmp_path / "dir", "ana"), RANGE, DUE, CUTOFF)  # type: ignore[arg-type]
    assert (record.status, record.words) == ("ok", 11)


def export(folder: Path, text: str = ESSAY) -> Path:
    (folder / "reflections").mkdir(parents=True)
    (folder / PATH).write_text(text, encoding="utf-8")
    return folder


def test_a_student_folder_linking_outside_dir_is_not_followed(tmp_path: Path) -> None:
    # DIR/ana is a link to a folder elsewhere (another course's submissions, a TA's home):
    # reading it would grade a file the student never handed in.
    submissions = tmp_path / "dir"
    submissions.mkdir()
    (submissions / "ana").symlink_to(
        export(tmp_path / "elsewhere" / "ana"), target_is_directory=True
    )
    clone = make_clone(tmp_path / "elsewhere", "ben")
    commit_file(clone, ESSAY, DUE - timedelta(hours=1))
    (submissions / "ben").symlink_to(clone, target_is_directory=True)
    (submissions / "llm101").mkdir()  # owner/name: the name level is the link
    (submissions / "llm101" / "reflections-cy").symlink_to(export(tmp_path / "elsewhere" / "cy"))
    source = LocalSource(submissions)
    results = source.fetch([request("ana"), request("ben"), request("cy")], CUTOFF)
    for login, fetched in zip(("ana", "ben", "llm101/reflections-cy"), results, strict=True):
        record = classify(fetched, RANGE, DUE, CUTOFF)
        assert (record.status, record.words) == ("error", None), login
        assert record.reason == (
            f"folder {login} is a symbolic link to outside {submissions}; not followed"
        )
    assert source.warnings == []


def test_a_student_folder_linking_inside_dir_is_read(tmp_path: Path) -> None:
    submissions = tmp_path / "dir"
    export(submissions / "exported" / "ana-w7")
    (submissions / "ana").symlink_to(submissions / "exported" / "ana-w7")
    record = classify(fetch_one(submissions, "ana"), RANGE, DUE, CUTOFF)  # type: ignore[arg-type]
    assert (record.status, record.words) == ("ok", 11)


def test_a_broken_student_folder_link_says_so(tmp_path: Path) -> None:
    submissions = tmp_path / "dir"
    submissions.mkdir()
    (submissions / "ana").symlink_to(tmp_path / "gone", target_is_directory=True)
    (submissions / "ben").symlink_to(submissions / "ben")  # a loop
    source = LocalSource(submissions)
    ana, ben = (
        classify(f, RANGE, DUE, CUTOFF)
        for f in source.fetch([request("ana"), request("ben")], CUTOFF)
    )
    assert (ana.status, ana.reason) == (
        "error",
        "folder ana is a symbolic link to a missing folder",
    )
    assert ben.status == "error" and ben.reason.startswith("folder ben is a")


def test_symlink_committed_in_a_clone_is_an_error(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "ana")
    (repo / "reflections").mkdir()
    (repo / PATH).symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "w7", when=DUE - timedelta(hours=1))
    record = classify(fetch_one(tmp_path, "ana"), RANGE, DUE, CUTOFF)  # type: ignore[arg-type]
    assert record.status == "error" and "symbolic link" in record.reason


def test_git_lfs_pointer_is_an_error_not_six_words(tmp_path: Path) -> None:
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 2841\n"
    )
    repo = make_clone(tmp_path, "ana")
    commit_file(repo, pointer, DUE - timedelta(hours=1))
    record = classify(fetch_one(tmp_path, "ana"), WordRange(min=1, max=50), DUE, CUTOFF)  # type: ignore[arg-type]
    assert (record.status, record.words) == ("error", None)
    assert "a Git LFS pointer, not the reflection" in record.reason


def test_file_in_the_clone_never_committed_says_so(tmp_path: Path) -> None:
    repo = make_clone(tmp_path, "ana")
    commit_file(repo, "notes\n", DUE - timedelta(days=3), path="README.md")
    (repo / "reflections").mkdir()
    (repo / PATH).write_text(ESSAY)  # written, never `git add`-ed
    record = classify(fetch_one(tmp_path, "ana"), RANGE, DUE, CUTOFF)  # type: ignore[arg-type]
    assert record.status == "missing"
    assert record.reason == "reflections/week-07.md exists but was never committed"


@pytest.mark.parametrize("content", [[], ["notes"]])
def test_folder_without_student_folders_warns(tmp_path: Path, content: list[str]) -> None:
    for name in content:
        (tmp_path / name).mkdir()
    source = LocalSource(tmp_path)
    results = source.fetch([request("ana"), request("ben")], CUTOFF)
    assert [r.outcome for r in results] == ["no-repo", "no-repo"]
    [warning] = source.warnings
    assert warning.startswith(f"no student folders found in {tmp_path}: expected one folder per")
    assert f"{tmp_path / 'ana'}/{PATH}" in warning
    (tmp_path / "ana").mkdir()
    source = LocalSource(tmp_path)
    source.fetch([request("ana"), request("ben")], CUTOFF)
    assert source.warnings == []  # one student found: the others are simply missing


@pytest.mark.parametrize(
    ("loop", "shown"),
    [
        (PATH, PATH),  # the reflection itself links to itself
        ("reflections", "reflections/week-07.md"),  # the folder above it does
    ],
)
def test_a_loop_of_links_inside_a_students_folder_is_that_students_error(
    tmp_path: Path, loop: str, shown: str
) -> None:
    submissions = tmp_path / "dir"
    export(submissions / "ben")
    (submissions / "ana").mkdir(parents=True)
    (submissions / "ana" / "reflections").mkdir(exist_ok=True)
    link = submissions / "ana" / loop
    if link.is_dir():
        link.rmdir()
    link.symlink_to(link)
    # The file directly in the student's folder (the other place looked at) loops as well.
    (submissions / "ana" / "week-07.md").symlink_to(submissions / "ana" / "week-07.md")
    ana, ben = (
        classify(f, RANGE, DUE, CUTOFF)
        for f in LocalSource(submissions).fetch([request("ana"), request("ben")], CUTOFF)
    )
    assert (ana.status, ana.words) == ("error", None)
    assert ana.reason == f"{shown} is a loop of symbolic links; not followed", ana.reason
    assert (ben.status, ben.words) == ("ok", 11)
