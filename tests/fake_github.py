"""A small GitHub on 127.0.0.1 for tests and the benchmark: REST and GraphQL, GitHub-shaped.

It keeps real git-like state (commits with trees, blob ids computed as git does, a default branch)
and records every push as GitHub's repository activity API does (before/after SHA, ref, the
server's receive time). A commit's date is whatever the "student" wrote; the push time is the
fake server's. PyGithub talks to it unmodified through `base_url`.

Answers carry GitHub's headers: ETag (If-None-Match -> 304, which costs no rate limit),
X-RateLimit-Limit/Remaining/Reset/Used/Resource, Link for pagination. It counts requests and
rate-limit cost, and injects faults on request: 404, 403 rate limit with reset headers, 5xx, slow
answers, bodies cut short, and (through the content pushed) binary, huge and non-UTF-8 files.

Organisations list their repositories (`GET /orgs/{org}/repos`, sortable by created, updated,
pushed or full_name, paginated with Link): a repository's `updated_at` moves when it is created,
pushed to, renamed or transferred, as GitHub's repository record does; `/orgs/{user}/repos`
answers 404, as GitHub does for an account that is not an organisation.

Only the GraphQL shapes a client of this project sends are understood: aliased
`repository(owner: $o, name: $n)` fields with `pushedAt`, `defaultBranchRef`, aliased
`object(expression: $e)` blobs and `rateLimit`; anything else is answered with a GraphQL error.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ZERO_SHA = "0" * 40
# GitHub's GraphQL Blob.text gives up on big files; the real limit is not documented, this is
# small enough for a test to reach it.
TEXT_LIMIT = 512 * 1024


def blob_oid(content: bytes) -> str:
    """The git blob id, as `git hash-object` computes it."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FakeCommit:
    sha: str
    files: dict[str, bytes]
    date: datetime  # author/committer date: chosen by whoever made the commit
    message: str


@dataclass
class FakePush:
    id: int
    before: str
    after: str
    ref: str
    timestamp: datetime  # when the fake GitHub received it
    actor: str
    activity_type: str = "push"


@dataclass
class FakeRepo:
    owner: str
    name: str
    default_branch: str = "main"
    accessible: bool = True  # False: the token may not read it (403 / FORBIDDEN)
    # True: a private repository the token's owner was not given access to; GitHub answers as
    # if it did not exist (404, NOT_FOUND, not in the organisation's list).
    hidden: bool = False
    has_issues: bool = True  # False: issues turned off (410 Gone, as GitHub answers)
    commits: dict[str, FakeCommit] = field(default_factory=dict)
    head: str | None = None
    pushes: list[FakePush] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    owner_type: str = "Organization"  # or "User": then /orgs/{owner}/repos is a 404
    private: bool = True
    updated_at: datetime | None = None  # None: created_at; moved by pushes, renames, transfers

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def pushed_at(self) -> datetime | None:
        return self.pushes[-1].timestamp if self.pushes else None

    def push(
        self,
        files: dict[str, bytes | None],
        at: datetime,
        commit_date: datetime | None = None,
        message: str = "update",
        force: bool = False,
    ) -> str:
        """Commit `files` (None deletes a path) on the default branch and push it at `at`.

        `commit_date` is the date written into the commit (a student can backdate it); `at` is
        when GitHub received the push.
        """
        parent = self.commits.get(self.head) if self.head else None
        tree = dict(parent.files) if parent and not force else {}
        for path, content in files.items():
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = content
        seed = (
            f"{self.full_name}|{self.head}|{len(self.commits)}|{message}|{sorted(tree.items())!r}"
        )
        sha = hashlib.sha1(seed.encode()).hexdigest()
        self.commits[sha] = FakeCommit(sha, tree, commit_date or at, message)
        self.pushes.append(
            FakePush(
                id=len(self.pushes) + 1,
                before=self.head or ZERO_SHA,
                after=sha,
                ref=f"refs/heads/{self.default_branch}",
                timestamp=at,
                actor=self.name.rsplit("-", 1)[-1],
                activity_type="force_push" if force else "push",
            )
        )
        self.head = sha
        self.updated_at = max(at, self.updated_at or self.created_at)
        return sha

    @property
    def last_updated(self) -> datetime:
        return self.updated_at or self.created_at

    def resolve(self, expression: str) -> bytes | None:
        """`REV:path` as GraphQL's `object(expression:)` resolves it; None when absent."""
        rev, _, path = expression.partition(":")
        sha = self.head if rev in ("HEAD", self.default_branch) else rev
        commit = self.commits.get(sha or "")
        return None if commit is None else commit.files.get(path)

    def blob(self, oid: str) -> bytes | None:
        for commit in self.commits.values():
            for content in commit.files.values():
                if blob_oid(content) == oid:
                    return content
        return None


