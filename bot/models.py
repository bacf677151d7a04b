"""SQLModel tables: every piece of state the bot keeps.

A table that holds anything about a person names its owner column in ``__owner__`` so the
export (``/mydata``) and the erasure (``/delete``) cover it; a test fails for a table that
forgets to say whether it is personal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Text, TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as naive UTC and give them back aware, on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _when(nullable: bool = False, **kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kwargs)


def _telegram_id(**kwargs: Any) -> Any:
    return Field(sa_type=BigInteger, **kwargs)


class Examinee(SQLModel, table=True):
    """A person who talks to the bot in a private chat."""

    __owner__: ClassVar[str] = "user_id"

    user_id: int = _telegram_id(primary_key=True)
    chat_id: int = _telegram_id()
    first_name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="en", max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    consented_at: datetime | None = _when(nullable=True, default=None)
    blocked_at: datetime | None = _when(nullable=True, default=None)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class ConversationState(SQLModel, table=True):
    """Where a person is in a conversation flow, written the moment it changes."""

    __owner__: ClassVar[str] = "user_id"

    name: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=128)
    user_id: int | None = _telegram_id(default=None, index=True, nullable=True)
    state: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = _when(default_factory=utcnow)


class FlowData(SQLModel, table=True):
    """A person's in-progress flow answers (PTB ``user_data``), so a restart loses none."""

    __owner__: ClassVar[str] = "user_id"

    user_id: int = _telegram_id(primary_key=True)
    data: Any = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _when(default_factory=utcnow)


class GroupNotice(SQLModel, table=True):
    """Groups already told that the bot works in private chats, so it says so only once."""

    __owner__: ClassVar[str | None] = None

    chat_id: int = _telegram_id(primary_key=True)
    noticed_at: datetime = _when(default_factory=utcnow)


