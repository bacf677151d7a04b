"""The outbox: messages that must not be lost (alerts, relays, the examinee's safe reply).

A row is written in the same transaction as the decision to send it, and stays pending
until Telegram accepted it. An API error or an outage is retried within seconds, a 429
waits its ``retry_after``, and a SIGKILL only delays it: the claim's lease runs out and
the next run takes the row again. Into a group, Telegram allows 20 messages a minute; when
more are waiting than the minute has room for, they are combined into fewer messages,
never dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.claims import PENDING, SENDING, claim_due_rows, release_claims_before
from bot.models import OutgoingMessage, utcnow
from bot.ratelimit import TelegramRateLimiter, retry_after_seconds
from bot.storage import Database

LOGGER = logging.getLogger(__name__)

SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"

LEASE = timedelta(seconds=30)
# Network trouble is retried quickly: an alert must go out seconds after Telegram is back.
_FAST_RETRY_CAP = 2.0
# A configuration problem (bot not in the group, wrong chat id) is retried slowly, forever.
_SLOW_RETRY_CAP = 60.0
COMBINED_TEXT_LIMIT = 3900
# Group sends kept back for bursts; near the limit, what waits goes out combined.
GROUP_RESERVE = 4
SEPARATOR = "\n\n➖➖➖\n\n"
_MAX_BUTTON_ROWS = 40


@dataclass(frozen=True)
class Envelope:
    """What to send and why; ``dedupe_key`` makes a second enqueue of the same thing a no-op."""

    chat_id: int
    text: str
    purpose: str
    user_id: int | None = None
    escalation_id: int | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_alert: bool = False
    reply_to_message_id: int | None = None
    edit_message_id: int | None = None
    priority: int = 5
    due_at: datetime | None = None
    dedupe_key: str | None = None


def enqueue(session: Session, envelope: Envelope) -> OutgoingMessage | None:
    """Add a row in the caller's transaction; ``None`` when its dedupe key was seen before."""
    if envelope.dedupe_key is not None:
        seen = session.exec(
            select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key == envelope.dedupe_key)
        ).first()
        if seen is not None:
            return None
    row = OutgoingMessage(
        user_id=envelope.user_id,
        escalation_id=envelope.escalation_id,
        purpose=envelope.purpose,
        dedupe_key=envelope.dedupe_key,
        priority=envelope.priority,
        chat_id=envelope.chat_id,
        text=envelope.text,
        reply_markup=envelope.reply_markup,
        reply_to_alert=envelope.reply_to_alert,
        reply_to_message_id=envelope.reply_to_message_id,
        edit_message_id=envelope.edit_message_id,
        due_at=envelope.due_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def already_enqueued(session: Session, dedupe_key: str) -> bool:
    found = session.exec(
        select(OutgoingMessage.id).where(OutgoingMessage.dedupe_key == dedupe_key)
    ).first()
    return found is not None


def claim_due(session: Session, now: datetime, limit: int = 200) -> list[OutgoingMessage]:
    """Take due rows (and rows whose claimant died) for this run, and commit the claim."""
    order = (col(OutgoingMessage.priority), col(OutgoingMessage.id))
    rows = claim_due_rows(session, OutgoingMessage, now, lease=LEASE, order_by=order, limit=limit)
    session.commit()
    return rows


def release_claims_of_earlier_runs(session: Session, started_at: datetime) -> int:
    """At start-up, take back messages a killed process had claimed, not waiting out the lease."""
    return release_claims_before(session, OutgoingMessage, started_at, lease=LEASE)


def purge_delivered(session: Session, before: datetime) -> int:
    """Delete rows finished before ``before``: once sent, their text is not needed, and it
    may be health data. Telegram re-sends an unconfirmed update for at most a day, so the
    keys that stop a second send are not needed either."""
    finished_at = func.coalesce(OutgoingMessage.sent_at, OutgoingMessage.created_at)
    rows = session.exec(
        select(OutgoingMessage).where(
            col(OutgoingMessage.status).in_((SENT, FAILED, CANCELLED)),
            finished_at < before,
        )
    ).all()
    for row in rows:
        session.delete(row)
    session.commit()
    return len(rows)


def is_group(chat_id: int) -> bool:
    return chat_id < 0


def combine(rows: Sequence[OutgoingMessage], budget: int) -> list[list[OutgoingMessage]]:
    """Pack new messages into at most ``budget`` messages, in order, each within the limits.

    What does not fit waits for the next minute's room (it is returned in no batch).
    """
    batches: list[list[OutgoingMessage]] = []
    length = 0
    buttons = 0
    for row in rows:
        size = len(row.text) + len(SEPARATOR)
        keyboard = len((row.reply_markup or {}).get("inline_keyboard", []))
        fits = (
            batches
            and length + size <= COMBINED_TEXT_LIMIT
            and buttons + keyboard <= _MAX_BUTTON_ROWS
        )
        if not fits:
            if len(batches) == budget:
                break
            batches.append([])
            length = buttons = 0
        batches[-1].append(row)
        length += size
        buttons += keyboard
    return batches


def _combined_markup(rows: Sequence[OutgoingMessage]) -> dict[str, Any] | None:
    keyboard: list[list[dict[str, Any]]] = []
    for row in rows:
        for button_row in (row.reply_markup or {}).get("inline_keyboard", []):
            if button_row not in keyboard:
                keyboard.append(button_row)
    return {"inline_keyboard": keyboard} if keyboard else None


OnSent = Callable[[Session, OutgoingMessage], None]
OnUndeliverable = Callable[[Session, OutgoingMessage, str], None]


class OutboxDispatcher:
    """Claims due rows and sends them: each chat in order, chats side by side."""

    def __init__(
        self,
        database: Database,
        bot: Bot,
        rate_limiter: TelegramRateLimiter | None,
        on_sent: OnSent,
        on_undeliverable: OnUndeliverable,
    ) -> None:
        self._database = database
        self._bot = bot
        self._limiter = rate_limiter
        self._on_sent = on_sent
        self._on_undeliverable = on_undeliverable
        self._running = asyncio.Lock()
        self._again = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._last_group_send: dict[int, float] = {}

    def kick(self) -> None:
        """Send what is due now, without making the caller wait for Telegram."""
        task = asyncio.get_running_loop().create_task(self.dispatch_due())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def dispatch_due(self, now: datetime | None = None) -> int:
        """Send everything due; a call while a run is going makes that run look again."""
        if self._running.locked():
            self._again = True
            return 0
        sent = 0
        async with self._running:
            while True:
                self._again = False
                sent += await self._run_once(now or utcnow())
                if not self._again:
                    break
                now = None
        return sent

    async def _run_once(self, now: datetime) -> int:
        with self._database.session() as session:
            claimed = claim_due(session, now)
        if not claimed:
            return 0
        by_chat: dict[int, list[OutgoingMessage]] = defaultdict(list)
        for row in claimed:
            by_chat[row.chat_id].append(row)
        results = await asyncio.gather(
            *(self._send_chat(chat_id, rows) for chat_id, rows in by_chat.items())
        )
        return sum(results)

    async def _send_chat(self, chat_id: int, rows: list[OutgoingMessage]) -> int:
        if not is_group(chat_id) or self._limiter is None:
            return await self._send_each(rows)
        return await self._send_to_group(chat_id, rows, self._limiter)

    async def _send_to_group(
        self, chat_id: int, rows: list[OutgoingMessage], limiter: TelegramRateLimiter
    ) -> int:
        """Within the group's 20 a minute: one message each while there is room; near the
        limit, keep a reserve and send what waits as one combined message every few
        seconds, so a burst delays alerts by seconds rather than by the rest of the minute."""
        room = limiter.room(chat_id)
        news = [row for row in rows if row.edit_message_id is None]
        edits = [row for row in rows if row.edit_message_id is not None]
        if room > GROUP_RESERVE:
            budget = room - GROUP_RESERVE
            if len(rows) <= budget:
                return await self._send_each(rows)
            batches = combine(news, budget)
            spare = max(0, budget - len(batches))
        else:
            pace = limiter.group_window / (GROUP_RESERVE + 1)
            quiet = time.monotonic() - self._last_group_send.get(chat_id, float("-inf"))
            batches = combine(news, 1) if room > 0 and news and quiet >= pace else []
            spare = 0
        taken = {row.id for batch in batches for row in batch}
        sent = 0
        for batch in batches:
            sent += await self._send_batch(batch)
            self._last_group_send[chat_id] = time.monotonic()
        sent += await self._send_each(edits[:spare])
        self._release([row for row in news if row.id not in taken] + edits[spare:])
        return sent

    async def _send_each(self, rows: Sequence[OutgoingMessage]) -> int:
        sent = 0
        for row in rows:
            sent += await self._send_batch([row])
        return sent

    async def _send_batch(self, batch: list[OutgoingMessage]) -> int:
        first = batch[0]
        try:
            message = await self._deliver(batch)
        except RetryAfter as exc:
            self._retry(batch, str(exc), retry_after_seconds(exc))
        except (BadRequest, Forbidden) as exc:
            return self._refused(batch, exc)
        except (TimedOut, NetworkError) as exc:
            self._retry(batch, str(exc), min(_FAST_RETRY_CAP, 0.25 * 2**first.attempts))
        except Exception as exc:
            LOGGER.exception("outgoing message %s could not be sent", first.id)
            self._retry(batch, f"{exc.__class__.__name__}: {exc}", self._slow(first))
        else:
            self._finish(batch, SENT, message_id=message.message_id if message else None)
            return len(batch)
        return 0

    async def _deliver(self, batch: list[OutgoingMessage]) -> Message | None:
        first = batch[0]
        if first.edit_message_id is not None:
            try:
                result = await self._bot.edit_message_text(
                    first.text,
                    chat_id=first.chat_id,
                    message_id=first.edit_message_id,
                    reply_markup=self._markup(first.reply_markup),
                )
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return None
                raise
            return result if isinstance(result, Message) else None
        text = SEPARATOR.join(row.text for row in batch)
        targets = {row.reply_to_message_id for row in batch}
        reply_to = targets.pop() if len(targets) == 1 else None
        return await self._bot.send_message(
            first.chat_id,
            text,
            reply_markup=self._markup(_combined_markup(batch)),
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            ),
        )

    def _markup(self, markup: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup.de_json(markup, self._bot) if markup else None

    def _refused(self, batch: list[OutgoingMessage], exc: BadRequest | Forbidden) -> int:
        """Telegram said no. A person who blocked the bot cannot be reached; the
        coordinators' chat must be, so a new message there is retried until someone fixes
        it. An edit Telegram refuses (its message was deleted) is given up: it only
        updated what an alert shows."""
        first = batch[0]
        if is_group(first.chat_id) and first.edit_message_id is None:
            LOGGER.error(
                "Telegram refused a message to the coordinators' chat %s: %s. Check that "
                "COORDINATOR_CHAT_ID is right and the bot is a member; retrying.",
                first.chat_id,
                exc.message,
            )
            self._retry(batch, exc.message, self._slow(first))
            return 0
        LOGGER.warning("message %s to chat %s refused: %s", first.id, first.chat_id, exc.message)
        self._finish(batch, FAILED, error=exc.message)
        with self._database.session() as session:
            for row in batch:
                self._on_undeliverable(session, row, exc.message)
            session.commit()
        return 0

    @staticmethod
    def _slow(row: OutgoingMessage) -> float:
        return min(_SLOW_RETRY_CAP, 2.0 * 2**row.attempts)

    def _retry(self, batch: list[OutgoingMessage], error: str, delay: float) -> None:
        retry_at = utcnow() + timedelta(seconds=delay)
        with self._database.session() as session:
            for row in batch:
                stored = session.get(OutgoingMessage, row.id)
                if stored is None or stored.status != SENDING:
                    continue
                stored.status = PENDING
                stored.claimed_until = None
                stored.attempts += 1
                stored.retry_at = retry_at
                stored.last_error = error[:300]
            session.commit()

    def _release(self, rows: Sequence[OutgoingMessage]) -> None:
        """Give back rows this run had no room for; they keep their place in the queue."""
        if not rows:
            return
        with self._database.session() as session:
            for row in rows:
                stored = session.get(OutgoingMessage, row.id)
                if stored is not None and stored.status == SENDING:
                    stored.status = PENDING
                    stored.claimed_until = None
            session.commit()

    def _finish(
        self,
        batch: list[OutgoingMessage],
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        with self._database.session() as session:
            for row in batch:
                stored = session.get(OutgoingMessage, row.id)
                if stored is None:  # erased meanwhile (/delete)
                    continue
                stored.status = status
                stored.claimed_until = None
                stored.last_error = error[:300] if error else None
                if status == SENT:
                    stored.sent_at = utcnow()
                    stored.message_id = message_id
                    self._on_sent(session, stored)
            session.commit()
