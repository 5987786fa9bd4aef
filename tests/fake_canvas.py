"""A local fake of Canvas's REST API (the parts `coursectl canvas` uses), on 127.0.0.1.

Answers follow Canvas's API documentation and canvasapi's own test fixtures, so unmodified
canvasapi, pointed at `FakeCanvas.url`, reads and writes it:
- `Authorization: Bearer <token>`; a wrong token is 401 with `WWW-Authenticate` and
  `{"errors": [{"message": "Invalid access token."}]}` (canvasapi: InvalidAccessToken);
  `forbid(...)`/`fail(...)` answer 401 without that header ("user not authorized"), 403, 404
  or 429 with Retry-After for chosen paths;
- lists are paginated by `Link` headers (`rel="next"`, `current`, `first`, `last`), at most
  `page_size` items a page (Canvas: per_page, at most 100);
- courses by id or `sis_course_id:<SIS id>`; users carry `sis_user_id` and `login_id`;
  `include[]=email`, `include[]=enrollments` (with `course_section_id`);
- `POST .../submissions/update_grades` takes `grade_data[<user id>][posted_grade]` or
  `[excuse]` and returns a Progress (`tag: submissions_update`, queued) that
  `GET /progress/:id` reports completed; grades are applied when the job runs.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class FakeUser:
    id: int
    name: str
    sis_user_id: str | None
    login_id: str
    email: str
    section_id: int


@dataclass
class FakeAssignment:
    id: int
    name: str
    points_possible: float | None
    published: bool = True


@dataclass
class Submission:
    score: float | None = None
    excused: bool = False
    grader_id: int | None = None


@dataclass
class FakeCourse:
    id: int
    name: str
    sis_course_id: str
    sections: dict[int, str]
    users: list[FakeUser]
    assignments: list[FakeAssignment]
    # assignment id -> user id -> submission
    submissions: dict[int, dict[int, Submission]] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    times: int  # how many requests get it (then the path works again)
    retry_after: str | None = None
    body: dict[str, Any] | str | None = None


class FakeCanvas:
    def __init__(self, course: FakeCourse, token: str = "canvas-test-token") -> None:
        self.course = course
        self.token = token
        self.page_size = 100
        self.failures: dict[str, Failure] = {}  # path regex -> failure
        self.requests: list[tuple[str, str]] = []
        self.grade_posts: list[dict[str, Any]] = []  # one per update_grades call
        self._progress: dict[int, dict[str, Any]] = {}
        self._pending: dict[int, tuple[int, dict[int, Submission]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeCanvas:
        fake = self

        class Handler(_Handler):
            canvas = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ test controls

    def fail(self, path_pattern: str, status: int, times: int = 1_000_000, **kw: Any) -> None:
        self.failures[path_pattern] = Failure(status, times, **kw)

    def set_grade(
        self, assignment_id: int, user_id: int, score: float | None, excused: bool = False
    ) -> None:
        """A TA's edit in Canvas's gradebook."""
        with self._lock:
            sub = self.course.submissions.setdefault(assignment_id, {}).setdefault(
                user_id, Submission()
            )
            sub.score, sub.excused, sub.grader_id = score, excused, 1

    def grade(self, assignment_id: int, user_id: int) -> Submission:
        return self.course.submissions.get(assignment_id, {}).get(user_id, Submission())

    # ------------------------------------------------------------------ behaviour

    def _run_job(self, progress_id: int) -> None:
        assignment_id, grades = self._pending.pop(progress_id, (0, {}))
        subs = self.course.submissions.setdefault(assignment_id, {})
        for user_id, new in grades.items():
            subs[user_id] = new
        self._progress[progress_id].update(workflow_state="completed", completion=100)

    def submission_json(self, assignment: FakeAssignment, user: FakeUser) -> dict[str, Any]:
        sub = self.grade(assignment.id, user.id)
        graded = sub.score is not None or sub.excused
        return {
            "id": assignment.id * 100000 + user.id,
            "assignment_id": assignment.id,
            "user_id": user.id,
            "score": sub.score,
            "grade": None if sub.score is None else f"{sub.score:g}",
            "entered_score": sub.score,
            "excused": sub.excused,
            "workflow_state": "graded" if graded else "unsubmitted",
            "grader_id": sub.grader_id,
            "graded_at": "2026-03-10T18:00:00Z" if graded else None,
            "late": False,
            "missing": False,
            "attempt": None,
        }


def _user_json(user: FakeUser, include: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "name": user.name,
        "sortable_name": ", ".join(reversed(user.name.split(" ", 1))),
        "short_name": user.name,
        "sis_user_id": user.sis_user_id,
        "integration_id": None,
        "login_id": user.login_id,
    }
    if "email" in include:
        data["email"] = user.email
    if "enrollments" in include:
        data["enrollments"] = [
            {
                "id": 7000 + user.id,
                "course_section_id": user.section_id,
                "type": "StudentEnrollment",
                "role": "StudentEnrollment",
                "enrollment_state": "active",
                "user_id": user.id,
            }
        ]
    return data


class _Handler(BaseHTTPRequestHandler):
    canvas: FakeCanvas

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _page(self, items: list[Any], query: dict[str, list[str]], path: str) -> None:
        per_page = min(int(query.get("per_page", ["10"])[0]), self.canvas.page_size, 100)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        kept = {k: v for k, v in query.items() if k not in ("page", "per_page")}

        def link(number: int, rel: str) -> str:
            params = urlencode(
                [
                    *((k, x) for k, v in kept.items() for x in v),
                    ("page", str(number)),
                    ("per_page", str(per_page)),
                ]
            )
            return f'<{self.canvas.url}{path}?{params}>; rel="{rel}"'

        links = [link(page, "current"), link(1, "first"), link(last, "last")]
        if page < last:
            links.insert(0, link(page + 1, "next"))
        if page > 1:
            links.insert(0, link(page - 1, "prev"))
        chunk = items[(page - 1) * per_page : page * per_page]
        self._send(200, chunk, {"Link": ",".join(links)})

    def _handle(self, method: str) -> None:
        fake = self.canvas
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query)
        form: dict[str, list[str]] = {}
        if method in ("POST", "PUT"):
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
        fake.requests.append((method, path))
        if self.headers.get("Authorization") != f"Bearer {fake.token}":
            self._send(
                401,
                {"errors": [{"message": "Invalid access token."}]},
                {"WWW-Authenticate": 'Bearer realm="canvas-lms"'},
            )
            return
        for pattern, failure in list(fake.failures.items()):
            if failure.times > 0 and re.search(pattern, path):
                failure.times -= 1
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                body = failure.body or {
                    401: {
                        "status": "unauthorized",
                        "errors": [{"message": "user not authorized to perform that action"}],
                    },
                    403: {"errors": [{"message": "Forbidden"}]},
                    404: {"errors": [{"message": "The specified resource does not exist."}]},
                    429: "403 Forbidden (Rate Limit Exceeded)",
                }.get(failure.status, {"errors": [{"message": "error"}]})
                self._send(failure.status, body, headers)
                return
        course = fake.course
        not_found = {"errors": [{"message": "The specified resource does not exist."}]}
        match = re.fullmatch(r"/api/v1/progress/(\d+)", path)
        if match and method == "GET":
            progress_id = int(match.group(1))
            with fake._lock:
                if progress_id not in fake._progress:
                    self._send(404, not_found)
                    return
                fake._run_job(progress_id)
                self._send(200, fake._progress[progress_id])
            return
        match = re.fullmatch(r"/api/v1/courses/([^/]+)(/.*)?", path)
        if not match or match.group(1) not in (
            str(course.id),
            f"sis_course_id:{course.sis_course_id}",
        ):
            self._send(404, not_found)
            return
        rest = match.group(2) or ""
        base = f"/api/v1/courses/{match.group(1)}"
        include = query.get("include[]", [])
        if rest == "" and method == "GET":
            self._send(
                200,
                {
                    "id": course.id,
                    "name": course.name,
                    "course_code": course.name,
                    "sis_course_id": course.sis_course_id,
                    "workflow_state": "available",
                },
            )
        elif rest == "/sections" and method == "GET":
            sections = [
                {"id": i, "name": n, "course_id": course.id} for i, n in course.sections.items()
            ]
            self._page(sections, query, base + rest)
        elif rest in ("/search_users", "/users") and method == "GET":
            users = [_user_json(u, include) for u in course.users]
            self._page(users, query, base + rest)
        elif rest == "/assignments" and method == "GET":
            items = [self._assignment(a) for a in course.assignments]
            self._page(items, query, base + rest)
        elif m := re.fullmatch(r"/assignments/(\d+)(/.*)?", rest):
            assignment = next((a for a in course.assignments if a.id == int(m.group(1))), None)
            if assignment is None:
                self._send(404, not_found)
                return
            tail = m.group(2) or ""
            if tail == "" and method == "GET":
                self._send(200, self._assignment(assignment))
            elif tail == "/submissions" and method == "GET":
                subs = [fake.submission_json(assignment, u) for u in course.users]
                self._page(subs, query, base + rest)
            elif tail == "/submissions/update_grades" and method == "POST":
                self._update_grades(assignment, form)
            else:
                self._send(404, not_found)
        else:
            self._send(404, not_found)

    def _assignment(self, a: FakeAssignment) -> dict[str, Any]:
        return {
            "id": a.id,
            "name": a.name,
            "points_possible": a.points_possible,
            "published": a.published,
            "course_id": self.canvas.course.id,
            "grading_type": "points",
            "due_at": None,
            "submission_types": ["none"],
        }

    def _update_grades(self, assignment: FakeAssignment, form: dict[str, list[str]]) -> None:
        fake = self.canvas
        grades: dict[int, Submission] = {}
        known = {u.id for u in fake.course.users}
        for key, values in form.items():
            m = re.fullmatch(r"grade_data\[(\d+)\]\[(posted_grade|excuse)\]", key)
            if not m:
                continue
            user_id = int(m.group(1))
            if user_id not in known:
                self._send(400, {"errors": [{"message": f"unknown student {user_id}"}]})
                return
            if m.group(2) == "excuse":
                grades[user_id] = Submission(None, values[0] == "true", 2)
            else:
                grades[user_id] = Submission(float(values[0]), False, 2)
        with fake._lock:
            progress_id = len(fake._progress) + 1
            fake.grade_posts.append({"assignment": assignment.id, "grades": dict(grades)})
            fake._pending[progress_id] = (assignment.id, grades)
            fake._progress[progress_id] = {
                "id": progress_id,
                "context_id": fake.course.id,
                "context_type": "Course",
                "user_id": None,
                "tag": "submissions_update",
                "completion": 0,
                "workflow_state": "queued",
                "message": None,
                "url": f"{fake.url}/api/v1/progress/{progress_id}",
            }
            self._send(200, fake._progress[progress_id])

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")
