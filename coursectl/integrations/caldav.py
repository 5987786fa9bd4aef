"""The one adapter for CalDAV servers (RFC 4791): list, put and delete calendar resources.

Plain HTTP through requests — a collection needs only four requests (REPORT, PUT, DELETE,
MKCALENDAR) — and returns the project's own types. Passwords come in as arguments (the
command takes them from the environment or a prompt) and are never printed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import requests

from coursectl.calendar.publish import ServerEvent
from coursectl.errors import UserError

_DAV = "{DAV:}"
_CALDAV = "{urn:ietf:params:xml:ns:caldav}"
_QUERY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>
"""
_TIMEOUT = 30


def caldav_password(user: str | None, prompt: Callable[[str], str] | None) -> str | None:
    """The password for `user` (none without a user): COURSECTL_CALDAV_PASSWORD, else asked
    through `prompt` (None off a terminal, where nobody could answer)."""
    if not user:
        return None
    password = os.environ.get("COURSECTL_CALDAV_PASSWORD")
    if password:
        return password
    if prompt is None:
        raise UserError(
            "no password: set COURSECTL_CALDAV_PASSWORD, or run in a terminal to be asked"
        )
    return prompt(f"CalDAV password for {user}")


class CalDAVCollection:
    """A calendar collection at `url`, with optional basic authentication."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._session = requests.Session()
        if user:
            self._session.auth = (user, password or "")

    def _request(
        self, method: str, url: str, ok: tuple[int, ...], **kwargs: object
    ) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=_TIMEOUT, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise UserError(
                f"{self.url}: cannot reach the CalDAV server ({type(exc).__name__}); check --url"
            ) from None
        if response.status_code in ok:
            return response
        if response.status_code in (401, 403):
            raise UserError(
                f"{self.url}: the server refused the login ({response.status_code}); "
                "check --user and COURSECTL_CALDAV_PASSWORD"
            )
        if response.status_code == 404 and method == "REPORT":
            raise UserError(
                f"{self.url}: no calendar collection there; check --url or pass --create"
            )
        if response.status_code == 412:
            raise UserError(f"{url}: changed on the server while publishing; run publish again")
        raise UserError(
            f"{url}: {method} failed with HTTP {response.status_code} {response.reason}"
        )

    def ensure_exists(self, display_name: str) -> bool:
        """Create the collection (MKCALENDAR) unless it exists; True if it was created."""
        found = self._request("PROPFIND", self.url, ok=(207, 404), headers={"Depth": "0"})
        if found.status_code == 207:
            return False
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:set><D:prop><D:displayname>{}</D:displayname></D:prop></D:set></C:mkcalendar>"
        ).format(display_name.replace("&", "&amp;").replace("<", "&lt;"))
        self._request("MKCALENDAR", self.url, ok=(201,), data=body.encode("utf-8"))
        return True

    def list_events(self) -> list[ServerEvent]:
        """Every VEVENT resource in the collection, with its ETag and data."""
        response = self._request(
            "REPORT",
            self.url,
            ok=(207,),
            data=_QUERY,
            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
        )
        try:
            root = ElementTree.fromstring(response.content)
        except ElementTree.ParseError:
            raise UserError(
                f"{self.url}: the server's answer is not CalDAV XML; check --url"
            ) from None
        found = []
        for item in root.iter(f"{_DAV}response"):
            href = item.findtext(f"{_DAV}href")
            data = item.findtext(f".//{_CALDAV}calendar-data")
            if not href or data is None:
                continue
            etag = item.findtext(f".//{_DAV}getetag")
            found.append(ServerEvent(urljoin(self.url, href), etag, data.encode("utf-8")))
        return found

    def href_for(self, name: str) -> str:
        return urljoin(self.url, name)

    def put(self, href: str, data: bytes, etag: str | None = None) -> None:
        """Create (only if absent) or replace (only if unchanged since listed) one resource."""
        self._check_same_server(href)
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        else:
            headers["If-None-Match"] = "*"
        self._request("PUT", href, ok=(200, 201, 204), data=data, headers=headers)

    def delete(self, href: str, etag: str | None = None) -> None:
        self._check_same_server(href)
        self._request(
            "DELETE", href, ok=(200, 204, 404), headers={"If-Match": etag} if etag else {}
        )

    def _check_same_server(self, href: str) -> None:
        # Never send the credentials anywhere but the collection's own server.
        if urlsplit(href)[:2] != urlsplit(self.url)[:2]:
            raise UserError(
                f"{self.url}: the server listed a resource on another host ({href}); not touching it"
            )