class Appointment(SQLModel, table=True):
    """An IME appointment: when, where or how, and who asked for it."""

    __owner__: ClassVar[str] = "user_id"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = _telegram_id(default=None, index=True, nullable=True)
    starts_at: datetime = _when()
    timezone: str = Field(max_length=64)
    mode: str = Field(default="in_person", max_length=16)
    place: str | None = Field(default=None, max_length=200)
    requested_by: str | None = Field(default=None, max_length=16)
    specialty: str | None = Field(default=None, max_length=100)
    status: str = Field(default="booked", max_length=16, index=True)
    created_by: int | None = _telegram_id(default=None, nullable=True)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class Reminder(SQLModel, table=True):
    """One message promised for a moment: a reminder before an appointment or the check-in.

    The table is the only record of what is due; the scheduler just wakes the dispatcher,
    which claims due rows, sends them and marks them sent.
    """

    __owner__: ClassVar[str] = "user_id"
    __table_args__ = (Index("ix_reminder_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True, ondelete="CASCADE")
    user_id: int = _telegram_id(index=True)
    kind: str = Field(max_length=16)
    offset_seconds: int
    due_at: datetime = _when()
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    claimed_until: datetime | None = _when(nullable=True, default=None)
    retry_at: datetime | None = _when(nullable=True, default=None)
    sent_at: datetime | None = _when(nullable=True, default=None)
    message_id: int | None = _telegram_id(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=300)


class PrepTick(SQLModel, table=True):
    """A checklist item the examinee has ticked off in /prep."""

    __owner__: ClassVar[str] = "user_id"

    user_id: int = _telegram_id(primary_key=True)
    item_id: str = Field(primary_key=True, max_length=32)
    ticked_at: datetime = _when(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A single-use deep link a coordinator made for an appointment; only its hash is kept."""

    __owner__: ClassVar[str] = "used_by"

    token_hash: str = Field(primary_key=True, max_length=64)
    appointment_id: int = Field(foreign_key="appointment.id", index=True, ondelete="CASCADE")
    created_by: int = _telegram_id()
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when()
    used_at: datetime | None = _when(nullable=True, default=None)
    used_by: int | None = _telegram_id(default=None, nullable=True, index=True)


class SafetyCheck(SQLModel, table=True):
    """A direct question the screener asked, and the answer: never silently forgotten."""

    __owner__: ClassVar[str] = "user_id"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _telegram_id(index=True)
    question: str = Field(default="direct", max_length=16)
    level: str = Field(max_length=16)
    rules: str = Field(default="", max_length=300)
    message: str = Field(default="", max_length=600)
    asked_at: datetime = _when(default_factory=utcnow)
    answer: str | None = Field(default=None, max_length=16)
    answered_at: datetime | None = _when(nullable=True, default=None)


class Escalation(SQLModel, table=True):
    """A case: one person's crisis from the first alert until a coordinator resolves it."""

    __owner__: ClassVar[str] = "user_id"
    __table_args__ = (Index("ix_escalation_status", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _telegram_id(index=True)
    chat_id: int = _telegram_id()
    name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="en", max_length=8)
    level: str = Field(max_length=16)
    status: str = Field(default="open", max_length=16)
    trigger: str = Field(default="", max_length=600)
    explanation: str = Field(default="", max_length=600)
    opened_at: datetime = _when(default_factory=utcnow)
    alert_message_id: int | None = _telegram_id(default=None, nullable=True)
    last_alerted_at: datetime | None = _when(nullable=True, default=None)
    realerts: int = 0
    examinee_reminded_at: datetime | None = _when(nullable=True, default=None)
    acute_asked_at: datetime | None = _when(nullable=True, default=None)
    acute_answer: str | None = Field(default=None, max_length=16)
    acknowledged_at: datetime | None = _when(nullable=True, default=None)
    acknowledged_by: int | None = _telegram_id(default=None, nullable=True)
    acknowledged_by_name: str | None = Field(default=None, max_length=256)
    resolved_at: datetime | None = _when(nullable=True, default=None)
    resolved_by: int | None = _telegram_id(default=None, nullable=True)
    resolved_by_name: str | None = Field(default=None, max_length=256)


class EscalationEvent(SQLModel, table=True):
    """The audit trail of a case: raised, delivered, acknowledged, relayed, resolved."""

    __owner__: ClassVar[str] = "user_id"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True, ondelete="CASCADE")
    user_id: int = _telegram_id(index=True)
    kind: str = Field(max_length=24)
    actor_id: int | None = _telegram_id(default=None, nullable=True)
    detail: str = Field(default="", max_length=300)
    at: datetime = _when(default_factory=utcnow)


class OutgoingMessage(SQLModel, table=True):
    """A message the bot owes someone, written before it is sent and kept until it is.

    Alerts, relays and the examinee's safe reply go through this outbox, so an API error,
    an outage or a SIGKILL delays them but never loses them.
    """

    __owner__: ClassVar[str] = "user_id"
    __table_args__ = (Index("ix_outgoing_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = _telegram_id(default=None, index=True, nullable=True)
    escalation_id: int | None = Field(
        default=None, foreign_key="escalation.id", index=True, ondelete="CASCADE"
    )
    purpose: str = Field(max_length=24)
    dedupe_key: str | None = Field(default=None, max_length=96, unique=True)
    priority: int = 5
    chat_id: int = _telegram_id()
    text: str = Field(sa_column=Column(Text, nullable=False))
    reply_markup: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    reply_to_alert: bool = False
    reply_to_message_id: int | None = _telegram_id(default=None, nullable=True)
    edit_message_id: int | None = _telegram_id(default=None, nullable=True)
    due_at: datetime = _when(default_factory=utcnow)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    claimed_until: datetime | None = _when(nullable=True, default=None)
    retry_at: datetime | None = _when(nullable=True, default=None)
    sent_at: datetime | None = _when(nullable=True, default=None)
    message_id: int | None = _telegram_id(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = _when(default_factory=utcnow)


class AlertMessage(SQLModel, table=True):
    """Which case a message in the coordinators' chat belongs to, so replies find it."""

    __owner__: ClassVar[str] = "user_id"

    chat_id: int = _telegram_id(primary_key=True)
    message_id: int = _telegram_id(primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True, ondelete="CASCADE")
    user_id: int = _telegram_id(index=True)


class AftercareContact(SQLModel, table=True):
    """Someone the examinee can turn to after the exam."""

    __owner__: ClassVar[str] = "user_id"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _telegram_id(index=True)
    name: str = Field(max_length=100)
    relationship: str = Field(max_length=24)
    phone: str = Field(max_length=24)
    share_with_coordinators: bool = False
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class AftercarePlanStep(SQLModel, table=True):
    """One thing the examinee plans to do after the exam: a suggestion or their own words."""

    __owner__: ClassVar[str] = "user_id"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _telegram_id(index=True)
    position: int = 0
    suggestion: str | None = Field(default=None, max_length=32)
    text: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when(default_factory=utcnow)
