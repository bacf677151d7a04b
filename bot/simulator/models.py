"""Plain data the simulator keeps: simulated people and chats, messages, calls, events."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.simulator.media import StoredFile

ChatType = Literal["private", "group", "supergroup"]
EventKind = Literal[
    "message_sent",
    "message_edited",
    "message_deleted",
    "callback_answered",
    "chat_action",
    "user_message",
    "button_pressed",
]


@dataclass(frozen=True)
class SimulatedUser:
    """A Telegram user who talks to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The ``User`` object Telegram puts in ``from``."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass(frozen=True)
class SimulatedChat:
    """A chat the bot is in (private chats are created when a user first writes)."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``Chat`` object of messages and updates."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass
class StoredMessage:
    """A message in a chat, as it now stands; ``message`` is the Telegram ``Message``."""

    message: dict[str, Any]
    from_bot: bool
    created_at: float
    file: StoredFile | None = None
    reply_keyboard: dict[str, Any] | None = None
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])


@dataclass
class ChatState:
    """Everything the simulator knows about one chat."""

    chat: SimulatedChat
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    reply_keyboard: dict[str, Any] | None = None

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class CallbackQueryRecord:
    """A button press waiting for (or having received) ``answerCallbackQuery``."""

    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created_at: float
    answer: dict[str, Any] | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, with what the simulator answered.

    ``ok`` is None when the bot gave up on the request before it was answered (a long poll
    cancelled at shutdown, for instance).
    """

    method: str
    params: dict[str, Any]
    timestamp: float
    ok: bool | None
    http_status: int | None
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    retry_after: int | None = None

    @property
    def rejected(self) -> bool:
        return self.ok is False


@dataclass(frozen=True)
class SimEvent:
    """Something visible happened in a chat (for a live view or a test)."""

    kind: EventKind
    chat_id: int | None
    timestamp: float
    message: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)


def snapshot(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy, so callers never change the simulator's state by accident."""
    return copy.deepcopy(value)
