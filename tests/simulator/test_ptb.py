"""The simulator driven by the real python-telegram-bot, and the standalone server."""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.simulator import BotApiSimulator, RateLimits, SimulatedUser

TOKEN = "123456:TEST-TOKEN"
ALICE = SimulatedUser(1001, "Alice", username="alice", language_code="fr")
BOB = SimulatedUser(1002, "Bob", last_name="Builder")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot", rate_limits=False)
    await simulator.start()
    yield simulator
    await simulator.stop()


def build_application(sim: BotApiSimulator, errors: list[BaseException]) -> Application:
    """A small bot: /start offers a button, the button edits the message, text is echoed."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Begin ✅", callback_data="begin")]])
        await update.effective_message.reply_html(
            f"Bonjour <b>{update.effective_user.first_name}</b> !", reply_markup=keyboard
        )

    async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("C'est parti")
        await query.edit_message_text("Step 1 of 3")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
        await update.effective_message.reply_text(update.effective_message.text or "")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    application = ApplicationBuilder().token(sim.token).base_url(sim.base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(begin, pattern="^begin$"))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_error_handler(on_error)
    return application


async def test_real_application_with_polling_gets_replies(sim: BotApiSimulator) -> None:
    errors: list[BaseException] = []
    application = build_application(sim, errors)
    await application.initialize()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()
    try:
        await sim.send_text(ALICE, "/start")
        welcome = await sim.wait_for_message(ALICE.id)
        assert welcome["text"] == "Bonjour Alice !"
        assert welcome["entities"] == [{"offset": 8, "length": 5, "type": "bold"}]
        query_id = await sim.press_button(ALICE, welcome["message_id"], "begin")
        await sim.wait_for(lambda: sim.messages(ALICE.id)[0]["text"] == "Step 1 of 3")
        assert sim.callback_answer(query_id) == {
            "text": "C'est parti",
            "show_alert": False,
            "url": None,
            "cache_time": 0,
        }
        assert "reply_markup" not in sim.messages(ALICE.id)[0]
        await sim.send_text(ALICE, "Is it far?")
        echoed = await sim.wait_for_message(ALICE.id)
        assert echoed["text"] == "Is it far?"
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert errors == []
    assert sim.rejected_calls() == []
    methods = {call.method for call in sim.calls}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery"} <= methods
    assert sim.pending_updates() == []


async def test_ptb_sees_telegram_errors(sim: BotApiSimulator) -> None:
    bot = telegram.Bot(TOKEN, base_url=sim.base_url)
    async with bot:
        await sim.send_text(ALICE, "hi")
        with pytest.raises(telegram.error.BadRequest, match="Chat not found"):
            await bot.send_message(4242, "x")
        with pytest.raises(telegram.error.BadRequest, match="Can't parse entities"):
            await bot.send_message(ALICE.id, "*bold", parse_mode="MarkdownV2")
        sim.block(ALICE.id)
        with pytest.raises(telegram.error.Forbidden, match="bot was blocked by the user"):
            await bot.send_message(ALICE.id, "x")
        sim.unblock(ALICE.id)
        document = await bot.send_document(ALICE.id, b"report", filename="report.txt")
        assert document.document is not None and document.document.file_name == "report.txt"
        assert sim.messages(ALICE.id)[-1]["sim_file"]["content"] == b"report"
        updates = await bot.get_updates()
        kinds = [("message" if u.message else "my_chat_member") for u in updates]
        assert kinds == ["message", "my_chat_member", "my_chat_member"]
        await bot.set_my_commands([("start", "Begin")], language_code="fr")
        assert [c.command for c in await bot.get_my_commands(language_code="fr")] == ["start"]
    with pytest.raises(telegram.error.InvalidToken):
        async with telegram.Bot("123456:OTHER", base_url=sim.base_url):
            pass


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_sees_rate_limits_and_outages() -> None:
    sim = BotApiSimulator(TOKEN, rate_limits=RateLimits(global_limit=2, global_window=5))
    async with sim:
        bot = telegram.Bot(TOKEN, base_url=sim.base_url)
        async with bot:
            await sim.send_text(ALICE, "hi")
            await bot.send_message(ALICE.id, "1")
            await bot.send_message(ALICE.id, "2")
            with pytest.raises(telegram.error.RetryAfter) as caught:
                await bot.send_message(ALICE.id, "3")
            assert "Retry in 5 seconds" in str(caught.value)
            sim.outage(0.3)
            with pytest.raises(telegram.error.NetworkError, match="Bad Gateway"):
                await bot.get_me()
            await asyncio.sleep(0.35)
            assert (await bot.get_me()).username == "simulated_bot"


async def test_group_updates_parse_in_ptb(sim: BotApiSimulator) -> None:
    grp = sim.create_group(-100123, "Coordinators", type="supergroup", members=[ALICE, BOB])
    bot = telegram.Bot(TOKEN, base_url=sim.base_url)
    async with bot:
        await sim.send_text(ALICE, "/status@ime_guide_bot", chat_id=grp.id)
        sent = await bot.send_message(
            grp.id,
            "Choose",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("Take it", callback_data="take:1")]]
            ),
        )
        await sim.press_button(BOB, sent.message_id, "take:1", chat_id=grp.id)
        updates = await bot.get_updates()
    message, pressed = updates[0].message, updates[1].callback_query
    assert (
        message is not None
        and message.chat.type == "supergroup"
        and message.chat.title == "Coordinators"
    )
    assert message.text == "/status@ime_guide_bot" and message.from_user is not None
    assert (
        pressed is not None
        and pressed.data == "take:1"
        and pressed.from_user.last_name == "Builder"
    )
    assert pressed.message is not None and pressed.message.chat.id == grp.id


async def test_json_control_api(sim: BotApiSimulator) -> None:
    control = BotApiSimulator(TOKEN, control_api=True, rate_limits=False)
    async with control, aiohttp.ClientSession() as http:

        async def post(path: str, **body: Any) -> Any:
            async with http.post(f"{control.url}/sim/{path}", json=body) as response:
                data = await response.json()
                assert data["ok"], data
                return data["result"]

        async def get(path: str, **query: Any) -> Any:
            async with http.get(f"{control.url}/sim/{path}", params=query) as response:
                data = await response.json()
                assert data["ok"], data
                return data["result"]

        await post("users", id=1001, first_name="Alice")
        message = await post("send_text", user_id=1001, text="/start")
        assert message["entities"][0]["type"] == "bot_command"
        async with http.post(
            f"{control.base_url}{TOKEN}/sendDocument",
            data={"chat_id": "1001", "document": "BQACunknown"},
        ) as response:
            assert response.status == 400
        form = aiohttp.FormData({"chat_id": "1001"})
        form.add_field("document", b"bytes!", filename="a.bin")
        async with http.post(f"{control.base_url}{TOKEN}/sendDocument", data=form) as response:
            assert response.status == 200
        latest = await get("wait_message", chat_id=1001, timeout=1)
        assert base64.b64decode(latest["sim_file"]["content"]) == b"bytes!"
        assert len(await get("messages", chat_id=1001, all="1")) == 2
        rejected = await get("calls", rejected="1")
        assert [c["description"] for c in rejected] == [
            "Bad Request: wrong file identifier/HTTP URL specified"
        ]
        async with http.post(
            f"{control.url}/sim/send_text", json={"user_id": 77, "text": "x"}
        ) as response:
            assert response.status == 400


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_standalone_server_process() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.simulator",
            "--port",
            str(port),
            "--token",
            TOKEN,
            "--bot-username",
            "ime_guide_bot",
            "--no-rate-limits",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 10
            while True:
                try:
                    async with http.get(f"{base}/bot{TOKEN}/getMe") as response:
                        me = (await response.json())["result"]
                        break
                except aiohttp.ClientConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.05)
            assert me["username"] == "ime_guide_bot"
            async with http.post(
                f"{base}/sim/send_text",
                json={"user": {"id": 1001, "first_name": "Alice"}, "text": "hello"},
            ) as response:
                assert (await response.json())["ok"]
            async with http.get(f"{base}/bot{TOKEN}/getUpdates") as response:
                updates = (await response.json())["result"]
            assert updates[0]["message"]["text"] == "hello"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert f"TELEGRAM_API_BASE_URL=http://127.0.0.1:{port}/bot" in output
