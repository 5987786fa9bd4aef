"""The GitHub adapter: the only module that imports PyGithub.

`GitHubSource` fetches every student's reflection for `coursectl check-reflections --source
github`. On time means *received by GitHub* by the cutoff (due + grace): commit dates are set by
the student and never used. The cutoff version is found with the repository activity API (push
events: server timestamp, before/after SHA, ref) — PyGithub has no wrapper for it, so its
requester is used, as for GraphQL.

Cost (GitHub allows 5,000 REST requests and 5,000 GraphQL points an hour):
- one GraphQL query per 100 repositories reads `pushedAt`, the default branch and the file at
  HEAD; a repository not pushed since the cutoff needs nothing more;
- only repositories pushed after the cutoff, or whose result may still change, get one
  activity request (REST, concurrent, with an ETag: unchanged answers are free 304s), and their
  cutoff versions come from one more GraphQL query per 100;
- results that can no longer change (cutoff passed, on-time version known and, with the
  command's `settled` rule, within the word range) are kept in the cache folder and cost nothing
  on later runs; other results are reused when their activity ETag still matches (a free 304);
- students without a repository are re-checked through their organisation's repository list
  (most recently updated first, with an ETag: a free 304 while nothing in the organisation
  changed); only those whose repository appeared on it are asked over GraphQL again. Where
  the owner is not one organisation, or its list cannot be read, GraphQL re-checks them.
Retries are PyGithub's GithubRetry (urllib3 Retry): 5xx answers, time-outs and refused
connections with backoff, Retry-After and rate limits waited out when the reset is near;
otherwise the run stops with a message naming the reset time. Bodies cut short are sent again
here (urllib3 has returned before the body is read). A hostile or broken server cannot hang,
flood or crash a run: bodies are read under a deadline and a size cap (_GuardedAdapter), the run
has a deadline, and a malformed answer, a redirect or an absurd wait is one line (see
REQUEST_DEADLINE). Every message and the cache go through coursectl.errors.redact.

The token comes from GITHUB_TOKEN, else `gh auth token`; it is never an argument, never printed
or logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Self
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3 import BaseHTTPResponse, Retry

from coursectl.errors import RedactingFilter, UserError, redact
from coursectl.reflections.check import MAX_FILE_BYTES
from coursectl.reflections.feedback import Feedback, IssueResult
from coursectl.reflections.source import FileSnapshot, Outcome, RepoFetch, RepoRequest

# PyGithub attaches a stderr handler to its logger at import and logs every retry through it
# ("Request GET ... failed with 403", with request URLs) beside our one-line errors. The user
# sees our messages only; a TA who configures logging still gets PyGithub's records.
_PYGITHUB_LOG = logging.getLogger("github")
for _handler in list(_PYGITHUB_LOG.handlers):
    if type(_handler) is logging.StreamHandler:
        _PYGITHUB_LOG.removeHandler(_handler)
_PYGITHUB_LOG.addHandler(logging.NullHandler())
# Their records (request URLs, headers, bodies) are redacted before any handler sees them; a
# logger's filter applies to records made on it, so each of PyGithub's and urllib3's loggers.
for _name in (
    "github",
    "github.Requester",
    "github.GithubRetry",
    "urllib3",
    "urllib3.connectionpool",
):
    logging.getLogger(_name).addFilter(RedactingFilter())

if TYPE_CHECKING:
    from coursectl.reflections.source import SourceOptions

TOKEN_ENV = "GITHUB_TOKEN"
DEFAULT_API_URL = "https://api.github.com"
GRAPHQL_BATCH = 100  # repositories per GraphQL query (GitHub's limit for aliased nodes)
# Concurrent requests: GitHub allows at most 100 at once; 64 keeps 500 students under 2 s at
# 100 ms a request even when every repository needs its push events.
WORKERS = 64
# Pushes after the cutoff compared with HEAD to date a late version (a student pushing daily
# for a month is dated at worst to within the oldest of these).
ARRIVAL_CHECKS = 30
ZERO_SHA = "0" * 40
CACHE_VERSION = 1
# An organisation's repository list, most recently updated first: how a re-run learns for free
# (a 304) that students without a repository still have none.
LISTING_PARAMS = {"sort": "updated", "direction": "desc", "per_page": 100}
# ...trusted this long after GraphQL last said "no repository". Then GraphQL is asked again (one
# point per 100 students): a repository the token was only later given access to does not
# move in the list, and updated_at's behaviour on a rename or transfer is GitHub's, not ours.
MISSING_RECHECK_AFTER = timedelta(hours=24)
LISTING_MAX_PAGES = 10  # read one after the other: past this, GraphQL is quicker
# A hostile or broken server (or a proxy in front of it) cannot hang or flood a run: each answer
# is read within REQUEST_DEADLINE (socket time-outs only bound the gap between two bytes), at most
# MAX_ANSWER_BYTES (a GraphQL answer for 100 reflections of a few KB is under 1 MB; 16 students
# of one batch with 1 MB files still fit), and the
# whole run ends by RUN_DEADLINE: students not fetched by then are `error`, the rest are kept.
REQUEST_DEADLINE = 120.0
RUN_DEADLINE = 30 * 60.0
MAX_ANSWER_BYTES = 16 * MAX_FILE_BYTES
# Errors a malformed answer (JSON null, a string, a list, missing fields) raises where a field
# is read: that request's students are `error`, never a traceback.
SHAPE_ERRORS = (AttributeError, TypeError, KeyError, ValueError, IndexError)
SHAPE_REASON = "GitHub's answer was not in the expected form (a proxy or a wrong --api-url?)"
# A wait GitHub asks for past this (a Retry-After or X-RateLimit-Reset years ahead) is not
# believed: it is reported as "more than a day", never computed as a date.
MAX_BELIEVED_WAIT = 24 * 3600.0


# ---------------------------------------------------------------------------- token


def _checked_api_url(api_url: str | None) -> str:
    """The API URL without a trailing slash, or a UserError saying how to write it.

    course.github.api_url is checked when schedule.yaml loads, so a bad one here came from
    --api-url.
    """
    from coursectl.course.model import api_url_mistake

    if api_url is None:
        return DEFAULT_API_URL
    mistake = api_url_mistake(api_url)
    if mistake:
        raise UserError(f"--api-url: {mistake}")
    return api_url.strip().rstrip("/")


def resolve_token(env: dict[str, str] | None = None, api_url: str | None = None) -> str:
    """GITHUB_TOKEN, else `gh auth token` (for the Enterprise host when `api_url` names one);
    a UserError saying how to get one otherwise."""
    environ = os.environ if env is None else env
    api_url = _checked_api_url(api_url)
    token = (environ.get(TOKEN_ENV) or "").strip()
    if token:
        return token
    command = ["gh", "auth", "token"]
    host = urlsplit(api_url or DEFAULT_API_URL).hostname or ""
    if host and host not in ("api.github.com", "github.com"):
        command += ["--hostname", host]
    with suppress(FileNotFoundError, subprocess.TimeoutExpired, OSError):
        done = subprocess.run(command, capture_output=True, text=True, timeout=15, check=False)
        token = done.stdout.strip() if done.returncode == 0 else ""
        if token:
            return token
    raise UserError(
        f"no GitHub token: set {TOKEN_ENV} in the environment or log in with `gh auth login`"
    )


# ---------------------------------------------------------------------------- errors


_RESOURCE_NAMES = {"core": "REST API", "graphql": "GraphQL API"}


class RateLimitStop(UserError):
    """GitHub's rate limit is used up and will not reset soon enough to wait."""

    def __init__(self, wait: float, resource: str) -> None:
        """`wait`: seconds until the reset, as GitHub said (any size: capped here)."""
        name = _RESOURCE_NAMES.get(resource, resource)
        if not wait <= MAX_BELIEVED_WAIT:  # also NaN
            self.reset = datetime.now(UTC) + timedelta(seconds=MAX_BELIEVED_WAIT)
            super().__init__(
                f"GitHub ({name}) asks to wait more than a day (rate limit or Retry-After); "
                "results fetched so far are cached: run the same command again later"
            )
            return
        self.reset = datetime.now(UTC) + timedelta(seconds=max(0.0, wait))
        local = self.reset.astimezone()
        super().__init__(
            f"GitHub {name} rate limit used up; it resets at {local:%H:%M %Z} "
            f"(in {round(max(0.0, wait) / 60)} min). Results fetched so far are cached: "
            "run the same command again then"
        )