@dataclass
class Fault:
    """Make requests whose path (or, for GraphQL, requested repo) contains `match` fail.

    kind: "403" (refused, not the rate limit), "404", "500", "502", "rate-limit" (403 + X-RateLimit-Remaining: 0, reset in
    `reset_in` s), "secondary" (403 + Retry-After), "slow" (answer after `delay` s),
    "truncated" (Content-Length promises more than is sent).
    Hostile or broken servers: "html" / "null" / "string" (a 200 whose body is an HTML page, JSON
    null, a JSON string), "redirect" (307 to the same URL), "redirect-away" (301 to another
    host), "retry-after-date" (503 + Retry-After as an HTTP date `reset_in` s ahead),
    "retry-after-huge" (503 + Retry-After: 10**30), "reset-far" (rate limit whose
    X-RateLimit-Reset is in the year 33658), "trickle" (headers, then one byte every 0.2 s
    forever), "huge" (a 200 of 20 MB).
    `times`: how many matching requests fail (-1: all of them).
    """

    kind: str
    match: str = ""
    times: int = 1
    delay: float = 0.0
    reset_in: float = 3600.0
    graphql: bool | None = None  # None: REST and GraphQL; True/False: only that one
    method: str | None = None  # only requests with this method (e.g. "POST")
    message: str = ""  # "403": the message GitHub gives instead of the SAML one
    hits: int = 0


class FakeGitHub:
    def __init__(self, token: str = "test-token-not-secret", latency: float = 0.0) -> None:
        self.token = token
        self.latency = latency
        self.gzip = False  # compress answers when the client accepts it, as GitHub does
        self.repos: dict[str, FakeRepo] = {}
        self.faults: list[Fault] = []
        self.orgs: set[str] = set()  # organisations declared without repositories
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        self.rate_limit = 5000
        self.rate_remaining = 5000
        self.graphql_remaining = 5000
        self.rate_reset = int(time.time()) + 3600
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ set-up

    def repo(self, full_name: str, **kwargs: Any) -> FakeRepo:
        owner, name = full_name.split("/")
        created = FakeRepo(owner, name, **kwargs)
        with self.lock:
            self.repos[full_name.lower()] = created
        return created

    def org(self, name: str) -> None:
        """An organisation with no repositories yet (others exist through their repos)."""
        self.orgs.add(name.lower())

    def rename(self, full_name: str, new_name: str, at: datetime | None = None) -> FakeRepo:
        """Rename a repository; like GitHub, the change moves its `updated_at` (not pushed_at)."""
        return self._move(full_name, None, new_name, at)

    def transfer(self, full_name: str, new_owner: str, at: datetime | None = None) -> FakeRepo:
        """Move a repository to another owner (e.g. a student's own repo into the course org)."""
        return self._move(full_name, new_owner, None, at)

    def _move(
        self, full_name: str, owner: str | None, name: str | None, at: datetime | None
    ) -> FakeRepo:
        with self.lock:
            repo = self.repos.pop(full_name.lower())
            repo.owner = owner or repo.owner
            repo.name = name or repo.name
            if owner:
                repo.owner_type = "Organization" if owner.lower() in self.orgs else repo.owner_type
            repo.updated_at = at or datetime.now(UTC)
            self.repos[repo.full_name.lower()] = repo
        return repo

    def seen(self, full_name: str) -> FakeRepo | None:
        """The repository as the token sees it (None: absent or hidden from it)."""
        repo = self.repos.get(full_name.lower())
        return None if repo is None or repo.hidden else repo

    def is_org(self, login: str) -> bool:
        login = login.lower()
        return login in self.orgs or any(
            r.owner.lower() == login and r.owner_type == "Organization"
            for r in list(self.repos.values())
        )

    def fail(self, kind: str, match: str = "", **kwargs: Any) -> Fault:
        fault = Fault(kind, match, **kwargs)
        self.faults.append(fault)
        return fault

    # ------------------------------------------------------------------ counters

    @property
    def requests(self) -> int:
        return len(self.log)

    @property
    def rate_used(self) -> int:
        """REST requests that cost rate limit (every answer but a 304)."""
        return self.rate_limit - self.rate_remaining

    @property
    def graphql_used(self) -> int:
        return self.rate_limit - self.graphql_remaining

    def reset_counters(self) -> None:
        with self.lock:
            self.log.clear()
            self.rate_remaining = self.rate_limit
            self.graphql_remaining = self.rate_limit

    def count(self, method: str, path_part: str = "", status: int | None = None) -> int:
        return sum(
            1
            for m, p, s in self.log
            if m == method and path_part in p and (status is None or s == status)
        )

    @property
    def not_modified(self) -> int:
        """304 answers: free on GitHub."""
        return sum(1 for _, _, s in self.log if s == 304)

    # ------------------------------------------------------------------ server

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(_Handler):
            github = fake

        server = _Server(("127.0.0.1", 0), Handler)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ faults

    def take_fault(self, target: str, is_graphql: bool, method: str = "GET") -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.graphql is not None and fault.graphql != is_graphql:
                    continue
                if fault.method is not None and fault.method != method:
                    continue
                if fault.match and fault.match.lower() not in target.lower():
                    continue
                if fault.times != -1 and fault.hits >= fault.times:
                    continue
                fault.hits += 1
                return fault
        return None


