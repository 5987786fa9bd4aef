"""What `calendar publish` changes in a CalDAV collection: a plan, computed from data.

Each event is its own resource (`<uid>.ics`), a VCALENDAR without METHOD (CalDAV forbids it)
with the VTIMEZONE. An event already on the server is replaced in place only when it differs;
resources of this course and term whose event left the schedule are deleted; anything else in
the collection (a TA's own events, another course) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from icalendar import Calendar, Event

from coursectl.calendar.events import uid_suffix
from coursectl.calendar.ics import GeneratedCalendar
from coursectl.calendar.record import content_hash


@dataclass(frozen=True)
class ServerEvent:
    """One calendar resource in a CalDAV collection, as the adapter lists it."""

    href: str  # absolute URL
    etag: str | None
    data: bytes


@dataclass
class PublishPlan:
    create: list[tuple[str, str, bytes]] = field(default_factory=list)  # uid, resource name, data
    update: list[tuple[str, str, str | None, bytes]] = field(
        default_factory=list
    )  # uid, href, etag, data
    delete: list[tuple[str, str, str | None]] = field(default_factory=list)  # uid, href, etag
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.create)} new, {len(self.update)} updated, "
            f"{len(self.delete)} removed, {len(self.unchanged)} unchanged"
        )


class Collection(Protocol):
    def href_for(self, name: str) -> str: ...
    def put(self, href: str, data: bytes, etag: str | None = None) -> None: ...
    def delete(self, href: str, etag: str | None = None) -> None: ...


def resource_name(uid: str) -> str:
    """File name of an event's resource: its UID, safe in a URL path."""
    return quote(uid.replace("@", "-at-"), safe="") + ".ics"


def _event_of(data: bytes) -> Event | None:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError:
        return None
    events = [c for c in calendar.walk("VEVENT") if isinstance(c, Event)]
    return events[0] if len(events) == 1 else None


def _fingerprint(event: Event) -> tuple[str, int]:
    sequence = event.get("SEQUENCE")
    return content_hash(event, with_alarms=True), int(sequence) if sequence is not None else -1


def plan_publication(generated: GeneratedCalendar, server: list[ServerEvent]) -> PublishPlan:
    """Compare the calendar with what the collection holds."""
    ours = uid_suffix(generated.schedule)
    on_server: dict[str, ServerEvent] = {}
    for resource in server:
        event = _event_of(resource.data)
        uid = str(event.get("UID", "")) if event is not None else ""
        if uid:
            on_server[uid] = resource
    plan = PublishPlan()
    wanted = set()
    for item in generated.events:
        wanted.add(item.uid)
        data = generated.resource(item)
        existing = on_server.get(item.uid)
        if existing is None:
            plan.create.append((item.uid, resource_name(item.uid), data))
            continue
        theirs, mine = _event_of(existing.data), _event_of(data)
        if theirs is not None and mine is not None and _fingerprint(theirs) == _fingerprint(mine):
            plan.unchanged.append(item.uid)
        else:
            plan.update.append((item.uid, existing.href, existing.etag, data))
    for uid, resource in sorted(on_server.items()):
        if uid.endswith(ours) and uid not in wanted:
            plan.delete.append((uid, resource.href, resource.etag))
    return plan


def apply_plan(plan: PublishPlan, collection: Collection) -> None:
    """Deletions last, so a failure part-way never leaves the collection with fewer events."""
    for _uid, name, data in plan.create:
        collection.put(collection.href_for(name), data)
    for _uid, href, etag, data in plan.update:
        collection.put(href, data, etag)
    for _uid, href, etag in plan.delete:
        collection.delete(href, etag)
