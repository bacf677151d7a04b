"""Coordinator invitations: a deep link gives an appointment to the person who opens it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.invites import PAYLOAD_PREFIX
from bot.models import Appointment, Invite, Reminder
from bot.storage import Database
from tests.support import Person


def _future() -> str:
    return (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%d")


async def _invite(coordinator: Person) -> str:
    (reply,) = await coordinator.say(f"/invite {_future()} 09:30 Clinic, 4th floor")
    assert "Invitation ready" in reply["text"]
    link = reply["text"].rsplit("\n", 1)[-1]
    assert link.startswith("https://t.me/ime_guide_bot?start=" + PAYLOAD_PREFIX)
    return link.split("start=", 1)[1]


async def test_an_invite_links_the_appointment_after_consent(
    person_factory: Any, sqlite_database: Database
) -> None:
    coordinator: Person = person_factory(user_id=900, first_name="Sam")  # in COORDINATOR_IDS
    payload = await _invite(coordinator)
    assert len(payload) <= 64
    with sqlite_database.session() as session:
        (invite,) = session.exec(select(Invite)).all()
        assert payload.removeprefix(PAYLOAD_PREFIX) not in invite.token_hash  # only a hash

    newcomer: Person = person_factory(user_id=5000, first_name="Noor", language="es")
    await newcomer.say(f"/start {payload}", replies=2)
    await newcomer.press("Sí, de acuerdo")
    welcome = await newcomer.next()
    assert "Clinic, 4th floor" in welcome["text"]
    with sqlite_database.session() as session:
        (appointment,) = session.exec(select(Appointment)).all()
        assert appointment.user_id == 5000 and appointment.created_by == 900
        reminders = session.exec(select(Reminder).where(Reminder.user_id == 5000)).all()
        assert len(reminders) == 5

    # Single use: someone else opening the same link gets nothing.
    other: Person = person_factory(user_id=5001, first_name="Eli")
    await other.say(f"/start {payload}", replies=2)
    await other.press("Yes, that's okay")
    refusal = await other.next()
    assert "already used" in refusal["text"]


async def test_strangers_cannot_invite_and_bad_tokens_are_refused(
    person_factory: Any, sqlite_database: Database
) -> None:
    stranger: Person = person_factory(user_id=4321)
    await stranger.say("/start", replies=2)
    await stranger.press("Yes, that's okay")
    (reply,) = await stranger.say(f"/invite {_future()} 09:30")
    assert "only for coordinators" in reply["text"]
    await stranger.say(f"/start {PAYLOAD_PREFIX}guessed-token")
    refusal = await stranger.next()
    assert "don't recognise" in refusal["text"]
    with sqlite_database.session() as session:
        assert session.exec(select(Appointment)).all() == []


async def test_coordinator_gets_a_clear_answer_for_a_bad_date(person_factory: Any) -> None:
    coordinator: Person = person_factory(user_id=900, first_name="Sam")
    (reply,) = await coordinator.say("/invite someday")
    assert "/invite 20" in reply["text"]