def _seconds_until(reset: Any, default: float = 3600.0) -> float:
    """Seconds until an X-RateLimit-Reset epoch time; `default` when it is not a number."""
    try:
        return float(reset) - time.time()
    except (TypeError, ValueError):
        return default


class AnswerProblem(requests.RequestException):
    """An answer this client will not read further (too big, or too slow as a whole)."""


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter reading each body in pieces under a total deadline and a size cap:
    a server that trickles bytes (each within the socket time-out) or sends 20 MB cannot hang
    the run or fill memory."""

    def __init__(self, client: GitHubClient, **kwargs: Any) -> None:
        self.client = client
        super().__init__(**kwargs)

    def send(  # type: ignore[override]  # keywords passed through as requests gives them
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        deadline, why = self.client.request_ends()
        self.client.set_deadline(deadline)
        kwargs["stream"] = True
        # Waiting for the headers is bounded by the deadline too.
        given = kwargs.get("timeout")
        left = max(0.05, deadline - time.monotonic())
        kwargs["timeout"] = min(given, left) if isinstance(given, int | float) else left
        response = super().send(request, **kwargs)
        cap = self.client.max_answer_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            response.close()
            raise AnswerProblem(f"GitHub's answer is over the {cap / 2**20:g} MB cap")
        pieces: list[bytes] = []
        size = 0
        try:
            # decode_content: requests leaves gzip to iter_content, which this replaces.
            while piece := response.raw.read1(65536, decode_content=True):
                size += len(piece)
                if size > cap:
                    raise AnswerProblem(f"GitHub's answer is over the {cap / 2**20:g} MB cap")
                if time.monotonic() > deadline:
                    raise AnswerProblem(why)
                pieces.append(piece)
        except AnswerProblem:
            response.close()
            raise
        except urllib3.exceptions.ReadTimeoutError as exc:
            response.close()
            raise requests.exceptions.ConnectionError(exc) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # cut short: sent again
            response.close()
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        response._content = b"".join(pieces)
        response._content_consumed = True
        return response


class FetchFailed(Exception):
    """One request failed for good (after retries); the message is one line for the report."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(redact(message).split()))


