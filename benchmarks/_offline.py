"""An in-memory Bot API for benchmarks: answers like Telegram, costs next to nothing.

Both bots under comparison talk to the same fake, so the figures compare the bots' own
work (handlers, persistence, rendering), not the network.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1, "is_bot": True, "first_name": "IME guide", "username": "ime_guide_bot"}


class OfflineBotApi(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[str] = []
        self._message_id = 0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        self.calls.append(name)
        params = request_data.parameters if request_data else {}
        result: Any = True
        if name == "getMe":
            result = BOT_USER
        elif name in {"sendMessage", "editMessageText", "sendDocument"}:
            self._message_id += 1
            chat_id = int(params.get("chat_id", 0))
            result = {
                "message_id": self._message_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def text_update(update_id: int, user_id: int, text: str, language: str = "en") -> dict[str, Any]:
    entities = (
        [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if text.startswith("/")
        else []
    )
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Ana",
                "language_code": language,
            },
            "text": text,
            "entities": entities,
        },
    }


def consent_press(update_id: int, user_id: int) -> dict[str, Any]:
    """The person taps "Yes, that's okay" under the consent question."""
    person = {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": person,
            "chat_instance": str(user_id),
            "data": "consent:yes",
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
                "from": BOT_USER,
                "text": "To help you, I need to keep a few things.",
            },
        },
    }
