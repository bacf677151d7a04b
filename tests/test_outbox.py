"""The outbox on SQLite and PostgreSQL: queueing, claiming, combining and dispatching.

Covers ``enqueue`` dedupe keys, ``claim_due`` order and leases, releasing claims of a
killed run, purging finished rows, ``combine`` packing, and ``OutboxDispatcher`` with a
fake bot and a fake rate limiter: success, network errors, 429s, refusals, edits that
change nothing, and the group's room (combined sends, a paced reserve, nothing twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot import outbox
from bot.models import OutgoingMessage, utcnow
from bot.outbox import (
    CANCELLED,
    COMBINED_TEXT_LIMIT,
    FAILED,
    GROUP_RESERVE,
    LEASE,
    PENDING,
    SENDING,
    SENT,
    SEPARATOR,
    Envelope,
    OutboxDispatcher,
    claim_due,
    combine,
    enqueue,
    purge_delivered,
    release_claims_of_earlier_runs,
)
from bot.storage import Database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GROUP = -1001000
PERSON = 42
# Two of these fit in one combined message, three do not.
HALF = 1900


def _add(database: Database, **fields: Any) -> int:
    """Store one row as given (status, claims, times) and return its id."""
    fields.setdefault("chat_id", PERSON)
    fields.setdefault("purpose", "test")
    fields.setdefault("text", "hello")
    with database.session() as session:
        row = OutgoingMessage(**fields)
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def _get(database: Database, row_id: int) -> OutgoingMessage:
    with database.session() as session:
        row = session.get(OutgoingMessage, row_id)
        assert row is not None
        return row


def _statuses(database: Database) -> dict[int, str]:
    with database.session() as session:
        rows = session.exec(select(OutgoingMessage)).all()
        return {row.id: row.status for row in rows if row.id is not None}


# ---------------------------------------------------------------------- storage


def test_enqueue_returns_none_for_a_repeated_dedupe_key(database: Database) -> None:
    with database.session() as session:
        first = enqueue(session, Envelope(PERSON, "one", "test", dedupe_key="update:1:0"))
        again = enqueue(session, Envelope(PERSON, "two", "test", dedupe_key="update:1:0"))
        other = enqueue(session, Envelope(PERSON, "three", "test", dedupe_key="update:2:0"))
        unkeyed = enqueue(session, Envelope(PERSON, "four", "test"))
        unkeyed_too = enqueue(session, Envelope(PERSON, "five", "test"))
        session.commit()
    assert first is not None and again is None
    assert other is not None and unkeyed is not None and unkeyed_too is not None
    with database.session() as session:
        texts = [row.text for row in session.exec(select(OutgoingMessage)).all()]
    assert sorted(texts) == ["five", "four", "one", "three"]


def test_enqueue_stores_the_envelope(database: Database) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    with database.session() as session:
        row = enqueue(
            session,
            Envelope(
                GROUP,
                "<b>alert</b>",
                "alert",
                user_id=PERSON,
                reply_markup=markup,
                reply_to_alert=True,
                priority=0,
                due_at=NOW,
                dedupe_key="k",
            ),
        )
        session.commit()
        assert row is not None and row.id is not None
        row_id = row.id
    stored = _get(database, row_id)
    assert (stored.chat_id, stored.text, stored.purpose, stored.user_id) == (
        GROUP,
        "<b>alert</b>",
        "alert",
        PERSON,
    )
    assert stored.reply_markup == markup
    assert stored.reply_to_alert is True
    assert (stored.priority, stored.due_at, stored.status, stored.attempts) == (0, NOW, PENDING, 0)


def test_claim_due_orders_by_priority_then_id(database: Database) -> None:
    low = _add(database, priority=5, due_at=NOW)
    urgent = _add(database, priority=0, due_at=NOW)
    middle = _add(database, priority=2, due_at=NOW)
    urgent_later = _add(database, priority=0, due_at=NOW)
    with database.session() as session:
        claimed = claim_due(session, NOW)
    assert [row.id for row in claimed] == [urgent, urgent_later, middle, low]
    for row_id in (low, urgent, middle, urgent_later):
        stored = _get(database, row_id)
        assert stored.status == SENDING
        assert stored.claimed_until == NOW + LEASE


def test_claim_due_respects_the_limit(database: Database) -> None:
    ids = [_add(database, due_at=NOW) for _ in range(3)]
    with database.session() as session:
        claimed = claim_due(session, NOW, limit=2)
    assert [row.id for row in claimed] == ids[:2]
    assert _get(database, ids[2]).status == PENDING


def test_claim_due_skips_rows_not_due_yet(database: Database) -> None:
    due = _add(database, due_at=NOW - timedelta(seconds=1))
    future = _add(database, due_at=NOW + timedelta(seconds=1))
    backing_off = _add(database, due_at=NOW, retry_at=NOW + timedelta(seconds=5))
    retry_passed = _add(database, due_at=NOW, retry_at=NOW - timedelta(seconds=5))
    with database.session() as session:
        claimed = claim_due(session, NOW)
    assert [row.id for row in claimed] == [due, retry_passed]
    assert _get(database, future).status == PENDING
    assert _get(database, backing_off).status == PENDING
    with database.session() as session:
        later = claim_due(session, NOW + timedelta(seconds=5))
    assert [row.id for row in later] == [future, backing_off]


def test_claim_due_retakes_rows_whose_lease_ran_out(database: Database) -> None:
    expired = _add(database, status=SENDING, due_at=NOW, claimed_until=NOW - timedelta(seconds=1))
    held = _add(database, status=SENDING, due_at=NOW, claimed_until=NOW + timedelta(seconds=10))
    with database.session() as session:
        claimed = claim_due(session, NOW)
    assert [row.id for row in claimed] == [expired]
    assert _get(database, expired).claimed_until == NOW + LEASE
    assert _get(database, held).claimed_until == NOW + timedelta(seconds=10)
    with database.session() as session:
        assert claim_due(session, NOW) == []  # the new claim holds


def test_claim_due_leaves_finished_rows_alone(database: Database) -> None:
    ids = {
        status: _add(database, status=status, due_at=NOW - timedelta(hours=1))
        for status in (SENT, FAILED, CANCELLED)
    }
    with database.session() as session:
        assert claim_due(session, NOW + timedelta(days=1)) == []
    assert {status: _get(database, row_id).status for status, row_id in ids.items()} == {
        SENT: SENT,
        FAILED: FAILED,
        CANCELLED: CANCELLED,
    }


def test_release_claims_only_of_runs_before_the_start(database: Database) -> None:
    started = NOW
    before = _add(database, status=SENDING, claimed_until=started - timedelta(seconds=10) + LEASE)
    just_before = _add(
        database, status=SENDING, claimed_until=started - timedelta(milliseconds=1) + LEASE
    )
    at_start = _add(database, status=SENDING, claimed_until=started + LEASE)
    after = _add(database, status=SENDING, claimed_until=started + timedelta(seconds=3) + LEASE)
    sent = _add(database, status=SENT, claimed_until=None)
    pending = _add(database, status=PENDING)
    with database.session() as session:
        assert release_claims_of_earlier_runs(session, started) == 2
    assert _statuses(database) == {
        before: PENDING,
        just_before: PENDING,
        at_start: SENDING,
        after: SENDING,
        sent: SENT,
        pending: PENDING,
    }
    assert _get(database, before).claimed_until is None
    assert _get(database, after).claimed_until == started + timedelta(seconds=3) + LEASE


def test_purge_delivered_removes_only_finished_rows_older_than_the_cutoff(
    database: Database,
) -> None:
    cutoff = NOW
    old = NOW - timedelta(days=8)
    young = NOW + timedelta(seconds=1)
    old_sent = _add(database, status=SENT, created_at=old)
    old_failed = _add(database, status=FAILED, created_at=old)
    old_cancelled = _add(database, status=CANCELLED, created_at=old)
    old_pending = _add(database, status=PENDING, created_at=old)
    old_sending = _add(database, status=SENDING, created_at=old)
    young_sent = _add(database, status=SENT, created_at=young)
    at_cutoff = _add(database, status=SENT, created_at=cutoff)
    # Queued long ago but sent only just now: its retention counts from the send.
    late_sent = _add(database, status=SENT, created_at=old, sent_at=young)
    with database.session() as session:
        assert purge_delivered(session, cutoff) == 3
    remaining = _statuses(database)
    assert sorted(remaining) == sorted([old_pending, old_sending, young_sent, at_cutoff, late_sent])
    for gone in (old_sent, old_failed, old_cancelled):
        assert gone not in remaining


# ---------------------------------------------------------------------- combine


def _row(row_id: int, text: str = "x", button_rows: int = 0) -> OutgoingMessage:
    keyboard = [[{"text": f"b{i}", "callback_data": f"{row_id}:{i}"}] for i in range(button_rows)]
    return OutgoingMessage(
        id=row_id,
        chat_id=GROUP,
        purpose="alert",
        text=text,
        reply_markup={"inline_keyboard": keyboard} if keyboard else None,
    )


def _ids(batches: list[list[OutgoingMessage]]) -> list[list[int | None]]:
    return [[row.id for row in batch] for batch in batches]


def test_combine_packs_short_messages_in_order_into_one() -> None:
    rows = [_row(i, f"alert {i}") for i in range(1, 6)]
    assert _ids(combine(rows, 3)) == [[1, 2, 3, 4, 5]]


def test_combine_respects_the_text_limit() -> None:
    rows = [_row(i, "x" * HALF) for i in range(1, 6)]
    assert 2 * (HALF + len(SEPARATOR)) <= COMBINED_TEXT_LIMIT < 3 * (HALF + len(SEPARATOR))
    batches = combine(rows, 5)
    assert _ids(batches) == [[1, 2], [3, 4], [5]]
    for batch in batches:
        assert len(SEPARATOR.join(row.text for row in batch)) <= COMBINED_TEXT_LIMIT


def test_combine_text_limit_is_inclusive() -> None:
    size = COMBINED_TEXT_LIMIT // 2 - len(SEPARATOR)
    rows = [_row(1, "a" * size), _row(2, "b" * size), _row(3, "c")]
    assert _ids(combine(rows, 2)) == [[1, 2], [3]]


def test_combine_caps_button_rows() -> None:
    rows = [_row(i, f"alert {i}", button_rows=15) for i in range(1, 5)]
    # 40 rows of buttons at most: two messages' keyboards fit, a third does not.
    assert _ids(combine(rows, 4)) == [[1, 2], [3, 4]]


def test_combine_never_exceeds_the_budget_and_leaves_out_the_rest() -> None:
    rows = [_row(i, "x" * HALF) for i in range(1, 8)]
    assert _ids(combine(rows, 2)) == [[1, 2], [3, 4]]
    assert _ids(combine(rows, 1)) == [[1, 2]]
    assert combine(rows, 0) == []
    assert combine([], 3) == []


def test_combine_keeps_order_rather_than_filling_gaps() -> None:
    rows = [_row(1, "x" * 3000), _row(2, "y" * 3000), _row(3, "z")]
    # Row 3 would fit beside row 2 but never jumps ahead of anything left out.
    assert _ids(combine(rows, 1)) == [[1]]
    assert _ids(combine(rows, 2)) == [[1], [2, 3]]


# ---------------------------------------------------------------------- dispatcher


@dataclass
class FakeBot:
    """Stands in for PTB's Bot: records sends and edits, or raises what it is given."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)
    next_id: int = 100

    def _fail(self) -> None:
        if self.errors:
            raise self.errors.pop(0)

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> SimpleNamespace:
        self._fail()
        self.next_id += 1
        self.sent.append({"chat_id": chat_id, "text": text, "message_id": self.next_id, **kwargs})
        return SimpleNamespace(message_id=self.next_id)

    async def edit_message_text(self, text: str, **kwargs: Any) -> bool:
        self._fail()
        self.edits.append({"text": text, **kwargs})
        return True


