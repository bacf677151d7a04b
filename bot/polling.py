"""Long polling that confirms an update to Telegram only after it was handled.

PTB's Updater confirms a batch as soon as it is queued, so a SIGKILL while handling it
loses the update. Here the next ``getUpdates`` (which confirms the previous batch) is only
asked for once the whole batch was processed and its state written: after a crash Telegram
sends the batch again. Each person's updates are handled in order; different people's
updates run side by side, so one slow conversation never holds up another.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.ratelimit import retry_after_seconds

LOGGER = logging.getLogger(__name__)
LONG_POLL_SECONDS = 25
_MAX_BACKOFF = 30.0


def _sender(update: Update) -> int:
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return 0


async def _in_order(
    application: Application[Any, Any, Any, Any, Any, Any], updates: list[Update]
) -> None:
    for update in updates:
        await application.process_update(update)


async def poll_until_stopped(
    application: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
) -> None:
    """Fetch, handle, then confirm, until ``stop`` is set; network trouble is retried."""
    offset = 0
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            application.bot.get_updates(
                offset=offset,
                timeout=LONG_POLL_SECONDS,
                read_timeout=LONG_POLL_SECONDS + 10,
                allowed_updates=Update.ALL_TYPES,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        done, _pending = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:
            fetch.cancel()
            break
        stopping.cancel()
        try:
            updates = fetch.result()
        except (InvalidToken, Conflict):
            raise
        except RetryAfter as exc:
            await asyncio.sleep(retry_after_seconds(exc))
            continue
        except TimedOut:
            continue
        except NetworkError as exc:
            LOGGER.warning("cannot reach Telegram (%s); retrying in %.0f s", exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF)
            continue
        backoff = 1.0
        if not updates:
            continue
        batches: dict[int, list[Update]] = defaultdict(list)
        for update in updates:
            batches[_sender(update)].append(update)
        await asyncio.gather(*(_in_order(application, batch) for batch in batches.values()))
        offset = updates[-1].update_id + 1
    await _confirm(application, offset)


async def _confirm(application: Application[Any, Any, Any, Any, Any, Any], offset: int) -> None:
    """On a clean stop, tell Telegram the last batch was handled, so a restart does not
    handle it again. Best effort: if it fails, the batch is handled again (at least once)."""
    if not offset:
        return
    try:
        await application.bot.get_updates(offset=offset, timeout=0, limit=1)
    except Exception as exc:
        LOGGER.warning("could not confirm the last updates before stopping: %s", exc)
