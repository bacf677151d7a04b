"""The .ics file, read back line by line as a calendar app would, property by property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.calendar_file import appointment_ics

NOW = datetime(2026, 3, 1, 9, 15, 42, tzinfo=UTC)
START = datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))


def build(**overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "uid": "appointment-42@ime-guide-bot",
        "starts_at": START,
        "duration": timedelta(hours=1, minutes=30),
        "title": "Medical examination",
        "location": "12 Main St",
        "description": "Bring your ID",
        "alarms": [timedelta(days=7), timedelta(hours=2)],
        "now": NOW,
    }
    arguments.update(overrides)
    return appointment_ics(**arguments)  # type: ignore[arg-type]


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line
    return lines


def unfold(data: bytes) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space or tab continues the previous line."""
    logical: list[bytes] = []
    for line in physical_lines(data):
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return [line.decode("utf-8") for line in logical]


def unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            assert escaped in "\\;,nN", f"bad escape \\{escaped}"
            out.append("\n" if escaped in "nN" else escaped)
        else:
            assert char not in ";,", f"unescaped {char!r} in {value!r}"
            out.append(char)
    return "".join(out)


def properties(data: bytes) -> list[tuple[str, str]]:
    pairs = []
    for line in unfold(data):
        name, separator, value = line.partition(":")
        assert separator, line
        pairs.append((name, value))
    return pairs


def event_properties(data: bytes) -> dict[str, str]:
    """The VEVENT's own properties (alarms excluded); a repeated name fails the test."""
    found: dict[str, str] = {}
    depth = 0
    inside_event = False
    for name, value in properties(data):
        if name == "BEGIN":
            depth += 1
            inside_event = value == "VEVENT"
            continue
        if name == "END":
            depth -= 1
            inside_event = value == "VALARM"
            continue
        if inside_event and depth == 2:
            assert name not in found, f"{name} appears twice"
            found[name] = value
    return found


def alarms(data: bytes) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for name, value in properties(data):
        if (name, value) == ("BEGIN", "VALARM"):
            current = {}
        elif (name, value) == ("END", "VALARM"):
            assert current is not None
            blocks.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return blocks


def test_calendar_structure_and_order() -> None:
    pairs = properties(build())
    assert pairs[:6] == [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", "-//ime-guide-bot//EN"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("BEGIN", "VEVENT"),
    ]
    assert pairs[-2:] == [("END", "VEVENT"), ("END", "VCALENDAR")]
    assert [name for name, _ in pairs].count("BEGIN") == 4  # calendar, event, two alarms


def test_event_properties_are_in_utc() -> None:
    event = event_properties(build())
    assert event == {
        "UID": "appointment-42@ime-guide-bot",
        "DTSTAMP": "20260301T091542Z",
        "DTSTART": "20261201T133000Z",
        "DTEND": "20261201T150000Z",
        "SUMMARY": "Medical examination",
        "LOCATION": "12 Main St",
        "DESCRIPTION": "Bring your ID",
    }


def test_microseconds_are_dropped_from_stamps() -> None:
    event = event_properties(
        build(starts_at=datetime(2026, 5, 4, 8, 0, 0, 999_999, tzinfo=UTC), now=NOW)
    )
    assert event["DTSTART"] == "20260504T080000Z"


def test_crlf_everywhere_and_utf8() -> None:
    data = build(title="Expertise médicale — 1ᵉʳ étage")
    assert data.count(b"\r\n") == data.count(b"\n")
    assert b"\r\r" not in data
    assert event_properties(data)["SUMMARY"] == "Expertise médicale — 1ᵉʳ étage"


@pytest.mark.parametrize("empty", [None, ""])
def test_optional_properties_are_left_out(empty: str | None) -> None:
    event = event_properties(build(location=empty, description=empty))
    assert "LOCATION" not in event
    assert "DESCRIPTION" not in event
    assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)


@pytest.mark.parametrize(
    ("text", "escaped", "read_back"),
    [
        ("a;b", "a\\;b", "a;b"),
        ("a,b", "a\\,b", "a,b"),
        ("a\\b", "a\\\\b", "a\\b"),
        ("a\nb", "a\\nb", "a\nb"),
        ("a\r\nb", "a\\nb", "a\nb"),
        ("a\rb", "a\\nb", "a\nb"),
        ("a\u2028b\u2029c\x85d", "a\\nb\\nc\\nd", "a\nb\nc\nd"),
        ("a\\nb", "a\\\\nb", "a\\nb"),  # a typed backslash-n is not a newline
        ("a\x00b\x1bc\x7fd\ud800", "abcd", "abcd"),
        ("tab\tkept", "tab\tkept", "tab\tkept"),
        ("Dr. Smith: room 4", "Dr. Smith: room 4", "Dr. Smith: room 4"),
    ],
)
@pytest.mark.parametrize(
    ("argument", "field"),
    [("title", "SUMMARY"), ("location", "LOCATION"), ("description", "DESCRIPTION")],
)
def test_text_is_escaped(
    text: str, escaped: str, read_back: str, argument: str, field: str
) -> None:
    event = event_properties(build(**{argument: text}))
    assert event[field] == escaped
    assert unescape(event[field]) == read_back