@dataclass
class FakeLimiter:
    """Stands in for TelegramRateLimiter: a fixed room in every group."""

    free: int = 20
    group_window: float = 60.0
    asked: list[int] = field(default_factory=list)

    def room(self, chat_id: int) -> int:
        self.asked.append(chat_id)
        return self.free


@dataclass
class Callbacks:
    sent: list[tuple[int | None, int | None]] = field(default_factory=list)
    undeliverable: list[tuple[int | None, str]] = field(default_factory=list)

    def on_sent(self, session: Session, row: OutgoingMessage) -> None:
        self.sent.append((row.id, row.message_id))

    def on_undeliverable(self, session: Session, row: OutgoingMessage, error: str) -> None:
        self.undeliverable.append((row.id, error))


def _dispatcher(
    database: Database, bot: FakeBot, limiter: FakeLimiter | None = None
) -> tuple[OutboxDispatcher, Callbacks]:
    calls = Callbacks()
    dispatcher = OutboxDispatcher(
        database,
        bot,  # type: ignore[arg-type]
        limiter,  # type: ignore[arg-type]
        calls.on_sent,
        calls.on_undeliverable,
    )
    return dispatcher, calls


def _queue(database: Database, *envelopes: Envelope) -> list[int]:
    ids = []
    with database.session() as session:
        for envelope in envelopes:
            row = enqueue(session, envelope)
            assert row is not None and row.id is not None
            ids.append(row.id)
        session.commit()
    return ids


