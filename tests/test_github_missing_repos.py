"""Students without a repository, re-checked for free through the organisation's repository list.

A missing repository answers 404, which has no ETag; the organisation's list
(`GET /orgs/{org}/repos?sort=updated`) has one, and its 304 costs no rate limit. These tests run
the GitHub source twice (or more) against the fake GitHub on 127.0.0.1 with the cache kept in
between, change the organisation in between as students would, and check the statuses a TA
would see and the rate limit the fake GitHub counted (GraphQL points and REST answers that
were not 304s).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coursectl.course.model import WordRange
from coursectl.integrations.github import GitHubClient, GitHubSource
from coursectl.reflections.check import ReflectionRecord, classify
from coursectl.reflections.source import RepoRequest
from tests.fake_github import FakeGitHub

PACIFIC = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=PACIFIC)
PATH = "reflections/week-07.md"
ORG = "llm101-sp26"
AFTER = DUE + timedelta(days=3)
WORDS = WordRange(min=300, max=500)
CREATED = DUE - timedelta(days=40)  # when the class's repositories were made


def words(n: int) -> bytes:
    return (" ".join(["idea"] * n) + "\n").encode()


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def org_request(login: str) -> RepoRequest:
    return RepoRequest(f"s-{login}", login, f"{ORG}/reflections-{login}", PATH)


def check(
    fake: FakeGitHub, cache: Path, requests: Sequence[RepoRequest], now: datetime = AFTER
) -> tuple[dict[str, ReflectionRecord], GitHubSource]:
    """One run of the source with the cache folder kept between runs, judged as the command
    judges it."""
    client = GitHubClient(fake.token, fake.base_url, seconds_between_writes=None, backoff=0.01)
    src = GitHubSource(client, cache, workers=8, clock=lambda: now.astimezone(UTC))
    fetched = src.fetch(requests, DUE)
    return {f.request.github: classify(f, WORDS, DUE, DUE) for f in fetched}, src


def class_repos(fake: FakeGitHub, logins: Sequence[str]) -> None:
    """Students who did their work: on time (final), late (may change), no file (may change)."""
    for login in logins:
        student = fake.repo(f"{ORG}/reflections-{login}", created_at=CREATED)
        if login.startswith("late"):
            student.push({PATH: words(350)}, at=DUE + timedelta(hours=5))
        elif login.startswith("nofile"):
            student.push({"README.md": b"hello\n"}, at=DUE - timedelta(days=3))
        else:
            student.push({PATH: words(350)}, at=DUE - timedelta(hours=5))


def busy_org(fake: FakeGitHub, count: int = 120) -> list[str]:
    """More repositories than one list page, created and pushed one minute apart."""
    logins = [f"st{i:03d}" for i in range(count)]
    for i, login in enumerate(logins):
        made = CREATED + timedelta(minutes=i)
        fake.repo(f"{ORG}/reflections-{login}", created_at=made).push(
            {PATH: words(350)}, at=DUE - timedelta(hours=5, minutes=i)
        )
    return logins


def rate_limit_spent(fake: FakeGitHub) -> int:
    """GraphQL points plus REST answers that were not 304s, as GitHub would count them."""
    return fake.rate_used + fake.graphql_used


# ---------------------------------------------------------------------------- free re-runs


def test_rerun_with_nothing_changed_spends_no_rate_limit(fake: FakeGitHub, tmp_path: Path) -> None:
    present = ["ana", "late-bo", "nofile-cy"]
    class_repos(fake, present)
    requests = [org_request(x) for x in [*present, "gone-di", "gone-ed"]]

    first, _ = check(fake, tmp_path, requests)
    fake.reset_counters()
    second, src = check(fake, tmp_path, requests)

    assert first == second
    assert [second[x].status for x in ("ana", "late-bo", "nofile-cy", "gone-di", "gone-ed")] == [
        "ok",
        "late",
        "missing",
        "no-repo",
        "no-repo",
    ]
    assert rate_limit_spent(fake) == 0
    assert fake.count("POST", "/graphql") == 0
    # The two results that may change asked for their push events; the organisation's list
    # answered for the two students without a repository; all free 304s.
    assert sorted(fake.log) == sorted(
        [
            ("GET", f"/orgs/{ORG}/repos", 304),
            ("GET", f"/repos/{ORG}/reflections-late-bo/activity", 304),
            ("GET", f"/repos/{ORG}/reflections-nofile-cy/activity", 304),
        ]
    )
    assert src.notes == []


def test_cold_run_reads_the_list_once_and_only_with_a_cache(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    class_repos(fake, ["ana", "bo"])
    requests = [org_request(x) for x in ("ana", "bo", "gone-cy")]

    records, _ = check(fake, tmp_path, requests)

    assert records["gone-cy"].status == "no-repo"
    assert fake.count("GET", f"/orgs/{ORG}/repos") == 1  # page 1 only: the baseline
    fake.reset_counters()
    client = GitHubClient(fake.token, fake.base_url, seconds_between_writes=None)
    GitHubSource(client, None, workers=4, clock=lambda: AFTER).fetch(requests, DUE)
    assert fake.count("GET", "/orgs/") == 0  # nothing is kept without a cache: no baseline


def test_rerun_after_another_students_push_costs_one_list_page(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    class_repos(fake, ["late-ana"])
    requests = [org_request(x) for x in ("late-ana", "gone-bo")]
    check(fake, tmp_path, requests)

    fake.repos[f"{ORG}/reflections-late-ana"].push(
        {"notes.md": b"more"}, at=DUE + timedelta(days=1)
    )
    fake.reset_counters()
    records, _ = check(fake, tmp_path, requests)

    assert records["gone-bo"].status == "no-repo"
    # The list changed (ana pushed): one page read, bo is not on it; no GraphQL for bo.
    assert fake.count("GET", f"/orgs/{ORG}/repos", status=200) == 1
    fake.reset_counters()
    check(fake, tmp_path, requests)
    assert rate_limit_spent(fake) == 0  # and the run after that is free again


# ---------------------------------------------------------------------------- repositories that appear


def test_repository_created_after_the_deadline_is_found_and_graded_late(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    class_repos(fake, ["ana"])
    requests = [org_request(x) for x in ("ana", "gone-bo", "gone-cy")]
    assert check(fake, tmp_path, requests)[0]["gone-bo"].status == "no-repo"

    created = DUE + timedelta(days=1)
    fake.repo(f"{ORG}/reflections-gone-bo", created_at=created).push(
        {PATH: words(320)}, at=created + timedelta(hours=2)
    )
    records, _ = check(fake, tmp_path, requests)

    assert (records["gone-bo"].status, records["gone-bo"].words) == ("late", 320)
    assert records["gone-bo"].late_by == timedelta(days=1, hours=2)
    assert records["gone-cy"].status == "no-repo"
    fake.reset_counters()
    again, _ = check(fake, tmp_path, requests)
    assert again == records and rate_limit_spent(fake) == 0


def test_repository_created_empty_then_filled_is_graded(fake: FakeGitHub, tmp_path: Path) -> None:
    requests = [org_request(x) for x in ("gone-ana", "gone-bo")]
    check(fake, tmp_path, requests)

    empty = fake.repo(f"{ORG}/reflections-gone-ana", created_at=DUE + timedelta(hours=1))
    assert check(fake, tmp_path, requests)[0]["gone-ana"].status == "missing"
    empty.push({PATH: words(400)}, at=DUE + timedelta(hours=30))
    records, _ = check(fake, tmp_path, requests)

    assert (records["gone-ana"].status, records["gone-ana"].words) == ("late", 400)


def test_repository_renamed_into_the_expected_name_is_found(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """A rename moves updated_at but not pushed_at or created_at: the list sorted by updated
    shows it."""
    typo = fake.repo(
        f"{ORG}/reflection-ana", created_at=CREATED - timedelta(days=9)
    )  # the pattern says reflections-
    typo.push({PATH: words(360)}, at=DUE - timedelta(hours=8))
    # Made and pushed after ana's: by creation or push time, ana is not on page 1.
    others = busy_org(fake)
    requests = [org_request(x) for x in ("ana", *others)]
    assert check(fake, tmp_path, requests)[0]["ana"].status == "no-repo"

    fake.rename(f"{ORG}/reflection-ana", "reflections-ana", at=DUE + timedelta(days=2))
    records, _ = check(fake, tmp_path, requests)

    # Pushed before the deadline: on time, whatever the name was then.
    assert (records["ana"].status, records["ana"].words) == ("ok", 360)


def test_repository_transferred_into_the_organisation_is_found(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    own = fake.repo("cy/reflections-cy", created_at=CREATED - timedelta(days=9), owner_type="User")
    own.push({PATH: words(310)}, at=DUE - timedelta(hours=8))
    others = busy_org(fake)
    requests = [org_request(x) for x in ("cy", *others)]
    assert check(fake, tmp_path, requests)[0]["cy"].status == "no-repo"

    fake.transfer("cy/reflections-cy", ORG, at=DUE + timedelta(days=1))
    records, _ = check(fake, tmp_path, requests)

    assert (records["cy"].status, records["cy"].words) == ("ok", 310)


def test_list_pages_are_read_down_to_the_last_runs_newest(fake: FakeGitHub, tmp_path: Path) -> None:
    """More repositories changed since the last run than one page holds: the pages are followed
    while they are newer than the last run's newest, up to what a GraphQL re-check would cost."""
    others = [f"st{i:03d}" for i in range(150)]
    class_repos(fake, others)
    gone = [f"gone-{i:03d}" for i in range(101)]  # two GraphQL queries' worth
    requests = [org_request(x) for x in [*others, *gone]]
    check(fake, tmp_path, requests)

    created = DUE + timedelta(days=1)
    fake.repo(f"{ORG}/reflections-gone-000", created_at=created).push(
        {PATH: words(330)}, at=created
    )
    for login in others[:130]:  # then 130 others push: the new repository is on page 2
        fake.repos[f"{ORG}/reflections-{login}"].push(
            {"notes.md": b"x"}, at=created + timedelta(hours=1)
        )
    fake.reset_counters()
    records, _ = check(fake, tmp_path, requests)

    assert (records["gone-000"].status, records["gone-000"].words) == ("late", 330)
    assert all(records[x].status == "no-repo" for x in gone[1:])
    assert fake.count("GET", f"/orgs/{ORG}/repos") == 2
    # Only the student who appeared was asked over GraphQL (one heads query; the file came
    # after the cutoff, so one activity request and no other query).
    assert fake.count("POST", "/graphql") == 1


