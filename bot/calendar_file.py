"""Build an iCalendar (RFC 5545) file so an examinee can put the appointment in their calendar.

Titles, places and notes come from users, so every text value is escaped and stripped of
control characters: nothing typed can end a line and start a property of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

PRODUCT_ID = "-//ime-guide-bot//EN"
_LINE_OCTETS = 75
_CRLF = "\r\n"
# Every way Unicode or a lax parser may read as a line break; each becomes an escaped "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# Other controls are not allowed in a TEXT value (RFC 5545 §3.3.11 allows only HTAB), and
# a lone surrogate cannot be written in UTF-8.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def _escape_text(value: str) -> str:
    """Escape a TEXT value so it stays inside its own property."""
    value = _CONTROLS.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _LINE_BREAKS.sub("\\\\n", value)


def _utc_stamp(moment: datetime) -> str:
    """Write an aware datetime in UTC ``19970714T173000Z`` form (seconds, no fraction)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("calendar times must be aware datetimes")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _trigger(before: timedelta) -> str:
    """Write a lead time before the start as a TRIGGER: ``-P7D``, ``-PT2H``, ``-P1DT2H``."""
    seconds = int(before.total_seconds())
    if seconds == 0:
        return "PT0S"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = ""
    # The grammar lets a part be left out only at the ends: PT1H0M5S, not PT1H5S.
    if hours:
        clock += f"{hours}H"
    if minutes or (hours and secs):
        clock += f"{minutes}M"
    if secs:
        clock += f"{secs}S"
    return "-P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")


def _fold(line: str) -> str:
    """Fold one content line at 75 octets without splitting a UTF-8 character."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > _LINE_OCTETS:
            pieces.append("".join(current))
            current = [" "]
            used = 1
        current.append(char)
        used += size
    pieces.append("".join(current))
    return _CRLF.join(pieces) + _CRLF


def appointment_ics(
    *,
    uid: str,
    starts_at: datetime,
    duration: timedelta,
    title: str,
    location: str | None,
    description: str | None,
    alarms: Sequence[timedelta],
    now: datetime,
) -> bytes:
    """Return a one-event calendar file, UTF-8 with CRLF lines, ready to send as ``.ics``.

    Each alarm is how long before the start it rings: ``timedelta(days=7)`` is a week
    before (``TRIGGER:-P7D``), ``timedelta(0)`` at the start. A negative lead time would ring
    after the appointment, which is never a reminder, so it is refused rather than guessed.
    ``location`` and ``description`` are left out when empty.
    """
    if not uid.strip():
        raise ValueError("uid must not be empty")
    if duration <= timedelta(0):
        raise ValueError("duration must be positive: DTEND must come after DTSTART")
    if any(before < timedelta(0) for before in alarms):
        raise ValueError("alarms are lead times before the start and cannot be negative")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_escape_text(uid)}",
        f"DTSTAMP:{_utc_stamp(now)}",
        f"DTSTART:{_utc_stamp(starts_at)}",
        f"DTEND:{_utc_stamp(starts_at + duration)}",
        f"SUMMARY:{_escape_text(title)}",
    ]
    if location:
        lines.append(f"LOCATION:{_escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape_text(description)}")
    for before in alarms:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape_text(title)}",
            f"TRIGGER:{_trigger(before)}",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) for line in lines).encode("utf-8")
