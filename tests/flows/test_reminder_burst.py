"""Many reminders falling due in the same second: each arrives once, within Telegram's limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.appointments import AppointmentBook, ReminderPlan
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database

PEOPLE = 60


async def test_a_burst_of_reminders_arrives_once_each(
    simulator: BotApiSimulator, reminder_app: Any, sqlite_database: Database
) -> None:
    people = [SimulatedUser(id=7000 + i, first_name="P", language_code="en") for i in range(PEOPLE)]
    for person in people:
        await simulator.send_text(person, "/start")
    await simulator.wait_for(lambda: all(len(simulator.messages(p.id)) >= 2 for p in people), 20)
    due = datetime.now(UTC) + timedelta(seconds=2)
    book = AppointmentBook(sqlite_database, ReminderPlan((timedelta(hours=1),), timedelta(days=1)))
    for person in people:
        book.book(
            user_id=person.id,
            starts_at=due + timedelta(hours=1),
            zone="UTC",
            now=due - timedelta(seconds=1),
        )

    def reminders_sent() -> list[int]:
        return [
            int(call.params["chat_id"])
            for call in simulator.calls_of("sendMessage")
            if call.ok and "Reminder" in str(call.params.get("text", ""))
        ]

    await simulator.wait_for(lambda: len(reminders_sent()) >= PEOPLE, 20)
    await asyncio.sleep(1.5)  # a second copy of any of them would have arrived by now
    sent = reminders_sent()
    assert sorted(sent) == sorted(p.id for p in people)  # every one, none twice
    assert [c for c in simulator.rejected_calls() if c.error_code == 429] == []
