"""Booking in both forms, the list, reminders arriving once with their buttons, /prep."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.models import Appointment, Examinee, PrepTick, Reminder
from bot.simulator import BotApiSimulator
from bot.storage import Database
from tests.support import Person, buttons

from .conftest import COORDINATORS_CHAT, onboard


def _future(days: int = 10) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d")


def _appointments(database: Database, user_id: int) -> list[Appointment]:
    with database.session() as session:
        return list(session.exec(select(Appointment).where(Appointment.user_id == user_id)).all())


def _reminders(database: Database, user_id: int) -> list[Reminder]:
    with database.session() as session:
        return list(session.exec(select(Reminder).where(Reminder.user_id == user_id)).all())


async def test_one_line_booking_confirms_with_a_calendar_file(
    ana: Person, sqlite_database: Database
) -> None:
    await onboard(ana)
    confirmation, document = await ana.say(f"/appointment {_future()} 14:30 12 Main St", replies=2)
    assert "Your appointment is saved" in confirmation["text"]
    assert "12 Main St" in confirmation["text"]
    ics = document["sim_file"]["content"].decode()
    assert document["sim_file"]["name"].endswith(".ics")
    assert "BEGIN:VEVENT" in ics and "BEGIN:VALARM" in ics
    (appointment,) = _appointments(sqlite_database, ana.user.id)
    assert appointment.place == "12 Main St"
    kinds = sorted(r.kind for r in _reminders(sqlite_database, ana.user.id))
    assert kinds == ["checkin", "reminder", "reminder", "reminder", "reminder"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-02-30 10:00", "doesn't exist"),
        ("2020-01-01 10:00", "already passed"),
        ("next tuesday-ish", "couldn't read"),
        (f"{_future()} 25:61", "doesn't exist"),
    ],
)
async def test_bad_dates_are_refused_clearly_and_nothing_is_saved(
    ana: Person, sqlite_database: Database, typed: str, expected: str
) -> None:
    await onboard(ana)
    (reply,) = await ana.say(f"/appointment {typed}")
    assert expected in reply["text"]
    assert "/appointment 20" in reply["text"]  # an example to copy
    assert _appointments(sqlite_database, ana.user.id) == []


async def test_booking_needs_consent(person_factory: Any, sqlite_database: Database) -> None:
    person: Person = person_factory(user_id=1002)
    await person.say("/start", replies=2)
    await person.press("No, thanks")
    (reply,) = await person.say(f"/appointment {_future()} 10:00")
    assert "/start" in reply["text"]
    assert _appointments(sqlite_database, person.user.id) == []


def _today() -> date:
    return datetime.now(UTC).date()  # the tests' DEFAULT_TIMEZONE is UTC


def _data(message: dict[str, Any]) -> list[str]:
    return [data for _label, data in buttons(message)]


async def _tap(person: Person, message: dict[str, Any], data: str) -> dict[str, Any]:
    """Tap the button carrying ``data``; wait until the bot has changed something."""
    assert data in _data(message), f"no {data!r} in {_data(message)}"
    before = person.bot_messages()
    answer = await person.press_data(message["message_id"], data)
    await person.simulator.wait_for(lambda: person.bot_messages() != before, 5)
    return answer


async def test_guided_booking(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    (question,) = await ana.say("/appointment")
    assert "What is the date?" in question["text"]
    assert f"cal:day:{_today().isoformat()}" in _data(question)
    (reply,) = await ana.say("not a date")
    assert "couldn't use that date" in reply["text"]
    assert "tap a day" in reply["text"] and "/cancel" in reply["text"]  # the ways on or out

    day = _today() + timedelta(days=20)
    if day.month != _today().month:
        await _tap(ana, question, f"cal:month:{day:%Y-%m}")
        question = ana.message(question["message_id"])
    await _tap(ana, question, f"cal:day:{day.isoformat()}")
    picked = ana.message(question["message_id"])
    assert "reply_markup" not in picked and str(day.day) in picked["text"]
    time_question = await ana.next()
    assert "What time" in time_question["text"]

    (zone_question,) = await ana.say("9:15")
    assert "Your time zone is UTC" in zone_question["text"]
    await ana.press("Change", zone_question)
    await ana.press("Paris", ana.message(zone_question["message_id"]))
    assert "in person" in ana.message(zone_question["message_id"])["text"]
    with sqlite_database.session() as session:
        assert session.get(Examinee, ana.user.id).timezone == "Europe/Paris"  # type: ignore[union-attr]

    await ana.press("By video or phone")
    await ana.press("an insurer")
    assert "examiner's field" in ana.last()["text"]
    (summary,) = await ana.say("Psychiatry & <addiction> medicine")
    assert "Please check" in summary["text"] and "By video or phone" in summary["text"]
    assert "Examiner's field: Psychiatry & <addiction> medicine" in summary["text"]
    assert "Central European" in summary["text"]  # the time is shown in the zone chosen
    await ana.press("Save", summary)
    await ana.next()  # the confirmation
    await ana.next()  # the calendar file
    (appointment,) = _appointments(sqlite_database, ana.user.id)
    assert (appointment.mode, appointment.requested_by) == ("remote", "insurer")
    assert appointment.specialty == "Psychiatry & <addiction> medicine"
    assert appointment.timezone == "Europe/Paris"
    paris = datetime.combine(day, time(9, 15), tzinfo=ZoneInfo("Europe/Paris"))
    assert appointment.starts_at == paris.astimezone(UTC)


async def test_calendar_months_turn_in_place(ana: Person) -> None:
    await onboard(ana)
    (question,) = await ana.say("/appointment")
    this_month, next_month = _today(), (_today().replace(day=1) + timedelta(days=32))
    assert f"cal:month:{this_month:%Y-%m}" not in _data(question)  # nothing before this month
    answer = await ana.press(
        question["reply_markup"]["inline_keyboard"][0][0]["text"], question, expect_change=False
    )  # the month's title does nothing
    assert answer is not None and ana.message(question["message_id"]) == question

    await _tap(ana, question, f"cal:month:{next_month:%Y-%m}")
    turned = ana.message(question["message_id"])
    assert turned["text"] == question["text"] and turned.get("entities") == question.get("entities")
    assert f"cal:day:{next_month:%Y-%m}-01" in _data(turned)
    assert f"cal:day:{this_month.isoformat()}" not in _data(turned)
    await _tap(ana, turned, f"cal:month:{this_month:%Y-%m}")
    assert ana.message(question["message_id"])["reply_markup"] == question["reply_markup"]
    # A date can still be typed while the calendar is shown.
    (time_question,) = await ana.say(f"{this_month + timedelta(days=40):%Y-%m-%d}")
    assert "What time" in time_question["text"]


async def test_the_calendar_is_in_the_persons_language(person_factory: Any) -> None:
    marie: Person = person_factory(user_id=1003, language="fr", first_name="Marie")
    await onboard(marie)
    (question,) = await marie.say("/appointment")
    rows = question["reply_markup"]["inline_keyboard"]
    assert [button["text"] for button in rows[1]] == ["L", "M", "M", "J", "V", "S", "D"]
    assert rows[0][0]["text"].split()[-1] == str(_today().year)


async def test_a_typed_zone_is_checked_and_remembered(
    ana: Person, sqlite_database: Database
) -> None:
    await onboard(ana)
    await ana.say("/appointment")
    await ana.say(_future(15))
    await ana.say("10:00")
    (reply,) = await ana.say("Mars/Olympus_Mons")
    assert "don't know the time zone" in reply["text"] and "Mars/Olympus_Mons" in reply["text"]
    (mode_question,) = await ana.say("america/new york")
    assert "in person" in mode_question["text"]
    await ana.press("In person", mode_question)
    await ana.press("Skip")  # the place
    await ana.press("Skip", ana.last())  # who asked
    field_question = ana.last()
    await ana.simulator.send_text(ana.user, "x" * 101)  # the examiner's field, too long
    await ana.simulator.wait_for_message(
        ana.chat_id, lambda m: "100 characters or fewer" in m["text"]
    )
    await ana.press("Skip", field_question)
    summary = ana.message(field_question["message_id"])
    assert "Please check" in summary["text"] and "Eastern" in summary["text"]
    await ana.press("Change something", summary)
    again = ana.message(summary["message_id"])
    assert "start again" in again["text"] and any(d.startswith("cal:day:") for d in _data(again))
    await _tap(ana, again, f"cal:day:{_today().isoformat()}")
    await ana.simulator.wait_for_message(ana.chat_id, lambda m: "What time" in m["text"])
    (zone_question,) = await ana.say("11:00")
    assert "Your time zone is America/New_York" in zone_question["text"]
    assert _appointments(sqlite_database, ana.user.id) == []


async def test_list_change_and_cancel(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    await ana.say(f"/appointment {_future(10)} 10:00", replies=2)
    await ana.say(f"/appointment {_future(30)} 11:00 Clinic", replies=2)
    (listing,) = await ana.say("/appointments")
    assert "Clinic" in listing["text"]
    await ana.press("Cancel 1", listing)
    assert "Clinic" in ana.message(listing["message_id"])["text"]
    statuses = {a.place: a.status for a in _appointments(sqlite_database, ana.user.id)}
    assert statuses == {None: "cancelled", "Clinic": "booked"}
    first = next(a for a in _appointments(sqlite_database, ana.user.id) if a.place is None)
    assert all(
        r.status == "cancelled"
        for r in _reminders(sqlite_database, ana.user.id)
        if r.appointment_id == first.id
    )
    await ana.press("Change 1", ana.message(listing["message_id"]))
    await ana.say(f"{_future(40)} 15:00", replies=2)
    moved = next(a for a in _appointments(sqlite_database, ana.user.id) if a.place == "Clinic")
    assert moved.starts_at.strftime("%Y-%m-%d %H:%M") == f"{_future(40)} 15:00"


async def test_prep_checklist_ticks_are_kept(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    (checklist,) = await ana.say("/prep")
    first_label = buttons(checklist)[0][0]
    await ana.press(first_label, checklist)
    assert buttons(ana.message(checklist["message_id"]))[0][0].startswith("✅")
    with sqlite_database.session() as session:
        assert len(session.exec(select(PrepTick)).all()) == 1
    (again,) = await ana.say("/prep")
    assert buttons(again)[0][0].startswith("✅")


async def test_mydata_includes_appointments(ana: Person) -> None:
    await onboard(ana)
    await ana.say(f"/appointment {_future()} 14:30", replies=2)
    (document,) = await ana.say("/mydata")
    export = json.loads(document["sim_file"]["content"])
    assert len(export["tables"]["appointment"]) == 1
    assert len(export["tables"]["reminder"]) == 5


async def test_reminders_and_checkin_arrive_once_with_working_buttons(
    simulator: BotApiSimulator, reminder_app: Any, sqlite_database: Database
) -> None:
    coordinators = simulator.create_group(COORDINATORS_CHAT, "Coordinators")
    from bot.simulator import SimulatedUser

    ana = Person(simulator, SimulatedUser(id=1001, first_name="Ana", language_code="en"))
    await onboard(ana)
    start = (datetime.now(UTC) + timedelta(seconds=6)).strftime("%Y-%m-%dT%H:%M:%S")
    await ana.say(f"/appointment {start}", replies=2)
    reminder = await ana.simulator.wait_for_message(
        ana.chat_id, lambda m: "Reminder" in m.get("text", ""), timeout=10
    )
    assert [label for label, _ in buttons(reminder)] == [
        "I'll be there",
        "I need to reschedule",
        "Prep checklist",
    ]
    answer = await ana.press("I'll be there", reminder, expect_change=False)
    assert answer.get("text")
    await ana.press("I need to reschedule", reminder)
    told = await simulator.wait_for_message(coordinators.id, timeout=5)
    assert "needs to reschedule" in told["text"] and "Ana" in told["text"]
    checkin = await ana.simulator.wait_for_message(
        ana.chat_id, lambda m: "How did your exam go" in m.get("text", ""), timeout=15
    )
    await ana.press("It was hard", checkin)
    support = ana.message(checkin["message_id"])
    assert "988" in support["text"] and "again tomorrow" in support["text"]
    await ana.press("Ask a coordinator to contact me", support)
    assert "asked a coordinator" in ana.message(checkin["message_id"])["text"]
    alert = await simulator.wait_for_message(coordinators.id, timeout=5)
    assert "Support request" in alert["text"] and "It was hard" in alert["text"]
    rows = _reminders(sqlite_database, 1001)
    assert sorted((r.kind, r.status) for r in rows) == [
        ("checkin", "sent"),
        ("followup", "pending"),
        ("reminder", "sent"),
    ]
    texts = [
        str(call.params.get("text", ""))
        for call in simulator.calls_of("sendMessage")
        if call.ok and str(call.params.get("chat_id")) == str(ana.chat_id)
    ]
    assert sum("Reminder" in t for t in texts) == 1
    assert sum("How did your exam go" in t for t in texts) == 1
