"""Contact cards from simulated users, and the reply keyboard that asks for one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.simulator import BotApiSimulator, SimulatedUser, SimulatorError

TOKEN = "123456:TEST-TOKEN"
ALICE = SimulatedUser(1001, "Alice", username="alice")


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot", rate_limits=False)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def _call(sim: BotApiSimulator, method: str, **params: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sim.url}/bot{TOKEN}/{method}", json=params) as response,
    ):
        return await response.json()


async def test_a_card_from_the_address_book_has_no_user_id(sim: BotApiSimulator) -> None:
    message = await sim.send_contact(ALICE, "514 555 0199", "Sam", "Lee")
    assert message["contact"] == {
        "phone_number": "514 555 0199",
        "first_name": "Sam",
        "last_name": "Lee",
    }
    (update,) = (await _call(sim, "getUpdates"))["result"]
    assert update["message"]["contact"] == message["contact"]
    assert update["message"]["from"]["id"] == ALICE.id
    assert "text" not in update["message"]


async def test_the_users_own_card_carries_their_id(sim: BotApiSimulator) -> None:
    message = await sim.send_contact(ALICE, "33612345678", "Alice", user_id=ALICE.id)
    assert message["contact"] == {
        "phone_number": "33612345678",
        "first_name": "Alice",
        "user_id": ALICE.id,
    }


@pytest.mark.parametrize(
    ("phone", "first_name", "user_id"),
    [("", "Sam", None), ("  ", "Sam", None), ("+15145550199", "", None), ("1", "Sam", 0)],
)
async def test_cards_telegram_would_not_send_are_refused(
    sim: BotApiSimulator, phone: str, first_name: str, user_id: int | None
) -> None:
    with pytest.raises(SimulatorError):
        await sim.send_contact(ALICE, phone, first_name, user_id=user_id)


async def test_a_request_contact_keyboard_is_shown_then_removed(sim: BotApiSimulator) -> None:
    await sim.send_text(ALICE, "/start")
    keyboard = {"keyboard": [[{"text": "Share my number", "request_contact": True}]]}
    sent = await _call(sim, "sendMessage", chat_id=ALICE.id, text="Share?", reply_markup=keyboard)
    assert sent["ok"], sent
    shown = sim.reply_keyboard(ALICE.id)
    assert shown is not None and shown["keyboard"][0][0]["request_contact"] is True
    removed = await _call(
        sim, "sendMessage", chat_id=ALICE.id, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    assert removed["ok"], removed
    assert sim.reply_keyboard(ALICE.id) is None