# ---------------------------------------------------------------------------- fallbacks


def test_user_owned_repositories_fall_back_to_graphql_and_say_so(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """Pattern {github}/reflections: every owner is a student, there is no list to read."""
    fake.repo("ana/reflections", owner_type="User").push(
        {PATH: words(350)}, at=DUE - timedelta(hours=1)
    )
    requests = [RepoRequest(f"s-{x}", x, f"{x}/reflections", PATH) for x in ("ana", "bo")]
    check(fake, tmp_path, requests)
    fake.reset_counters()

    records, src = check(fake, tmp_path, requests)

    assert (records["ana"].status, records["bo"].status) == ("ok", "no-repo")
    assert fake.count("GET", "/orgs/") == 0
    assert fake.graphql_used == 1  # bo asked again, as before this list existed
    assert len(src.notes) == 1 and "1 student(s) without a repository" in src.notes[0]
    assert "GraphQL on every run" in src.notes[0]

    fake.repo("bo/reflections", owner_type="User").push(
        {PATH: words(330)}, at=DUE + timedelta(hours=4)
    )
    assert check(fake, tmp_path, requests)[0]["bo"].status == "late"


def test_a_user_account_owning_every_repository_is_asked_once_then_remembered(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """Pattern prof/reflections-{github} with prof a user account: /orgs/prof/repos is a 404."""
    fake.repo("prof/reflections-ana", owner_type="User").push(
        {PATH: words(350)}, at=DUE - timedelta(hours=1)
    )
    requests = [
        RepoRequest(f"s-{x}", x, f"prof/reflections-{x}", PATH) for x in ("ana", "bo", "cy")
    ]
    records, src = check(fake, tmp_path, requests)
    assert fake.count("GET", "/orgs/prof/repos", status=404) == 1
    assert records["bo"].status == "no-repo"
    assert "prof is not an organisation" in " ".join(src.notes)

    fake.reset_counters()
    records, src = check(fake, tmp_path, requests)

    assert (records["bo"].status, records["cy"].status) == ("no-repo", "no-repo")
    assert fake.count("GET", "/orgs/") == 0  # remembered
    assert fake.graphql_used == 1
    assert "2 student(s) without a repository" in " ".join(src.notes)


@pytest.mark.parametrize("kind", ["500", "403"])
def test_list_errors_fall_back_to_graphql_without_failing_the_run(
    fake: FakeGitHub, tmp_path: Path, kind: str
) -> None:
    class_repos(fake, ["ana"])
    requests = [org_request(x) for x in ("ana", "gone-bo", "gone-cy")]
    check(fake, tmp_path, requests)
    created = DUE + timedelta(days=1)
    fake.repo(f"{ORG}/reflections-gone-bo", created_at=created).push({PATH: words(340)}, at=created)
    if kind == "403":
        fake.fail("403", match="/orgs/", times=-1)
    else:
        fake.fail(kind, match="/orgs/", times=-1, graphql=False)

    records, src = check(fake, tmp_path, requests)

    assert (records["ana"].status, records["gone-bo"].status, records["gone-cy"].status) == (
        "ok",
        "late",
        "no-repo",
    )
    assert fake.count("POST", "/graphql") >= 1  # the students without a repository, as before
    assert "GraphQL on every run" in " ".join(src.notes)
    assert f"answered {kind}" in " ".join(src.notes)


def test_list_failure_on_the_first_run_leaves_no_baseline(fake: FakeGitHub, tmp_path: Path) -> None:
    class_repos(fake, ["ana"])
    requests = [org_request(x) for x in ("ana", "gone-bo")]
    fake.fail("502", match="/orgs/", times=4, graphql=False)  # every retry of the first run
    records, _ = check(fake, tmp_path, requests)
    assert records["gone-bo"].status == "no-repo"

    fake.repo(f"{ORG}/reflections-gone-bo", created_at=DUE + timedelta(days=1)).push(
        {PATH: words(340)}, at=DUE + timedelta(days=1)
    )
    records, _ = check(fake, tmp_path, requests)

    assert records["gone-bo"].status == "late"


def test_when_more_changed_than_a_recheck_costs_graphql_decides(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """One student without a repository costs one GraphQL point to ask again; the list is not
    read past one paid page for them, and what it did not cover is asked over GraphQL."""
    others = busy_org(fake, 150)
    requests = [org_request(x) for x in (*others, "gone-ana")]
    check(fake, tmp_path, requests)

    created = DUE + timedelta(days=1)
    fake.repo(f"{ORG}/reflections-gone-ana", created_at=created).push(
        {PATH: words(330)}, at=created
    )
    for login in others[:120]:  # pushed after ana's repository appeared: it is on page 2
        fake.repos[f"{ORG}/reflections-{login}"].push(
            {"notes.md": b"x"}, at=created + timedelta(hours=1)
        )
    fake.reset_counters()
    records, _ = check(fake, tmp_path, requests)

    assert (records["gone-ana"].status, records["gone-ana"].words) == ("late", 330)
    assert fake.count("GET", f"/orgs/{ORG}/repos") == 1


def test_a_full_page_updated_in_the_same_second_long_ago_is_still_free(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """A script that pushed to every repository at once: page 1 is all one second. GitHub's
    clock (the answer's Date) is long past it, so nothing new can be dated then."""
    same = DUE + timedelta(days=1)
    others = [f"st{i:03d}" for i in range(150)]
    for login in others:
        fake.repo(f"{ORG}/reflections-{login}", created_at=CREATED).push(
            {PATH: words(350)}, at=same
        )
    requests = [org_request(x) for x in (*others, "gone-ana")]
    check(fake, tmp_path, requests)
    fake.reset_counters()

    records, _ = check(fake, tmp_path, requests)

    assert records["gone-ana"].status == "no-repo"
    assert rate_limit_spent(fake) == 0


def test_a_repository_made_in_the_same_second_as_a_full_page_is_found(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """Updates this very second: another repository dated the same second may still come, and
    sort after a full page of them; the pages are read further than the newest second."""
    now = datetime.now(UTC).replace(microsecond=0)
    others = [f"st{i:03d}" for i in range(120)]
    for login in others:
        fake.repo(f"{ORG}/reflections-{login}", created_at=now).push({PATH: words(350)}, at=now)
    requests = [org_request(x) for x in (*others, "zed")]
    assert check(fake, tmp_path, requests)[0]["zed"].status == "no-repo"

    # zed's repository: the same second, and after all of them in the list's order (page 2).
    fake.repo(f"{ORG}/reflections-zed", created_at=now).push({PATH: words(330)}, at=now)
    fake.reset_counters()
    records, _ = check(fake, tmp_path, requests)

    assert fake.count("GET", f"/orgs/{ORG}/repos", status=304) == 1  # page 1 did not change
    assert records["zed"].status == "late"


def test_access_granted_later_is_noticed_within_a_day(fake: FakeGitHub, tmp_path: Path) -> None:
    """A private repository the TA's token could not see looks missing, and being given access
    does not move it in the list: GraphQL is asked again once a day."""
    hidden = fake.repo(f"{ORG}/reflections-bo", created_at=CREATED - timedelta(days=9))
    hidden.hidden = True
    hidden.push({PATH: words(340)}, at=DUE - timedelta(hours=10))
    others = busy_org(fake)  # updated later than bo's: bo would be on page 2, unchanged page 1
    requests = [org_request(x) for x in ("bo", *others)]
    assert check(fake, tmp_path, requests)[0]["bo"].status == "no-repo"

    hidden.hidden = False  # the TA is added to the team that can read it
    fake.reset_counters()
    soon, _ = check(fake, tmp_path, requests, now=AFTER + timedelta(hours=2))
    assert soon["bo"].status == "no-repo" and rate_limit_spent(fake) == 0  # not seen yet

    next_day, _ = check(fake, tmp_path, requests, now=AFTER + timedelta(hours=25))
    assert (next_day["bo"].status, next_day["bo"].words) == ("ok", 340)
