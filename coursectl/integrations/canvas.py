"""The one module that talks to Canvas, through canvasapi; it returns coursectl's types.

The API token comes from COURSECTL_CANVAS_TOKEN (or CANVAS_API_TOKEN), else a hidden prompt;
it is never an option and never printed. Failures become one `UserError` line in our own
words, raised outside the `except` block so no chained traceback is kept. Canvas throttles
with 429 (and sometimes 403 "Rate Limit Exceeded"): a 429 is retried after its Retry-After
when that is short, via urllib3's Retry on canvasapi's own requests session.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from canvasapi import Canvas
from canvasapi.exceptions import (
    CanvasException,
    Forbidden,
    InvalidAccessToken,
    RateLimitExceeded,
    ResourceDoesNotExist,
    Unauthorized,
)
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from coursectl.course.model import CanvasSettings
from coursectl.errors import UserError
from coursectl.platforms.canvas_sync import (
    EXCUSED,
    CanvasAssignment,
    CanvasGrade,
    CanvasStudent,
)

TOKEN_ENVS = ("COURSECTL_CANVAS_TOKEN", "CANVAS_API_TOKEN")
URL_ENV = "COURSECTL_CANVAS_URL"
COURSE_ENV = "COURSECTL_CANVAS_COURSE_ID"
MAX_WAIT = 30.0  # seconds of Retry-After worth waiting for; longer: tell the TA
PROGRESS_TIMEOUT = 120.0

T = TypeVar("T")


def canvas_target(
    settings: CanvasSettings | None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """(site URL, course id) from the environment, else course.canvas in schedule.yaml."""
    env = os.environ if environ is None else environ
    url = (env.get(URL_ENV) or (settings.url if settings else None) or "").strip()
    course = (env.get(COURSE_ENV) or (settings.course_id if settings else None) or "").strip()
    if not url:
        raise UserError(f"schedule.yaml: no Canvas address; set course.canvas.url or {URL_ENV}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"schedule.yaml: course.canvas.url '{url}' is not a web address; write it with "
            "https://, e.g. https://canvas.example.edu"
        )
    if not course:
        raise UserError(
            f"schedule.yaml: no Canvas course id; set course.canvas.course_id or {COURSE_ENV}"
        )
    url = url.rstrip("/")
    if url.endswith("/api/v1"):  # canvasapi adds it itself and refuses a URL that has it
        url = url[: -len("/api/v1")]
    return url, course


def resolve_token(
    environ: Mapping[str, str] | None = None, prompt: Callable[[str], str] | None = None
) -> str:
    env = os.environ if environ is None else environ
    for name in TOKEN_ENVS:
        if env.get(name, "").strip():
            return env[name].strip()
    token = prompt("Canvas API token (Account > Settings > New access token)") if prompt else ""
    if not token.strip():
        raise UserError(
            f"no Canvas API token: set {TOKEN_ENVS[0]} (or {TOKEN_ENVS[1]}), or run in a "
            "terminal to be asked for it"
        )
    return token.strip()


class _ShortRetry(Retry):
    """Retry a 429 after its Retry-After, unless Canvas asks for more than MAX_WAIT seconds."""

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        response = kwargs.get("response")
        if response is not None and response.status == 429:
            wait = self.get_retry_after(response)
            if wait is not None and wait > MAX_WAIT:
                raise MaxRetryError(kwargs.get("_pool"), kwargs.get("url") or "", None)  # type: ignore[arg-type]
        return super().increment(*args, **kwargs)


def _retry() -> Retry:
    return _ShortRetry(
        total=3,
        connect=0,
        read=0,
        status_forcelist=(429,),
        allowed_methods=None,  # Canvas refuses a throttled POST before acting on it
        respect_retry_after_header=True,
        raise_on_status=False,
        backoff_factor=0.5,
    )


class CanvasClient:
    """One Canvas course seen through an API token; every method returns coursectl's types."""

    def __init__(self, url: str, token: str, course_id: str) -> None:
        self.url = url
        self.course_id = course_id
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # canvasapi warns about http:// (a test server)
            self._canvas = Canvas(url, token)
        # canvasapi keeps its requests session on a name-mangled attribute; no public hook.
        self._requester: Any = self._canvas._Canvas__requester
        self._requester._session.mount("http://", HTTPAdapter(max_retries=_retry()))
        self._requester._session.mount("https://", HTTPAdapter(max_retries=_retry()))
        self._course: Any = None

    # ------------------------------------------------------------------ errors

    def _retry_after(self) -> str:
        cache = getattr(self._requester, "_cache", [])
        value = cache[0].headers.get("Retry-After") if cache else None
        return f"{value} s" if value else "a while"

    def _call(self, what: str, action: Callable[[], T]) -> T:
        failure: str | None = None
        result: T | None = None
        where = f"Canvas at {self.url}"
        try:
            result = action()
        except InvalidAccessToken:
            failure = (
                f"{where} rejected the API token (401); make a new one under Account > "
                f"Settings and set {TOKEN_ENVS[0]}"
            )
        except Unauthorized:
            failure = (
                f"{where} refused {what} (401: not authorized); the token's user needs a TA "
                f"or teacher role in course {self.course_id}"
            )
        except RateLimitExceeded:
            failure = (
                f"{where} is throttling requests (429) while reading {what}; wait "
                f"{self._retry_after()} and run the command again"
            )
        except Forbidden as exc:
            if "rate limit" in str(exc).lower():
                failure = (
                    f"{where} is throttling requests (403 Rate Limit Exceeded) while reading "
                    f"{what}; wait a minute and run the command again"
                )
            else:
                failure = (
                    f"{where} forbids {what} (403); the token's user needs a TA or teacher "
                    f"role in course {self.course_id}, or the token lacks that scope"
                )
        except ResourceDoesNotExist:
            failure = (
                f"{where} has no {what} (404); check course.canvas.course_id "
                f"({self.course_id}) in schedule.yaml or {COURSE_ENV}"
            )
        except requests.ConnectionError:
            failure = (
                f"cannot connect to Canvas at {self.url}; check the network, course.canvas.url "
                f"in schedule.yaml or {URL_ENV}"
            )
        except requests.Timeout:
            failure = f"{where} did not answer in time while reading {what}; try again later"
        except CanvasException as exc:
            failure = f"{where} answered an error for {what} ({type(exc).__name__}); try again"
        except (ValueError, KeyError, AttributeError):
            failure = f"{where} did not answer {what} like a Canvas server; check {URL_ENV}"
        if failure is not None:
            raise UserError(failure)
        return result  # type: ignore[return-value]

    def _get_course(self) -> Any:
        if self._course is None:
            course_id = self.course_id

            def fetch() -> Any:
                if course_id.startswith("sis_course_id:"):
                    return self._canvas.get_course(course_id.split(":", 1)[1], use_sis_id=True)
                if not course_id.isdigit():
                    raise UserError(
                        f"Canvas course id '{course_id}' is not a number; write the number "
                        "from the course's address, or sis_course_id:<SIS id>"
                    )
                return self._canvas.get_course(course_id)

            self._course = self._call(f"course {course_id}", fetch)
        return self._course

    # ------------------------------------------------------------------ reading

    def students(self) -> list[CanvasStudent]:
        """Students enrolled in the course (active and invited) with SIS id, login, sections."""
        course = self._get_course()

        def read() -> list[CanvasStudent]:
            sections = {str(s.id): str(s.name) for s in course.get_sections()}
            found = []
            for user in course.get_users(
                enrollment_type=["student"], include=["email", "enrollments"]
            ):
                enrollments = getattr(user, "enrollments", None) or []
                names = tuple(
                    dict.fromkeys(
                        sections.get(str(e.get("course_section_id")), "")
                        for e in enrollments
                        if e.get("type") == "StudentEnrollment"
                    )
                )
                found.append(
                    CanvasStudent(
                        user_id=str(user.id),
                        name=str(getattr(user, "name", "") or ""),
                        sis_id=str(getattr(user, "sis_user_id", "") or ""),
                        login=str(getattr(user, "login_id", "") or ""),
                        email=str(getattr(user, "email", "") or ""),
                        sections=tuple(n for n in names if n),
                    )
                )
            return found

        return self._call(f"the students of course {self.course_id}", read)

    def assignments(self) -> list[CanvasAssignment]:
        course = self._get_course()

        def read() -> list[CanvasAssignment]:
            return [
                CanvasAssignment(
                    id=str(a.id),
                    title=str(a.name),
                    points=float(a.points_possible)
                    if getattr(a, "points_possible", None) is not None
                    else None,
                    published=bool(getattr(a, "published", True)),
                )
                for a in course.get_assignments()
            ]

        return self._call(f"the assignments of course {self.course_id}", read)

    def grades(self, assignment_id: str) -> dict[str, CanvasGrade]:
        """Canvas user id -> the grade Canvas holds on one assignment."""
        course = self._get_course()

        def read() -> dict[str, CanvasGrade]:
            assignment = course.get_assignment(assignment_id)
            held: dict[str, CanvasGrade] = {}
            for s in assignment.get_submissions():
                score = getattr(s, "score", None)
                held[str(s.user_id)] = CanvasGrade(
                    str(s.user_id),
                    float(score) if score is not None else None,
                    bool(getattr(s, "excused", False)),
                )
            return held

        return self._call(f"the grades of assignment {assignment_id}", read)

    # ------------------------------------------------------------------ writing

    def post(self, assignment_id: str, cells: Iterable[tuple[str, str]]) -> None:
        """Set (Canvas user id, cell) grades on one assignment in one bulk update, and wait
        for Canvas's job to finish; "EX" excuses the submission."""
        course = self._get_course()
        grade_data: dict[str, dict[str, Any]] = {}
        for user_id, cell in cells:
            grade_data[user_id] = {"excuse": True} if cell == EXCUSED else {"posted_grade": cell}
        if not grade_data:
            return

        def send() -> str:
            assignment = course.get_assignment(assignment_id)
            progress = assignment.submissions_bulk_update(grade_data=grade_data)
            deadline = time.monotonic() + PROGRESS_TIMEOUT
            state = str(getattr(progress, "workflow_state", "queued"))
            while state in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.2)
                progress = progress.query()
                state = str(progress.workflow_state)
            return state

        state = self._call(f"the grades of assignment {assignment_id}", send)
        if state != "completed":
            raise UserError(
                f"Canvas at {self.url} did not finish setting the grades of assignment "
                f"{assignment_id} (its job is {state}); run canvas push --dry-run to see what "
                "it holds, then push again"
            )