class _Stopped(Exception):
    """Another worker hit the rate limit; stop quietly."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    data: Any


@dataclass
class ClientStats:
    retries: int = 0  # requests sent again (urllib3's retries and answers cut off)


class _Retry(GithubRetry):
    """PyGithub's urllib3 Retry (5xx and time-outs with backoff, Retry-After, primary and
    secondary rate limits), with its waits made through the client: capped at max_rate_wait
    (past it the run stops naming the reset time) and replaceable in tests."""

    def __init__(self, client: GitHubClient | None = None, **kwargs: Any) -> None:
        self.client = client
        super().__init__(**kwargs)

    def new(self, **kwargs: Any) -> Self:
        kwargs["client"] = self.client
        return super().new(**kwargs)

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        if self.client is not None and time.monotonic() > self.client.current_deadline():
            # Past this request's (or the run's) deadline: no more tries.
            error = kwargs.get("error") or (args[3] if len(args) > 3 else None)
            pool, url = kwargs.get("_pool"), kwargs.get("url") or ""
            raise urllib3.exceptions.MaxRetryError(pool, url, error)  # type: ignore[arg-type]
        retry = super().increment(*args, **kwargs)
        if self.client is not None:
            self.client.count_retry()
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        after = self.get_retry_after(response) if response is not None else None
        wait = after if after is not None else self.get_backoff_time()
        if self.client is None:
            super().sleep(response)
        elif wait > 0:
            self.client.wait(wait, response.headers if response is not None else {})


class GitHubClient:
    """PyGithub with this project's retry, rate-limit and thread rules.

    PyGithub's connection object keeps per-request state (verb, url, headers) on the shared
    connection, so one `Github` per thread; each is lazy and makes no request until asked.
    """

    def __init__(
        self,
        token: str,
        api_url: str | None = None,
        *,
        timeout: float = 15,
        attempts: int = 4,
        backoff: float = 0.5,
        max_rate_wait: float = 90,
        seconds_between_writes: float | None = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        request_deadline: float = REQUEST_DEADLINE,
        run_deadline: float = RUN_DEADLINE,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self._token = token
        self.api_url = _checked_api_url(api_url)
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_rate_wait = max_rate_wait
        self.seconds_between_writes = seconds_between_writes
        self._sleep = sleep
        self.request_deadline = request_deadline
        self.run_deadline = run_deadline
        self.max_answer_bytes = max_answer_bytes
        self._run_ends = time.monotonic() + run_deadline
        self._local = threading.local()
        self._lock = threading.Lock()
        self.stats = ClientStats()
        self.stop = threading.Event()
        self.stop_error: UserError | None = None
        self._exhausted: dict[str, float] = {}  # resource -> reset time, once Remaining hit 0

    def __repr__(self) -> str:  # never show the token
        return f"GitHubClient({redact(self.api_url)!r})"

    def start_run(self) -> None:
        """The run's deadline starts now."""
        self._run_ends = time.monotonic() + self.run_deadline

    def request_ends(self) -> tuple[float, str]:
        """When the request starting now must be read whole (monotonic clock), and why."""
        ends = time.monotonic() + self.request_deadline
        if self._run_ends < ends:
            return self._run_ends, self._run_over()
        return ends, f"GitHub's answer did not arrive whole within {self.request_deadline:g} s"

    def set_deadline(self, deadline: float) -> None:
        self._local.deadline = deadline

    def current_deadline(self) -> float:
        """The deadline of this thread's request under way (urllib3 retries stop there)."""
        deadline: float = getattr(self._local, "deadline", self._run_ends)
        return deadline

    def _run_over(self) -> str:
        return (
            f"not fetched: the run's {self.run_deadline:g} s deadline passed "
            "(GitHub too slow); run the same command again for the rest"
        )

    def github(self, once: bool = False) -> Github:
        """This thread's client; `once`: a 5xx or a time-out is not sent again (a POST that may
        have taken effect), a rate limit still is (GitHub did nothing)."""
        name = "once" if once else "github"
        client: Github | None = getattr(self._local, name, None)
        if client is None:
            retry = _Retry(
                self,
                total=self.attempts - 1,
                backoff_factor=self.backoff,
                backoff_jitter=self.backoff / 2,
                max_rate_limit_wait=self.max_rate_wait,
                raise_on_status=False,  # the last answer is returned, then reported
                **({"status_forcelist": [], "read": 0} if once else {}),
            )
            client = Github(
                auth=Auth.Token(self._token),
                base_url=self.api_url,
                timeout=int(max(1, self.timeout)),
                retry=retry,
                seconds_between_requests=None,
                seconds_between_writes=self.seconds_between_writes,
                per_page=100,
                pool_size=2,
                lazy=True,
            )
            # PyGithub builds its requests session itself: mount the guarded adapter on it (the
            # connection is persistent, so this is the one every request of this thread uses).
            connection = client.requester._Requester__createConnection()  # type: ignore[attr-defined]
            adapter = _GuardedAdapter(self, max_retries=retry, pool_connections=2, pool_maxsize=2)
            connection.session.mount("http://", adapter)
            connection.session.mount("https://", adapter)
            setattr(self._local, name, client)
        return client

    def count_retry(self) -> None:
        with self._lock:
            self.stats.retries += 1

    def wait(self, seconds: float, headers: Mapping[str, str]) -> None:
        """Wait out a rate limit or a backoff; a rate limit that resets later stops the run."""
        if not seconds <= self.max_rate_wait:  # also NaN
            raise RateLimitStop(seconds, headers.get("x-ratelimit-resource", "core"))
        self._sleep(seconds)

    # ------------------------------------------------------------------ requests

    def rest(
        self,
        verb: str,
        url: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        etag: str | None = None,
        once: bool = False,
    ) -> Reply:
        """One REST call; 304 comes back as a Reply with data None. `once`: no retry after a
        5xx or time-out (for a POST that may have taken effect)."""
        headers = {"If-None-Match": etag} if etag else None

        def send(gh: Github) -> Reply:
            try:
                status, got, text = gh.requester.requestJson(verb, url, params, headers, body)
            except RateLimitExceededExceedsMaxWait:
                raise
            except GithubException as exc:  # GithubRetry raises a 403 that is no rate limit
                return Reply(exc.status, _lower(exc.headers), exc.data)
            data: Any = text
            if text and status != 304 and status < 500:
                try:
                    data = json.loads(text)
                except ValueError:
                    kind = got.get("content-type", "")
                    if status < 400 and "json" in kind:
                        raise  # a success whose JSON is cut short: sent again
                    if status < 400:
                        raise FetchFailed(
                            f"GitHub answered {status} with {kind or 'a body'} instead of JSON "
                            "(a proxy or a wrong --api-url?)"
                        ) from None
                    # An error page from a proxy in front of GitHub Enterprise: keep the text.
            return Reply(status, got, data)

        return self._call(send, "core", once)

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The GraphQL answer {"data": ..., "errors": [...]}; per-alias errors are not raised."""

        def send(gh: Github) -> Reply:
            try:
                headers, data = gh.requester.graphql_query(query, variables)
            except RateLimitExceededExceedsMaxWait:
                raise
            except GithubException as exc:
                partial = exc.data if isinstance(exc.data, dict) else None
                if exc.status in (400, 404) and partial is not None and "data" in partial:
                    # PyGithub raises when an alias is NOT_FOUND; the other aliases' data is here.
                    return Reply(200, _lower(exc.headers), partial)
                return Reply(exc.status, _lower(exc.headers), exc.data)
            return Reply(200, headers, data)

        reply = self._call(send, "graphql")
        answer = reply.data
        if reply.status != 200 or not isinstance(answer, dict):
            raise FetchFailed(f"GitHub GraphQL answered {reply.status} without a JSON object")
        errors = answer.get("errors") or []
        if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
            raise FetchFailed(f"GitHub GraphQL: {SHAPE_REASON}")
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            self._wait_for_reset(_seconds_until(reply.headers.get("x-ratelimit-reset")), "graphql")
        return answer

    def _call(self, send: Callable[[Github], Reply], resource: str, once: bool = False) -> Reply:
        """`send` through this thread's client. urllib3 (GithubRetry) retries 5xx, time-outs,
        refused connections and rate limits; what it cannot see is retried here: an answer whose
        body was cut short (requests reads the body after urllib3 has returned)."""
        tries = 1 if once else self.attempts
        said = f" ({tries} tries)" if tries > 1 else ""
        for attempt in range(tries):
            if self.stop.is_set():
                raise _Stopped
            if time.monotonic() > self._run_ends:
                raise FetchFailed(self._run_over())
            with self._lock:
                reset = self._exhausted.pop(resource, None)
            if reset is not None:
                # The last answer said no requests are left: do not spend one to hear a 403.
                self._wait_for_reset(reset - time.time(), resource)
            try:
                reply = send(self.github(once))
            except RateLimitStop as stop:
                self._halt(stop)
            except RateLimitExceededExceedsMaxWait as exc:
                headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
                wait = _seconds_until(headers.get("x-ratelimit-reset"), float(exc.wait or 3600))
                self._halt(RateLimitStop(wait, headers.get("x-ratelimit-resource", resource)))
            except RuntimeError as exc:
                # PyGithub refuses a redirect to another host or scheme (a wrong --api-url).
                raise FetchFailed(
                    f"GitHub redirected elsewhere: {redact(str(exc))[:200]}"
                ) from None
            except AnswerProblem as exc:
                raise FetchFailed(str(exc)) from None
            except (requests.RequestException, ValueError) as exc:
                retried = _retries_exhausted(exc)
                if isinstance(exc, requests.exceptions.InvalidURL):
                    self._halt(UserError(f"--api-url {redact(self.api_url)}: {redact(str(exc))}"))
                if isinstance(retried, urllib3.exceptions.NewConnectionError):
                    # Nothing reached the server: every student would fail the same way, so
                    # say it once instead of reporting each of them.
                    self._halt(
                        UserError(
                            f"cannot connect to GitHub at {redact(self.api_url)}; check the network, "
                            "--api-url or course.github.api_url in schedule.yaml"
                        )
                    )
                if time.monotonic() > self._run_ends:
                    raise FetchFailed(self._run_over()) from None
                if isinstance(retried, urllib3.exceptions.ReadTimeoutError):
                    raise FetchFailed(
                        f"no answer from GitHub within {self.timeout:g} s{said}"
                    ) from None
                if retried is not None or attempt + 1 == tries:
                    raise FetchFailed(f"GitHub's answer was cut off{said}") from None
                self.count_retry()
                continue
            if reply.headers.get("x-ratelimit-remaining") == "0":
                with self._lock:
                    left = _seconds_until(reply.headers.get("x-ratelimit-reset"))
                    self._exhausted[resource] = time.time() + min(left, 2 * MAX_BELIEVED_WAIT)
            if reply.status == 401:
                self._halt(
                    UserError(
                        f"GitHub ({redact(self.api_url)}) refused the token (401 Bad credentials); "
                        f"check {TOKEN_ENV} or run `gh auth login` again"
                    )
                )
            if reply.status in (403, 429) and _is_rate_limit(reply):
                # GithubRetry gives a rate limit back when it cannot read its reset (a year out
                # of range): a reset that far off stops the run, like any far reset.
                wait = _seconds_until(reply.headers.get("x-ratelimit-reset"), 0.0)
                if not wait <= self.max_rate_wait:
                    self._halt(
                        RateLimitStop(wait, reply.headers.get("x-ratelimit-resource", resource))
                    )
                raise FetchFailed("still rate limited after waiting for the reset")
            if reply.status >= 500:
                raise FetchFailed(f"GitHub answered {reply.status}{said}")
            if 300 <= reply.status < 400 and reply.status != 304:
                where = redact(str(reply.headers.get("location", "")))[:200]
                raise FetchFailed(
                    f"GitHub answered {reply.status}, a redirect to {where or 'nowhere'} "
                    "(check --api-url or course.github.api_url)"
                )
            return reply
        raise AssertionError("unreachable")

    def _halt(self, error: UserError) -> NoReturn:
        """Stop every worker; the source raises the first such error once results are saved."""
        with self._lock:
            if self.stop_error is None:
                self.stop_error = error
        self.stop.set()
        raise _Stopped

    def _wait_for_reset(self, seconds: float, resource: str) -> None:
        """Wait `seconds` for the reset when it is near; otherwise stop every worker with a clear
        message."""
        wait = max(0.0, seconds) + 1  # GitHub's reset is in whole seconds
        if not wait <= self.max_rate_wait:
            self._halt(RateLimitStop(wait, resource))
        self._sleep(wait)


def _lower(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers with lower-case names, as PyGithub gives them on success (not on an exception)."""
    return {k.lower(): v for k, v in (headers or {}).items()}


