"""The simulator's state: who exists, which chats the bot is in, messages, pending updates."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.simulator.errors import ApiError, bad_request, forbidden
from bot.simulator.media import FileStore
from bot.simulator.models import (
    CallbackQueryRecord,
    ChatState,
    EventKind,
    SimEvent,
    SimulatedChat,
    SimulatedUser,
    StoredMessage,
    snapshot,
)

# Update types Telegram sends when allowed_updates is empty or was never set.
OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Notifier:
    """Wakes every current waiter; usable from synchronous code (no lock to take)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Wait for the next notification, at most ``timeout`` seconds."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(timeout, 0))


@dataclass
class WebhookConfig:
    """What setWebhook stored; ``last_error_*`` as shown by getWebhookInfo."""

    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    has_custom_certificate: bool
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates not yet confirmed by the bot, with Telegram's offset semantics."""

    def __init__(self, update_types: Iterable[str], first_update_id: int) -> None:
        self.all_types = frozenset(update_types)
        self.allowed: frozenset[str] = self.all_types - OPT_IN_UPDATE_TYPES
        self.allowed_list: list[str] | None = None
        self.pending: list[dict[str, Any]] = []
        self.next_update_id = first_update_id

    def set_allowed(self, allowed: list[str]) -> None:
        """``[]`` restores the default set; the setting persists across calls."""
        self.allowed_list = list(allowed)
        chosen = frozenset(allowed) & self.all_types
        self.allowed = chosen or (self.all_types - OPT_IN_UPDATE_TYPES)

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update unless the bot's allowed_updates excludes its type."""
        if kind not in self.allowed:
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.pending.append(update)
        return update

    def confirm(self, offset: int) -> None:
        """``offset`` confirms every earlier update; a negative one keeps only the last."""
        if offset < 0:
            self.pending = self.pending[offset:] if -offset < len(self.pending) else self.pending
            return
        self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    def clear(self) -> None:
        self.pending.clear()


class SimState:
    """Everything the Bot API methods and the control API read and change."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_name: str,
        privacy_mode: bool,
        update_types: Iterable[str],
        first_update_id: int,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.privacy_mode = privacy_mode
        self.users: dict[int, SimulatedUser] = {}
        self.chats: dict[int, ChatState] = {}
        self.blocked: set[int] = set()
        self.files = FileStore()
        self.queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[Any, ...], list[dict[str, str]]] = {}
        self.profile: dict[tuple[str, str], str] = {}
        self.updates = UpdateQueue(update_types, first_update_id)
        self.webhook: WebhookConfig | None = None
        self.updates_available = Notifier()
        self.changed = Notifier()
        self.subscribers: list[asyncio.Queue[SimEvent]] = []
        self.active_poll = 0
        self.outage_until = 0.0
        self.outage_on_delivery: float | None = None
        self.logged_out = False
        self.stopping = False
        self.started_at = time.monotonic()
        self._next_query = 4_000_000_000_000_000_000

    # ------------------------------------------------------------------ bot identity

    def bot_dict(self) -> dict[str, Any]:
        """The bot as it appears in ``from`` of its own messages."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.profile.get(("name", ""), self.bot_name) or self.bot_name,
            "username": self.bot_username,
        }

    def get_me(self) -> dict[str, Any]:
        """getMe's ``User``, with the bot-only fields."""
        return {
            **self.bot_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def user_dict(self, user_id: int) -> dict[str, Any] | None:
        if user_id == self.bot_id:
            return self.bot_dict()
        user = self.users.get(user_id)
        return user.to_dict() if user else None

    # ------------------------------------------------------------------ chats

    def remember_user(self, user: SimulatedUser) -> None:
        self.users[user.id] = user

    def private_chat(self, user: SimulatedUser) -> ChatState:
        """The private chat with ``user``, created when the user first writes to the bot."""
        self.remember_user(user)
        state = self.chats.get(user.id)
        if state is None:
            chat = SimulatedChat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
            state = ChatState(chat=chat)
            state.members[user.id] = "member"
            self.chats[user.id] = state
        return state

    def resolve_chat(self, chat_id: int | str, *, for_sending: bool = False) -> ChatState:
        """Find a chat the bot may address, or raise Telegram's error."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                wanted = chat_id[1:].lower()
                for state in self.chats.values():
                    username = state.chat.username
                    if state.chat.type != "private" and username and username.lower() == wanted:
                        return state
            raise bad_request("chat not found")
        state = self.chats.get(chat_id)
        if state is None:
            if for_sending and chat_id in self.users:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return state

    def check_not_blocked(self, state: ChatState) -> None:
        if state.chat.type == "private" and state.chat.id in self.blocked:
            raise forbidden("bot was blocked by the user")

    def find_message(self, state: ChatState, message_id: int) -> StoredMessage | None:
        stored = state.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    # ------------------------------------------------------------------ messages

    def add_message(
        self,
        state: ChatState,
        *,
        sender: dict[str, Any],
        content: dict[str, Any],
        from_bot: bool,
        reply_to: StoredMessage | None = None,
        extra: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store a new message in ``state`` with the next message id of that chat."""
        message: dict[str, Any] = {
            "message_id": state.new_message_id(),
            "from": sender,
            "chat": state.chat.to_dict(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = snapshot(reply_to.message)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        message.update(content)
        if extra:
            message.update(extra)
        stored = StoredMessage(message=message, from_bot=from_bot, created_at=time.time())
        state.messages[stored.message_id] = stored
        self.changed.notify()
        return stored

    def new_query_id(self) -> str:
        self._next_query += 7919
        return str(self._next_query)

    # ------------------------------------------------------------------ updates & events

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        update = self.updates.push(kind, snapshot(payload))
        if update is not None:
            self.updates_available.notify()
            self.changed.notify()
        return update

    def emit(
        self,
        kind: EventKind,
        chat_id: int | None,
        message: dict[str, Any] | None = None,
        **data: Any,
    ) -> None:
        event = SimEvent(
            kind=kind,
            chat_id=chat_id,
            timestamp=time.time(),
            message=snapshot(message) if message is not None else None,
            data=data,
        )
        for queue in list(self.subscribers):
            queue.put_nowait(event)
        self.changed.notify()

    def outage_active(self) -> bool:
        return time.monotonic() < self.outage_until

    def delivered(self) -> None:
        """Updates just went out to the bot: start an outage armed for this moment."""
        if self.outage_on_delivery is not None:
            self.outage_until = time.monotonic() + self.outage_on_delivery
            self.outage_on_delivery = None

    def require_available(self) -> None:
        """Raised inside long polls so they end with the outage, like a dropped connection."""
        if self.outage_active():
            raise OutageError()


class OutageError(Exception):
    """The simulated Telegram is down: answer 502 Bad Gateway (or drop the connection)."""


def conflict(description: str) -> ApiError:
    return ApiError(409, f"Conflict: {description}")
