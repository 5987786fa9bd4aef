"""A local fake of the Gradescope web pages that gradescopeapi scrapes.

It serves, on 127.0.0.1 and a free port, the pages gradescopeapi reads, shaped like
Gradescope's (the roster table and its `data-cm` buttons, the `AssignmentsTable` React props,
the `EditExtension` rows, the Rails login form with its authenticity token), so that the
unmodified library, pointed at it with `GSConnection(gradescope_base_url=...)`, parses them.

Behaviour follows the real site where gradescopeapi depends on it:
- `GET /` sets an anonymous `_gradescope_session` cookie and renders the login form with an
  authenticity token bound to that session;
- `POST /login` (gradescopeapi sends the fields in the query string) checks the token and the
  credentials; success is a 302 to /account with a new session cookie, failure re-renders the
  login page with a flash (status 200);
- course pages answer 401 with Gradescope's JSON errors when the session is missing/expired
  ("You must be logged in ...") or the user is not staff of the course ("You are not
  authorized ..."), 404 for a course that does not exist;
- the edit-dates endpoint takes the multipart PATCH form with naive local times, interpreted
  in the course's time zone, and records every edit in `FakeGradescope.edits`.

Failure modes for tests: a wrong password, `expire_sessions()` or `expire_after_requests`
(an expired session), a course the user cannot see (`hidden=True`) or sees only as a student
(`as_student=True`), and `vanish_after_home_page` (the server goes
away between the home page and the login POST, so the client fails with a connection error).
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

ROLE_IDS = {"Student": "0", "Instructor": "1", "TA": "2", "Reader": "3"}


@dataclass
class FakeMember:
    user_id: str
    name: str
    email: str
    sid: str = ""
    role: str = "Student"
    sections: list[str] = field(default_factory=list)
    submissions: int = 0


@dataclass
class FakeAssignment:
    id: str
    title: str
    release: datetime | None
    due: datetime | None
    late_due: datetime | None = None
    points: float = 10.0


@dataclass
class FakeExtension:
    user_id: str
    release: datetime | None = None
    due: datetime | None = None
    late_due: datetime | None = None


@dataclass
class FakeCourse:
    id: str
    short_name: str
    full_name: str
    term: str = "Spring 2026"
    timezone: str = "America/Los_Angeles"
    members: list[FakeMember] = field(default_factory=list)
    assignments: list[FakeAssignment] = field(default_factory=list)
    extensions: dict[str, list[FakeExtension]] = field(default_factory=dict)
    hidden: bool = False  # exists, but the logged-in user is not staff (and not enrolled)
    as_student: bool = False  # the logged-in user is enrolled as a student, not staff

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def assignment(self, assignment_id: str) -> FakeAssignment | None:
        return next((a for a in self.assignments if a.id == assignment_id), None)


@dataclass
class DateEdit:
    """One PATCH of an assignment's dates, as posted (naive local strings) and as understood."""

    course_id: str
    assignment_id: str
    form: dict[str, str]
    release: datetime | None
    due: datetime | None
    late_due: datetime | None


@dataclass
class _Session:
    email: str | None  # None: anonymous (before login)
    csrf_token: str


class FakeGradescope:
    """The fake server; use as a context manager or call start()/stop()."""

    def __init__(self, email: str, password: str, courses: list[FakeCourse]) -> None:
        self.email = email
        self.password = password
        self.courses = {c.id: c for c in courses}
        self.edits: list[DateEdit] = []
        self.login_attempts = 0
        self.successful_logins = 0
        self.vanish_after_home_page = False
        # After this many course pages are served, every session expires (None: never).
        self.expire_after_requests: int | None = None
        # Logged-out page requests: Gradescope's JSON 401, or (True) a redirect to the login page.
        self.logged_out_redirects = False
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> FakeGradescope:
        fake = self

        class Handler(_Handler):
            gradescope = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGradescope:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _vanish(self) -> None:
        """Stop listening now (called from a handler thread): later connections are refused."""
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ sessions

    def expire_sessions(self) -> None:
        """Every logged-in session ends, as when Gradescope's session cookie times out."""
        with self._lock:
            self._sessions = {k: v for k, v in self._sessions.items() if v.email is None}

    def new_session(self, email: str | None) -> tuple[str, _Session]:
        session_id = secrets.token_hex(16)
        session = _Session(email=email, csrf_token=secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session_id] = session
        return session_id, session

    def session(self, session_id: str | None) -> _Session | None:
        with self._lock:
            return self._sessions.get(session_id or "")


