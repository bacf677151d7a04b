"""SQLModel tables: every piece of state the bot keeps.

A table that holds anything about a person names its owner column in ``__owner__`` so the
export (``/mydata``) and the erasure (``/delete``) cover it; a test fails for a table that
forgets to say whether it is personal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, TypeDecorator
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
