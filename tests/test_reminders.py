"""The reminder engine on SQLite and PostgreSQL: nothing lost, nothing sent twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from telegram import Chat, Message
from telegram.error import Forbidden, NetworkError

from bot.models import Appointment, Reminder
from bot.reminders import (
    CHECKIN,
    FAILED,
    MISSED,
    PENDING,
    SENDING,
    SENT,
    ReminderDispatcher,
    cancel_pending,
    claim_due,
    plan_reminders,
    release_claims_of_earlier_runs,
    schedule,
)
from bot.storage import Database, make_engine

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OFFSETS = (timedelta(days=7), timedelta(days=2), timedelta(days=1), timedelta(hours=2))


def _book(database: Database, starts_at: datetime, user_id: int = 5) -> Appointment:
    with database.session() as session:
        appointment = Appointment(user_id=user_id, starts_at=starts_at, timezone="UTC")
        session.add(appointment)
        session.commit()
        schedule(session, appointment, OFFSETS, timedelta(hours=6), now=NOW)
        session.commit()
        return appointment


def _rows(database: Database) -> list[Reminder]:
    with database.session() as session:
        return list(session.exec(select(Reminder).order_by(Reminder.due_at)).all())


class Outbox:
    """Stands in for Telegram; records each delivery."""

    def __init__(self) -> None:
        self.delivered: list[int] = []
        self.fail_with: Exception | None = None

    async def deliver(self, row: Reminder) -> Message:
        if self.fail_with is not None:
            raise self.fail_with
        assert row.id is not None
        self.delivered.append(row.id)
        return Message(len(self.delivered), NOW, Chat(row.user_id, "private"))


def test_moments_already_past_at_booking_are_not_planned() -> None:
    appointment = Appointment(id=1, user_id=5, starts_at=NOW + timedelta(days=3), timezone="UTC")
    rows = plan_reminders(appointment, OFFSETS, timedelta(hours=6), NOW)
    assert [r.offset_seconds for r in rows if r.kind != CHECKIN] == [
        2 * 86400,
        86400,
        7200,
    ]
    assert rows[-1].kind == CHECKIN and rows[-1].due_at == NOW + timedelta(days=3, hours=6)


async def test_each_due_row_is_sent_once(database: Database) -> None:
    _book(database, NOW + timedelta(days=10))
    outbox = Outbox()
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    moments = [row.due_at for row in _rows(database)]
    for moment in moments:
        await dispatcher.dispatch_due_reminders(moment)
        await dispatcher.dispatch_due_reminders(moment + timedelta(milliseconds=1))
    assert len(outbox.delivered) == len(moments) == 5
    assert len(set(outbox.delivered)) == 5
    assert {row.status for row in _rows(database)} == {SENT}


async def test_rebooking_and_cancelling_update_pending_rows(database: Database) -> None:
    appointment = _book(database, NOW + timedelta(days=10))
    with database.session() as session:
        stored = session.get(Appointment, appointment.id)
        assert stored is not None
        stored.starts_at = NOW + timedelta(days=20)
        schedule(session, stored, OFFSETS, timedelta(hours=6), now=NOW)
        session.commit()
    pending = [r for r in _rows(database) if r.status == PENDING]
    assert len(pending) == 5
    assert min(r.due_at for r in pending) == NOW + timedelta(days=13)
    with database.session() as session:
        assert cancel_pending(session, appointment.id) == 5  # type: ignore[arg-type]
        session.commit()
    outbox = Outbox()
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    await dispatcher.dispatch_due_reminders(NOW + timedelta(days=30))
    assert outbox.delivered == []


async def test_after_downtime_late_rows_go_out_and_old_ones_are_missed(database: Database) -> None:
    _book(database, NOW + timedelta(days=10))
    outbox = Outbox()
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    # Down from before the 7-day reminder until 3 hours after the 2-day one was due.
    report = await dispatcher.dispatch_due_reminders(NOW + timedelta(days=8, hours=3))
    statuses = {r.offset_seconds: r.status for r in _rows(database) if r.kind != CHECKIN}
    assert statuses[7 * 86400] == MISSED  # 5 days late: older than its grace
    assert statuses[2 * 86400] == SENT  # 3 hours late: still useful
    assert report.sent and report.missed


async def test_a_claim_left_by_a_dead_process_comes_back(database: Database) -> None:
    _book(database, NOW + timedelta(days=10))
    due = NOW + timedelta(days=3)
    with database.session() as session:
        (claimed,) = claim_due(session, due)  # this "process" then dies before sending
    assert claimed.status == SENDING
    outbox = Outbox()
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    await dispatcher.dispatch_due_reminders(due + timedelta(seconds=30))
    assert outbox.delivered == []  # the lease still holds
    await dispatcher.dispatch_due_reminders(due + timedelta(minutes=3))
    assert outbox.delivered == [claimed.id]


async def test_a_restart_takes_back_a_dead_run_s_claim_at_once(database: Database) -> None:
    """Killed between the claim and the send: the next run sends it now, not in 2 minutes."""
    _book(database, NOW + timedelta(days=10))
    due = NOW + timedelta(days=3)
    with database.session() as session:
        (claimed,) = claim_due(session, due)
    restarted = due + timedelta(seconds=5)
    with database.session() as session:
        assert release_claims_of_earlier_runs(session, restarted) == 1
        assert release_claims_of_earlier_runs(session, restarted) == 0
    outbox = Outbox()
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    await dispatcher.dispatch_due_reminders(restarted)
    assert outbox.delivered == [claimed.id]
    with database.session() as session:
        claim_due(session, restarted + timedelta(days=4))  # this run's own claims stay
        assert release_claims_of_earlier_runs(session, restarted) == 0


async def test_blocked_user_is_marked_and_not_retried(database: Database) -> None:
    _book(database, NOW + timedelta(days=10), user_id=77)
    outbox = Outbox()
    outbox.fail_with = Forbidden("Forbidden: bot was blocked by the user")
    blocked: list[int] = []
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=blocked.append)
    await dispatcher.dispatch_due_reminders(NOW + timedelta(days=3))
    assert blocked == [77]
    assert _rows(database)[0].status == FAILED


async def test_transient_errors_are_retried_with_backoff(database: Database) -> None:
    _book(database, NOW + timedelta(days=10))
    outbox = Outbox()
    outbox.fail_with = NetworkError("Bad Gateway")
    dispatcher = ReminderDispatcher(database, outbox.deliver, on_blocked=lambda _u: None)
    due = NOW + timedelta(days=3)
    report = await dispatcher.dispatch_due_reminders(due)
    assert report.retry and _rows(database)[0].status == PENDING
    assert _rows(database)[0].retry_at is not None
    retry_at = _rows(database)[0].retry_at
    assert retry_at is not None and retry_at > due
    outbox.fail_with = None
    await dispatcher.dispatch_due_reminders(due + timedelta(seconds=1))
    assert outbox.delivered == []  # backing off
    await dispatcher.dispatch_due_reminders(retry_at)
    assert len(outbox.delivered) == 1
    assert _rows(database)[0].status == SENT and _rows(database)[0].attempts == 2


def test_two_processes_never_claim_the_same_row(postgres_schema_url: str) -> None:
    from bot.storage import migrate

    engine = make_engine(postgres_schema_url)
    migrate(engine)
    database = Database(engine)
    with database.session() as session:
        for index in range(30):
            appointment = Appointment(
                user_id=1000 + index, starts_at=NOW + timedelta(hours=1), timezone="UTC"
            )
            session.add(appointment)
            session.flush()
            for minute in range(20):
                session.add(
                    Reminder(
                        appointment_id=appointment.id,  # type: ignore[arg-type]
                        user_id=appointment.user_id,  # type: ignore[arg-type]
                        kind="reminder",
                        offset_seconds=3600,
                        due_at=NOW - timedelta(minutes=minute),
                    )
                )
        session.commit()
    claims: list[list[int]] = [[], [], [], []]

    def worker(index: int) -> None:
        own = Database(make_engine(postgres_schema_url))
        while True:
            with own.session() as session:
                rows = claim_due(session, NOW, limit=7)
            if not rows:
                break
            claims[index].extend(row.id for row in rows)  # type: ignore[misc]
        own.dispose()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [row_id for claim in claims for row_id in claim]
    assert len(everything) == 600
    assert len(set(everything)) == 600
    assert sum(1 for claim in claims if claim) >= 2, "the workers really ran side by side"
    database.dispose()


@pytest.mark.parametrize("kind", ["reminder", "checkin"])
def test_grace_periods(kind: str) -> None:
    from bot.reminders import grace_for

    row = Reminder(appointment_id=1, user_id=1, kind=kind, offset_seconds=7200, due_at=NOW)
    assert grace_for(row) == (timedelta(hours=1) if kind == "reminder" else timedelta(hours=12))