# ---------------------------------------------------------------------- pages


def _page(title: str, body: str, csrf_token: str | None = None) -> str:
    meta = (
        f'<meta name="csrf-param" content="authenticity_token" />\n<meta name="csrf-token" content="{html.escape(csrf_token)}" />'
        if csrf_token
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n'
        f"<title>{html.escape(title)} | Gradescope</title>\n{meta}\n</head>\n"
        f'<body class="">\n<main class="mainContent">\n{body}\n</main>\n</body>\n</html>\n'
    )


def _login_page(token: str, flash: str | None) -> str:
    alert = (
        f'<div class="alert alert-flashMessage alert-error"><span>{html.escape(flash)}</span></div>'
        if flash
        else ""
    )
    body = f"""{alert}
<div class="loginForm">
<form class="form--login" action="/login" accept-charset="UTF-8" method="post">
<input name="utf8" type="hidden" value="&#x2713;" autocomplete="off" />
<input type="hidden" name="authenticity_token" value="{html.escape(token)}" autocomplete="off" />
<label for="session_email">Email</label>
<input class="form--input" type="email" name="session[email]" id="session_email" />
<label for="session_password">Password</label>
<input class="form--input" type="password" name="session[password]" id="session_password" />
<input name="session[remember_me]" type="hidden" value="0" />
<input type="submit" name="commit" value="Log In" class="tiiBtn tiiBtn-primary" />
</form>
</div>"""
    return _page("Log In", body, csrf_token=token)


def _course_boxes(courses: list[FakeCourse]) -> str:
    return "".join(
        f'<a class="courseBox" href="/courses/{course.id}">'
        f'<h3 class="courseBox--shortname">{html.escape(course.short_name)}</h3>'
        f'<div class="courseBox--name">{html.escape(course.full_name)}</div>'
        f'<div class="courseBox--assignments">{len(course.assignments)} assignments</div></a>'
        for course in courses
    )


def _account_page(fake: FakeGradescope, csrf_token: str) -> str:
    staff = [c for c in fake.courses.values() if not c.hidden and not c.as_student]
    student = [c for c in fake.courses.values() if not c.hidden and c.as_student]
    term = next((c.term for c in fake.courses.values() if not c.hidden), "Spring 2026")
    student_part = (
        f"""<h2 class="pageHeading">Student Courses</h2>
<div class="courseList">
<div class="courseList--term">{html.escape(term)}</div>
<div class="courseList--coursesForTerm">{_course_boxes(student)}</div>
</div>"""
        if student
        else ""
    )
    body = f"""<div id="account-show">
<h1 class="pageHeading">Your Courses</h1>
<button class="tiiBtn tiiBtn-primary js-createNewCourse" type="button">Create a new course</button>
<h2 class="pageHeading">Instructor Courses</h2>
<div class="courseList">
<div class="courseList--term">{html.escape(term)}</div>
<div class="courseList--coursesForTerm">{_course_boxes(staff)}</div>
</div>
{student_part}
</div>"""
    return _page("Your Courses", body, csrf_token=csrf_token)


def _attr_json(value: Any) -> str:
    return html.escape(json.dumps(value, separators=(",", ":")), quote=True)