async def test_success_marks_sent_and_calls_on_sent(database: Database) -> None:
    bot = FakeBot()
    dispatcher, calls = _dispatcher(database, bot)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    (row_id,) = _queue(database, Envelope(PERSON, "hi", "safe_reply", reply_markup=markup))
    assert await dispatcher.dispatch_due(utcnow()) == 1
    assert [(m["chat_id"], m["text"]) for m in bot.sent] == [(PERSON, "hi")]
    assert bot.sent[0]["reply_markup"].inline_keyboard[0][0].callback_data == "go"
    assert bot.sent[0]["reply_parameters"] is None
    stored = _get(database, row_id)
    assert (stored.status, stored.message_id, stored.claimed_until) == (SENT, 101, None)
    assert stored.sent_at is not None
    assert calls.sent == [(row_id, 101)]
    assert await dispatcher.dispatch_due(utcnow()) == 0
    assert len(bot.sent) == 1


async def test_reply_to_message_id_becomes_reply_parameters(database: Database) -> None:
    bot = FakeBot()
    dispatcher, _calls = _dispatcher(database, bot)
    _queue(database, Envelope(PERSON, "relay", "relay", reply_to_message_id=77))
    await dispatcher.dispatch_due(utcnow())
    parameters = bot.sent[0]["reply_parameters"]
    assert parameters.message_id == 77
    assert parameters.allow_sending_without_reply is True


