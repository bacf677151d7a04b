"""Telegram's flood limits for sending, so a bot that ignores them fails in tests first.

Telegram answers 429 ``Too Many Requests: retry after N`` past about 30 messages a second
overall and 20 a minute into one group; private chats tolerate a short burst and then
about one message a second. A refused request is not counted and not applied.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.simulator.errors import too_many_requests


@dataclass(frozen=True)
class RateLimits:
    """Flood limits; the defaults are Telegram's. Use small windows in fast tests."""

    enabled: bool = True
    global_limit: int = 30
    global_window: float = 1.0
    group_limit: int = 20
    group_window: float = 60.0
    private_burst: int | None = None
    private_interval: float = 1.0

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)


class RateLimiter:
    """Counts sends (new and edited messages) with rolling windows and a token bucket."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, tuple[float, float]] = {}

    def acquire(self, chat_id: int, chat_type: str) -> None:
        """Count one send into ``chat_id`` or raise a 429 ApiError (nothing counted then)."""
        limits = self.limits
        if not limits.enabled:
            return
        now = self._clock()
        waits = [self._window_wait(self._global, limits.global_limit, limits.global_window, now)]
        group_events = None
        if chat_type in ("group", "supergroup"):
            group_events = self._groups.setdefault(chat_id, deque())
            waits.append(
                self._window_wait(group_events, limits.group_limit, limits.group_window, now)
            )
        tokens = None
        if chat_type == "private" and limits.private_burst is not None:
            tokens = self._private_tokens(chat_id, now)
            if tokens < 1:
                waits.append((1 - tokens) * limits.private_interval)
        wait = max(waits)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._global.append(now)
        if group_events is not None:
            group_events.append(now)
        if tokens is not None:
            self._private[chat_id] = (tokens - 1, now)

    @staticmethod
    def _window_wait(events: deque[float], limit: int, window: float, now: float) -> float:
        while events and events[0] <= now - window:
            events.popleft()
        if len(events) < limit:
            return 0.0
        return events[len(events) - limit] + window - now

    def _private_tokens(self, chat_id: int, now: float) -> float:
        burst = self.limits.private_burst or 0
        tokens, last = self._private.get(chat_id, (float(burst), now))
        refill = (now - last) / self.limits.private_interval
        return min(float(burst), tokens + refill)