def _roster_page(course: FakeCourse, csrf_token: str) -> str:
    rows = []
    for member in course.members:
        cm: dict[str, Any] = {
            "full_name": member.name,
            "first_name": None,
            "last_name": None,
            "sid": member.sid,
            "data": {},
        }
        sections = [{"id": 1000 + i, "name": s} for i, s in enumerate(member.sections)]
        edit_attrs = (
            f'data-action="/courses/{course.id}/memberships/{member.user_id}1" data-can-edit-name="true" '
            f'data-cm="{_attr_json(cm)}" data-email="{html.escape(member.email)}" data-id="{member.user_id}1" '
            f'data-logged-in="true" data-role="{ROLE_IDS[member.role]}" data-sections="{_attr_json(sections)}" '
            'name="button" type="button"'
        )
        if member.role == "Student":
            first = (
                f'<td class="table--primaryLink"><button class="js-rosterName" data-name="{html.escape(member.name)}" '
                f'data-url="/courses/{course.id}/gradebook.json?user_id={member.user_id}" name="button" type="button">'
                f'{html.escape(member.name)}</button><button class="rosterCell--editIcon" {edit_attrs}>'
                '<i class="fa fa-pencil"></i> Edit</button></td>'
            )
        else:
            first = (
                f'<td class="rosterNameColumn">{html.escape(member.name)}<button class="rosterCell--editIcon" '
                f'{edit_attrs}><i class="fa fa-pencil"></i> Edit</button></td>'
            )
        section_cell = "".join(
            f'<div class="sectionsColumnCell--section"><span class="sectionsColumnCell--sectionSpan" '
            f'title="{html.escape(s)}">{html.escape(s)}</span></div>'
            for s in member.sections
        )
        rows.append(
            f'<tr class="rosterRow">{first}<td>{html.escape(member.email)}</td>'
            f'<td class="rosterRoleColumn js-rosterRoleCell">{member.role}</td>'
            f'<td><div class="sectionsColumnCell">{section_cell}</div></td>'
            f'<td class="u-centeredText">{member.submissions}</td>'
            f'<td class="rosterCell-center js-editButtonCell"><button class="rosterCell--editColumnIcon" {edit_attrs}></button></td>'
            f'<td class="rosterCell-center"><form action="/courses/{course.id}/memberships/{member.user_id}1" '
            f'class="js-rosterDeleteForm" method="post"><input name="_method" type="hidden" value="delete" />'
            f'<input name="authenticity_token" type="hidden" value="{html.escape(csrf_token)}" /></form></td></tr>'
        )
    body = f"""<h1 class="pageHeading">Roster</h1>
<table class="table js-rosterTable">
<thead><tr><th>Name</th><th>Email</th><th class="js-noSort">Role</th><th class="js-sections">Sections</th>
<th>Submissions</th><th class="js-noSort">Edit</th><th class="js-noSort">Remove</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>"""
    return _page(f"{course.full_name} Roster", body, csrf_token=csrf_token)


def _iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    # Rails renders TimeWithZone in JSON as ISO 8601 with milliseconds and the offset.
    return moment.astimezone(zone).isoformat(timespec="milliseconds") if moment else None


def _assignments_page(course: FakeCourse, csrf_token: str) -> str:
    zone = course.zone
    table: list[dict[str, Any]] = [{"type": "section", "id": "published", "title": "Published"}]
    for a in course.assignments:
        table.append(
            {
                "type": "assignment",
                "id": int(a.id),
                "url": f"/courses/{course.id}/assignments/{a.id}",
                "title": a.title,
                "total_points": f"{a.points:.1f}",
                "is_published": True,
                "num_active_submissions": 0,
                "grading_progress": 0,
                "submission_window": {
                    "release_date": _iso(a.release, zone),
                    "due_date": _iso(a.due, zone),
                    "hard_due_date": _iso(a.late_due, zone),
                    "time_limit": None,
                },
            }
        )
    props = {"table_data": table, "course_id": int(course.id)}
    body = f'<div data-react-class="AssignmentsTable" data-react-props="{_attr_json(props)}"></div>'
    return _page(f"{course.full_name} Assignments", body, csrf_token=csrf_token)


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    # The extension props carry naive local times plus the course's zone identifier.
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else None


def _extensions_page(course: FakeCourse, assignment: FakeAssignment, csrf_token: str) -> str:
    zone = course.zone
    names = {m.user_id: m.name for m in course.members}
    rows = []
    for number, ext in enumerate(course.extensions.get(assignment.id, []), start=1):
        settings: dict[str, Any] = {}
        for key, value in (
            ("release_date", ext.release),
            ("due_date", ext.due),
            ("hard_due_date", ext.late_due),
        ):
            if value is not None:
                settings[key] = {"type": "absolute", "value": _local(value, zone)}
        props = {
            "inheritedOverride": False,
            "deletePath": f"/courses/{course.id}/assignments/{assignment.id}/extensions/{9000 + number}",
            "hideEmailAddresses": False,
            "override": {"user_id": int(ext.user_id), "settings": settings},
            "path": f"/courses/{course.id}/assignments/{assignment.id}/extensions",
            "resourceName": assignment.title,
            "studentName": names.get(ext.user_id, "Unknown"),
            "studentSections": None,
            "userId": int(ext.user_id),
            "fallbackSubmissionWindow": {
                "release_date": _local(assignment.release, zone),
                "due_date": _local(assignment.due, zone),
                "hard_due_date": _local(assignment.late_due, zone),
                "time_limit": None,
                "visible": True,
            },
            "timezone": {
                "abbr": datetime.now(zone).strftime("%Z"),
                "zone": course.timezone,
                "identifier": course.timezone,
            },
        }
        rows.append(
            f"<tr><td>{html.escape(names.get(ext.user_id, 'Unknown'))}</td>"
            f'<td><div data-react-class="EditExtension" data-react-props="{_attr_json(props)}"></div></td></tr>'
        )
    body = f"""<h1 class="pageHeading">Extensions</h1>
<table class="table js-overridesTable">
<thead><tr><th>Student</th><th>Settings</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>"""
    return _page(f"{assignment.title} Extensions", body, csrf_token=csrf_token)


