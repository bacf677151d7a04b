"""Keeping the bot's own sends under Telegram's flood limits.

Telegram refuses (429) more than about 30 sends a second overall and 20 a minute into one
group. A sliding window holds exactly that promise in any rolling window (a leaky bucket
lets twice its size through in one), costs a few microseconds a request, and a 429 that
slips through anyway pauses every send for its ``retry_after`` and is tried again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

LOGGER = logging.getLogger(__name__)
_IN_FLIGHT_POLL = 0.02
JSON = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB gives ``retry_after`` as seconds or, opted in, as a timedelta."""
    delay = error.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


class SlidingWindow:
    """At most ``limit`` requests reaching Telegram in any ``window`` seconds.

    We cannot see when a request reaches Telegram, only that it is after it started and
    before its answer came back. So a request counts from its start until its answer
    (in flight) and then at the moment of its answer: a new request is started only when
    even the latest possible arrivals of the earlier ones leave room in the window.
    """

    __slots__ = ("_done", "in_flight", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._done: deque[float] = deque()
        self.in_flight = 0

    def wait_needed(self, now: float) -> float:
        done = self._done
        while done and done[0] <= now - self.window:
            done.popleft()
        room = self.limit - self.in_flight
        if len(done) < room:
            return 0.0
        if room <= 0:
            return _IN_FLIGHT_POLL
        return done[-room] + self.window - now

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, now: float) -> None:
        self.in_flight -= 1
        self._done.append(now)

    def __len__(self) -> int:
        return len(self._done) + self.in_flight


class TelegramRateLimiter(BaseRateLimiter[int]):
    """Rate limits for every request that names a chat; others (getUpdates...) pass freely.

    The windows carry a small margin so a request that reaches Telegram a little after it
    was counted here still falls inside Telegram's own window.
    """

    def __init__(
        self,
        overall_per_second: int = 29,
        group_per_minute: int = 20,
        max_retries: int = 3,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        group_window: float = 60.0,
    ) -> None:
        self._overall = SlidingWindow(overall_per_second, 1.0 + margin)
        self._group_limit = group_per_minute
        self._group_window = group_window + margin
        self._groups: dict[int | str, SlidingWindow] = {}
        self._max_retries = max_retries
        self._paused_until = 0.0
        self._clock = clock

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def group_window(self) -> float:
        return self._group_window

    def room(self, chat_id: int) -> int:
        """How many sends into ``chat_id`` (a group) would start now without waiting."""
        now = self._clock()
        if self._paused_until > now:
            return 0
        window = self._groups.get(chat_id)
        if window is None:
            return self._group_limit
        window.wait_needed(now)  # drops what left the window
        return max(0, window.limit - len(window))

    def _reserve(self, group: int | str | None) -> float | list[SlidingWindow]:
        """Start counting this send and return its windows, or return how long to wait."""
        now = self._clock()
        windows = [self._overall]
        if group is not None:
            window = self._groups.get(group)
            if window is None:
                window = self._groups[group] = SlidingWindow(self._group_limit, self._group_window)
            windows.append(window)
        wait = max([self._paused_until - now, *(w.wait_needed(now) for w in windows)])
        if wait > 0:
            return wait
        for window in windows:
            window.start()
        if group is not None and len(self._groups) > 1000:
            self._forget_quiet_groups(now)
        return windows

    def _forget_quiet_groups(self, now: float) -> None:
        for key in [
            key for key, w in self._groups.items() if not w.wait_needed(now) and not len(w)
        ]:
            del self._groups[key]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await callback(*args, **kwargs)
        group: int | str | None = None
        if isinstance(chat_id, str):
            group = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        elif isinstance(chat_id, int):
            group = chat_id
        if isinstance(group, int) and group > 0:
            group = None
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        attempt = 0
        while True:
            while isinstance(reserved := self._reserve(group), float):
                await asyncio.sleep(reserved)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    raise
                attempt += 1
                pause = retry_after_seconds(exc)
                LOGGER.warning("%s hit Telegram's flood limit; pausing %.1f s", endpoint, pause)
                self._paused_until = max(self._paused_until, self._clock() + pause)
            finally:
                finished = self._clock()
                for window in reserved:
                    window.finish(finished)
