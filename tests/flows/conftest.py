"""Flow tests: the real application, polling the simulator over HTTP, in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from telegram.ext import Application

import flows
from bot.application import build_application
from bot.config import Settings
from bot.polling import poll_until_stopped
from bot.ratelimit import TelegramRateLimiter
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database
from tests.conftest import TEST_TOKEN
from tests.support import Person

COORDINATORS_CHAT = -1001000


@pytest.fixture
async def simulator() -> AsyncIterator[BotApiSimulator]:
    sim = BotApiSimulator(TEST_TOKEN, bot_username="ime_guide_bot", bot_name="IME guide")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def bot_settings(simulator: BotApiSimulator, settings: Settings) -> Settings:
    return settings.model_copy(update={"TELEGRAM_API_BASE_URL": simulator.base_url})


@pytest.fixture
async def application(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    async for app in _running(simulator, bot_settings, sqlite_database):
        yield app


@pytest.fixture
async def reminder_app(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The bot with reminders seconds apart: 3 s before the appointment, check-in 4 s after."""
    quick = bot_settings.model_copy(
        update={"REMINDER_OFFSETS": (timedelta(seconds=3),), "CHECKIN_AFTER": timedelta(seconds=4)}
    )
    async for app in _running(simulator, quick, sqlite_database):
        yield app


async def _running(
    simulator: BotApiSimulator,
    settings: Settings,
    database: Database,
    rate_limiter: TelegramRateLimiter | None = None,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    app = build_application(settings, database, rate_limiter=rate_limiter)
    flows.install(app)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    stop = asyncio.Event()
    polling = asyncio.create_task(poll_until_stopped(app, stop))
    yield app
    stop.set()
    await polling
    await app.stop()
    await app.shutdown()
    rejected = [
        (c.method, c.description)
        for c in simulator.rejected_calls()
        # A simulated outage, or a person who blocked the bot: not the bot's mistakes.
        if c.error_code != 502 and c.description != "Forbidden: bot was blocked by the user"
    ]
    assert rejected == [], f"Telegram would have rejected: {rejected}"


@pytest.fixture
def person_factory(simulator: BotApiSimulator, application: Any):  # type: ignore[no-untyped-def]
    def make(user_id: int = 1001, language: str | None = "en", **fields: Any) -> Person:
        fields.setdefault("first_name", "Ana")
        user = SimulatedUser(id=user_id, language_code=language, **fields)
        return Person(simulator, user)

    return make


@pytest.fixture
def ana(person_factory) -> Person:  # type: ignore[no-untyped-def]
    return person_factory()


async def onboard(person: Person) -> None:
    """Start the bot and say yes to it keeping data."""
    await person.say("/start", replies=2)
    await person.press(person.last()["reply_markup"]["inline_keyboard"][0][0]["text"])
