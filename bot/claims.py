"""Claiming due rows of a work table (reminders, the outbox) so each is sent by one run.

A claim marks rows ``sending`` with a lease. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` keeps
two processes from taking the same row; a claimant that dies leaves rows whose lease runs
out, and the next claim takes them again. A process that starts takes back at once what a
run before it had claimed (``release_claims_before``), so a SIGKILL between the claim and
the send delays a message by a restart, not by a lease. Delivery is at least once: a SIGKILL in the
instant between Telegram accepting a message and the commit that records it sends that
message again after the restart, because the Bot API has no idempotency key to ask with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import or_
from sqlmodel import Session, select

PENDING = "pending"
SENDING = "sending"

Row = TypeVar("Row")


def claim_due_rows(
    session: Session,
    table: type[Row],
    now: datetime,
    *,
    lease: timedelta,
    order_by: Sequence[Any],
    limit: int,
) -> list[Row]:
    """Mark due rows (and rows whose lease ran out) as this run's; the caller commits."""
    model: Any = table
    query = (
        select(table)
        .where(
            or_(
                model.status == PENDING,
                (model.status == SENDING) & (model.claimed_until < now),
            ),
            model.due_at <= now,
            or_(model.retry_at.is_(None), model.retry_at <= now),
        )
        .order_by(*order_by)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.exec(query).all())
    for row in rows:
        claimed: Any = row
        claimed.status = SENDING
        claimed.claimed_until = now + lease
    return rows


def release_claims_before(
    session: Session, table: type[Row], started_at: datetime, *, lease: timedelta
) -> int:
    """At start-up, put back rows a run before ``started_at`` had claimed; commit.

    Only one process polls a token (Telegram answers a second with 409 Conflict), so a claim
    made before this process started belongs to a process that is gone.
    """
    model: Any = table
    rows = session.exec(
        select(table).where(model.status == SENDING, model.claimed_until < started_at + lease)
    ).all()
    for row in rows:
        released: Any = row
        released.status = PENDING
        released.claimed_until = None
    session.commit()
    return len(rows)
