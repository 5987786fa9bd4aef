"""The one module that talks to Gradescope, through gradescopeapi; it returns coursectl's types.

gradescopeapi logs in by sending the email and password in the login URL's query string.
So that nothing of coursectl's can show that URL or the password:
- every gradescopeapi call is wrapped; failures become a `UserError` written from our own words
  (never the library's exception text) and raised *outside* the `except` block, so the original
  exception — whose message and traceback frames hold the URL and password — is not chained;
- a filter on the requests/urllib3 loggers strips query strings and the password from every
  record, so `--debug`-style logging cannot print the login request line.

gradescopeapi is the optional extra `coursectl[gradescope]`; without it, importing this module
raises a one-line `UserError` naming the pip command.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus, urlsplit
from zoneinfo import ZoneInfo

from coursectl.errors import UserError
from coursectl.platforms.records import Assignment, Extension, Member

INSTALL_HINT = "pip install 'coursectl[gradescope]'"

try:
    import requests
    from gradescopeapi.classes._helpers._assignment_helpers import NotAuthorized
    from gradescopeapi.classes.assignments import update_assignment_date
    from gradescopeapi.classes.connection import GSConnection
    from gradescopeapi.classes.extensions import get_extensions
except ImportError:
    raise UserError(
        f"Gradescope support is not installed; install it with: {INSTALL_HINT}"
    ) from None

DEFAULT_URL = "https://www.gradescope.com"
EMAIL_ENV = "GRADESCOPE_EMAIL"
PASSWORD_ENV = "GRADESCOPE_PASSWORD"
URL_ENV = "GRADESCOPE_URL"

T = TypeVar("T")
__all__ = [
    "Assignment",
    "Credentials",
    "Extension",
    "GradescopeClient",
    "Member",
    "resolve_credentials",
]


# ---------------------------------------------------------------------------- credentials type


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str

    def __repr__(self) -> str:  # never show the password, e.g. in a pytest or rich dump
        return f"Credentials(email={self.email!r}, password=<hidden>)"


# ---------------------------------------------------------------------------- secrecy

_QUERY = re.compile(r"\?[^\s'\"<>)]*")
_secrets: set[str] = set()


def _remember_secret(password: str) -> None:
    if password:
        _secrets.update({password, quote_plus(password), quote(password, safe="")})


def redact(text: str) -> str:
    """Drop URL query strings and any known password (plain or URL-encoded) from `text`."""
    text = _QUERY.sub("?<redacted>", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info or record.exc_text:
            # A logged exception would print the same URL; keep only its redacted message.
            record.exc_info, record.exc_text = None, None
        return True


_FILTER = _RedactingFilter()


def _guard_http_logging() -> None:
    """Attach the redacting filter to every requests/urllib3 logger (filters do not inherit)."""
    names = [
        n for n in logging.root.manager.loggerDict if n.split(".")[0] in ("urllib3", "requests")
    ]
    for name in ["urllib3", "requests", "urllib3.connectionpool", *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


_guard_http_logging()


# ---------------------------------------------------------------------------- credentials


def gradescope_url(given: str | None, environ: Mapping[str, str] | None = None) -> str:
    """Gradescope's address from --url, else GRADESCOPE_URL, else the real site; checked up front.

    An address without http(s):// would otherwise reach requests as MissingSchema — a
    ValueError, which the login reads as rejected credentials.
    """
    env = os.environ if environ is None else environ
    raw = (given or env.get(URL_ENV) or DEFAULT_URL).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in raw:
        raise UserError(
            f"--url/{URL_ENV} '{redact(raw)}' is not a web address; write it with "
            f"https://, e.g. {DEFAULT_URL}"
        )
    return raw.rstrip("/")


def resolve_credentials(
    email_option: str | None,
    environ: Mapping[str, str] | None = None,
    prompt_password: Callable[[str], str] | None = None,
) -> Credentials:
    """Email from --email or GRADESCOPE_EMAIL; password from GRADESCOPE_PASSWORD or a hidden prompt."""
    env = os.environ if environ is None else environ
    email = (email_option or env.get(EMAIL_ENV) or "").strip()
    if not email:
        raise UserError(f"no Gradescope email: pass --email or set {EMAIL_ENV}")
    password = env.get(PASSWORD_ENV) or ""
    if not password and prompt_password is not None:
        password = prompt_password(f"Gradescope password for {email}")
    if not password:
        raise UserError(f"no Gradescope password: set {PASSWORD_ENV} or type it at the prompt")
    _remember_secret(password)
    return Credentials(email, password)


# ---------------------------------------------------------------------------- the client


def _parse_sections(raw: Any) -> tuple[str, ...]:
    """gradescopeapi hands over the roster's data-sections attribute: a JSON list of {id, name}."""
    if not raw:
        return ()
    try:
        items = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return (str(raw),)
    names = [str(item.get("name", "")) if isinstance(item, dict) else str(item) for item in items]
    return tuple(name for name in names if name)