async def test_network_error_is_retried_soon(database: Database) -> None:
    bot = FakeBot(errors=[NetworkError("connection reset")])
    dispatcher, calls = _dispatcher(database, bot)
    (row_id,) = _queue(database, Envelope(PERSON, "hi", "safe_reply"))
    before = utcnow()
    assert await dispatcher.dispatch_due(utcnow()) == 0
    stored = _get(database, row_id)
    assert (stored.status, stored.attempts, stored.claimed_until) == (PENDING, 1, None)
    assert stored.last_error == "connection reset"
    assert stored.retry_at is not None
    assert before < stored.retry_at <= utcnow() + timedelta(seconds=2)
    assert calls.sent == [] and calls.undeliverable == []
    # Not before its retry_at; then it goes.
    assert await dispatcher.dispatch_due(before) == 0
    assert await dispatcher.dispatch_due(stored.retry_at) == 1
    assert _get(database, row_id).status == SENT
    assert len(bot.sent) == 1


async def test_retry_after_waits_what_telegram_asked(database: Database) -> None:
    bot = FakeBot(errors=[RetryAfter(5)])
    dispatcher, _calls = _dispatcher(database, bot)
    (row_id,) = _queue(database, Envelope(PERSON, "hi", "safe_reply"))
    before = utcnow()
    await dispatcher.dispatch_due(utcnow())
    after = utcnow()
    stored = _get(database, row_id)
    assert (stored.status, stored.attempts) == (PENDING, 1)
    assert stored.retry_at is not None
    assert before + timedelta(seconds=5) <= stored.retry_at <= after + timedelta(seconds=5)


async def test_forbidden_in_a_private_chat_fails_and_reports(database: Database) -> None:
    bot = FakeBot(errors=[Forbidden("Forbidden: bot was blocked by the user")])
    dispatcher, calls = _dispatcher(database, bot)
    (row_id,) = _queue(database, Envelope(PERSON, "hi", "safe_reply"))
    assert await dispatcher.dispatch_due(utcnow()) == 0
    stored = _get(database, row_id)
    assert (stored.status, stored.message_id) == (FAILED, None)
    assert stored.last_error == "Forbidden: bot was blocked by the user"
    assert calls.undeliverable == [(row_id, "Forbidden: bot was blocked by the user")]
    assert calls.sent == []
    assert await dispatcher.dispatch_due(utcnow() + timedelta(hours=1)) == 0
    assert bot.sent == []


@pytest.mark.parametrize(
    "error", [BadRequest("Chat not found"), Forbidden("Forbidden: bot is not a member")]
)
async def test_refusal_in_the_group_is_retried_never_failed(
    database: Database, error: Exception
) -> None:
    bot = FakeBot(errors=[error])
    dispatcher, calls = _dispatcher(database, bot, FakeLimiter())
    (row_id,) = _queue(database, Envelope(GROUP, "alert", "alert", priority=0))
    before = utcnow()
    assert await dispatcher.dispatch_due(utcnow()) == 0
    stored = _get(database, row_id)
    assert (stored.status, stored.attempts) == (PENDING, 1)
    assert stored.retry_at is not None
    # Slowly: the first retry waits two seconds, not the quarter second of network trouble.
    assert stored.retry_at >= before + timedelta(seconds=2)
    assert calls.undeliverable == []
    assert await dispatcher.dispatch_due(stored.retry_at) == 1
    assert _get(database, row_id).status == SENT


