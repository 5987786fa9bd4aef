"""`coursectl check-reflections --source github` end to end: the CLI, PyGithub and the fake GitHub.

The shipped course (a private copy), its roster, GITHUB_TOKEN in the environment and
`--api-url` pointing at the fake server on 127.0.0.1; the TA's view is the CLI's output.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from tests.fake_github import FakeGitHub

PACIFIC = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=PACIFIC)
PATH = "reflections/week-07.md"
ORG = "llm101-sp26"
TOKEN = "ghp_SECRETtokenFORtests0123456789"


def words(n: int) -> bytes:
    return (" ".join(["insight"] * n) + "\n").encode()


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as server:
        yield server


def roster_logins(course: Path) -> list[str]:
    with (course / "rosters" / "synthetic-roster.csv").open(encoding="utf-8") as handle:
        return [row["github"] for row in csv.DictReader(handle)]


def populate(fake: FakeGitHub, course: Path) -> dict[str, str]:
    """Six students with repos (one of each situation); the rest of the roster has none."""
    logins = roster_logins(course)
    names = ["ok", "short", "late", "edited", "backdated", "missing"]
    who = dict(zip(names, logins, strict=False))
    repos = {name: fake.repo(f"{ORG}/reflections-{login}") for name, login in who.items()}
    repos["ok"].push({PATH: words(350)}, at=DUE - timedelta(hours=2))
    repos["short"].push({PATH: words(120)}, at=DUE - timedelta(hours=2))
    repos["late"].push({PATH: words(400)}, at=DUE + timedelta(hours=26, minutes=5))
    repos["edited"].push({PATH: words(320)}, at=DUE - timedelta(minutes=1))
    repos["edited"].push({PATH: words(900)}, at=DUE + timedelta(days=1))
    repos["backdated"].push(
        {PATH: words(380)}, at=DUE + timedelta(hours=3), commit_date=DUE - timedelta(days=2)
    )
    repos["missing"].push({"README.md": b"hello\n"}, at=DUE - timedelta(days=9))
    return who


def invoke(course: Path, fake: FakeGitHub, *args: str, token: str = TOKEN) -> object:
    env = {
        "GITHUB_TOKEN": token,
        "COURSECTL_GITHUB_WRITE_PAUSE": "0",
        "COLUMNS": "200",
    }
    return CliRunner().invoke(
        app,
        [
            "check-reflections",
            "7",
            "--source",
            "github",
            "--api-url",
            fake.base_url,
            "-C",
            str(course),
            *args,
        ],
        env=env,
    )


def test_json_report_from_github(course_dir: Path, fake: FakeGitHub) -> None:
    who = populate(fake, course_dir)

    result = invoke(course_dir, fake, "--format", "json")

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    by_login = (
        {r["github"]: r for r in report["records"]}
        if "records" in report
        else {r["github"]: r for r in report["students"]}
    )
    status = {name: by_login[login]["status"] for name, login in who.items()}
    assert status == {
        "ok": "ok",
        "short": "too-short",
        "late": "late",
        "edited": "ok",
        "backdated": "late",
        "missing": "missing",
    }
    assert by_login[who["late"]]["late_by"] == "26:05:00"
    assert by_login[who["backdated"]]["late_by"] == "3:00:00"
    assert by_login[who["ok"]]["time_verified"] is True
    others = [r for login, r in by_login.items() if login not in who.values()]
    assert others and all(r["status"] == "no-repo" for r in others)
    assert TOKEN not in result.output  # type: ignore[attr-defined]


def test_table_and_free_rerun(course_dir: Path, fake: FakeGitHub) -> None:
    who = populate(fake, course_dir)

    first = invoke(course_dir, fake)
    fake.reset_counters()
    second = invoke(course_dir, fake)

    assert first.exit_code == 0 and second.exit_code == 0, first.output  # type: ignore[attr-defined]
    for login in who.values():
        assert login in second.stdout  # type: ignore[attr-defined]
    assert "late" in second.stdout and "26:05:00" in second.stdout  # type: ignore[attr-defined]
    assert first.stdout == second.stdout  # type: ignore[attr-defined]
    assert fake.rate_used == 0  # REST: only free 304s
    # The students without a repository: the organisation's repository list answered 304.
    assert fake.graphql_used == 0
    assert fake.count("GET", f"/orgs/{ORG}/repos", status=304) == 1
    assert "note:" not in second.stderr  # type: ignore[attr-defined]
    assert (course_dir / ".coursectl" / "cache").is_dir()
    assert TOKEN not in first.output + second.output  # type: ignore[attr-defined]


def test_rerun_says_why_missing_repositories_were_not_checked_for_free(
    course_dir: Path, fake: FakeGitHub
) -> None:
    populate(fake, course_dir)
    fake.fail("403", match=f"/orgs/{ORG}/repos", times=-1)

    invoke(course_dir, fake)
    fake.reset_counters()
    result = invoke(course_dir, fake)

    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    note = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "student(s) without a repository are asked again with GraphQL on every run" in note
    assert "answered 403" in note and "SAML" in note
    assert fake.graphql_used == 1


def test_rate_limit_far_from_reset_is_one_line_naming_the_reset(
    course_dir: Path, fake: FakeGitHub
) -> None:
    populate(fake, course_dir)
    fake.fail("rate-limit", reset_in=50 * 60, times=-1)

    result = invoke(course_dir, fake)

    assert result.exit_code == 1
    lines = result.output.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: GitHub")
    assert "rate limit" in lines[0] and "resets at" in lines[0] and "Traceback" not in result.output  # type: ignore[attr-defined]


def test_wrong_token_is_one_line_without_the_token(course_dir: Path, fake: FakeGitHub) -> None:
    populate(fake, course_dir)

    result = invoke(course_dir, fake, token="ghp_wrongTOKENvalue999")

    assert result.exit_code == 1
    assert "refused the token" in result.output  # type: ignore[attr-defined]
    assert "ghp_wrongTOKENvalue999" not in result.output  # type: ignore[attr-defined]


def test_no_token_anywhere(
    course_dir: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(course_dir / "no-gh-here"))
    result = CliRunner().invoke(
        app,
        ["check-reflections", "7", "--api-url", fake.base_url, "-C", str(course_dir)],
        env={"GITHUB_TOKEN": ""},
    )
    assert result.exit_code == 1
    assert "no GitHub token" in result.output and "gh auth login" in result.output
    assert fake.requests == 0


def test_comment_opens_one_issue_per_student_and_never_twice(
    course_dir: Path, fake: FakeGitHub
) -> None:
    who = populate(fake, course_dir)

    first = invoke(course_dir, fake, "--comment")

    assert first.exit_code == 0, first.output  # type: ignore[attr-defined]
    assert "3 opened" in first.output  # type: ignore[attr-defined]
    written = {
        name
        for name, login in who.items()
        if fake.repos[f"{ORG}/reflections-{login}".lower()].issues
    }
    assert written == {"short", "late", "backdated"}
    short_issue = fake.repos[f"{ORG}/reflections-{who['short']}".lower()].issues[0]
    assert short_issue["title"] == "Week 7 Reflection: feedback"
    assert "120 words, below the 300-word minimum" in short_issue["body"]
    late_issue = fake.repos[f"{ORG}/reflections-{who['late']}".lower()].issues[0]
    assert "26:05:00" in late_issue["body"] and "not from commit dates" in late_issue["body"]
    record = json.loads((course_dir / ".coursectl" / "feedback-issues.json").read_text())
    assert set(record["week-07-reflection"]) == {who["short"], who["late"], who["backdated"]}

    posts = fake.count("POST", "/issues")
    second = invoke(course_dir, fake, "--comment")
    assert "0 opened" in second.output and "3 written to before" in second.output  # type: ignore[attr-defined]
    assert fake.count("POST", "/issues") == posts

    # Record lost (another TA's laptop): the issues on GitHub are found by title.
    (course_dir / ".coursectl" / "feedback-issues.json").unlink()
    third = invoke(course_dir, fake, "--comment")
    assert "0 opened, 3 already on GitHub" in third.output  # type: ignore[attr-defined]
    assert fake.count("POST", "/issues") == posts
    for name in ("short", "late", "backdated"):
        assert len(fake.repos[f"{ORG}/reflections-{who[name]}".lower()].issues) == 1


def test_comment_failure_is_reported_and_retried_next_run(
    course_dir: Path, fake: FakeGitHub
) -> None:
    who = populate(fake, course_dir)
    fake.fail("502", match=f"reflections-{who['short']}/issues", method="POST")

    first = invoke(course_dir, fake, "--comment")

    assert first.exit_code == 0
    assert "2 opened" in first.output and "1 failed" in first.output  # type: ignore[attr-defined]
    assert who["short"] in first.output  # type: ignore[attr-defined]
    second = invoke(course_dir, fake, "--comment")
    assert "1 opened" in second.output  # type: ignore[attr-defined]


def test_comment_where_issues_are_turned_off(course_dir: Path, fake: FakeGitHub) -> None:
    who = populate(fake, course_dir)
    fake.repos[f"{ORG}/reflections-{who['late']}".lower()].has_issues = False

    result = invoke(course_dir, fake, "--comment")

    assert result.exit_code == 0
    assert "2 opened" in result.output and "1 failed" in result.output  # type: ignore[attr-defined]
    assert "Issues are disabled" in result.output  # type: ignore[attr-defined]
    assert fake.count("POST", f"reflections-{who['late']}/issues") == 0


def test_comment_needs_github_and_a_template(course_dir: Path, fake: FakeGitHub) -> None:
    populate(fake, course_dir)
    local = CliRunner().invoke(
        app,
        [
            "check-reflections",
            "7",
            "--source",
            "local",
            str(course_dir / "samples" / "reflections"),
            "--comment",
            "-C",
            str(course_dir),
        ],
    )
    assert local.exit_code == 1 and "--source github" in local.output

    (course_dir / "templates" / "reflection-feedback.md.j2").write_text("Hi {{ studnet.name }}\n")
    typo = invoke(course_dir, fake, "--comment")
    assert typo.exit_code == 1
    assert "reflection-feedback.md.j2" in typo.output and "studnet" in typo.output  # type: ignore[attr-defined]
    assert fake.count("POST", "/issues") == 0

    # Without the course's own template, coursectl's default is used.
    (course_dir / "templates" / "reflection-feedback.md.j2").unlink()
    fallback = invoke(course_dir, fake, "--comment")
    assert fallback.exit_code == 0, fallback.output  # type: ignore[attr-defined]
    assert fake.count("POST", "/issues") > 0


def test_comment_refuses_before_the_deadline(course_dir: Path, fake: FakeGitHub) -> None:
    populate(fake, course_dir)
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8")
    block = text.index("id: week-07-reflection")
    moved = text[block:].replace("due: Fri 2026-03-06 23:59", "due: 2099-03-06 23:59", 1)
    text = (text[:block] + moved).replace("end: Fri 2026-05-15", "end: 2099-12-31", 1)
    schedule.write_text(text, encoding="utf-8")

    result = invoke(course_dir, fake, "--comment")

    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "has not passed" in result.output  # type: ignore[attr-defined]
    assert fake.requests == 0  # refused before fetching anything


def test_grace_and_a_late_version_out_of_range_from_github(
    course_dir: Path, fake: FakeGitHub
) -> None:
    """A push 30 s after the due time is within the policy's 15-minute grace: ok, no issue.
    100 words on time then 5 words the next morning: too-short with its lateness, never late."""
    first, second = roster_logins(course_dir)[:2]
    grace = fake.repo(f"{ORG}/reflections-{first}")
    grace.push({PATH: words(350)}, at=DUE + timedelta(seconds=30))
    shrunk = fake.repo(f"{ORG}/reflections-{second}")
    shrunk.push({PATH: words(100)}, at=DUE - timedelta(hours=4))
    shrunk.push({PATH: words(5)}, at=DUE + timedelta(hours=9, minutes=1))

    report = invoke(course_dir, fake, "--format", "json")
    assert report.exit_code == 0, report.output  # type: ignore[attr-defined]
    by_login = {r["github"]: r for r in json.loads(report.stdout)["students"]}  # type: ignore[attr-defined]
    assert (by_login[first]["status"], by_login[first]["late_by"]) == ("ok", None)
    assert "within the 15-minute grace" in by_login[first]["reason"]
    assert (by_login[second]["status"], by_login[second]["words"]) == ("too-short", 5)
    assert by_login[second]["late_by"] == "9:01:00"
    assert "on-time version: 100 words, below 300" in by_login[second]["reason"]

    commented = invoke(course_dir, fake, "--comment")
    assert commented.exit_code == 0, commented.output  # type: ignore[attr-defined]
    assert not fake.repos[f"{ORG}/reflections-{first}".lower()].issues
    [issue] = fake.repos[f"{ORG}/reflections-{second}".lower()].issues
    assert "received 9:01:00 (h:mm:ss) after the deadline has 5 words" in issue["body"]


def test_credentials_in_the_api_url_or_answers_never_reach_output_or_cache(
    course_dir: Path, fake: FakeGitHub
) -> None:
    populate(fake, course_dir)
    password = "ghs_PASSWORDinTheURL42"
    # A server message quoting a token (a proxy echoing the request) for one student's events.
    fake.fail("403", match="/activity", times=-1)
    fake.faults[-1].message = f"denied for Authorization: token {TOKEN} and {password}"
    url = fake.base_url.replace("://", f"://x-access-token:{password}@")
    dead = f"http://x-access-token:{password}@127.0.0.1:9/api/v3"
    outputs = []
    for api_url in (url, dead):
        result = CliRunner().invoke(
            app,
            [
                "check-reflections",
                "7",
                "--source",
                "github",
                "--api-url",
                api_url,
                "-C",
                str(course_dir),
                "--format",
                "csv",
            ],
            env={"GITHUB_TOKEN": TOKEN, "COLUMNS": "200"},
        )
        outputs.append(result.output)
    assert "cannot connect" in outputs[1]
    written = "".join(outputs)
    for path in course_dir.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".md", ".txt", ""):
            written += path.read_text(encoding="utf-8", errors="replace")
    assert password not in written and TOKEN not in written
    assert "x-access-token:***" in written or "://***@" in written
