"""Booking in both forms, the list, reminders arriving once with their buttons, /prep."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.models import Appointment, PrepTick, Reminder
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


async def test_guided_booking(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    await ana.say("/appointment")
    (reply,) = await ana.say("not a date")
    assert "couldn't use that date" in reply["text"]
    await ana.say(_future(20))
    (mode_question,) = await ana.say("9:15")
    await ana.press("By video or phone", mode_question)
    await ana.press("an insurer")
    assert "Please check" in ana.last()["text"] and "By video or phone" in ana.last()["text"]
    await ana.press("Save")
    await ana.next()  # the confirmation
    await ana.next()  # the calendar file
    (appointment,) = _appointments(sqlite_database, ana.user.id)
    assert (appointment.mode, appointment.requested_by) == ("remote", "insurer")


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
    assert "988" in ana.message(checkin["message_id"])["text"]
    alert = await simulator.wait_for_message(coordinators.id, timeout=5)
    assert "was hard" in alert["text"]
    rows = _reminders(sqlite_database, 1001)
    assert sorted(r.status for r in rows) == ["sent", "sent"]
    texts = [
        str(call.params.get("text", ""))
        for call in simulator.calls_of("sendMessage")
        if call.ok and str(call.params.get("chat_id")) == str(ana.chat_id)
    ]
    assert sum("Reminder" in t for t in texts) == 1
    assert sum("How did your exam go" in t for t in texts) == 1
