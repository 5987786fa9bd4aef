"""A hostile or broken GitHub (or a proxy in front of it): each student affected is `error`
with a one-line reason, or the run stops with one line; never a traceback, a hang or lost
results. One test per class of misbehaviour, against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from coursectl.errors import UserError, redact
from tests.fake_github import FakeGitHub
from tests.test_github_source import CUTOFF, DUE, PATH, judge, repo, request, run, source, words


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


def one_line(reason: str) -> None:
    assert reason and "\n" not in reason and "Traceback" not in reason


@pytest.mark.parametrize("kind", ["html", "null", "string"])
def test_a_200_that_is_not_the_expected_json_is_that_students_error(
    fake: FakeGitHub, kind: str
) -> None:
    for login in ("ana", "bo"):
        repo(fake, login).push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    # bo's push events come back malformed (REST), every time.
    fake.fail(kind, match="reflections-bo/activity", times=-1)
    records = run(fake, ["ana", "bo"])
    assert records["ana"].status == "late"
    assert records["bo"].status == "error"
    one_line(records["bo"].reason)


@pytest.mark.parametrize("kind", ["html", "null", "string"])
def test_a_graphql_200_that_is_not_an_object_fails_its_batch_only(
    fake: FakeGitHub, kind: str
) -> None:
    repo(fake, "cy").push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    fake.fail(kind, graphql=True, times=-1)
    record = run(fake, ["cy"])["cy"]
    assert record.status == "error" and "GraphQL" in record.reason
    one_line(record.reason)


@pytest.mark.parametrize("kind", ["redirect", "redirect-away"])
def test_redirects_are_that_students_error(fake: FakeGitHub, kind: str) -> None:
    for login in ("di", "ed"):
        repo(fake, login).push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    fake.fail(kind, match="reflections-ed/activity", times=-1)
    records = run(fake, ["di", "ed"])
    assert records["di"].status == "late"
    assert records["ed"].status == "error" and "redirect" in records["ed"].reason
    one_line(records["ed"].reason)


@pytest.mark.parametrize(
    ("kind", "reset_in"),
    [("retry-after-date", 3 * 3600), ("retry-after-huge", 0), ("reset-far", 0)],
)
def test_waits_github_asks_for_are_capped_then_the_run_stops_with_one_line(
    fake: FakeGitHub, kind: str, reset_in: float
) -> None:
    repo(fake, "fa").push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    fake.fail(kind, reset_in=reset_in, times=-1)
    slept: list[float] = []
    started = time.monotonic()
    with pytest.raises(UserError) as stopped:
        source(fake, sleep=slept.append).fetch([request("fa")], CUTOFF)
    assert time.monotonic() - started < 10
    assert all(s <= 90 for s in slept)
    message = str(stopped.value)
    one_line(message)
    assert "rate limit" in message and "run the same command again" in message


def test_retry_after_as_a_near_http_date_is_waited_out(fake: FakeGitHub) -> None:
    sha = repo(fake, "ga").push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    fake.fail("retry-after-date", reset_in=30)
    slept: list[float] = []
    record = judge(source(fake, sleep=slept.append).fetch([request("ga")], CUTOFF))["ga"]
    assert (record.status, record.commit) == ("ok", sha)
    assert slept and 20 <= max(slept) <= 31


def test_a_body_that_trickles_forever_is_cut_off_by_the_request_deadline(
    fake: FakeGitHub,
) -> None:
    for login in ("ha", "io"):
        repo(fake, login).push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    fake.fail("trickle", match="reflections-io/activity", times=-1)
    started = time.monotonic()
    records = run(fake, ["ha", "io"], request_deadline=1.5, attempts=1)
    assert time.monotonic() - started < 10
    assert records["ha"].status == "late"
    assert records["io"].status == "error" and "within 1.5 s" in records["io"].reason
    one_line(records["io"].reason)


def test_after_the_run_deadline_the_rest_are_errors_and_results_are_kept(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    on_time = repo(fake, "la").push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    repo(fake, "mo").push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    # la is settled by the first GraphQL query; mo's push events come after the run's deadline.
    fake.fail("slow", match="reflections-mo/activity", delay=3, times=-1)
    src = source(fake, tmp_path, run_deadline=1.0, timeout=10)
    started = time.monotonic()
    fetched = {f.request.github: f for f in src.fetch([request("la"), request("mo")], CUTOFF)}
    assert time.monotonic() - started < 3
    assert fetched["la"].outcome == "ok" and fetched["la"].on_time is not None
    assert fetched["la"].on_time.commit_sha == on_time
    assert fetched["mo"].outcome == "error" and "deadline" in fetched["mo"].reason
    one_line(fetched["mo"].reason)
    # What was fetched is in the cache: the next run does not ask for la again.
    fake.reset_counters()
    again = {f.request.github: f for f in source(fake, tmp_path).fetch([request("la")], CUTOFF)}
    assert again["la"].outcome == "ok" and fake.requests == 0


def test_a_20_mb_answer_is_refused_at_the_size_cap(fake: FakeGitHub) -> None:
    for login in ("ja", "ko"):
        repo(fake, login).push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    fake.fail("huge", match="reflections-ko/activity", times=-1)
    records = run(fake, ["ja", "ko"])  # the default cap
    assert records["ja"].status == "late"
    assert records["ko"].status == "error" and "MB" in records["ko"].reason
    one_line(records["ko"].reason)


def test_redact_hides_userinfo_and_token_shaped_strings() -> None:
    text = (
        "http://x-access-token:s3cr3t@ghe.example.edu/api/v3 ghp_abcdefABCDEF0123456789 "
        "github_pat_11AAAA_bbbb gho_x1 ghs_y2 Authorization: token zzz123 Bearer qqq12345678"
    )
    shown = redact(text)
    for secret in ("s3cr3t", "ghp_abcdef", "11AAAA", "gho_x1", "ghs_y2", "zzz123", "qqq"):
        assert secret not in shown
    assert "ghe.example.edu" in shown


@pytest.mark.parametrize("kind", ["html", "null", "string", "redirect", "redirect-away", "huge"])
def test_feedback_issues_on_a_broken_server_fail_per_student_with_one_line(
    fake: FakeGitHub, kind: str
) -> None:
    from coursectl.integrations.github import GitHubClient, open_feedback_issues
    from coursectl.reflections.feedback import Feedback

    for login in ("na", "ol"):
        repo(fake, login).push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    fake.fail(kind, match="reflections-ol/issues", times=-1)
    client = GitHubClient(
        fake.token,
        fake.base_url,
        seconds_between_writes=None,
        backoff=0.01,
    )
    feedback = [
        Feedback(f"s-{x}", x, f"llm101-sp26/reflections-{x}", "Week 7 feedback", "Well done")
        for x in ("na", "ol")
    ]
    kept: list[object] = []
    results = {r.github: r for r in open_feedback_issues(client, feedback, kept.append)}
    assert results["na"].outcome == "opened" and len(kept) == 1
    assert results["ol"].outcome == "failed"
    one_line(results["ol"].reason)


def test_log_records_of_the_sdk_are_redacted(
    fake: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    repo(fake, "pa").push({PATH: words(350)}, at=DUE - timedelta(hours=1))
    secret = "ghp_LEAKEDinAnAnswer0123456789"
    fake.fail("403", match="/graphql", message=f"token {secret} is not allowed")
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="github"):
        run(fake, ["pa"])
        logging.getLogger("github.Requester").debug("Authorization: token %s", secret)
    assert caplog.records and secret not in caplog.text


def test_gzip_answers_are_read_decoded_under_the_cap(fake: FakeGitHub) -> None:
    fake.gzip = True
    sha = repo(fake, "qu").push({PATH: words(350)}, at=DUE + timedelta(hours=1))
    record = run(fake, ["qu"])["qu"]
    assert (record.status, record.words, record.commit) == ("late", 350, sha)