def _edit_page(course: FakeCourse, assignment: FakeAssignment, csrf_token: str) -> str:
    body = f"""<form class="js-assignmentForm" action="/courses/{course.id}/assignments/{assignment.id}" method="post" enctype="multipart/form-data">
<input type="hidden" name="_method" value="patch" />
<input type="hidden" name="authenticity_token" value="{html.escape(csrf_token)}" />
<input type="text" name="assignment[title]" value="{html.escape(assignment.title)}" />
<input type="datetime-local" name="assignment[release_date_string]" value="{_local(assignment.release, course.zone) or ""}" />
<input type="datetime-local" name="assignment[due_date_string]" value="{_local(assignment.due, course.zone) or ""}" />
<input type="datetime-local" name="assignment[hard_due_date_string]" value="{_local(assignment.late_due, course.zone) or ""}" />
</form>"""
    return _page(f"Edit {assignment.title}", body, csrf_token=csrf_token)


# ---------------------------------------------------------------------- handler

_COURSE_PATH = re.compile(
    r"^/courses/(\d+)(?:/(memberships|assignments)(?:/(\d+)(?:/(edit|extensions))?)?)?/?$"
)


class _Handler(BaseHTTPRequestHandler):
    gradescope: FakeGradescope
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        # The request line holds the password gradescopeapi puts in the query string: never log it.
        pass

    # -------------------------------------------------------------- helpers

    def _cookie(self, name: str) -> str | None:
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def _send(
        self,
        status: int,
        body: str,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for name, value in (cookies or {}).items():
            self.send_header("Set-Cookie", f"{name}={value}; path=/; HttpOnly; SameSite=Lax")
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str, cookies: dict[str, str] | None = None) -> None:
        self._send(
            302,
            f'<html><body>You are being <a href="{location}">redirected</a>.</body></html>',
            headers={"Location": location},
            cookies=cookies,
        )

    def _json_error(self, status: int, message: str) -> None:
        self._send(
            status, json.dumps({"error": message}), content_type="application/json; charset=utf-8"
        )

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _logged_in(self) -> _Session | None:
        session = self.gradescope.session(self._cookie("_gradescope_session"))
        return session if session is not None and session.email is not None else None

    def _course_for(
        self, course_id: str, section: str | None = "staff"
    ) -> tuple[_Session, FakeCourse] | None:
        """The session and course, or None after answering with Gradescope's error.

        `section` None is the course's home page, which enrolled students see too; every other
        page (roster, assignments, edit, extensions) is for staff.
        """
        fake = self.gradescope
        if fake.expire_after_requests is not None:
            if fake.expire_after_requests <= 0:
                fake.expire_sessions()
            fake.expire_after_requests -= 1
        session = self._logged_in()
        if session is None:
            if fake.logged_out_redirects:
                self._redirect("/login")
            else:
                self._json_error(401, "You must be logged in to access this page.")
            return None
        course = self.gradescope.courses.get(course_id)
        if course is None:
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            return None
        if course.hidden or (course.as_student and section is not None):
            self._json_error(401, "You are not authorized to access this page.")
            return None
        return session, course

    # -------------------------------------------------------------- routes

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        fake = self.gradescope
        if path in ("", "/"):
            session_id = self._cookie("_gradescope_session")
            session = fake.session(session_id)
            if session is None:
                session_id, session = fake.new_session(None)
            if fake.vanish_after_home_page:
                fake._vanish()
                self.close_connection = True
                self._send(
                    200,
                    _login_page(session.csrf_token, None),
                    headers={"Connection": "close"},
                    cookies={"_gradescope_session": session_id or ""},
                )
                return
            self._send(
                200,
                _login_page(session.csrf_token, None),
                cookies={"_gradescope_session": session_id or ""},
            )
            return
        if path == "/account":
            logged_in = self._logged_in()
            if logged_in is None:
                self._redirect("/login")
                return
            self._send(200, _account_page(fake, logged_in.csrf_token))
            return
        if path == "/login":
            session_id, session = fake.new_session(None)
            self._send(
                200,
                _login_page(session.csrf_token, None),
                cookies={"_gradescope_session": session_id},
            )
            return
        if path == "/logout":
            self._redirect("/", cookies={"_gradescope_session": ""})
            return
        match = _COURSE_PATH.match(path)
        if not match:
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            return
        course_id, section, assignment_id, action = match.groups()
        found = self._course_for(course_id, section)
        if found is None:
            return
        session, course = found
        if section is None:
            self._send(
                200,
                _page(
                    course.full_name,
                    f"<h1>{html.escape(course.full_name)}</h1>",
                    session.csrf_token,
                ),
            )
        elif section == "memberships" and assignment_id is None:
            self._send(200, _roster_page(course, session.csrf_token))
        elif section == "assignments" and assignment_id is None:
            self._send(200, _assignments_page(course, session.csrf_token))
        elif section == "assignments" and assignment_id is not None:
            assignment = course.assignment(assignment_id)
            if assignment is None:
                self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            elif action == "edit":
                self._send(200, _edit_page(course, assignment, session.csrf_token))
            elif action == "extensions":
                self._send(200, _extensions_page(course, assignment, session.csrf_token))
            else:
                self._send(
                    200,
                    _page(
                        assignment.title,
                        f"<h1>{html.escape(assignment.title)}</h1>",
                        session.csrf_token,
                    ),
                )
        else:
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))

    def do_POST(self) -> None:
        split = urlsplit(self.path)
        fake = self.gradescope
        if split.path == "/login":
            self._login(parse_qs(split.query), self._body())
            return
        match = _COURSE_PATH.match(split.path)
        if not match or match.group(2) != "assignments" or not match.group(3) or match.group(4):
            self._body()
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            return
        body = self._body()
        found = self._course_for(match.group(1))
        if found is None:
            return
        session, course = found
        assignment = course.assignment(match.group(3))
        if assignment is None:
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            return
        form = _parse_multipart(self.headers.get("Content-Type", ""), body)
        if form.get("authenticity_token") != session.csrf_token:
            self._send(422, _page("Unprocessable", "<h1>The change you wanted was rejected.</h1>"))
            return
        if form.get("_method", "").lower() != "patch":
            self._send(404, _page("Page Not Found", "<h1>Page not found</h1>"))
            return
        zone = course.zone

        def local(name: str) -> datetime | None:
            text = form.get(name, "")
            return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=zone) if text else None

        release = local("assignment[release_date_string]")
        due = local("assignment[due_date_string]")
        late_due = (
            local("assignment[hard_due_date_string]")
            if form.get("assignment[allow_late_submissions]") == "1"
            else None
        )
        if release is not None and due is not None and release > due:
            # Like Rails: the form comes back (status 200) with the error, nothing is saved.
            error = '<span class="form--requiredFieldStar error">must be before the due date</span>'
            self._send(200, _edit_page(course, assignment, session.csrf_token) + error)
            return
        fake.edits.append(DateEdit(course.id, assignment.id, form, release, due, late_due))
        assignment.release, assignment.due, assignment.late_due = release, due, late_due
        self._redirect(f"/courses/{course.id}/assignments/{assignment.id}/edit")

    def _login(self, query: dict[str, list[str]], body: bytes) -> None:
        fake = self.gradescope
        fields = {k: v[-1] for k, v in query.items()}
        if body:
            fields.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
        fake.login_attempts += 1
        session = fake.session(self._cookie("_gradescope_session"))
        if session is None or fields.get("authenticity_token") != session.csrf_token:
            self._send(422, _page("Unprocessable", "<h1>The change you wanted was rejected.</h1>"))
            return
        if (
            fields.get("session[email]", "").lower() != fake.email.lower()
            or fields.get("session[password]") != fake.password
        ):
            self._send(200, _login_page(session.csrf_token, "Invalid email/password combination."))
            return
        fake.successful_logins += 1
        session_id, _ = fake.new_session(fake.email)
        self._redirect(
            "/account",
            cookies={"_gradescope_session": session_id, "signed_token": secrets.token_hex(8)},
        )


def _parse_multipart(content_type: str, body: bytes) -> dict[str, str]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True)
            fields[str(name)] = payload.decode("utf-8") if isinstance(payload, bytes) else ""
    return fields