def _retries_exhausted(exc: BaseException) -> BaseException | None:
    """What urllib3 last failed with, when it gave up retrying (else None)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, urllib3.exceptions.MaxRetryError):
            return seen.reason
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nested or seen.__context__
    return None


def _is_rate_limit(reply: Reply) -> bool:
    headers = reply.headers
    if headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers:
        return True
    message = reply.data.get("message", "") if isinstance(reply.data, dict) else str(reply.data)
    return "rate limit" in message.lower()


# ---------------------------------------------------------------------------- cache


class FetchCache:
    """ETags with their answers, and results that can no longer change: one JSON file.

    Keyed by API URL, so a GitHub Enterprise course and github.com never mix. Student text lives
    here: the folder is `.coursectl/cache` in the course (git-ignored) unless told otherwise.
    """

    def __init__(self, folder: Path | None, api_url: str) -> None:
        self.path: Path | None = None
        if folder is not None:
            digest = hashlib.sha256(api_url.encode()).hexdigest()[:12]
            self.path = folder / f"github-{digest}.json"
        self._lock = threading.Lock()
        self.etags: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        # Per repository owner (lower case): {"high_water": updated_at of the newest repository
        # in the organisation's list when last read, "since": the baseline it gives (see
        # _list_baseline)} or {"unavailable": why it cannot be listed}.
        self.listings: dict[str, dict[str, Any]] = {}
        if self.path is not None and self.path.exists():
            with suppress(OSError, ValueError):
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                # A damaged or foreign cache is ignored: the run fetches afresh.
                if isinstance(stored, dict) and stored.get("version") == CACHE_VERSION:
                    self.etags = stored.get("etags", {})
                    self.results = stored.get("results", {})
                    self.listings = stored.get("listings", {})

    def save(self) -> None:
        if self.path is None:
            return
        from coursectl.files import atomic_write_text

        with self._lock:
            document = {
                "version": CACHE_VERSION,
                "etags": self.etags,
                "results": self.results,
                "listings": self.listings,
            }
            # Reasons and kept answers came from the server: no credential is written to disk.
            text = json.dumps(_redacted(document))
        atomic_write_text(self.path, text, private=True)  # students' repositories and texts

    def etag_for(self, url: str) -> tuple[str | None, Any]:
        with self._lock:
            entry = self.etags.get(url)
        return (entry["etag"], entry["data"]) if entry else (None, None)

    def keep_etag(self, url: str, etag: str | None, data: Any) -> None:
        if etag:
            with self._lock:
                self.etags[url] = {"etag": etag, "data": data}

    def result(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self.results.get(key)

    def keep_result(self, key: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self.results[key] = entry

    def forget_result(self, key: str) -> None:
        with self._lock:
            self.results.pop(key, None)

    def listing(self, owner: str) -> dict[str, Any] | None:
        with self._lock:
            return self.listings.get(owner.lower())

    def keep_listing(self, owner: str, state: dict[str, Any]) -> None:
        with self._lock:
            self.listings[owner.lower()] = state


def _redacted(value: Any) -> Any:
    """`value` with every string redacted, except students' texts: they are base64, which holds
    no credential shape (no `_`, `:` or space), and scanning megabytes of it cost a second at
    5,000 students."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: item if key == "content" else _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


