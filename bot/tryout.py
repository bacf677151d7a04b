"""``python -m bot simulate``: chat with the real bot in a terminal, no token, no network.

The project's Bot API simulator stands in for Telegram; the bot runs unchanged against it
with a throwaway database. You are an examinee, and can switch to the coordinators' group.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from telegram.ext import Application

from bot.application import build_application
from bot.config import load_settings
from bot.polling import poll_until_stopped
from bot.simulator import BotApiSimulator, SimEvent, SimulatedUser
from bot.storage import Database, migrate

TOKEN = "777000:TRY-OUT-TOKEN"
COORDINATORS_CHAT = -1001234567890
EXAMINEE_ID = 1001
COORDINATOR = SimulatedUser(id=9001, first_name="Sam", username="sam_coordinator")

HELP = """Type a message and press Enter to send it to the bot.
  1, 2, 3...      tap that button under the bot's last message with buttons
  :coord          switch to the coordinators' group (as Sam, a coordinator)
  :reply TEXT     reply to the bot's last message here (to answer an alert as Sam)
  :me             switch back to the examinee's private chat (as Alex)
  :photo :sticker :voice :document :location :contact   send that kind of message
  :block / :unblock   block or unblock the bot (as Alex)
  :help           show this again
  :quit           leave (or Ctrl-D)"""


class TerminalChat:
    """Prints what the bot does and turns typed lines into what a person would send."""

    def __init__(self, simulator: BotApiSimulator, out: TextIO, examinee: SimulatedUser) -> None:
        self.simulator = simulator
        self.examinee = examinee
        self.out = out
        self.as_coordinator = False
        self.buttons: dict[int, list[tuple[int, str, str]]] = {}

    @property
    def user(self) -> SimulatedUser:
        return COORDINATOR if self.as_coordinator else self.examinee

    @property
    def chat_id(self) -> int:
        return COORDINATORS_CHAT if self.as_coordinator else self.examinee.id

    def show(self, event: SimEvent) -> None:
        if event.message is None or event.kind not in ("message_sent", "message_edited"):
            if event.kind == "callback_answered" and event.data.get("text"):
                self.print(f"   (pop-up) {event.data['text']}")
            return
        message = event.message
        where = "coordinators' group" if event.chat_id == COORDINATORS_CHAT else "private chat"
        label = "edited" if event.kind == "message_edited" else "bot"
        text = message.get("text") or message.get("caption") or ""
        if "document" in message:
            text = f"[file {message['document'].get('file_name', '')}] {text}"
        self.print(f"\n── {label} · {where} ──\n{text}")
        keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
        choices = [
            (message["message_id"], button["text"], button["callback_data"])
            for row in keyboard
            for button in row
            if "callback_data" in button
        ]
        if choices and event.chat_id is not None:
            self.buttons[event.chat_id] = choices
            for number, (_mid, text_, _data) in enumerate(choices, start=1):
                self.print(f"  [{number}] {text_}")

    def print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one typed line; return False to leave."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":exit"):
            return False
        if line == ":help":
            self.print(HELP)
        elif line == ":coord":
            self.as_coordinator = True
            self.print("You are now Sam, in the coordinators' group.")
        elif line == ":me":
            self.as_coordinator = False
            self.print("You are now Alex, in your private chat with the bot.")
        elif line in (":block", ":unblock"):
            (self.simulator.block if line == ":block" else self.simulator.unblock)(self.examinee.id)
            self.print(f"Alex has {line[1:]}ed the bot.")
        elif line.startswith(":reply "):
            last = self.simulator.last_message(self.chat_id)
            if last is None:
                self.print("There is no message from the bot here to reply to.")
            else:
                await self.simulator.send_text(
                    self.user,
                    line.removeprefix(":reply ").strip() or "…",
                    chat_id=self._group_or_none(),
                    reply_to_message_id=last["message_id"],
                )
        elif line.startswith(":"):
            await self._send_media(line[1:])
        elif line.isdigit() and self.buttons.get(self.chat_id):
            await self._press(int(line))
        else:
            await self.simulator.send_text(self.user, line, chat_id=self._group_or_none())
        return True

    def _group_or_none(self) -> int | None:
        return COORDINATORS_CHAT if self.as_coordinator else None

    async def _press(self, number: int) -> None:
        choices = self.buttons[self.chat_id]
        if not 1 <= number <= len(choices):
            self.print(f"There is no button {number}.")
            return
        message_id, text, data = choices[number - 1]
        self.print(f'(you tap "{text}")')
        try:
            await self.simulator.press_button(
                self.user, message_id, data, chat_id=self._group_or_none()
            )
        except Exception as exc:
            self.print(f"That button is no longer there ({exc}).")

    async def _send_media(self, kind: str) -> None:
        samples: dict[str, dict[str, Any]] = {
            "photo": {},
            "sticker": {},
            "voice": {},
            "document": {"content": b"example", "file_name": "letter.pdf"},
            "location": {"latitude": 45.50, "longitude": -73.57},
            "contact": {"phone_number": "+15145550123", "first_name": "Jo"},
        }
        if kind not in samples:
            self.print(f"Unknown command ':{kind}'. Type :help.")
            return
        await self.simulator.send_media(
            self.user, kind, chat_id=self._group_or_none(), **samples[kind]
        )


async def _read_lines(queue: asyncio.Queue[str | None], stream: TextIO) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, stream.readline)
        await queue.put(line if line else None)
        if not line:
            return


async def _run(install_flows: Callable[[Application], None], args: argparse.Namespace) -> int:  # type: ignore[type-arg]
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot", bot_name="IME guide")
    base_url = await simulator.start()
    simulator.create_group(
        COORDINATORS_CHAT, "Coordinators", members=[COORDINATOR], added_by=COORDINATOR
    )
    workdir = Path(tempfile.mkdtemp(prefix="ime-bot-tryout-"))
    settings = load_settings(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_URL=f"sqlite:///{workdir / 'tryout.db'}",
        COORDINATOR_CHAT_ID=COORDINATORS_CHAT,
        COORDINATOR_IDS=str(COORDINATOR.id),
        DEFAULT_LANGUAGE=os.environ.get("DEFAULT_LANGUAGE", "en"),
        DEFAULT_COUNTRY=os.environ.get("DEFAULT_COUNTRY", "US"),
    )
    database = Database.from_url(settings.DATABASE_URL)
    migrate(database.engine)
    application = build_application(settings, database)
    install_flows(application)
    examinee = SimulatedUser(
        id=EXAMINEE_ID,
        first_name="Alex",
        username="alex",
        language_code=args.lang,
    )
    chat = TerminalChat(simulator, sys.stdout, examinee)
    events = simulator.subscribe()
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        stop_polling = asyncio.Event()
        polling = asyncio.create_task(poll_until_stopped(application, stop_polling))
        chat.print(
            "IME guide bot: try-out with a simulated Telegram (no data leaves this machine)."
        )
        chat.print(HELP)
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        reader = asyncio.create_task(_read_lines(lines, sys.stdin))
        await simulator.send_text(examinee, "/start")
        try:
            while True:
                line_task = asyncio.create_task(lines.get())
                event_task = asyncio.create_task(events.get())
                done, pending = await asyncio.wait(
                    {line_task, event_task}, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
                if event_task in done:
                    chat.show(event_task.result())
                if line_task in done:
                    line = line_task.result()
                    if line is None or not await chat.handle(line):
                        break
            # Let the last replies arrive before leaving.
            await asyncio.sleep(0.3)
            while not events.empty():
                chat.show(events.get_nowait())
        finally:
            reader.cancel()
            stop_polling.set()
            await polling
            await application.stop()
    await simulator.stop()
    database.dispose()
    chat.print("Bye. The try-out database was in " + str(workdir))
    return 0


def run_tryout(install_flows: Callable[[Application], None], argv: list[str]) -> int:  # type: ignore[type-arg]
    parser = argparse.ArgumentParser(prog="python -m bot simulate", description=__doc__)
    parser.add_argument(
        "--lang", default="en", help="the examinee's Telegram language: en, fr, es or other"
    )
    args = parser.parse_args(argv)
    return asyncio.run(_run(install_flows, args))
