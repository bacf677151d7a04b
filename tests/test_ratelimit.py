"""The sender's flood limits: exact sliding windows, pauses on 429, retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter

from bot.messaging import StaticKeyboard
from bot.ratelimit import SlidingWindow, TelegramRateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_allows_exactly_the_limit_in_any_window() -> None:
    window = SlidingWindow(limit=3, window=1.0)
    for at in (0.0, 0.1, 0.2):
        assert window.wait_needed(at) == 0.0
        window.start()
        window.finish(at)
    assert window.wait_needed(0.5) == pytest.approx(0.5)
    assert window.wait_needed(1.0) == 0.0


def test_requests_in_flight_count_until_answered() -> None:
    window = SlidingWindow(limit=2, window=1.0)
    window.start()
    window.start()
    assert window.wait_needed(0.0) > 0  # both may still be on their way to Telegram
    window.finish(0.4)  # answered at 0.4: it reached Telegram at 0.4 at the latest
    assert window.wait_needed(0.5) > 0
    window.finish(0.6)
    assert window.wait_needed(1.4) == 0.0


def _allowed(result: object) -> bool:
    return isinstance(result, list)


def test_groups_and_overall_are_counted_separately() -> None:
    clock = FakeClock()
    limiter = TelegramRateLimiter(overall_per_second=5, group_per_minute=2, margin=0, clock=clock)

    def send(group: int | None) -> object:
        result = limiter._reserve(group)
        if isinstance(result, list):
            for window in result:
                window.finish(clock.now)
        return result

    assert _allowed(send(-100)) and _allowed(send(-100))
    assert send(-100) == pytest.approx(60.0)  # a third group message this minute
    assert _allowed(send(-200))  # another group is unaffected
    assert _allowed(send(None)) and _allowed(send(None))
    assert send(None) == pytest.approx(1.0)  # five sends this second overall
    clock.now += 1.0
    assert _allowed(send(None))


async def test_waits_instead_of_exceeding_the_limit() -> None:
    limiter = TelegramRateLimiter(overall_per_second=4, margin=0.0)
    sent: list[float] = []
    loop = asyncio.get_running_loop()

    async def send() -> bool:
        sent.append(loop.time())
        return True

    await asyncio.gather(
        *(
            limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
            for _ in range(8)
        )
    )
    assert len(sent) == 8
    assert sent[-1] - sent[0] >= 0.95  # the second four waited for the window


async def test_retry_after_pauses_and_retries_then_gives_up() -> None:
    limiter = TelegramRateLimiter(max_retries=2)
    attempts: list[int] = []

    async def flooded() -> Any:
        attempts.append(1)
        if len(attempts) < 2:
            raise RetryAfter(0)
        return {"ok": True}

    assert await limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert len(attempts) == 2

    async def always() -> Any:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 5}, None)


async def test_requests_without_a_chat_are_not_limited() -> None:
    limiter = TelegramRateLimiter(overall_per_second=1)

    async def poll() -> bool:
        return True

    for _ in range(5):
        assert await limiter.process_request(poll, (), {}, "getUpdates", {}, None)


def test_static_keyboard_serialises_like_a_plain_one() -> None:
    rows = [
        [InlineKeyboardButton("A", callback_data="a")],
        [InlineKeyboardButton("B", url="https://x.org")],
    ]
    static = StaticKeyboard(rows)
    assert static.to_dict() == InlineKeyboardMarkup(rows).to_dict()
    assert static.to_dict() is static.to_dict()
    assert static == InlineKeyboardMarkup(rows)