def _snapshot_json(snapshot: FileSnapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    return {
        "content": base64.b64encode(snapshot.content).decode(),
        "commit": snapshot.commit_sha,
        "received_at": snapshot.received_at.isoformat(),
    }


def _snapshot_from(entry: dict[str, Any] | None) -> FileSnapshot | None:
    if entry is None:
        return None
    return FileSnapshot(
        base64.b64decode(entry["content"]),
        entry["commit"],
        datetime.fromisoformat(entry["received_at"]),
        time_verified=True,
    )


def _fetch_json(fetch: RepoFetch) -> dict[str, Any]:
    return {
        "outcome": fetch.outcome,
        "reason": fetch.reason,
        "on_time": _snapshot_json(fetch.on_time),
        "latest": _snapshot_json(fetch.latest),
    }


def _fetch_from(request: RepoRequest, entry: dict[str, Any]) -> RepoFetch:
    return RepoFetch(
        request,
        entry["outcome"],
        entry.get("reason", ""),
        _snapshot_from(entry.get("on_time")),
        _snapshot_from(entry.get("latest")),
    )


# ---------------------------------------------------------------------------- the source


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class _Blob:
    oid: str
    content: bytes | None  # None: must be read over REST (binary, cut short, not UTF-8)
    size: int


@dataclass
class _Push:
    after: str
    at: datetime


@dataclass
class _Work:
    """What is known about one request while it is being fetched."""

    index: int
    request: RepoRequest
    owner: str = ""
    name: str = ""
    outcome: Outcome | None = None
    reason: str = ""
    pushed_at: datetime | None = None
    branch: str | None = None
    head: str | None = None
    head_blob: _Blob | None = None
    pushes: list[_Push] | None = None  # newest first; None: not asked
    activity_etag: str | None = None
    on_time_sha: str | None = None
    on_time_at: datetime | None = None
    on_time_blob: _Blob | None = None
    later: list[_Push] = field(default_factory=list)  # pushes after the cutoff to compare
    arrival: datetime | None = None  # when HEAD's version of the file first reached GitHub


@dataclass
class _Listing:
    """What an organisation's repository list (most recently updated first) showed this run."""

    owner: str
    names: set[str] = field(default_factory=set)  # lower case, on the pages read
    high_water: str = ""  # updated_at of the newest repository ("" : the list is empty)
    # The baseline kept with a "no repository" result: every repository updated before it was
    # in this list ("" : none can be assumed).
    since: str = ""
    oldest: datetime | None = None  # updated_at of the oldest repository read
    complete: bool = False  # read to the end
    unavailable: str = ""  # why the list cannot be used ("" : it can)

    def covers(self, since: str) -> bool:
        """True when every repository updated at or after `since` (an earlier run's baseline;
        "" : the beginning) is on the pages read."""
        if self.complete:
            return True
        return bool(since) and self.oldest is not None and self.oldest < _parse_time(since)


class GitHubSource:
    """`ReflectionSource` over GitHub (github.com or Enterprise)."""

    def __init__(
        self,
        client: GitHubClient,
        cache_dir: Path | None = None,
        workers: int = 32,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        settled: Callable[[FileSnapshot], bool] | None = None,
    ) -> None:
        """`settled(on_time)`: True when that on-time version fixes the student's status for
        good (e.g. it is within the word range, so later pushes cannot change the grade). Such
        results are not asked for again once the cutoff has passed. None: any on-time version
        does, as the issue's rule says."""
        self.client = client
        self.cache = FetchCache(cache_dir, client.api_url)
        self.workers = max(1, workers)
        self.clock = clock
        self.settled = settled
        self._settled_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        # One line each about how this run checked students without a repository, when it could
        # not do so for free (the command prints them).
        self.notes: list[str] = []
        self._listings: dict[str, _Listing] = {}  # owner (lower case) -> read this run

    def _is_final(self, on_time: FileSnapshot | None, cutoff: datetime, now: datetime) -> bool:
        if now <= cutoff or on_time is None:
            return False
        if self.settled is None:
            return True
        with self._settled_lock:  # chunks run in threads; the rule (a word count) need not be safe
            return self.settled(on_time)

    # ------------------------------------------------------------------ entry point

    def fetch(
        self,
        requests: Sequence[RepoRequest],
        cutoff: datetime,
        progress: Callable[[int], None] | None = None,
    ) -> list[RepoFetch]:
        tick = progress or (lambda n: None)
        now = self.clock()
        self.client.start_run()
        results: list[RepoFetch | None] = [None] * len(requests)
        pending: list[_Work] = []
        for index, request in enumerate(requests):
            entry = self.cache.result(self._key(request, cutoff))
            if entry is not None and entry.get("final"):
                results[index] = _fetch_from(request, entry)
                tick(1)
                continue
            owner, _, name = request.repo.partition("/")
            work = _Work(index, request, owner, name)
            if not owner or not name or "/" in name:
                work.outcome, work.reason = "error", f"'{request.repo}' is not owner/name"
            pending.append(work)
        self.notes, self._listings = [], {}
        # One pool for every phase: threads (and their keep-alive connections) are reused.
        self._pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            missing = self._missing_before(pending, cutoff, now)
            # The organisations' repository lists are read before any GraphQL query of this run:
            # what they show is then the baseline for every "no repository" this run finds.
            owners = Counter(r.repo.partition("/")[0].lower() for r in requests)
            listed = self._pool.submit(self._read_listings, owners, pending, missing)
            unchanged = self._reuse_unchanged(pending, cutoff)
            self._listings = listed.result()
            still_missing = self._still_missing(missing)
            for work, entry in still_missing:
                results[work.index] = _fetch_from(work.request, entry)
                self.cache.keep_result(self._key(work.request, cutoff), entry)
            tick(len(still_missing))
            for work in unchanged:
                key = self._key(work.request, cutoff)
                entry = self.cache.result(key)
                assert entry is not None
                reused = _fetch_from(work.request, entry)
                results[work.index] = reused
                if self._is_final(reused.on_time, cutoff, now):  # the cutoff passed since
                    self.cache.keep_result(key, {**entry, "final": True})
            tick(len(unchanged))
            done = {id(w) for w in unchanged} | {id(w) for w, _ in still_missing}
            todo = [w for w in pending if id(w) not in done and w.outcome is None]
            for work in pending:  # malformed repo names: nothing to fetch
                if id(work) not in done and work.outcome is not None:
                    results[work.index] = self._result(work, cutoff)
                    tick(1)
            # Each chunk of 100 goes through its phases on its own, so one chunk's GraphQL
            # round trip overlaps another's activity requests; requests share one pool.
            chunks = [todo[i : i + GRAPHQL_BATCH] for i in range(0, len(todo), GRAPHQL_BATCH)]

            def process(chunk: list[_Work]) -> None:
                for fetched in self._process(chunk, cutoff, now):
                    results[fetched[0]] = fetched[1]
                tick(len(chunk))

            if chunks:
                with ThreadPoolExecutor(max_workers=len(chunks)) as outer:
                    list(outer.map(process, chunks))
        finally:
            self._pool.shutdown()
            self._pool = None
            self.cache.save()
        if self.client.stop_error is not None:
            raise self.client.stop_error
        self._note_fallbacks([r for r in results if r is not None])
        return [r for r in results if r is not None]

    def _process(
        self, chunk: list[_Work], cutoff: datetime, now: datetime
    ) -> list[tuple[int, RepoFetch]]:
        """Every phase for up to 100 requests; results are kept in the cache as they come."""
        self._read_heads(chunk)
        self._read_activity(
            [w for w in chunk if w.outcome is None and self._needs_activity(w, cutoff, now)],
            cutoff,
        )
        self._read_cutoff_versions([w for w in chunk if w.outcome is None], cutoff)
        self._read_raw_blobs([w for w in chunk if w.outcome is None])
        done = []
        for work in chunk:
            fetched = self._result(work, cutoff)
            done.append((work.index, fetched))
            final = fetched.outcome == "ok" and self._is_final(fetched.on_time, cutoff, now)
            baseline = self._baseline(work.owner)
            if fetched.outcome != "no-repo":
                # A "no repository" kept earlier is over (e.g. the repository appeared but its
                # push events could not be read this time: asked again next run).
                entry = self.cache.result(self._key(work.request, cutoff))
                if entry is not None and entry.get("outcome") == "no-repo":
                    self.cache.forget_result(self._key(work.request, cutoff))
            elif baseline is not None:
                # Asked again next run only if the organisation's list shows it (see _still_missing).
                self.cache.keep_result(
                    self._key(work.request, cutoff),
                    {
                        **_fetch_json(fetched),
                        "final": False,
                        "listed_since": baseline,
                        "checked_at": now.isoformat(),
                    },
                )
            if fetched.outcome == "ok" and (final or work.activity_etag):
                self.cache.keep_result(
                    self._key(work.request, cutoff),
                    {
                        **_fetch_json(fetched),
                        "final": final,
                        "etag": work.activity_etag,
                        "branch": work.branch,
                    },
                )
        return done

    def _key(self, request: RepoRequest, cutoff: datetime) -> str:
        return f"{request.repo.lower()}|{request.path}|{cutoff.astimezone(UTC).isoformat()}"

    def _needs_activity(self, work: _Work, cutoff: datetime, now: datetime) -> bool:
        """Push times are needed when something arrived after the cutoff, or to get an ETag that
        makes the next run free when this result may still change."""
        if work.pushed_at is None or work.pushed_at > cutoff:
            return True
        head = work.head_blob
        if head is None or head.content is None or work.head is None:
            return True  # missing, or bytes not read yet: cannot call it final
        return not self._is_final(
            FileSnapshot(head.content, work.head, work.pushed_at, True), cutoff, now
        )

    # ------------------------------------------------------------------ phases

    def _map(self, fn: Callable[[Any], None], items: Sequence[Any]) -> None:
        if not items:
            return
        if self._pool is None:  # called outside fetch()
            with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
                list(pool.map(fn, items))
            return
        list(self._pool.map(fn, items))

    def _pool_map(self, fn: Callable[[_Work], None], items: Sequence[_Work]) -> None:
        """Run fn on every item concurrently; a failure is that item's error, a rate-limit stop
        ends the phase (results so far are kept)."""

        def run(work: _Work) -> None:
            try:
                fn(work)
            except FetchFailed as exc:
                work.outcome, work.reason = "error", str(exc)
            except _Stopped:
                work.outcome, work.reason = "error", "stopped"
            except SHAPE_ERRORS:
                work.outcome, work.reason = "error", SHAPE_REASON

        self._map(run, items)

    def _activity_url(self, work: _Work) -> str:
        return f"/repos/{work.owner}/{work.name}/activity"

    def _activity_params(self, work: _Work) -> dict[str, Any]:
        params: dict[str, Any] = {"per_page": 100}
        if work.branch:
            params["ref"] = f"refs/heads/{work.branch}"
        return params

    # ------------------------------------------------------------------ missing repositories
    #
    # GitHub answers a missing repository with a 404, which has no ETag: asking again always
    # costs. An organisation's repository list, most recently updated first, does have one: its
    # first page is a free 304 while no repository of the organisation was created, renamed,
    # transferred in or pushed to. A repository's updated_at moves on each of those (pushed_at
    # does not move on a rename or transfer, created_at not on a transfer), so any repository
    # that appeared since the last run is on the pages down to that run's newest updated_at.

    def _missing_before(
        self, pending: list[_Work], cutoff: datetime, now: datetime
    ) -> list[tuple[_Work, dict[str, Any]]]:
        """Requests whose last result was "no repository", with a list baseline to check,
        confirmed by GraphQL within MISSING_RECHECK_AFTER."""
        found = []
        for work in pending:
            entry = self.cache.result(self._key(work.request, cutoff))
            if (
                work.outcome is None
                and entry is not None
                and entry.get("outcome") == "no-repo"
                and isinstance(entry.get("listed_since"), str)
            ):
                with suppress(KeyError, TypeError, ValueError):
                    checked = datetime.fromisoformat(entry["checked_at"])
                    if timedelta(0) <= now - checked <= MISSING_RECHECK_AFTER:
                        found.append((work, entry))
        return found

    def _read_listings(
        self,
        owners: Counter[str],
        pending: list[_Work],
        missing: list[tuple[_Work, dict[str, Any]]],
    ) -> dict[str, _Listing]:
        """Read the list of each organisation that owns two or more of the requested
        repositories (with a pattern like {github}/reflections every owner is a student: no
        list) when it has no baseline yet or a student of it had no repository last time."""
        if self.cache.path is None:
            return {}  # nothing is kept for the next run: no baseline to take
        wanted: dict[str, list[str]] = {}
        for owner in {w.owner.lower() for w in pending if w.outcome is None}:
            listing = self.cache.listing(owner) or {}
            if owners[owner] >= 2 and not listing.get("unavailable"):
                wanted[owner] = []
        for work, entry in missing:
            if work.owner.lower() in wanted:
                wanted[work.owner.lower()].append(entry["listed_since"])
        listings = {}
        for owner, since in wanted.items():
            if self.cache.listing(owner) is None or since:
                listings[owner] = self._read_listing(owner, since)
        return listings

    def _read_listing(self, owner: str, since: list[str]) -> _Listing:
        """Pages of the list down to the oldest baseline in `since` (page 1 only when empty).
        Pages answered 200 cost what a GraphQL re-check of these students would (one per 100),
        no more: past that, the students not covered are re-checked with GraphQL."""
        listing = _Listing(owner)
        paid_pages = max(1, -(-len(since) // GRAPHQL_BATCH))
        stop_at = (
            min((_parse_time(x) if x else datetime.min.replace(tzinfo=UTC)) for x in since)
            if since
            else None
        )
        url: str | None = f"/orgs/{owner}/repos"
        params: dict[str, Any] | None = dict(LISTING_PARAMS)
        for number in range(LISTING_MAX_PAGES):
            assert url is not None
            key = _etag_key(url, params)
            etag, kept = self.cache.etag_for(key)
            try:
                reply = self.client.rest("GET", url, params, etag=etag)
            except (FetchFailed, _Stopped) as exc:
                listing.unavailable = f"its repository list could not be read ({exc or 'stopped'})"
                return listing
            page: dict[str, Any] | None
            if reply.status == 304 and isinstance(kept, dict):
                page = kept
            elif reply.status == 200 and isinstance(reply.data, list):
                paid_pages -= 1
                page = _listing_page(reply)
                if page is None:
                    listing.unavailable = "its repository list has no updated_at times"
                    return listing
                self.cache.keep_etag(key, reply.headers.get("etag"), page)
            else:
                if reply.status == 404:
                    # A user account (or no such organisation): no list now or later.
                    listing.unavailable = (
                        f"{owner} is not an organisation (its repository list answered 404)"
                    )
                    self.cache.keep_listing(owner, {"unavailable": listing.unavailable})
                else:
                    listing.unavailable = (
                        f"its repository list answered {reply.status}: {_message(reply)}"
                    )
                return listing
            repos: list[list[str]] = page["repos"]
            if number == 0:
                listing.high_water = max(
                    (at for _, at in repos),
                    default="",
                    key=lambda at: _parse_time(at) if at else datetime.min.replace(tzinfo=UTC),
                )
                listing.since = _list_baseline(listing.high_water, reply.headers.get("date"))
            listing.names.update(name.lower() for name, _ in repos)
            if repos:
                listing.oldest = min(_parse_time(at) for _, at in repos)
            url, params = page.get("next"), None
            if url is None:
                listing.complete = True
                break
            if stop_at is None or listing.oldest is None or listing.oldest < stop_at:
                break
            if paid_pages <= 0 and reply.status == 200:
                break  # more pages would cost more than asking GraphQL
        self.cache.keep_listing(owner, {"high_water": listing.high_water, "since": listing.since})
        return listing

    def _still_missing(
        self, missing: list[tuple[_Work, dict[str, Any]]]
    ) -> list[tuple[_Work, dict[str, Any]]]:
        """The students whose repository the organisation's list shows has still not appeared,
        with their cache entries moved to this run's baseline; the others are asked again."""
        confirmed = []
        for work, entry in missing:
            listing = self._listings.get(work.owner.lower())
            if listing is None or listing.unavailable:
                continue
            if work.name.lower() in listing.names or not listing.covers(entry["listed_since"]):
                continue  # there now, or not sure: GraphQL decides
            confirmed.append((work, {**entry, "listed_since": listing.since}))
        return confirmed

    def _baseline(self, owner: str) -> str | None:
        """The list's baseline to keep with a "no repository" result (the list was read before
        this run's GraphQL queries); None when the owner's repositories cannot be listed."""
        listing = self._listings.get(owner.lower())
        if listing is not None and listing.unavailable:
            return None
        since = (self.cache.listing(owner) or {}).get("since")
        return since if isinstance(since, str) else None

    def _note_fallbacks(self, fetched: list[RepoFetch]) -> None:
        """Say why students without a repository will cost a GraphQL re-check on every run."""
        why: dict[str, list[str]] = {}
        for fetch in fetched:
            if fetch.outcome != "no-repo":
                continue
            owner = fetch.request.repo.partition("/")[0]
            if self._baseline(owner) is not None:
                continue
            listing = self._listings.get(owner.lower())
            state = self.cache.listing(owner) or {}
            reason = (
                listing.unavailable
                if listing is not None and listing.unavailable
                else state.get("unavailable")
                or "each is owned by a different account, not by one organisation"
            )
            why.setdefault(str(reason), []).append(fetch.request.repo)
        for reason, repos in why.items():
            self.notes.append(
                f"{len(repos)} student(s) without a repository are asked again with GraphQL on "
                f"every run (1 point per 100), not for free: {reason}"
            )

    def _reuse_unchanged(self, pending: list[_Work], cutoff: datetime) -> list[_Work]:
        """Results kept with an activity ETag are reused when GitHub answers 304 (free)."""
        candidates = []
        for work in pending:
            entry = self.cache.result(self._key(work.request, cutoff))
            if work.outcome is None and entry is not None and entry.get("etag"):
                work.activity_etag = entry["etag"]
                work.branch = entry.get("branch")
                candidates.append(work)
        unchanged: list[_Work] = []
        lock = threading.Lock()

        def check(work: _Work) -> None:
            reply = self.client.rest(
                "GET",
                self._activity_url(work),
                self._activity_params(work),
                etag=work.activity_etag,
            )
            if reply.status == 304:
                with lock:
                    unchanged.append(work)
            elif reply.status == 200:
                # Changed: keep the answer so the activity phase gets it as a free 304.
                key = _etag_key(self._activity_url(work), self._activity_params(work))
                self.cache.keep_etag(key, reply.headers.get("etag"), reply.data)

        self._pool_map(check, candidates)
        for work in candidates:  # a failed check is not an error yet: fetch it afresh
            if work not in unchanged:
                work.outcome, work.reason, work.activity_etag = None, "", None
        return unchanged

    def _read_heads(self, todo: list[_Work]) -> None:
        """One GraphQL query per 100 repositories: last push time, default branch, file at HEAD."""
        fields = (
            "pushedAt defaultBranchRef { name target { oid } } "
            "file: object(expression: $e{i}) { ... on Blob { oid byteSize isBinary isTruncated text } }"
        )

        def batch(chunk: list[_Work]) -> None:
            variables: dict[str, Any] = {}
            for i, work in enumerate(chunk):
                variables.update(
                    {f"o{i}": work.owner, f"n{i}": work.name, f"e{i}": f"HEAD:{work.request.path}"}
                )
            answer = self._batch_query(chunk, fields, variables)
            if answer is None:
                return
            data = answer.get("data") or {}
            for i, work in enumerate(chunk):
                node = data.get(f"r{i}")
                if node is None:
                    continue
                pushed = node.get("pushedAt")
                work.pushed_at = _parse_time(pushed) if pushed else None
                ref = node.get("defaultBranchRef")
                if ref:
                    work.branch = ref["name"]
                    work.head = ref["target"]["oid"]
                work.head_blob = self._blob(node.get("file"))

        self._batches(todo, batch)

    def _batch_query(
        self,
        chunk: list[_Work],
        fields: str | Callable[[int, _Work], str],
        variables: dict[str, Any],
    ) -> dict[str, Any] | None:
        """One aliased query r0..rN for the chunk; `fields` is the same for every repository
        ("{i}" is its index) or made per repository."""
        declared = ", ".join(f"${name}: String!" for name in variables)
        parts = []
        for i, work in enumerate(chunk):
            inner = fields.replace("{i}", str(i)) if isinstance(fields, str) else fields(i, work)
            parts.append(f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ {inner} }}")
        body = " ".join(parts)
        query = f"query({declared}) {{ {body} }}"
        try:
            answer = self.client.graphql(query, variables)
        except FetchFailed as exc:
            for work in chunk:
                work.outcome, work.reason = "error", str(exc)
            return None
        for error in answer.get("errors") or []:
            path = error.get("path") or []
            if not path or not str(path[0]).startswith("r"):
                continue
            with suppress(ValueError, IndexError):
                work = chunk[int(str(path[0])[1:])]
                kind = error.get("type", "")
                if kind == "NOT_FOUND":
                    work.outcome = "no-repo"
                    work.reason = f"no repository {work.request.repo} (or no access to it)"
                elif kind == "FORBIDDEN":
                    work.outcome = "no-access"
                    work.reason = f"{work.request.repo}: {error.get('message', 'forbidden')}"
                else:
                    work.outcome, work.reason = "error", error.get("message", kind)[:200]
        return answer

    def _batches(self, items: list[_Work], batch: Callable[[list[_Work]], None]) -> None:
        chunks = [items[i : i + GRAPHQL_BATCH] for i in range(0, len(items), GRAPHQL_BATCH)]
        if not chunks:
            return

        def run(chunk: list[_Work]) -> None:
            try:
                batch(chunk)
            except _Stopped:
                for work in chunk:
                    work.outcome, work.reason = "error", "stopped"
            except SHAPE_ERRORS:
                for work in chunk:
                    work.outcome, work.reason = "error", f"GraphQL: {SHAPE_REASON}"

        self._map(run, chunks)

    @staticmethod
    def _blob(node: dict[str, Any] | None) -> _Blob | None:
        if not node or "oid" not in node:
            return None
        size = int(node.get("byteSize") or 0)
        text = node.get("text")
        if size > MAX_FILE_BYTES:
            # Too big to be a reflection: the checker says so from the length; not downloaded.
            shown = (text or "").encode("utf-8")[: MAX_FILE_BYTES + 1]
            return _Blob(node["oid"], shown.ljust(MAX_FILE_BYTES + 1, b" "), size)
        if node.get("isBinary") or node.get("isTruncated") or text is None or "\ufffd" in text:
            # GraphQL shows text only; the exact bytes come from the git blob API.
            return _Blob(node["oid"], None, size)
        return _Blob(node["oid"], text.encode("utf-8"), size)

    def _read_activity(self, todo: list[_Work], cutoff: datetime) -> None:
        """Push events on the default branch (newest first), with an ETag for the next run."""

        def read(work: _Work) -> None:
            url: str | None = self._activity_url(work)
            params: dict[str, Any] | None = self._activity_params(work)
            pushes: list[_Push] = []
            first = True
            for _page in range(10):
                assert url is not None
                key = _etag_key(url, params)
                etag, kept = self.cache.etag_for(key) if first else (None, None)
                reply = self.client.rest("GET", url, params, etag=etag)
                if reply.status == 304:
                    events = kept
                    tag = etag
                elif reply.status == 200:
                    events = reply.data
                    tag = reply.headers.get("etag")
                    if first:
                        self.cache.keep_etag(key, tag, events)
                elif reply.status == 404:
                    work.outcome, work.reason = "no-repo", f"no repository {work.request.repo}"
                    return
                elif reply.status == 403:
                    work.outcome = "no-access"
                    work.reason = f"{work.request.repo}: {_message(reply)}"
                    return
                else:
                    raise FetchFailed(f"activity: GitHub answered {reply.status}")
                if not isinstance(events, list):
                    raise FetchFailed(f"activity: {SHAPE_REASON}")
                if first:
                    work.activity_etag = tag
                first = False
                for event in events or []:
                    pushes.append(
                        _Push(event.get("after") or ZERO_SHA, _parse_time(event["timestamp"]))
                    )
                url = _next_link(reply.headers.get("link", "")) if reply.status == 200 else None
                params = None
                if url is None or (pushes and pushes[-1].at <= cutoff):
                    break  # the push at the cutoff is on this page
            work.pushes = pushes

        self._pool_map(read, todo)

    def _read_cutoff_versions(self, todo: list[_Work], cutoff: datetime) -> None:
        """The version at the cutoff (the branch after the last push at or before it) and, for a
        later version, the push that first brought it: one GraphQL query per 100 repositories."""
        need: list[_Work] = []
        for work in todo:
            if work.pushed_at is not None and work.pushed_at <= cutoff:
                # Nothing pushed since the cutoff: HEAD is what GitHub had at the cutoff.
                if work.head is not None:
                    work.on_time_sha, work.on_time_at = work.head, work.pushed_at
                    work.on_time_blob = work.head_blob
                continue
            before = next((p for p in work.pushes or [] if p.at <= cutoff), None)
            if before is not None and before.after != ZERO_SHA:
                work.on_time_sha, work.on_time_at = before.after, before.at
                if before.after == work.head:
                    work.on_time_blob = work.head_blob
            work.later = self._later_pushes(work, cutoff)
            if (work.on_time_sha and work.on_time_blob is None) or work.later:
                need.append(work)

        def fields(i: int, work: _Work) -> str:
            parts = []
            if work.on_time_sha and work.on_time_blob is None:
                parts.append(
                    f"file: object(expression: $e{i}) "
                    "{ ... on Blob { oid byteSize isBinary isTruncated text } }"
                )
            for k in range(len(work.later)):
                parts.append(f"a{k}: object(expression: $x{i}_{k}) {{ ... on Blob {{ oid }} }}")
            return " ".join(parts)

        def batch(chunk: list[_Work]) -> None:
            variables: dict[str, Any] = {}
            for i, work in enumerate(chunk):
                variables.update({f"o{i}": work.owner, f"n{i}": work.name})
                if work.on_time_sha and work.on_time_blob is None:
                    variables[f"e{i}"] = f"{work.on_time_sha}:{work.request.path}"
                for k, push in enumerate(work.later):
                    variables[f"x{i}_{k}"] = f"{push.after}:{work.request.path}"
            answer = self._batch_query(chunk, fields, variables)
            if answer is None:
                return
            data = answer.get("data") or {}
            for i, work in enumerate(chunk):
                node = data.get(f"r{i}")
                if node is None:
                    continue
                if work.on_time_sha and work.on_time_blob is None:
                    work.on_time_blob = self._blob(node.get("file"))
                self._settle_arrival(work, node)

        self._batches(need, batch)

    @staticmethod
    def _later_pushes(work: _Work, cutoff: datetime) -> list[_Push]:
        """Pushes after the cutoff, older than the one that brought HEAD, whose version of the
        file must be compared with HEAD's to see when HEAD's version first arrived."""
        after = [p for p in work.pushes or [] if p.at > cutoff]
        if len(after) < 2 or after[0].after != work.head or work.head_blob is None:
            return []
        return [p for p in after[1:ARRIVAL_CHECKS] if p.after != ZERO_SHA]

    @staticmethod
    def _settle_arrival(work: _Work, node: dict[str, Any]) -> None:
        """Walk back from HEAD's push while the file is the same as at HEAD."""
        if not work.later or work.head_blob is None or not work.pushes:
            return
        arrival = work.pushes[0].at
        for k, push in enumerate(work.later):
            blob = node.get(f"a{k}") or {}
            if blob.get("oid") != work.head_blob.oid:
                break
            arrival = push.at
        work.arrival = arrival

    def _read_raw_blobs(self, todo: list[_Work]) -> None:
        """Exact bytes for files GraphQL could not show as UTF-8 text (binary, non-UTF-8)."""
        wanted: list[tuple[_Work, _Blob]] = []
        seen: set[int] = set()
        for work in todo:
            for blob in (work.on_time_blob, work.head_blob):
                if blob is not None and blob.content is None and id(blob) not in seen:
                    seen.add(id(blob))  # HEAD is often the on-time version: read it once
                    wanted.append((work, blob))

        def read(item: tuple[_Work, _Blob]) -> None:
            work, blob = item
            reply = self.client.rest("GET", f"/repos/{work.owner}/{work.name}/git/blobs/{blob.oid}")
            if reply.status != 200 or not isinstance(reply.data, dict):
                raise FetchFailed(f"file contents: GitHub answered {reply.status}")
            blob.content = base64.b64decode(reply.data.get("content", ""))

        def run(item: tuple[_Work, _Blob]) -> None:
            try:
                read(item)
            except FetchFailed as exc:
                item[0].outcome, item[0].reason = "error", str(exc)
            except _Stopped:
                item[0].outcome, item[0].reason = "error", "stopped"
            except SHAPE_ERRORS:
                item[0].outcome, item[0].reason = "error", SHAPE_REASON

        self._map(run, wanted)

    # ------------------------------------------------------------------ result

    def _result(self, work: _Work, cutoff: datetime) -> RepoFetch:
        request = work.request
        if work.outcome is not None:
            # Reasons quote the server (messages, per-repository errors): one line, no credentials.
            return RepoFetch(request, work.outcome, " ".join(redact(work.reason).split()))
        on_time: FileSnapshot | None = None
        if work.on_time_blob is not None and work.on_time_sha and work.on_time_at:
            assert work.on_time_blob.content is not None
            on_time = FileSnapshot(
                work.on_time_blob.content, work.on_time_sha, work.on_time_at, time_verified=True
            )
        latest: FileSnapshot | None = None
        head = work.head_blob
        if (
            head is not None
            and work.head
            and (work.on_time_blob is None or head.oid != work.on_time_blob.oid)
        ):
            assert head.content is not None
            arrived = self._arrival(work, cutoff)
            latest = FileSnapshot(head.content, work.head, arrived, time_verified=True)
        return RepoFetch(request, "ok", "", on_time, latest)

    @staticmethod
    def _arrival(work: _Work, cutoff: datetime) -> datetime:
        """When the branch's current version of the file first arrived: the oldest push after
        the cutoff from which the file stayed as it is at HEAD (else the push of HEAD)."""
        if work.arrival is not None:
            return work.arrival
        for push in work.pushes or []:
            if push.after == work.head:
                return push.at
        if work.pushes:
            return work.pushes[0].at
        return work.pushed_at or cutoff


def _message(reply: Reply) -> str:
    if isinstance(reply.data, dict) and reply.data.get("message"):
        return " ".join(redact(str(reply.data["message"])).split())[:200]
    return f"GitHub answered {reply.status}"


# GitHub's own clocks and replicas may disagree by this much: a repository updated this long
# before GitHub dated its answer is taken to be in that answer.
LIST_LAG = timedelta(minutes=5)


def _list_baseline(high_water: str, date: str | None) -> str:
    """Every repository updated before the returned time was in the list just read.

    The newest repository's updated_at (`high_water`) itself is not enough: several can share
    that second and fill the page, and one made later in that same second would sort after
    them. Once GitHub's clock (the answer's Date) is past that second by LIST_LAG, nothing new
    can be dated then, so the baseline is the second after it; otherwise the answer's Date less
    LIST_LAG. Without a Date, the high water mark itself (then ties cost a page more).
    """
    try:
        answered = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        answered = None
    if answered is None or answered.tzinfo is None:
        return high_water
    settled = answered - LIST_LAG
    if high_water:
        settled = min(settled, _parse_time(high_water) + timedelta(seconds=1))
    return settled.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _listing_page(reply: Reply) -> dict[str, Any] | None:
    """What is kept of one page of an organisation's repository list: names, updated_at times
    and the next page's URL (a 304 has no body to read them from)."""
    repos = []
    for repo in reply.data:
        if not isinstance(repo, dict) or not repo.get("name"):
            continue
        updated = repo.get("updated_at")
        if not isinstance(updated, str):
            return None
        repos.append([str(repo["name"]), updated])
    return {"repos": repos, "next": _next_link(reply.headers.get("link", ""))}


def _etag_key(url: str, params: dict[str, Any] | None) -> str:
    return f"{url}?{sorted((params or {}).items())}"


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part:
            return part.split(";")[0].strip().strip("<>")
    return None


# ---------------------------------------------------------------------------- factory


def make_reflection_source(options: SourceOptions) -> GitHubSource:
    """The source `--source github` uses (called by coursectl.commands.reflection_sources)."""
    token = resolve_token(api_url=options.api_url)
    client = GitHubClient(token, options.api_url, seconds_between_writes=None)
    return GitHubSource(client, options.cache_dir, workers=WORKERS, settled=options.settled)


# ---------------------------------------------------------------------------- feedback issues


def open_feedback_issues(
    client: GitHubClient,
    feedback: Sequence[Feedback],
    remember: Callable[[IssueResult], None],
) -> list[IssueResult]:
    """Open one issue per item unless one with the same
    title is already there; `remember` is called after each so a crash never causes a repeat.

    One at a time: GitHub asks for pauses between content-creating requests (the client's
    seconds_between_writes). A POST is never retried blindly — a 5xx may still have created
    the issue; the next run's title check finds it.
    """
    results: list[IssueResult] = []
    for item in feedback:
        result = _open_one(client, item)
        if result.outcome in ("opened", "already-there"):
            remember(result)
        results.append(result)
    if client.stop_error is not None:  # refused token or rate limit: say so, not "N failed"
        raise client.stop_error
    return results


def _open_one(client: GitHubClient, item: Feedback) -> IssueResult:
    url = f"/repos/{item.repo}/issues"
    try:
        page: str | None = url
        params: dict[str, Any] | None = {"state": "all", "per_page": 100}
        for _ in range(10):  # 1,000 issues: far more than a reflections repository has
            assert page is not None
            listing = client.rest("GET", page, params)
            if listing.status != 200 or not isinstance(listing.data, list):
                # 404: no repo or no access; 410: issues are turned off in this repository.
                return IssueResult(item.github, item.repo, "failed", reason=_message(listing))
            for issue in listing.data:
                if isinstance(issue, dict) and issue.get("title") == item.title:
                    return IssueResult(
                        item.github,
                        item.repo,
                        "already-there",
                        issue.get("html_url", ""),
                        issue.get("number"),
                    )
            page, params = _next_link(listing.headers.get("link", "")), None
            if page is None:
                break
        created = client.rest("POST", url, body={"title": item.title, "body": item.body}, once=True)
    except FetchFailed as exc:
        return IssueResult(item.github, item.repo, "failed", reason=str(exc))
    except _Stopped:
        return IssueResult(item.github, item.repo, "failed", reason="stopped")
    except SHAPE_ERRORS:
        return IssueResult(item.github, item.repo, "failed", reason=SHAPE_REASON)
    if created.status != 201 or not isinstance(created.data, dict):
        return IssueResult(item.github, item.repo, "failed", reason=_message(created))
    return IssueResult(
        item.github,
        item.repo,
        "opened",
        created.data.get("html_url", ""),
        created.data.get("number"),
    )


def make_feedback_client(api_url: str | None) -> GitHubClient:
    """A client for opening issues: one write a second, as GitHub's guidelines ask."""
    pause = float(os.environ.get("COURSECTL_GITHUB_WRITE_PAUSE", "1.0"))
    # One write a second for a whole class can take longer than a fetch run: no run deadline
    # (each request still has its own).
    return GitHubClient(
        resolve_token(api_url=api_url),
        api_url,
        seconds_between_writes=pause or None,
        run_deadline=float("inf"),
    )