def _aware(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


class GradescopeClient:
    """A logged-in Gradescope session for one user; every method returns coursectl's types.

    `zone` is the course's time zone: Gradescope takes and sometimes shows naive local times.
    """

    def __init__(self, connection: GSConnection, base_url: str, email: str, zone: ZoneInfo) -> None:
        self._connection = connection
        self.base_url = base_url
        self.email = email
        self.zone = zone

    @classmethod
    def login(
        cls, credentials: Credentials, zone: ZoneInfo, base_url: str | None = None
    ) -> GradescopeClient:
        url = gradescope_url(base_url)
        _remember_secret(credentials.password)
        _guard_http_logging()
        connection = GSConnection(gradescope_base_url=url)
        failure: str | None = None
        try:
            connection.login(credentials.email, credentials.password)  # type: ignore[no-untyped-call]
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema):
            failure = f"{url} is not a web address Gradescope can be reached at; check {URL_ENV}"
        except ValueError:  # gradescopeapi's "Invalid credentials."
            failure = (
                f"Gradescope at {url} rejected the email or password for {credentials.email}; "
                f"check --email/{EMAIL_ENV} and {PASSWORD_ENV}"
            )
        except requests.ConnectionError:
            failure = f"could not connect to Gradescope at {url}; check the network or {URL_ENV}"
        except requests.Timeout:
            failure = f"Gradescope at {url} did not answer in time; try again later"
        except (TypeError, AttributeError, KeyError):
            failure = f"{url} shows no Gradescope login form; check {URL_ENV}"
        except Exception as exc:
            failure = f"logging in to Gradescope at {url} failed ({type(exc).__name__}); try again"
        # Raised here, outside the except blocks, so no traceback chain carries the login URL.
        if failure is not None:
            raise UserError(redact(failure))
        return cls(connection, url, credentials.email, zone)

    # ------------------------------------------------------------------ helpers

    def _call(self, what: str, course_id: str, action: Callable[[], T]) -> T:
        failure: str | None = None
        result: T | None = None
        try:
            result = action()
        except NotAuthorized:
            failure = self._no_access(course_id, what)
        except requests.ConnectionError:
            failure = f"could not connect to Gradescope at {self.base_url} while reading {what}; try again"
        except requests.Timeout:
            failure = f"Gradescope did not answer in time while reading {what}; try again"
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            failure = self._http_failure(what, course_id, status)
        except Exception as exc:
            text = str(exc)
            if "must be logged in" in text:
                failure = self._expired(what)
            elif "Page not Found" in text:
                failure = f"Gradescope has no page for {what} of course {course_id}; check the id"
            elif "Status code: 401" in text:
                failure = self._no_access(course_id, what)
            elif "Status code: 404" in text:
                failure = f"Gradescope has no page for {what} of course {course_id}; check the id"
            elif self._visible_courses() is None:  # e.g. redirected to the login page
                failure = self._expired(what)
            else:
                failure = (
                    f"Gradescope's page for {what} was not as expected "
                    f"({type(exc).__name__}: {redact(text)[:100]}); try again, or report it"
                )
        if failure is not None:
            raise UserError(redact(failure))
        assert result is not None
        return result

    def _expired(self, what: str) -> str:
        return (
            f"the Gradescope session expired while reading {what}; run the command again to log in"
        )

    def _http_failure(self, what: str, course_id: str, status: int) -> str:
        if status == 401:
            return self._no_access(course_id, what)
        if status == 404:
            return f"Gradescope found no page for {what} of course {course_id}; check the ids"
        return f"Gradescope answered {status} for {what}; try again later"

    def _no_access(self, course_id: str, what: str) -> str:
        """Why a course page was refused: the session ended, or the account lacks staff access."""
        visible = self._visible_courses()
        if visible is None:
            return self._expired(what)
        if course_id in visible:
            return (
                f"{self.email} may not read {what} of Gradescope course {course_id}: "
                "it needs a TA or instructor role there; ask an instructor"
            )
        known = ", ".join(f"{cid} ({name})" for cid, name in sorted(visible.items())) or "none"
        return (
            f"{self.email} has no Gradescope course {course_id} (its courses: {known}); "
            "fix course.gradescope.course_id in schedule.yaml or pass --course-id"
        )

    def _visible_courses(self) -> dict[str, str] | None:
        """Course id -> short name of every course on the account page; None when logged out."""
        account = self._connection.account
        if account is None:
            return None
        try:
            courses = account.get_courses()
        except Exception:
            return None
        # gradescopeapi files courses under "student" when the page has no create-course
        # button (e.g. for a TA), so both lists count.
        return {cid: course.name for group in courses.values() for cid, course in group.items()}

    # ------------------------------------------------------------------ reading

    def members(self, course_id: str) -> list[Member]:
        """Everyone in the course (students and staff) with their sid, email, role and sections."""
        account = self._connection.account
        assert account is not None
        raw = self._call("the roster", course_id, lambda: account.get_course_users(course_id) or [])
        if not raw:
            # gradescopeapi turns every failure into None (a readable roster lists at least
            # the reader): find out which failure it was.
            raise UserError(self._no_access(course_id, "the roster"))
        return [
            Member(
                name=(m.full_name or " ".join(p for p in (m.first_name, m.last_name) if p)).strip(),
                sid=(m.sid or "").strip(),
                email=(m.email or "").strip(),
                role=m.role,
                sections=_parse_sections(m.sections),
                user_id=m.user_id,
            )
            for m in raw
        ]

    def assignments(self, course_id: str) -> list[Assignment]:
        """The course's assignments with release, due and late-due dates."""
        account = self._connection.account
        assert account is not None
        raw = self._call("the assignments", course_id, lambda: account.get_assignments(course_id))
        # Refused the staff page, gradescopeapi falls back to the student's view of the course
        # (fewer dates, submission status set) or finds nothing: make sure we are staff.
        if not raw or any(a.submissions_status is not None for a in raw):
            self.members(course_id)  # raises when the roster (staff only) is refused
            if raw:
                raise UserError(self._no_access(course_id, "the assignments"))
        return [
            Assignment(
                id=str(a.assignment_id),
                title=a.name,
                release=_aware(a.release_date, self.zone),
                due=_aware(a.due_date, self.zone),
                late_due=_aware(a.late_due_date, self.zone),
            )
            for a in raw
            if a.assignment_id
        ]

    def extensions(self, course_id: str, assignment_id: str) -> list[Extension]:
        """Extensions granted on one assignment, keyed by Gradescope user id."""
        raw = self._call(
            f"the extensions of assignment {assignment_id}",
            course_id,
            lambda: get_extensions(
                self._connection.session,
                course_id,
                assignment_id,
                gradescope_base_url=self.base_url,
            ),
        )
        return [
            Extension(
                assignment_id=assignment_id,
                user_id=str(user_id),
                name=ext.name,
                release=_aware(ext.release_date, self.zone),
                due=_aware(ext.due_date, self.zone),
                late_due=_aware(ext.late_due_date, self.zone),
            )
            for user_id, ext in raw.items()
        ]

    # ------------------------------------------------------------------ writing

    def set_dates(
        self,
        course_id: str,
        assignment_id: str,
        release: datetime | None,
        due: datetime,
        late_due: datetime | None,
    ) -> None:
        """Set an assignment's dates. All three are sent: a None release or late due clears it.

        Gradescope reads the posted times as wall-clock times of the course's zone, so they are
        converted to `self.zone` first (gradescopeapi drops any offset). gradescopeapi reports
        success for any page it lands on (even the login page after the session expired), so
        the dates are read back and compared.
        """

        def local(moment: datetime | None) -> datetime | None:
            return moment.astimezone(self.zone).replace(tzinfo=None) if moment else None

        self._call(
            f"the dates of assignment {assignment_id}",
            course_id,
            lambda: update_assignment_date(
                self._connection.session,
                course_id,
                assignment_id,
                release_date=local(release),
                due_date=local(due),
                late_due_date=local(late_due),
                gradescope_base_url=self.base_url,
            ),
        )
        now = next((a for a in self.assignments(course_id) if a.id == assignment_id), None)

        def minute(moment: datetime | None) -> datetime | None:
            return moment.replace(second=0, microsecond=0) if moment else None

        if now is None or (minute(now.due), minute(now.late_due)) != (
            minute(due),
            minute(late_due),
        ):
            shown = f"{now.due.astimezone(self.zone):%Y-%m-%d %H:%M}" if now and now.due else "none"
            raise UserError(
                f"Gradescope did not take the new dates of assignment {assignment_id} (its due "
                f"date is {shown}); check the assignment's settings there: Gradescope refuses a "
                f"release after the due date, and shifts every time if its course time zone is "
                f"not {self.zone.key}"
            )