async def test_edit_sends_edit_message_text(database: Database) -> None:
    bot = FakeBot()
    dispatcher, calls = _dispatcher(database, bot, FakeLimiter())
    markup = {"inline_keyboard": [[{"text": "Resolve", "callback_data": "r"}]]}
    (row_id,) = _queue(
        database, Envelope(GROUP, "edited", "alert_edit", edit_message_id=55, reply_markup=markup)
    )
    assert await dispatcher.dispatch_due(utcnow()) == 1
    assert bot.sent == []
    assert [(e["text"], e["chat_id"], e["message_id"]) for e in bot.edits] == [
        ("edited", GROUP, 55)
    ]
    assert _get(database, row_id).status == SENT
    assert calls.sent == [(row_id, None)]


async def test_edit_that_changes_nothing_counts_as_sent(database: Database) -> None:
    bot = FakeBot(errors=[BadRequest("Message is not modified: specified new message content")])
    dispatcher, _calls = _dispatcher(database, bot, FakeLimiter())
    (row_id,) = _queue(database, Envelope(GROUP, "same", "alert_edit", edit_message_id=55))
    assert await dispatcher.dispatch_due(utcnow()) == 1
    stored = _get(database, row_id)
    assert (stored.status, stored.attempts, stored.last_error) == (SENT, 0, None)


async def test_an_edit_the_group_refuses_is_given_up(database: Database) -> None:
    """Only new messages into the group are retried forever; an edit of a deleted alert
    would otherwise be tried every minute for ever."""
    bot = FakeBot(errors=[BadRequest("Message to edit not found")])
    dispatcher, calls = _dispatcher(database, bot, FakeLimiter())
    (row_id,) = _queue(database, Envelope(GROUP, "edited", "alert_edit", edit_message_id=55))
    assert await dispatcher.dispatch_due(utcnow()) == 0
    stored = _get(database, row_id)
    assert (stored.status, stored.last_error) == (FAILED, "Message to edit not found")
    assert calls.undeliverable == [(row_id, "Message to edit not found")]


async def test_each_chat_gets_its_own_messages_in_order(database: Database) -> None:
    bot = FakeBot()
    dispatcher, _calls = _dispatcher(database, bot, FakeLimiter())
    _queue(
        database,
        Envelope(PERSON, "a1", "t"),
        Envelope(PERSON + 1, "b1", "t"),
        Envelope(PERSON, "a2", "t"),
        Envelope(GROUP, "g1", "t"),
    )
    assert await dispatcher.dispatch_due(utcnow()) == 4
    by_chat: dict[int, list[str]] = {}
    for message in bot.sent:
        by_chat.setdefault(message["chat_id"], []).append(message["text"])
    assert by_chat == {PERSON: ["a1", "a2"], PERSON + 1: ["b1"], GROUP: ["g1"]}


async def test_group_with_room_sends_one_message_each(database: Database) -> None:
    bot = FakeBot()
    limiter = FakeLimiter(free=20)
    dispatcher, _calls = _dispatcher(database, bot, limiter)
    _queue(database, *(Envelope(GROUP, f"alert {i}", "alert") for i in range(6)))
    assert await dispatcher.dispatch_due(utcnow()) == 6
    assert [m["text"] for m in bot.sent] == [f"alert {i}" for i in range(6)]
    assert limiter.asked == [GROUP]


async def test_group_near_its_limit_combines_within_the_budget(database: Database) -> None:
    bot = FakeBot()
    dispatcher, calls = _dispatcher(database, bot, FakeLimiter(free=GROUP_RESERVE + 2))
    ids = _queue(database, *(Envelope(GROUP, f"{i}" * HALF, "alert") for i in range(6)))
    assert await dispatcher.dispatch_due(utcnow()) == 4
    assert len(bot.sent) == 2
    assert bot.sent[0]["text"] == SEPARATOR.join(["0" * HALF, "1" * HALF])
    assert bot.sent[1]["text"] == SEPARATOR.join(["2" * HALF, "3" * HALF])
    statuses = _statuses(database)
    assert [statuses[i] for i in ids] == [SENT, SENT, SENT, SENT, PENDING, PENDING]
    assert _get(database, ids[0]).message_id == _get(database, ids[1]).message_id == 101
    assert _get(database, ids[4]).attempts == 0  # held back, not failed
    assert [row_id for row_id, _ in calls.sent] == ids[:4]


