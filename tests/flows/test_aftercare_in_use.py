"""Aftercare where it matters: the check-in after a hard exam, the crisis reply, the alert,
the reminder the day before, and the next day's follow-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.config import Settings
from bot.models import Reminder
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database
from tests.support import Person, buttons

from .conftest import COORDINATORS_CHAT, _running, onboard

ANA = 1001


def _services(app: Any) -> Any:
    return app.bot_data["services"]


def _add_people(app: Any) -> None:
    aftercare = _services(app).aftercare
    aftercare.add_contact(ANA, name="Sam <Friend>", relationship="friend", phone="+1 415 555 2671")
    aftercare.add_contact(
        ANA,
        name="Dr Lee",
        relationship="sponsor",
        phone="+1 202 555 0143",
        share_with_coordinators=True,
    )
    aftercare.set_suggestion(ANA, "walk", True)


@pytest.fixture
def group(simulator: BotApiSimulator) -> int:
    cora = SimulatedUser(id=900, first_name="Cora")
    return simulator.create_group(COORDINATORS_CHAT, "Coordinators", members=[cora]).id


async def test_the_crisis_reply_names_the_contacts_and_the_alert_only_shared_ones(
    application: Any, ana: Person, simulator: BotApiSimulator, group: int
) -> None:
    await onboard(ana)
    _add_people(application)
    (reply,) = await ana.say("I'm going to kill myself tonight")
    assert "Sam &lt;Friend&gt;" not in reply["text"]  # shown as text, not markup
    assert "Sam <Friend>" in reply["text"] and "+1 415-555-2671" in reply["text"]
    assert "Dr Lee" in reply["text"]
    alert = await simulator.wait_for_message(group, timeout=2)
    assert "Dr Lee" in alert["text"] and "+1 202-555-0143" in alert["text"]
    assert "Sam" not in alert["text"]  # not shared with the coordinators


@pytest.fixture
async def day_before_app(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> AsyncIterator[Any]:
    """One reminder a day ahead (the one that looks at the plan) and a quick check-in."""
    settings = bot_settings.model_copy(
        update={"REMINDER_OFFSETS": (timedelta(days=1),), "CHECKIN_AFTER": timedelta(seconds=1)}
    )
    async for app in _running(simulator, settings, sqlite_database):
        yield app


async def _book_for_tomorrow(person: Person, seconds: int = 3) -> None:
    starts = datetime.now(UTC) + timedelta(days=1, seconds=seconds)
    await person.say(f"/appointment {starts.strftime('%Y-%m-%dT%H:%M:%S')}", replies=2)


async def test_the_day_before_reminder_offers_to_set_up_aftercare(
    day_before_app: Any, simulator: BotApiSimulator
) -> None:
    ana = Person(simulator, SimulatedUser(id=ANA, first_name="Ana", language_code="en"))
    await onboard(ana)
    await _book_for_tomorrow(ana)
    reminder = await simulator.wait_for_message(
        ANA, lambda m: "Reminder" in m.get("text", ""), timeout=8
    )
    assert "For after the exam" in reminder["text"] and "someone to call" in reminder["text"]
    assert "Set up my aftercare" in dict(buttons(reminder))
    await ana.press("Set up my aftercare", reminder)
    overview = await ana.next()
    assert overview["message_id"] != reminder["message_id"]  # the reminder stays as it was
    assert ana.message(reminder["message_id"])["text"] == reminder["text"]


async def test_the_day_before_reminder_shows_the_plan_and_people(
    day_before_app: Any, simulator: BotApiSimulator
) -> None:
    ana = Person(simulator, SimulatedUser(id=ANA, first_name="Ana", language_code="en"))
    await onboard(ana)
    _add_people(day_before_app)
    await _book_for_tomorrow(ana)
    reminder = await simulator.wait_for_message(
        ANA, lambda m: "Reminder" in m.get("text", ""), timeout=8
    )
    assert "Go for a walk" in reminder["text"] and "+1 415-555-2671" in reminder["text"]
    assert "Set up my aftercare" not in dict(buttons(reminder))


async def test_after_a_hard_exam_the_checkin_offers_people_plan_and_a_coordinator(
    reminder_app: Any, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    ana = Person(simulator, SimulatedUser(id=ANA, first_name="Ana", language_code="en"))
    await onboard(ana)
    _add_people(reminder_app)
    start = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    await ana.say(f"/appointment {start}", replies=2)
    checkin = await simulator.wait_for_message(
        ANA, lambda m: "How did your exam go" in m.get("text", ""), timeout=10
    )
    assert "Go for a walk" in checkin["text"]  # the plan, shown after the exam
    await ana.press("It was hard", checkin)
    support = ana.message(checkin["message_id"])
    assert "Sam <Friend>" in support["text"] and "+1 415-555-2671" in support["text"]
    assert "988" in support["text"]
    assert simulator.messages(group) == []  # nobody is called in without asking
    await ana.press("Ask a coordinator to contact me", support)
    alert = await simulator.wait_for_message(group, timeout=2)
    assert "Support request" in alert["text"] and "Dr Lee" in alert["text"]
    # The next day, the bot asks again; here the follow-up is brought forward to now.
    with sqlite_database.session() as session:
        followup = session.exec(select(Reminder).where(Reminder.kind == "followup")).one()
        assert followup.due_at - datetime.now(UTC) > timedelta(hours=23)
        session.exec(  # type: ignore[call-overload]
            update(Reminder)
            .where(Reminder.id == followup.id)  # type: ignore[arg-type]
            .values(due_at=datetime.now(UTC))
        )
        session.commit()
    again = await simulator.wait_for_message(
        ANA, lambda m: "How are you today" in m.get("text", ""), timeout=5
    )
    assert [label for label, _ in buttons(again)] == [
        "I'm okay",
        "It was hard",
        "I need to talk to someone",
    ]


async def test_asking_to_talk_brings_in_a_coordinator_at_once(
    reminder_app: Any, simulator: BotApiSimulator, group: int
) -> None:
    ana = Person(simulator, SimulatedUser(id=ANA, first_name="Ana", language_code="en"))
    await onboard(ana)
    start = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    await ana.say(f"/appointment {start}", replies=2)
    checkin = await simulator.wait_for_message(
        ANA, lambda m: "How did your exam go" in m.get("text", ""), timeout=10
    )
    await ana.press("I need to talk to someone", checkin)
    support = ana.message(checkin["message_id"])
    assert "asked a coordinator" in support["text"]
    assert "Set up my aftercare" in dict(buttons(support))
    alert = await simulator.wait_for_message(group, timeout=2)
    assert "Support request" in alert["text"] and "talk to someone" in alert["text"]
    (passed_on,) = await ana.say("it was really hard, they didn't believe me")
    assert "care team" in passed_on["text"]
    relayed = await simulator.wait_for_message(group, lambda m: "believe me" in m["text"])
    assert relayed["reply_to_message"]["message_id"] == alert["message_id"]
