"""Updates are confirmed to Telegram only once handled, and a clean stop confirms the last."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database
from tests.support import Person

from .conftest import _running


async def test_a_clean_stop_confirms_the_last_batch(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> None:
    person = Person(simulator, SimulatedUser(id=4001, first_name="Pat", language_code="en"))
    running = _running(simulator, bot_settings, sqlite_database)
    await anext(running)
    await person.say("/start", replies=2)
    assert simulator.pending_updates()  # handled, but not confirmed while it runs
    await anext(running, None)  # runs the teardown: a clean stop
    assert simulator.pending_updates() == []