_SORT_KEYS: dict[str, Callable[[FakeRepo], Any]] = {
    "created": lambda r: r.created_at,
    "updated": lambda r: r.last_updated,
    # A repository never pushed to sorts as pushed when it was created, as on GitHub.
    "pushed": lambda r: r.pushed_at or r.created_at,
    "full_name": lambda r: r.full_name.lower(),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog is set when the socket opens: the default of 5 drops the SYNs of a
    # client opening dozens of connections at once (each dropped one costs a 1 s retransmit).
    request_queue_size = 512


_ALIAS_REPO = re.compile(
    r"(\w+)\s*:\s*repository\(\s*owner:\s*\$(\w+)\s*,\s*name:\s*\$(\w+)\s*\)\s*\{"
)
_ALIAS_OBJECT = re.compile(r"(\w+)\s*:\s*object\(\s*expression:\s*\$(\w+)\s*\)")


def _block(text: str, start: int) -> str:
    """The text inside the braces that open at text[start - 1]."""
    depth = 1
    index = start
    while index < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return text[start : index - 1]


class _Handler(BaseHTTPRequestHandler):
    github: FakeGitHub
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # ------------------------------------------------------------------ plumbing

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.github
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        # GitHub Enterprise serves REST under /api/v3 and GraphQL at /api/graphql.
        if path.startswith("/api/v3/"):
            path = path[len("/api/v3") :]
        elif path == "/api/graphql":
            path = "/graphql"
        if fake.latency:
            time.sleep(fake.latency)
        auth = self.headers.get("Authorization", "")
        if auth not in (f"token {fake.token}", f"Bearer {fake.token}"):
            self._json(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                method,
                path,
            )
            return
        is_graphql = path == "/graphql"
        body: Any = json.loads(raw) if raw else None
        target = path
        if is_graphql and isinstance(body, dict):
            target = " ".join(str(v) for v in (body.get("variables") or {}).values())
        fault = fake.take_fault(target, is_graphql, method)
        if fault is not None and self._inject(fault, method, path):
            return
        if is_graphql and method == "POST":
            self._graphql(body or {}, path)
            return
        self._rest(method, path, query, body)

    def _rate_headers(self, resource: str, cost: int) -> dict[str, str]:
        fake = self.github
        with fake.lock:
            if resource == "graphql":
                fake.graphql_remaining -= cost
                remaining = fake.graphql_remaining
            else:
                fake.rate_remaining -= cost
                remaining = fake.rate_remaining
        return {
            "X-RateLimit-Limit": str(fake.rate_limit),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": str(fake.rate_reset),
            "X-RateLimit-Used": str(fake.rate_limit - remaining),
            "X-RateLimit-Resource": resource,
        }

    def _send(
        self,
        status: int,
        payload: bytes,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
        declared_length: int | None = None,
    ) -> None:
        with self.github.lock:
            self.github.log.append((method, path, status))
        if self.github.gzip and payload and "gzip" in self.headers.get("Accept-Encoding", ""):
            payload = gzip.compress(payload)
            headers = {**(headers or {}), "Content-Encoding": "gzip"}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header(
            "Content-Length", str(declared_length if declared_length is not None else len(payload))
        )
        self.send_header(
            "X-GitHub-Request-Id", hashlib.md5(f"{time.time_ns()}".encode()).hexdigest()[:16]
        )
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body in one write: two small writes on a keep-alive connection meet the
        # client's delayed ACK (Nagle) and add ~40 ms that real GitHub does not have.
        self._headers_buffer.append(b"\r\n" + payload)
        self.flush_headers()

    def _json(
        self,
        status: int,
        data: Any,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        resource: str = "core",
        etag: bool = False,
    ) -> None:
        fake = self.github
        left = fake.graphql_remaining if resource == "graphql" else fake.rate_remaining
        conditional = bool(self.headers.get("If-None-Match"))
        if left <= 0 and status < 400 and not conditional:
            self._inject(Fault("rate-limit", reset_in=fake.rate_reset - time.time()), method, path)
            return
        payload = json.dumps(data).encode()
        extra = dict(headers or {})
        if etag and status == 200:
            tag = 'W/"' + hashlib.sha256(payload).hexdigest() + '"'
            extra["ETag"] = tag
            extra["Cache-Control"] = "private, max-age=60, s-maxage=60"
            if tag in (self.headers.get("If-None-Match") or ""):
                # Conditional request answered from GitHub's cache: free.
                self._send(304, b"", method, path, {**extra, **self._rate_headers(resource, 0)})
                return
        self._send(status, payload, method, path, {**extra, **self._rate_headers(resource, 1)})

    def _inject(self, fault: Fault, method: str, path: str) -> bool:
        """Answer with the fault; False when the fault only delays the real answer."""
        kind = fault.kind
        if kind == "slow":
            time.sleep(fault.delay)
            return False
        if kind == "403":
            # Refused for a reason other than the rate limit (e.g. an organisation's SAML
            # enforcement or a token without the scope).
            self._json(
                403,
                {
                    "message": fault.message
                    or "Resource protected by organization SAML enforcement. You must "
                    "grant your Personal Access token access to this organization.",
                    "documentation_url": "https://docs.github.com/rest",
                },
                method,
                path,
            )
        elif kind == "404":
            self._json(
                404,
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                method,
                path,
            )
        elif kind in ("500", "502", "503"):
            status = int(kind)
            self._send(
                status,
                b"<html><body><h1>%d Server Error</h1></body></html>" % status,
                method,
                path,
                content_type="text/html",
            )
        elif kind == "rate-limit":
            reset = int(time.time() + fault.reset_in)
            self._send(
                403,
                json.dumps(
                    {
                        "message": "API rate limit exceeded for user ID 1.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                    }
                ).encode(),
                method,
                path,
                {
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(reset),
                    "X-RateLimit-Used": "5000",
                    "X-RateLimit-Resource": "graphql" if path == "/graphql" else "core",
                },
            )
        elif kind == "secondary":
            self._send(
                403,
                json.dumps(
                    {
                        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
                    }
                ).encode(),
                method,
                path,
                {"Retry-After": str(int(fault.reset_in))},
            )
        elif kind in ("html", "null", "string"):
            payload = {
                "html": b"<!DOCTYPE html><html><body>Sign in to your proxy</body></html>",
                "null": b"null",
                "string": b'"maintenance"',
            }[kind]
            content_type = "text/html" if kind == "html" else "application/json; charset=utf-8"
            self._send(200, payload, method, path, content_type=content_type)
        elif kind == "redirect":
            self._send(307, b"", method, path, {"Location": self.path})
        elif kind == "redirect-away":
            self._send(301, b"", method, path, {"Location": f"http://elsewhere.invalid{self.path}"})
        elif kind in ("retry-after-date", "retry-after-huge"):
            after = (
                formatdate(time.time() + fault.reset_in, usegmt=True)
                if kind == "retry-after-date"
                else str(10**30)
            )
            # A maintenance page: urllib3 honours Retry-After on a 503 (PyGithub does not see it).
            message = b'{"message": "Down for maintenance"}'
            self._send(503, message, method, path, {"Retry-After": after})
        elif kind == "reset-far":
            message = b'{"message": "API rate limit exceeded for user ID 1."}'
            headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(10**12)}
            self._send(403, message, method, path, headers)
        elif kind == "trickle":
            with self.github.lock:
                self.github.log.append((method, path, 200))
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()  # no length: the body lasts until the connection closes
            with suppress(OSError):
                self.wfile.write(b"{")
                for _ in range(3000):  # ten minutes at most, then the test has failed anyway
                    time.sleep(0.2)
                    self.wfile.write(b" ")
                    self.wfile.flush()
            self.close_connection = True
        elif kind == "huge":
            with self.github.lock:
                self.github.log.append((method, path, 200))
            size = 20 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            with suppress(OSError):
                self.wfile.write(b'"' + b"x" * (size - 2) + b'"')
            self.close_connection = True
        elif kind == "truncated":
            payload = json.dumps({"data": {"partial": "x" * 200}}).encode()
            self._send(
                200, payload[: len(payload) // 2], method, path, declared_length=len(payload)
            )
            self.close_connection = True
        else:
            raise ValueError(f"unknown fault {kind}")
        return True

    # ------------------------------------------------------------------ REST

    def _rest(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        fake = self.github
        parts = [p for p in path.split("/") if p]
        not_found = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        if parts == ["rate_limit"]:
            self._json(
                200,
                {
                    "resources": {
                        "core": {
                            "limit": fake.rate_limit,
                            "remaining": fake.rate_remaining,
                            "reset": fake.rate_reset,
                        }
                    }
                },
                method,
                path,
            )
            return
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos" and method == "GET":
            self._org_repos(parts[1], query, method, path)
            return
        if len(parts) < 3 or parts[0] != "repos":
            self._json(404, not_found, method, path)
            return
        repo = fake.seen(f"{parts[1]}/{parts[2]}")
        if repo is None:
            self._json(404, not_found, method, path)
            return
        if not repo.accessible:
            self._json(
                403,
                {
                    "message": "Resource not accessible by personal access token",
                    "documentation_url": "https://docs.github.com/rest",
                },
                method,
                path,
            )
            return
        rest = parts[3:]
        if method == "GET" and not rest:
            self._json(200, self._repo_json(repo), method, path, etag=True)
        elif method == "GET" and rest == ["activity"]:
            self._activity(repo, query, method, path)
        elif method == "GET" and len(rest) == 3 and rest[:2] == ["git", "blobs"]:
            content = repo.blob(rest[2])
            if content is None:
                self._json(404, not_found, method, path)
                return
            encoded = base64.encodebytes(content).decode()
            self._json(
                200,
                {
                    "sha": rest[2],
                    "node_id": "B_" + rest[2][:10],
                    "size": len(content),
                    "url": f"{fake.base_url}{path}",
                    "content": encoded,
                    "encoding": "base64",
                },
                method,
                path,
                etag=True,
            )
        elif method == "GET" and rest[:1] == ["contents"] and len(rest) > 1:
            file_path = "/".join(rest[1:])
            ref = (query.get("ref") or ["HEAD"])[0]
            content = repo.resolve(f"{ref}:{file_path}")
            if content is None:
                self._json(404, not_found, method, path)
                return
            oid = blob_oid(content)
            self._json(
                200,
                {
                    "type": "file",
                    "encoding": "base64",
                    "size": len(content),
                    "name": file_path.rsplit("/", 1)[-1],
                    "path": file_path,
                    "content": base64.encodebytes(content).decode(),
                    "sha": oid,
                    "url": f"{fake.base_url}{path}",
                    "git_url": f"{fake.base_url}/repos/{repo.full_name}/git/blobs/{oid}",
                    "html_url": f"https://github.com/{repo.full_name}/blob/{ref}/{file_path}",
                    "download_url": None,
                },
                method,
                path,
                etag=True,
            )
        elif rest == ["issues"] and not repo.has_issues:
            self._json(
                410,
                {
                    "message": "Issues are disabled for this repo",
                    "documentation_url": "https://docs.github.com/v3/issues/",
                },
                method,
                path,
            )
        elif rest == ["issues"] and method == "GET":
            state = (query.get("state") or ["open"])[0]
            listed = [i for i in repo.issues if state == "all" or i["state"] == state]
            self._json(200, list(reversed(listed)), method, path, etag=True)
        elif rest == ["issues"] and method == "POST":
            number = len(repo.issues) + 1
            issue = {
                "id": 1000 + number,
                "node_id": f"I_{number}",
                "number": number,
                "title": body["title"],
                "body": body.get("body", ""),
                "state": "open",
                "url": f"{fake.base_url}/repos/{repo.full_name}/issues/{number}",
                "html_url": f"https://github.com/{repo.full_name}/issues/{number}",
                "user": {"login": "ta-bot", "id": 1, "type": "User"},
                "labels": [],
                "created_at": iso(datetime.now(UTC)),
            }
            with fake.lock:
                repo.issues.append(issue)
            self._json(201, issue, method, path)
        else:
            self._json(404, not_found, method, path)

    def _repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        base = self.github.base_url
        return {
            "id": abs(hash(repo.full_name)) % 10**8,
            "node_id": "R_" + repo.name,
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": {"login": repo.owner, "id": 1, "type": repo.owner_type},
            "default_branch": repo.default_branch,
            "pushed_at": iso(repo.pushed_at) if repo.pushed_at else None,
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.last_updated),
            "url": f"{base}/repos/{repo.full_name}",
            "html_url": f"https://github.com/{repo.full_name}",
        }

    def _org_repos(self, org: str, query: dict[str, list[str]], method: str, path: str) -> None:
        """`GET /orgs/{org}/repos`: every repository of the organisation (type=all), sorted,
        100 at most per page, Link header to the next and last pages, ETag."""
        fake = self.github
        if not fake.is_org(org):
            self._json(
                404,
                {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                method,
                path,
            )
            return
        sort = (query.get("sort") or ["created"])[0]
        if sort not in _SORT_KEYS:
            self._json(
                422,
                {"message": f"Validation Failed: sort {sort}"},
                method,
                path,
            )
            return
        direction = (query.get("direction") or ["asc" if sort == "full_name" else "desc"])[0]
        per_page = min(int((query.get("per_page") or ["30"])[0]), 100)
        page = int((query.get("page") or ["1"])[0])
        with fake.lock:
            owned = [
                r for r in fake.repos.values() if r.owner.lower() == org.lower() and not r.hidden
            ]
        # Ties in name order, so that pages are stable.
        owned.sort(key=lambda r: r.full_name.lower())
        owned.sort(key=_SORT_KEYS[sort], reverse=direction == "desc")
        chunk = owned[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(owned) // per_page))
        headers = {}
        if page < last:
            params = {k: v[0] for k, v in query.items()}
            links = []
            for rel, number in (("next", page + 1), ("last", last)):
                params["page"] = str(number)
                links.append(f'<{fake.base_url}{path}?{urlencode(params)}>; rel="{rel}"')
            headers["Link"] = ", ".join(links)
        self._json(
            200, [self._repo_json(r) for r in chunk], method, path, headers=headers, etag=True
        )

    def _activity(
        self, repo: FakeRepo, query: dict[str, list[str]], method: str, path: str
    ) -> None:
        ref = (query.get("ref") or [""])[0]
        if ref and not ref.startswith("refs/"):
            ref = f"refs/heads/{ref}"
        kind = (query.get("activity_type") or [""])[0]
        per_page = min(int((query.get("per_page") or ["30"])[0]), 100)
        page = int((query.get("page") or ["1"])[0])
        events = [
            p
            for p in reversed(repo.pushes)
            if (not ref or p.ref == ref) and (not kind or p.activity_type == kind)
        ]
        chunk = events[(page - 1) * per_page : page * per_page]
        items = [
            {
                "id": p.id,
                "node_id": f"RA_{repo.name}_{p.id}",
                "before": p.before,
                "after": p.after,
                "ref": p.ref,
                "timestamp": iso(p.timestamp),
                "activity_type": p.activity_type,
                "actor": {"login": p.actor, "id": 7, "type": "User"},
            }
            for p in chunk
        ]
        headers = {}
        if page * per_page < len(events):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = str(page + 1)
            headers["Link"] = f'<{self.github.base_url}{path}?{urlencode(params)}>; rel="next"'
        self._json(200, items, method, path, headers=headers, etag=True)

    # ------------------------------------------------------------------ GraphQL

    def _graphql(self, body: dict[str, Any], path: str) -> None:
        fake = self.github
        text = body.get("query", "")
        variables = body.get("variables") or {}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        aliases = list(_ALIAS_REPO.finditer(text))
        if not aliases and "rateLimit" not in text:
            self._json(
                200,
                {
                    "errors": [
                        {
                            "message": "Field not understood by the fake GitHub",
                            "type": "UNDERSTOOD_NOTHING",
                        }
                    ]
                },
                "POST",
                path,
                resource="graphql",
            )
            return
        for match in aliases:
            alias = match.group(1)
            owner = variables.get(match.group(2), "")
            name = variables.get(match.group(3), "")
            inner = _block(text, match.end())
            repo = fake.seen(f"{owner}/{name}")
            if repo is None:
                data[alias] = None
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [alias],
                        "locations": [{"line": 1, "column": 1}],
                        "message": f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                    }
                )
                continue
            if not repo.accessible:
                data[alias] = None
                errors.append(
                    {
                        "type": "FORBIDDEN",
                        "path": [alias],
                        "locations": [{"line": 1, "column": 1}],
                        "message": "Resource not accessible by personal access token",
                    }
                )
                continue
            node: dict[str, Any] = {}
            if re.search(r"\bnameWithOwner\b", inner):
                node["nameWithOwner"] = repo.full_name
            if re.search(r"\bpushedAt\b", inner):
                node["pushedAt"] = iso(repo.pushed_at) if repo.pushed_at else None
            if "defaultBranchRef" in inner:
                node["defaultBranchRef"] = (
                    {"name": repo.default_branch, "target": {"oid": repo.head}}
                    if repo.head
                    else None
                )
            for obj in _ALIAS_OBJECT.finditer(inner):
                content = repo.resolve(str(variables.get(obj.group(2), "")))
                node[obj.group(1)] = None if content is None else self._blob_json(content)
            data[alias] = node
        if "rateLimit" in text:
            data["rateLimit"] = {
                "cost": 1,
                "remaining": fake.graphql_remaining - 1,
                "resetAt": iso(datetime.fromtimestamp(fake.rate_reset, UTC)),
            }
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        self._json(200, answer, "POST", path, resource="graphql")

    @staticmethod
    def _blob_json(content: bytes) -> dict[str, Any]:
        binary = b"\x00" in content[:8000]
        text: str | None = None
        truncated = False
        if not binary:
            shown = content[:TEXT_LIMIT]
            truncated = len(content) > TEXT_LIMIT
            # Bytes that are not UTF-8 come back as U+FFFD, as GitHub renders them.
            text = shown.decode("utf-8", "replace")
        return {
            "__typename": "Blob",
            "oid": blob_oid(content),
            "byteSize": len(content),
            "isBinary": binary,
            "isTruncated": truncated,
            "text": text,
        }
