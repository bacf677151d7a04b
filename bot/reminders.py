"""Reminders and the after-exam check-in: planned as rows, claimed, sent once, never lost.

The ``reminder`` table is the only source of truth. Booking writes the rows; the scheduler
only wakes ``ReminderDispatcher.dispatch_due_reminders``, which claims the rows that are
due (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several bot processes never take the
same row), sends them and marks them. A row claimed by a process that died comes back
when its lease runs out. After downtime, a row still within its grace period goes out late;
an older one is recorded as missed rather than sent at a moment it no longer fits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.claims import PENDING, SENDING, claim_due_rows, release_claims_before
from bot.models import Appointment, Reminder, utcnow
from bot.storage import Database

LOGGER = logging.getLogger(__name__)

REMINDER = "reminder"
CHECKIN = "checkin"
# The next-day question after a check-in answered 'hard' or 'talk'.
FOLLOWUP = "followup"
FOLLOWUP_AFTER = timedelta(days=1)

SENT = "sent"
CANCELLED = "cancelled"
FAILED = "failed"
MISSED = "missed"

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
CHECKIN_GRACE = timedelta(hours=12)
_BACKOFF = timedelta(seconds=5)


def grace_for(reminder: Reminder) -> timedelta:
    """How late a message may still go out: half its lead time, at most 12 hours."""
    if reminder.kind in (CHECKIN, FOLLOWUP):
        return CHECKIN_GRACE
    return min(timedelta(seconds=reminder.offset_seconds) / 2, timedelta(hours=12))


def plan_reminders(
    appointment: Appointment,
    offsets: Sequence[timedelta],
    checkin_after: timedelta,
    now: datetime,
) -> list[Reminder]:
    """The rows an appointment needs; moments already past at booking are left out."""
    assert appointment.id is not None and appointment.user_id is not None
    rows = [
        Reminder(
            appointment_id=appointment.id,
            user_id=appointment.user_id,
            kind=REMINDER,
            offset_seconds=int(offset.total_seconds()),
            due_at=appointment.starts_at - offset,
        )
        for offset in offsets
        if appointment.starts_at - offset > now
    ]
    rows.append(
        Reminder(
            appointment_id=appointment.id,
            user_id=appointment.user_id,
            kind=CHECKIN,
            offset_seconds=int(checkin_after.total_seconds()),
            due_at=appointment.starts_at + checkin_after,
        )
    )
    return rows


def cancel_pending(session: Session, appointment_id: int) -> int:
    """Withdraw what was still to be sent for an appointment (cancelled or moved)."""
    result = session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(Reminder.appointment_id == appointment_id, Reminder.status == PENDING)
        .values(status=CANCELLED)
    )
    return int(result.rowcount or 0)


def schedule(
    session: Session,
    appointment: Appointment,
    offsets: Sequence[timedelta],
    checkin_after: timedelta,
    now: datetime | None = None,
) -> list[Reminder]:
    """Replace an appointment's pending rows with a fresh plan, in the caller's transaction."""
    assert appointment.id is not None
    cancel_pending(session, appointment.id)
    rows = plan_reminders(appointment, offsets, checkin_after, now or utcnow())
    session.add_all(rows)
    return rows


def plan_followup(session: Session, appointment: Appointment, now: datetime) -> Reminder | None:
    """One next-day follow-up per appointment, however often the answer is given."""
    assert appointment.id is not None and appointment.user_id is not None
    existing = session.exec(
        select(Reminder.id).where(
            Reminder.appointment_id == appointment.id, Reminder.kind == FOLLOWUP
        )
    ).first()
    if existing is not None:
        return None
    row = Reminder(
        appointment_id=appointment.id,
        user_id=appointment.user_id,
        kind=FOLLOWUP,
        offset_seconds=int(FOLLOWUP_AFTER.total_seconds()),
        due_at=now + FOLLOWUP_AFTER,
    )
    session.add(row)
    return row


def claim_due(session: Session, now: datetime, limit: int = 500) -> list[Reminder]:
    """Take due rows (and rows whose claimant died) for this process, and commit the claim."""
    rows = claim_due_rows(
        session, Reminder, now, lease=LEASE, order_by=(col(Reminder.due_at),), limit=limit
    )
    for row in rows:
        row.attempts += 1
    session.commit()
    return rows


def release_claims_of_earlier_runs(session: Session, started_at: datetime) -> int:
    """At start-up, take back reminders a killed process had claimed but not sent."""
    return release_claims_before(session, Reminder, started_at, lease=LEASE)


Render = Callable[[Session, Reminder], Awaitable[Message | None]]


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)


class ReminderDispatcher:
    """Claims due rows and hands each to ``deliver``, which sends the message."""

    def __init__(
        self,
        database: Database,
        deliver: Callable[[Reminder], Awaitable[Message | None]],
        on_blocked: Callable[[int], None],
    ) -> None:
        self._database = database
        self._deliver = deliver
        self._on_blocked = on_blocked
        self._running = asyncio.Lock()

    async def dispatch_due_reminders(self, now: datetime | None = None) -> DispatchReport:
        """Send everything due; a second call while one runs returns at once."""
        report = DispatchReport()
        if self._running.locked():
            return report
        async with self._running:
            now = now or utcnow()
            with self._database.session() as session:
                claimed = claim_due(session, now)
            due = []
            for row in claimed:
                if now - row.due_at > grace_for(row) or self._past_its_moment(row, now):
                    self._finish(row.id, MISSED, error="not sent in time")  # type: ignore[arg-type]
                    report.missed.append(row.id)  # type: ignore[arg-type]
                else:
                    due.append(row)
            await asyncio.gather(*(self._send(row, report, now) for row in due))
        return report

    @staticmethod
    def _past_its_moment(row: Reminder, now: datetime) -> bool:
        """A reminder is useless once the appointment has started."""
        starts_at = row.due_at + timedelta(seconds=row.offset_seconds)
        return row.kind == REMINDER and now >= starts_at

    async def _send(self, row: Reminder, report: DispatchReport, now: datetime) -> None:
        assert row.id is not None
        try:
            message = await self._deliver(row)
        except Forbidden as exc:
            self._finish(row.id, FAILED, error=exc.message)
            self._on_blocked(row.user_id)
            report.failed.append(row.id)
        except BadRequest as exc:
            LOGGER.error("reminder %s refused by Telegram: %s", row.id, exc.message)
            self._finish(row.id, FAILED, error=exc.message)
            report.failed.append(row.id)
        except (RetryAfter, TimedOut, NetworkError) as exc:
            self._retry_later(row, str(exc), now)
            report.retry.append(row.id)
        except Exception as exc:
            LOGGER.exception("reminder %s could not be prepared", row.id)
            self._retry_later(row, f"{exc.__class__.__name__}: {exc}", now)
            report.retry.append(row.id)
        else:
            if message is None:  # nothing to say any more (appointment gone)
                self._finish(row.id, CANCELLED)
            else:
                self._finish(row.id, SENT, message_id=message.message_id)
                report.sent.append(row.id)

    def _retry_later(self, row: Reminder, error: str, now: datetime) -> None:
        assert row.id is not None
        if row.attempts >= MAX_ATTEMPTS:
            self._finish(row.id, FAILED, error=error)
            return
        with self._database.session() as session:
            stored = session.get(Reminder, row.id)
            if stored is not None and stored.status == SENDING:
                stored.status = PENDING
                stored.claimed_until = None
                stored.last_error = error[:300]
                stored.retry_at = now + _BACKOFF * 2 ** (stored.attempts - 1)
                session.commit()

    def _finish(
        self,
        reminder_id: int,
        status: str,
        *,
        error: str | None = None,
        message_id: int | None = None,
    ) -> None:
        with self._database.session() as session:
            stored = session.get(Reminder, reminder_id)
            if stored is None:  # erased meanwhile (/delete)
                return
            stored.status = status
            stored.claimed_until = None
            stored.last_error = error[:300] if error else None
            if status == SENT:
                stored.sent_at = utcnow()
                stored.message_id = message_id
            session.commit()
