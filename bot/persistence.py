"""PTB persistence in the bot's own database.

PTB batches persistence writes; ``DurableApplication`` (see ``bot.application``) flushes
after every update, and this class skips writes whose data did not change, so a SIGKILL
loses no flow step and an ordinary message costs no extra write.
"""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from sqlalchemy import delete
from sqlmodel import select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from bot.models import ConversationState, FlowData, utcnow
from bot.storage import Database


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


def _user_in_key(key: ConversationKey) -> int | None:
    """Conversation keys end with the user id for per-user conversations (PTB's default)."""
    return int(key[-1]) if key and isinstance(key[-1], int) else None


class DatabasePersistence(BasePersistence[dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Keeps conversation states and per-user flow data; chat and bot data are not used."""

    def __init__(self, database: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._database = database
        self._user_data_written: dict[int, dict[str, Any]] = {}
        self._states_written: dict[tuple[str, str], object] = {}

    def user_data_changed(self, user_id: int, data: dict[str, Any] | None) -> bool:
        """Whether ``data`` differs from what was last written for this person."""
        return (data or {}) != self._user_data_written.get(user_id, {})

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        with self._database.session() as session:
            rows = session.exec(select(FlowData)).all()
        self._user_data_written = {row.user_id: deepcopy(row.data) for row in rows}
        return {row.user_id: dict(row.data) for row in rows}

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        if self._user_data_written.get(user_id, {}) == data:
            return
        with self._database.session() as session:
            row = session.get(FlowData, user_id)
            if row is None:
                row = FlowData(user_id=user_id, data=data)
            else:
                row.data = data
                row.updated_at = utcnow()
            session.add(row)
            session.commit()
        self._user_data_written[user_id] = deepcopy(data)

    async def drop_user_data(self, user_id: int) -> None:
        with self._database.session() as session:
            session.exec(delete(FlowData).where(FlowData.user_id == user_id))  # type: ignore[call-overload]
            session.commit()
        self._user_data_written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """In-memory data is authoritative within one process."""

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        """Chat data is not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Chat data is not kept."""

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        """Bot data is not kept: shared state lives in its own tables."""

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        """Bot data is not kept."""

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        """Arbitrary callback data is not used."""

    async def get_conversations(self, name: str) -> ConversationDict:
        with self._database.session() as session:
            rows = session.exec(
                select(ConversationState).where(ConversationState.name == name)
            ).all()
        states = {_decode_key(row.key): row.state for row in rows if row.state is not None}
        for key, state in states.items():
            self._states_written[(name, _encode_key(key))] = deepcopy(state)
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded = _encode_key(key)
        if self._states_written.get((name, encoded)) == new_state:
            return
        with self._database.session() as session:
            row = session.get(ConversationState, (name, encoded))
            if new_state is None:
                if row is not None:
                    session.delete(row)
                    session.commit()
                self._states_written.pop((name, encoded), None)
                return
            if row is None:
                row = ConversationState(name=name, key=encoded, user_id=_user_in_key(key))
            row.state = new_state
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        self._states_written[(name, encoded)] = deepcopy(new_state)

    async def flush(self) -> None:
        """Every write above is committed at once; nothing is buffered."""
