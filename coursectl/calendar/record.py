"""What was published: per UID a content hash, its SEQUENCE and DTSTAMP.

Exchange and Google take an update only when SEQUENCE increases, so the tool must know
whether an event changed since it was last published. The record lives in the course
folder (`.coursectl/calendar-published.json`, ignored by git) and is shared by every
audience's calendar: the same event has the same UID, content and SEQUENCE everywhere.

DTSTAMP is the time the event's current content was first published. Re-generating an
unchanged schedule therefore gives byte-identical files (feeds cache well, diffs are empty).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Component, Event

from coursectl.errors import Problem, UserError

RECORD_PATH = Path(".coursectl") / "calendar-published.json"
_FORMAT = 1
# Not part of what an event *is*: bookkeeping, and reminders a TA can switch off per calendar.
_NOT_CONTENT = frozenset({"DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "CREATED"})


def content_hash(component: Component, with_alarms: bool = False) -> str:
    """SHA-256 over the event's properties in a canonical order.

    Alarms are left out by default: `--no-alarms` for one audience must not count as a
    change of the event (SEQUENCE would bump each time the two calendars are generated).
    """
    lines = []
    for name, value in component.property_items(recursive=False, sorted=True):
        if name in _NOT_CONTENT or name in ("BEGIN", "END"):
            continue
        params = getattr(value, "params", {})
        text = value.to_ical() if hasattr(value, "to_ical") else value
        rendered = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        lines.append(f"{name};{';'.join(f'{k}={v}' for k, v in sorted(params.items()))}:{rendered}")
    lines.sort()
    if with_alarms:
        lines += sorted("ALARM:" + content_hash(alarm) for alarm in component.subcomponents)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Published:
    sequence: int
    content: str
    stamp: datetime


@dataclass
class PublicationRecord:
    """UID -> what was last published under it. Entries are kept after an event leaves the
    schedule, so an id that comes back continues its SEQUENCE instead of restarting at 0."""

    entries: dict[str, Published] = field(default_factory=dict)

    def stamp(self, uid: str, event: Event, now: datetime) -> Published:
        """Set SEQUENCE and DTSTAMP on `event`, bumping SEQUENCE if its content changed."""
        digest = content_hash(event)
        known = self.entries.get(uid)
        if known is None:
            entry = Published(0, digest, now)
        elif known.content != digest:
            entry = Published(known.sequence + 1, digest, now)
        else:
            entry = known
        self.entries[uid] = entry
        event.add("dtstamp", entry.stamp.astimezone(UTC))
        event.add("sequence", entry.sequence)
        return entry

    def to_json(self) -> str:
        data = {
            "format": _FORMAT,
            "note": "written by `coursectl calendar`: what was published, so SEQUENCE can increase on change",
            "events": {
                uid: {
                    "sequence": e.sequence,
                    "content": e.content,
                    "stamp": e.stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                for uid, e in sorted(self.entries.items())
            },
        }
        return json.dumps(data, indent=1) + "\n"


def load_record(path: Path) -> PublicationRecord:
    """The record at `path`; an empty one if there is none yet."""
    if not path.exists():
        return PublicationRecord()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            uid: Published(
                int(value["sequence"]),
                str(value["content"]),
                datetime.strptime(value["stamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            )
            for uid, value in data["events"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(
            Problem(
                str(path),
                None,
                None,
                f"cannot read the calendar publication record ({exc}); restore it from a backup, "
                "or delete it to start SEQUENCE again at 0 (clients may then ignore updates)",
            )
        ) from None
    return PublicationRecord(entries)