@pytest.mark.parametrize(
    "attack",
    [
        "Clinic\r\nATTENDEE:mailto:evil@example.com",
        "Clinic\nATTENDEE:mailto:evil@example.com",
        "Clinic\rATTENDEE:mailto:evil@example.com",
        "Clinic\r\n ATTENDEE:mailto:evil@example.com",
        "Clinic\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:fake",
        "Clinic\u2028ATTENDEE:mailto:evil@example.com",
        "Clinic\x0bATTENDEE:mailto:evil@example.com",
        "Clinic;X-EVIL=1:ATTENDEE",
        "Clinic\\\r\nATTENDEE:mailto:evil@example.com",
    ],
)
@pytest.mark.parametrize("field", ["title", "location", "description", "uid"])
def test_user_text_cannot_inject_a_property(attack: str, field: str) -> None:
    data = build(**{field: attack})
    names = [name for name, _ in properties(data)]
    assert "ATTENDEE" not in names
    assert names.count("BEGIN") == 4
    assert names.count("END") == 4
    for line in physical_lines(data):
        assert not line.startswith(b"ATTENDEE")
        assert not line.startswith(b"SUMMARY:fake")
    event = event_properties(data)
    target = {"title": "SUMMARY", "location": "LOCATION", "description": "DESCRIPTION"}
    value = unescape(event[target.get(field, "UID")])
    assert value.startswith("Clinic")
    assert value.endswith(attack[-8:])  # the payload is still there, as inert text


@pytest.mark.parametrize("shift", range(5))
@pytest.mark.parametrize(
    "unit",
    ["é", "€", "😀", "a", "e\u0301", "日本", "\\;,"],
    ids=["2-octet", "3-octet", "4-octet", "ascii", "combining", "cjk", "escapes"],
)
def test_long_lines_fold_at_75_octets_without_splitting_characters(shift: int, unit: str) -> None:
    text = "x" * shift + unit * 120
    data = build(title=text, location=text, description="\n".join([text] * 3))
    lines = physical_lines(data)
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a split multi-byte character would fail here
    event = event_properties(data)
    assert unescape(event["SUMMARY"]) == text
    assert unescape(event["LOCATION"]) == text
    assert unescape(event["DESCRIPTION"]) == "\n".join([text] * 3)


def test_folding_fills_lines_to_the_limit() -> None:
    lines = physical_lines(build(title="a" * 300))
    summary = next(i for i, line in enumerate(lines) if line.startswith(b"SUMMARY:"))
    assert len(lines[summary]) == 75
    assert len(lines[summary + 1]) == 75
    assert lines[summary + 1].startswith(b" a")


def test_a_space_in_the_text_survives_a_fold() -> None:
    text = "a" * 66 + " " + "b" * 20  # the space falls exactly on the fold
    assert event_properties(build(title=text))["SUMMARY"] == text


@pytest.mark.parametrize(
    ("before", "trigger"),
    [
        (timedelta(days=7), "-P7D"),
        (timedelta(hours=2), "-PT2H"),
        (timedelta(days=1, hours=2), "-P1DT2H"),
        (timedelta(days=1), "-P1D"),
        (timedelta(minutes=30), "-PT30M"),
        (timedelta(hours=1, minutes=30), "-PT1H30M"),
        (timedelta(hours=1, seconds=5), "-PT1H0M5S"),
        (timedelta(seconds=90), "-PT1M30S"),
        (timedelta(weeks=2), "-P14D"),
        (timedelta(days=2, minutes=1), "-P2DT1M"),
        (timedelta(days=3, seconds=1), "-P3DT1S"),
        (timedelta(minutes=5, microseconds=500), "-PT5M"),
        (timedelta(0), "PT0S"),
    ],
)
def test_alarm_triggers(before: timedelta, trigger: str) -> None:
    blocks = alarms(build(alarms=[before]))
    assert blocks == [
        {"ACTION": "DISPLAY", "DESCRIPTION": "Medical examination", "TRIGGER": trigger}
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_one_alarm_per_lead_time(count: int) -> None:
    leads = [timedelta(days=7), timedelta(days=1), timedelta(hours=2)][:count]
    blocks = alarms(build(alarms=leads))
    assert [block["TRIGGER"] for block in blocks] == ["-P7D", "-P1D", "-PT2H"][:count]


def test_alarm_description_is_escaped() -> None:
    blocks = alarms(build(title="Exam, room 4\r\nATTENDEE:x"))
    assert blocks[0]["DESCRIPTION"] == "Exam\\, room 4\\nATTENDEE:x"


@pytest.mark.parametrize(
    "overrides",
    [
        {"starts_at": datetime(2026, 12, 1, 14, 30)},
        {"now": datetime(2026, 3, 1, 9, 0)},
        {"uid": " "},
        {"duration": timedelta(0)},
        {"duration": timedelta(minutes=-5)},
        {"alarms": [timedelta(hours=2), timedelta(minutes=-10)]},
    ],
)
def test_bad_arguments_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        build(**overrides)