async def test_group_with_room_two_sends_at_most_two_and_nothing_twice(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimpleNamespace(now=10_000.0)
    monkeypatch.setattr(outbox, "time", SimpleNamespace(monotonic=lambda: clock.now))
    bot = FakeBot()
    dispatcher, _calls = _dispatcher(database, bot, FakeLimiter(free=2))
    ids = _queue(database, *(Envelope(GROUP, f"{i}" * HALF, "alert") for i in range(6)))
    await dispatcher.dispatch_due(utcnow())
    assert len(bot.sent) <= 2
    first_run = len(bot.sent)
    await dispatcher.dispatch_due(utcnow())
    assert len(bot.sent) <= 2 * first_run
    texts = [text for message in bot.sent for text in message["text"].split(SEPARATOR)]
    assert len(texts) == len(set(texts)), "a message went out twice"
    statuses = _statuses(database)
    assert sum(statuses[i] == SENT for i in ids) == len(texts)
    assert all(statuses[i] == PENDING for i in ids if statuses[i] != SENT)
    assert any(statuses[i] == PENDING for i in ids)


async def test_group_in_reserve_sends_one_combined_message_per_pace(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimpleNamespace(now=10_000.0)
    monkeypatch.setattr(outbox, "time", SimpleNamespace(monotonic=lambda: clock.now))
    bot = FakeBot()
    limiter = FakeLimiter(free=GROUP_RESERVE, group_window=60.0)
    pace = limiter.group_window / (GROUP_RESERVE + 1)
    dispatcher, _calls = _dispatcher(database, bot, limiter)
    ids = _queue(database, *(Envelope(GROUP, f"{i}" * HALF, "alert") for i in range(6)))

    assert await dispatcher.dispatch_due(utcnow()) == 2
    assert len(bot.sent) == 1
    assert bot.sent[0]["text"] == SEPARATOR.join(["0" * HALF, "1" * HALF])

    clock.now += pace - 0.5
    assert await dispatcher.dispatch_due(utcnow()) == 0
    assert len(bot.sent) == 1
    statuses = _statuses(database)
    assert [statuses[i] for i in ids] == [SENT, SENT, PENDING, PENDING, PENDING, PENDING]

    clock.now += 0.5
    assert await dispatcher.dispatch_due(utcnow()) == 2
    assert len(bot.sent) == 2
    assert bot.sent[1]["text"] == SEPARATOR.join(["2" * HALF, "3" * HALF])


async def test_group_without_room_sends_nothing_and_keeps_everything(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "time", SimpleNamespace(monotonic=lambda: 10_000.0))
    bot = FakeBot()
    dispatcher, _calls = _dispatcher(database, bot, FakeLimiter(free=0))
    ids = _queue(
        database,
        Envelope(GROUP, "alert", "alert"),
        Envelope(GROUP, "edit", "alert_edit", edit_message_id=5),
    )
    assert await dispatcher.dispatch_due(utcnow()) == 0
    assert bot.sent == [] and bot.edits == []
    for row_id in ids:
        stored = _get(database, row_id)
        assert (stored.status, stored.attempts, stored.claimed_until) == (PENDING, 0, None)


async def test_combined_message_carries_every_cases_buttons(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "time", SimpleNamespace(monotonic=lambda: 10_000.0))
    bot = FakeBot()
    dispatcher, _calls = _dispatcher(database, bot, FakeLimiter(free=1))

    def keyboard(case: int) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": f"Ack #{case}", "callback_data": f"a:{case}"}]]}

    _queue(
        database,
        Envelope(GROUP, "one", "alert", reply_markup=keyboard(1), reply_to_message_id=9),
        Envelope(GROUP, "two", "alert", reply_markup=keyboard(2), reply_to_message_id=10),
    )
    assert await dispatcher.dispatch_due(utcnow()) == 2
    (message,) = bot.sent
    assert message["text"] == "one" + SEPARATOR + "two"
    callbacks = [row[0].callback_data for row in message["reply_markup"].inline_keyboard]
    assert callbacks == ["a:1", "a:2"]
    assert message["reply_parameters"] is None  # two different targets: reply to neither
