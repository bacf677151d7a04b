"""Test helpers: a simulated person chatting with the bot through the simulator."""

from __future__ import annotations

from typing import Any

from bot.simulator import BotApiSimulator, SimulatedUser


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of every callback button under a bot message."""
    keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [
        (button["text"], button["callback_data"])
        for row in keyboard
        for button in row
        if "callback_data" in button
    ]


class Person:
    """One person in a private chat with the bot; every wait has a timeout."""

    def __init__(self, simulator: BotApiSimulator, user: SimulatedUser) -> None:
        self.simulator = simulator
        self.user = user

    @property
    def chat_id(self) -> int:
        return self.user.id

    def bot_messages(self) -> list[dict[str, Any]]:
        return self.simulator.messages(self.chat_id)

    def last(self) -> dict[str, Any]:
        messages = self.bot_messages()
        assert messages, "the bot has said nothing yet"
        return messages[-1]

    async def say(self, text: str, replies: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Send ``text`` and return the bot's next ``replies`` messages."""
        await self.simulator.send_text(self.user, text)
        return [await self.next(timeout) for _ in range(replies)]

    async def send_media(self, kind: str, **fields: Any) -> dict[str, Any]:
        await self.simulator.send_media(self.user, kind, **fields)
        return await self.next()

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        return await self.simulator.wait_for_message(self.chat_id, timeout=timeout)

    async def press(
        self,
        label: str,
        message: dict[str, Any] | None = None,
        timeout: float = 5.0,
        expect_change: bool = True,
    ) -> dict[str, Any]:
        """Tap the button labelled ``label``; return the answer to the tap.

        With ``expect_change``, also wait until the bot has edited or sent something.
        """
        if message is None:
            message = next(
                (m for m in reversed(self.bot_messages()) if label in dict(buttons(m))), None
            )
            assert message is not None, f"no button {label!r}; last: {buttons(self.last())}"
        data = dict(buttons(message))[label]
        before = self.bot_messages()
        answer = await self.press_data(message["message_id"], data, timeout)
        if expect_change:
            await self.simulator.wait_for(lambda: self.bot_messages() != before, timeout)
        return answer

    async def press_data(self, message_id: int, data: str, timeout: float = 5.0) -> dict[str, Any]:
        query_id = await self.simulator.press_button(self.user, message_id, data)
        return await self.simulator.wait_for(
            lambda: self.simulator.callback_answer(query_id), timeout
        )

    def message(self, message_id: int) -> dict[str, Any]:
        return next(m for m in self.bot_messages() if m["message_id"] == message_id)
