"""The simulator over HTTP: routing, request formats, validations, updates, limits, outages."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.simulator import BotApiSimulator, RateLimits, SimulatedUser, SimulatorError
from bot.simulator.media import tiny_png

TOKEN = "123456:TEST-TOKEN"
ALICE = SimulatedUser(1001, "Alice", username="alice", language_code="fr")
BOB = SimulatedUser(1002, "Bob")
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot", rate_limits=False)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    sim: BotApiSimulator,
    method: str,
    token: str = TOKEN,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{sim.url}/bot{token}/{method}", json=params) as response:
        return response.status, await response.json()


async def ok(http: aiohttp.ClientSession, sim: BotApiSimulator, method: str, **params: Any) -> Any:
    status, body = await call(http, sim, method, **params)
    assert status == 200 and body["ok"] is True, body
    return body["result"]


async def fails(
    http: aiohttp.ClientSession, sim: BotApiSimulator, method: str, **params: Any
) -> tuple[int, str]:
    status, body = await call(http, sim, method, **params)
    assert body["ok"] is False and body["error_code"] == status, body
    return status, body["description"]


# ------------------------------------------------------------------ routing & formats


async def test_token_and_method_checks(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    assert await call(http, sim, "getMe", token="123456:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert (await call(http, sim, "getMe", token="not-a-token"))[0] == 404
    assert await call(http, sim, "sendNothing") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    me = await ok(http, sim, "GETME")
    assert me == {**me, "id": 123456, "is_bot": True, "username": "ime_guide_bot"}


async def test_spec_methods_not_implemented_are_refused(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    await sim.send_text(ALICE, "hi")
    assert await fails(http, sim, "sendPoll", chat_id=ALICE.id) == (
        400,
        'Bad Request: parameter "question" is required',
    )
    options = [{"text": "a"}, {"text": "b"}]
    assert await fails(http, sim, "sendPoll", chat_id=ALICE.id, question="q", options=options) == (
        400,
        "Bad Request: method is not supported by the simulator",
    )


async def test_request_formats(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await sim.send_text(ALICE, "hi")
    url = f"{sim.url}/bot{TOKEN}/sendMessage"
    markup = json.dumps(KEYBOARD)
    async with http.get(url, params={"chat_id": "1001", "text": "query"}) as response:
        assert (await response.json())["result"]["text"] == "query"
    async with http.post(
        url, data={"chat_id": "1001", "text": "form", "reply_markup": markup}
    ) as response:
        body = await response.json()
        assert body["result"]["reply_markup"] == KEYBOARD
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field(
        "document", b"%PDF-1.4 data", filename="guide.pdf", content_type="application/pdf"
    )
    async with http.post(f"{sim.url}/bot{TOKEN}/sendDocument", data=form) as response:
        document = (await response.json())["result"]["document"]
    assert document["file_name"] == "guide.pdf" and document["mime_type"] == "application/pdf"
    async with http.post(
        url, data=b"{nope", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
    texts = [m.get("text") for m in sim.messages(ALICE.id)]
    assert texts == ["query", "form", None]
    assert sim.messages(ALICE.id)[-1]["sim_file"]["content"] == b"%PDF-1.4 data"


async def test_calls_are_recorded(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await ok(http, sim, "getMe")
    await fails(http, sim, "sendMessage", chat_id=42, text="x")
    first, second = sim.calls
    assert (first.method, first.ok, first.http_status) == ("getMe", True, 200)
    assert second.params == {"chat_id": 42, "text": "x"}
    assert (second.error_code, second.description) == (400, "Bad Request: chat not found")
    assert sim.rejected_calls() == [second]
    assert sim.calls_of("sendmessage") == [second]


# ------------------------------------------------------------------ sending


async def test_chat_resolution(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    for chat_id in (42, "@nowhere", "not_a_chat", 0):
        assert await fails(http, sim, "sendMessage", chat_id=chat_id, text="x") == (
            400,
            "Bad Request: chat not found",
        )
    sim.create_group(-100123, "Coordinators", members=[BOB], username="coordinators")
    assert await fails(http, sim, "sendMessage", chat_id=BOB.id, text="x") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    message = await ok(http, sim, "sendMessage", chat_id="@coordinators", text="hello group")
    assert message["chat"] == {
        "id": -100123,
        "type": "supergroup",
        "title": "Coordinators",
        "username": "coordinators",
    }


async def test_blocked_user(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await sim.send_text(ALICE, "/start")
    await ok(http, sim, "getUpdates", offset=10**10)
    sim.block(ALICE.id)
    assert await fails(http, sim, "sendMessage", chat_id=ALICE.id, text="x") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    assert await fails(http, sim, "sendChatAction", chat_id=ALICE.id, action="typing") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    updates = await ok(http, sim, "getUpdates")
    member = updates[0]["my_chat_member"]
    assert member["old_chat_member"]["status"] == "member"
    assert member["new_chat_member"]["status"] == "kicked"
    sim.unblock(ALICE.id)
    await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="welcome back")


async def test_text_validations(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await sim.send_text(ALICE, "hi")
    send = {"chat_id": ALICE.id}
    cases = [
        ({}, "message text is empty"),
        ({"text": ""}, "message text is empty"),
        ({"text": "  \n "}, "text must be non-empty"),
        ({"text": "x" * 4097}, "message is too long"),
        ({"text": "😀" * 2049}, "message is too long"),
        (
            {"text": "<b>x", "parse_mode": "HTML"},
            "can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            {"text": "1.5", "parse_mode": "MarkdownV2"},
            "can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        ({"text": "x", "parse_mode": "BBCode"}, "unsupported parse_mode"),
        (
            {
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]},
            },
            "BUTTON_DATA_INVALID",
        ),
        ({"text": "x", "reply_parameters": {"message_id": 999}}, "message to be replied not found"),
        ({"text": "x", "message_thread_id": 5}, "message thread not found"),
    ]
    for extra, message in cases:
        assert await fails(http, sim, "sendMessage", **send, **extra) == (
            400,
            f"Bad Request: {message}",
        ), extra
    assert sim.messages(ALICE.id) == []
    long_html = "<b>" + "x" * 4096 + "</b>"
    assert (
        len((await ok(http, sim, "sendMessage", **send, text=long_html, parse_mode="HTML"))["text"])
        == 4096
    )
    assert (await ok(http, sim, "sendMessage", **send, text="😀" * 2048))["text"] == "😀" * 2048
    reply = await ok(
        http,
        sim,
        "sendMessage",
        **send,
        text="x",
        reply_parameters={"message_id": 999, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in reply


async def test_sent_message_shape(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    question = await sim.send_text(ALICE, "Can I bring someone?")
    message = await ok(
        http,
        sim,
        "sendMessage",
        chat_id=ALICE.id,
        text="<i>Yes</i>, see /help or https://example.org",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        reply_parameters={"message_id": question["message_id"]},
    )
    assert message["message_id"] == question["message_id"] + 1
    assert message["from"] == {
        "id": 123456,
        "is_bot": True,
        "first_name": "Simulated Bot",
        "username": "ime_guide_bot",
    }
    assert message["text"] == "Yes, see /help or https://example.org"
    assert message["entities"] == [
        {"offset": 0, "length": 3, "type": "italic"},
        {"offset": 9, "length": 5, "type": "bot_command"},
        {"offset": 18, "length": 19, "type": "url"},
    ]
    assert message["reply_markup"] == KEYBOARD
    assert message["reply_to_message"]["text"] == "Can I bring someone?"
    assert abs(message["date"] - time.time()) < 5
    keyboard_message = await ok(
        http,
        sim,
        "sendMessage",
        chat_id=ALICE.id,
        text="Pick",
        reply_markup={"keyboard": [["A", "B"]]},
    )
    assert "reply_markup" not in keyboard_message
    assert sim.reply_keyboard(ALICE.id) == {"keyboard": [[{"text": "A"}, {"text": "B"}]]}


async def test_documents_and_photos(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await sim.send_text(ALICE, "hi")

    async def upload(
        method: str, field: str, content: bytes, name: str, **extra: str
    ) -> tuple[int, dict[str, Any]]:
        form = aiohttp.FormData({"chat_id": str(ALICE.id), **extra})
        form.add_field(field, content, filename=name)
        async with http.post(f"{sim.url}/bot{TOKEN}/{method}", data=form) as response:
            return response.status, await response.json()

    status, body = await upload(
        "sendDocument",
        "document",
        b"a,b\n1,2\n",
        "table.csv",
        caption="<b>Table</b>",
        parse_mode="HTML",
    )
    document = body["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "table.csv",
        "text/csv",
        8,
    )
    assert body["result"]["caption_entities"] == [{"offset": 0, "length": 5, "type": "bold"}]
    again = await ok(http, sim, "sendDocument", chat_id=ALICE.id, document=document["file_id"])
    assert again["document"]["file_id"] == document["file_id"]
    assert sim.file_content(document["file_id"]) == b"a,b\n1,2\n"
    status, body = await upload("sendDocument", "document", b"", "empty.txt")
    assert body["description"] == "Bad Request: file must be non-empty"
    status, body = await upload("sendDocument", "document", b"x", "x.txt", caption="c" * 1025)
    assert body["description"] == "Bad Request: message caption is too long"
    assert await fails(http, sim, "sendDocument", chat_id=ALICE.id, document="unknown-file-id") == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )
    status, body = await upload("sendPhoto", "photo", tiny_png(1600, 900), "p.png")
    assert status == 200
    sizes = body["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 51),
        (320, 180),
        (800, 450),
        (1280, 720),
        (1600, 900),
    ]
    status, body = await upload("sendPhoto", "photo", b"not an image", "p.png")
    assert (status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")
    status, body = await upload("sendPhoto", "photo", tiny_png(50, 2000), "p.png")
    assert body["description"] == "Bad Request: PHOTO_INVALID_DIMENSIONS"
    assert await fails(http, sim, "sendPhoto", chat_id=ALICE.id, photo=document["file_id"]) == (
        400,
        "Bad Request: type of file mismatch",
    )
    file = await ok(http, sim, "getFile", file_id=document["file_id"])
    async with http.get(f"{sim.url}/file/bot{TOKEN}/{file['file_path']}") as response:
        assert await response.read() == b"a,b\n1,2\n"


# ------------------------------------------------------------------ editing & deleting


async def test_editing(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    user_message = await sim.send_text(ALICE, "hi")
    sent = await ok(
        http, sim, "sendMessage", chat_id=ALICE.id, text="Question?", reply_markup=KEYBOARD
    )
    target = {"chat_id": ALICE.id, "message_id": sent["message_id"]}
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    assert await fails(
        http, sim, "editMessageText", **target, text="Question?", reply_markup=KEYBOARD
    ) == (400, not_modified)
    assert await fails(http, sim, "editMessageReplyMarkup", **target, reply_markup=KEYBOARD) == (
        400,
        not_modified,
    )
    bold = await ok(
        http,
        sim,
        "editMessageText",
        **target,
        text="<b>Question?</b>",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
    )
    assert bold["entities"] == [{"offset": 0, "length": 9, "type": "bold"}]
    edited = await ok(http, sim, "editMessageText", **target, text="Answered")
    assert (
        edited["text"] == "Answered"
        and "reply_markup" not in edited
        and edited["edit_date"] >= edited["date"]
    )
    assert sim.messages(ALICE.id)[0]["text"] == "Answered"
    assert await fails(http, sim, "editMessageReplyMarkup", **target) == (400, not_modified)
    assert await fails(
        http, sim, "editMessageReplyMarkup", **target, reply_markup={"keyboard": [["A"]]}
    ) == (
        400,
        "Bad Request: inline keyboard expected",
    )
    assert await fails(http, sim, "editMessageText", chat_id=ALICE.id, message_id=99, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    assert await fails(
        http,
        sim,
        "editMessageText",
        chat_id=ALICE.id,
        message_id=user_message["message_id"],
        text="x",
    ) == (
        400,
        "Bad Request: message can't be edited",
    )
    assert await fails(http, sim, "editMessageText", chat_id=ALICE.id, text="x") == (
        400,
        "Bad Request: message identifier is not specified",
    )


async def test_deleting(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    user_message = await sim.send_text(ALICE, "hi")
    sent = await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="Bye")
    assert (
        await ok(http, sim, "deleteMessage", chat_id=ALICE.id, message_id=sent["message_id"])
        is True
    )
    assert await fails(
        http, sim, "deleteMessage", chat_id=ALICE.id, message_id=sent["message_id"]
    ) == (
        400,
        "Bad Request: message to delete not found",
    )
    assert sim.messages(ALICE.id) == []
    await ok(http, sim, "deleteMessage", chat_id=ALICE.id, message_id=user_message["message_id"])
    sim.create_group(-100123, "Coordinators", members=[BOB])
    group_message = await sim.send_text(BOB, "hello", chat_id=-100123)
    assert await fails(
        http, sim, "deleteMessage", chat_id=-100123, message_id=group_message["message_id"]
    ) == (
        400,
        "Bad Request: message can't be deleted",
    )


# ------------------------------------------------------------------ callback queries


async def test_callback_queries() -> None:
    sim = BotApiSimulator(TOKEN, rate_limits=False, callback_query_timeout=0.2)
    async with sim, aiohttp.ClientSession() as http:
        await sim.send_text(ALICE, "/start")
        sent = await ok(
            http, sim, "sendMessage", chat_id=ALICE.id, text="Ready?", reply_markup=KEYBOARD
        )
        query_id = await sim.press_button(ALICE, sent["message_id"], "yes")
        updates = await ok(http, sim, "getUpdates")
        query = updates[-1]["callback_query"]
        assert query["id"] == query_id and query["data"] == "yes"
        assert (
            query["from"]["id"] == ALICE.id and query["message"]["message_id"] == sent["message_id"]
        )
        assert isinstance(query["chat_instance"], str)
        invalid = (
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        )
        assert await fails(
            http, sim, "answerCallbackQuery", callback_query_id=query_id, text="x" * 201
        ) == (
            400,
            "Bad Request: MESSAGE_TOO_LONG",
        )
        assert sim.callback_answer(query_id) is None
        await ok(http, sim, "answerCallbackQuery", callback_query_id=query_id, text="Noted")
        assert sim.callback_answer(query_id) == {
            "text": "Noted",
            "show_alert": False,
            "url": None,
            "cache_time": 0,
        }
        assert await fails(http, sim, "answerCallbackQuery", callback_query_id=query_id) == (
            400,
            invalid,
        )
        assert await fails(http, sim, "answerCallbackQuery", callback_query_id="12345") == (
            400,
            invalid,
        )
        late = await sim.press_button(ALICE, sent["message_id"], "yes")
        await asyncio.sleep(0.3)
        assert await fails(http, sim, "answerCallbackQuery", callback_query_id=late) == (
            400,
            invalid,
        )
        with pytest.raises(Exception, match="no button with callback_data 'no'"):
            await sim.press_button(ALICE, sent["message_id"], "no")


# ------------------------------------------------------------------ updates


async def test_long_polling(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()
    assert await ok(http, sim, "getUpdates", timeout=0) == []
    poll = asyncio.create_task(ok(http, sim, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await sim.send_text(ALICE, "/start")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    first = updates[0]
    assert first["message"]["text"] == "/start"
    assert first["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    again = await ok(http, sim, "getUpdates", timeout=0)
    assert again == updates
    for text in ("a", "b", "c"):
        await sim.send_text(ALICE, text)
    batch = await ok(http, sim, "getUpdates", offset=first["update_id"] + 1, limit=2)
    assert [u["message"]["text"] for u in batch] == ["a", "b"]
    assert [u["update_id"] for u in batch] == [first["update_id"] + 1, first["update_id"] + 2]
    assert [u["message"]["text"] for u in await ok(http, sim, "getUpdates", offset=-1)] == ["c"]
    started = time.monotonic()
    assert await ok(http, sim, "getUpdates", offset=batch[-1]["update_id"] + 2, timeout=1) == []
    assert time.monotonic() - started >= 0.95


async def test_allowed_updates_persist(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    sent_before = await sim.send_text(ALICE, "before")
    assert await ok(http, sim, "getUpdates", allowed_updates=["callback_query"]) != []
    await ok(http, sim, "getUpdates", offset=10**10)
    await sim.send_text(ALICE, "filtered out")
    assert await ok(http, sim, "getUpdates") == []
    bot_message = await ok(
        http, sim, "sendMessage", chat_id=ALICE.id, text="?", reply_markup=KEYBOARD
    )
    await sim.press_button(ALICE, bot_message["message_id"], "yes")
    assert [list(u)[1] for u in await ok(http, sim, "getUpdates")] == ["callback_query"]
    await ok(http, sim, "getUpdates", offset=10**10, allowed_updates=[])
    await sim.send_text(ALICE, "back")
    assert (await ok(http, sim, "getUpdates"))[0]["message"]["message_id"] > sent_before[
        "message_id"
    ]


async def test_second_poller_terminates_the_first(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(call(http, sim, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(call(http, sim, "getUpdates", timeout=0))
    status, body = await asyncio.wait_for(first, 2)
    assert (status, body["description"]) == (
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
    assert (await second)[1]["result"] == []


async def test_groups_and_privacy_mode(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    sim.create_group(-100123, "Coordinators", members=[ALICE, BOB], added_by=ALICE)
    joined = (await ok(http, sim, "getUpdates"))[0]["my_chat_member"]
    assert (
        joined["new_chat_member"]["status"] == "member" and joined["chat"]["type"] == "supergroup"
    )
    await ok(http, sim, "getUpdates", offset=10**10)
    chatter = await sim.send_text(BOB, "just chatting", chat_id=-100123)
    await sim.send_text(BOB, "/help@other_bot", chat_id=-100123)
    await sim.send_text(BOB, "/help@ime_guide_bot", chat_id=-100123)
    await sim.send_text(ALICE, "/start", chat_id=-100123, reply_to_message_id=chatter["message_id"])
    received = [u["message"]["text"] for u in await ok(http, sim, "getUpdates")]
    assert received == ["/help@ime_guide_bot", "/start"]
    bot_message = await ok(http, sim, "sendMessage", chat_id=-100123, text="Who?")
    await sim.send_text(BOB, "me", chat_id=-100123, reply_to_message_id=bot_message["message_id"])
    last = (await ok(http, sim, "getUpdates", offset=-1))[0]["message"]
    assert last["text"] == "me" and last["chat"]["id"] == -100123 and last["from"]["id"] == BOB.id
    assert len(sim.history(-100123)) == 6
    with pytest.raises(Exception, match="not a member"):
        await sim.send_text(SimulatedUser(7, "Mallory"), "hi", chat_id=-100123)


# ------------------------------------------------------------------ webhooks


async def test_webhook_delivery_with_secret_and_retries() -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures = {"left": 1}

    async def endpoint(request: web.Request) -> web.Response:
        if failures["left"]:
            failures["left"] -= 1
            return web.Response(status=500)
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    sim = BotApiSimulator(TOKEN, rate_limits=False, webhook_retry_delays=(0.05,))
    try:
        async with sim, aiohttp.ClientSession() as http:
            assert await fails(http, sim, "setWebhook", url="http://example.com/hook") == (
                400,
                "Bad Request: bad webhook: HTTPS url must be provided for webhook",
            )
            assert await fails(http, sim, "setWebhook", url="https://example.com:9999/hook") == (
                400,
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            )
            status, body = await call(
                http, sim, "setWebhook", url=hook_url, secret_token="s3cret_-X"
            )
            assert body == {"ok": True, "result": True, "description": "Webhook was set"}
            assert await fails(http, sim, "getUpdates") == (
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
            await sim.send_text(ALICE, "/start")
            await sim.wait_for(lambda: received, timeout=3)
            secret, update = received[0]
            assert secret == "s3cret_-X"
            assert update["message"]["text"] == "/start"
            info = await ok(http, sim, "getWebhookInfo")
            assert info["url"] == hook_url and info["pending_update_count"] == 0
            assert (
                info["last_error_message"]
                == "Wrong response from the webhook: 500 Internal Server Error"
            )
            assert [d["error"] is None for d in sim.webhook_deliveries] == [False, True]
            status, body = await call(http, sim, "deleteWebhook", drop_pending_updates=True)
            assert (status, body["description"]) == (200, "Webhook was deleted")
            assert await ok(http, sim, "getUpdates") == []
    finally:
        await runner.cleanup()


async def test_webhook_pending_when_unreachable_and_drop(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    sim.webhook_retry_delays = (0.05,)
    await ok(http, sim, "setWebhook", url="http://127.0.0.1:9/hook")
    await sim.send_text(ALICE, "hello?")
    await sim.wait_for(lambda: sim.webhook_info().get("last_error_message"), timeout=3)
    assert sim.webhook_info()["last_error_message"] == "Connection refused"
    assert sim.webhook_info()["pending_update_count"] == 1
    await ok(http, sim, "setWebhook", url="", drop_pending_updates=True)
    assert sim.webhook_info() == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }


# ------------------------------------------------------------------ limits & outages


async def test_global_rate_limit() -> None:
    sim = BotApiSimulator(TOKEN, rate_limits=RateLimits(global_limit=5, global_window=0.4))
    async with sim, aiohttp.ClientSession() as http:
        await sim.send_text(ALICE, "hi")
        for index in range(5):
            await ok(http, sim, "sendMessage", chat_id=ALICE.id, text=str(index))
        status, body = await call(http, sim, "sendMessage", chat_id=ALICE.id, text="too many")
        assert status == 429
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        assert len(sim.messages(ALICE.id)) == 5
        await asyncio.sleep(0.45)
        await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="later")


async def test_group_and_private_rate_limits() -> None:
    limits = RateLimits(group_limit=3, group_window=2.0, private_burst=2, private_interval=0.25)
    sim = BotApiSimulator(TOKEN, rate_limits=limits)
    async with sim, aiohttp.ClientSession() as http:
        sim.create_group(-100123, "Coordinators")
        for index in range(3):
            await ok(http, sim, "sendMessage", chat_id=-100123, text=str(index))
        status, body = await call(http, sim, "sendMessage", chat_id=-100123, text="x")
        assert status == 429 and body["parameters"]["retry_after"] == 2
        await sim.send_text(ALICE, "hi")
        await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="1")
        message = await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="2")
        status, _ = await call(
            http,
            sim,
            "editMessageText",
            chat_id=ALICE.id,
            message_id=message["message_id"],
            text="3",
        )
        assert status == 429
        await asyncio.sleep(0.3)
        await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="4")


async def test_rate_limits_can_be_switched_off(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    await sim.send_text(ALICE, "hi")
    results = await asyncio.gather(
        *(call(http, sim, "sendMessage", chat_id=ALICE.id, text=str(i)) for i in range(40))
    )
    assert {status for status, _ in results} == {200}


async def test_outage_answers_bad_gateway(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    poll = asyncio.create_task(http.post(f"{sim.url}/bot{TOKEN}/getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.05)
    sim.outage(0.3)
    async with await asyncio.wait_for(poll, 1) as response:
        assert response.status == 502
    async with http.post(f"{sim.url}/bot{TOKEN}/getMe") as response:
        assert response.status == 502
        assert "502 Bad Gateway" in await response.text()
    assert sim.rejected_calls()[-1].description == "Bad Gateway"
    await asyncio.sleep(0.35)
    await ok(http, sim, "getMe")


async def test_outage_refusing_connections(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    sim.outage(0.4, refuse_connections=True)
    await asyncio.sleep(0.05)
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(aiohttp.ClientError):
            await fresh.post(f"{sim.url}/bot{TOKEN}/getMe")
    await asyncio.sleep(0.5)
    async with aiohttp.ClientSession() as fresh:
        await ok(fresh, sim, "getMe")


async def test_outage_after_next_delivery_starts_when_updates_go_out(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    sim.outage(0.4, after_next_delivery=True)
    await ok(http, sim, "getMe")  # armed, not started
    await sim.send_text(ALICE, "hi")
    updates = await ok(http, sim, "getUpdates")
    assert [u["message"]["text"] for u in updates] == ["hi"]
    async with http.post(
        f"{sim.url}/bot{TOKEN}/sendMessage", json={"chat_id": ALICE.id, "text": "x"}
    ) as response:
        assert response.status == 502
    await asyncio.sleep(0.45)
    await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="back")
    with pytest.raises(SimulatorError):
        sim.outage(1, refuse_connections=True, after_next_delivery=True)


# ------------------------------------------------------------------ bot settings & chats


async def test_commands_per_scope_and_language(
    sim: BotApiSimulator, http: aiohttp.ClientSession
) -> None:
    await sim.send_text(ALICE, "hi")
    commands = [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Help"},
    ]
    await ok(http, sim, "setMyCommands", commands=commands)
    await ok(http, sim, "setMyCommands", commands=commands[:1], language_code="fr")
    alice_scope = {"type": "chat", "chat_id": ALICE.id}
    await ok(http, sim, "setMyCommands", commands=commands[1:], scope=alice_scope)
    assert await ok(http, sim, "getMyCommands") == commands
    assert await ok(http, sim, "getMyCommands", language_code="fr") == commands[:1]
    assert await ok(http, sim, "getMyCommands", scope=alice_scope) == commands[1:]
    assert sim.commands(language_code="fr") == commands[:1]
    await ok(http, sim, "deleteMyCommands", language_code="fr")
    assert await ok(http, sim, "getMyCommands", language_code="fr") == []
    invalid = [
        ({"command": "Start", "description": "x"}, "BOT_COMMAND_INVALID"),
        ({"command": "/start", "description": "x"}, "BOT_COMMAND_INVALID"),
        ({"command": "a" * 33, "description": "x"}, "BOT_COMMAND_INVALID"),
        ({"command": "", "description": "x"}, "command must be non-empty"),
        ({"command": "start", "description": ""}, "command description must be non-empty"),
        ({"command": "start", "description": "x" * 257}, "BOT_COMMAND_DESCRIPTION_INVALID"),
    ]
    for command, message in invalid:
        assert await fails(http, sim, "setMyCommands", commands=[command]) == (
            400,
            f"Bad Request: {message}",
        )
    assert await fails(http, sim, "setMyCommands", commands=commands, language_code="french") == (
        400,
        "Bad Request: invalid language code specified",
    )
    assert await fails(http, sim, "getMyCommands", scope={"type": "chat", "chat_id": 999}) == (
        400,
        "Bad Request: chat not found",
    )


async def test_profile_texts(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await ok(http, sim, "setMyDescription", description="Guides you through the exam.")
    await ok(http, sim, "setMyShortDescription", short_description="Exam guide", language_code="en")
    await ok(http, sim, "setMyName", name="IME Guide")
    assert await ok(http, sim, "getMyDescription") == {
        "description": "Guides you through the exam."
    }
    assert await ok(http, sim, "getMyShortDescription", language_code="en") == {
        "short_description": "Exam guide"
    }
    assert await ok(http, sim, "getMyName") == {"name": "IME Guide"}
    assert (await ok(http, sim, "getMe"))["first_name"] == "IME Guide"
    assert await fails(http, sim, "setMyShortDescription", short_description="x" * 121) == (
        400,
        "Bad Request: short description is too long",
    )
    assert sim.profile()["description"] == "Guides you through the exam."


async def test_chat_info_and_members(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    await sim.send_text(ALICE, "hi")
    sim.create_group(-100123, "Coordinators", members=[BOB], bot_status="administrator")
    private = await ok(http, sim, "getChat", chat_id=ALICE.id)
    assert private["type"] == "private" and private["first_name"] == "Alice"
    assert "accent_color_id" in private and "max_reaction_count" in private
    group = await ok(http, sim, "getChat", chat_id=-100123)
    assert group["title"] == "Coordinators" and group["type"] == "supergroup"
    member = await ok(http, sim, "getChatMember", chat_id=-100123, user_id=BOB.id)
    assert member == {"user": BOB.to_dict(), "status": "member"}
    me = await ok(http, sim, "getChatMember", chat_id=-100123, user_id=123456)
    assert me["status"] == "administrator" and me["can_delete_messages"] is True
    assert (await ok(http, sim, "getChatMember", chat_id=-100123, user_id=ALICE.id))[
        "status"
    ] == "left"
    assert await fails(http, sim, "getChatMember", chat_id=-100123, user_id=5555) == (
        400,
        "Bad Request: PARTICIPANT_ID_INVALID",
    )
    assert await fails(http, sim, "getChatMember", chat_id=ALICE.id, user_id=BOB.id) == (
        400,
        "Bad Request: member not found",
    )


async def test_chat_actions_and_events(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    events = sim.subscribe()
    await sim.send_text(ALICE, "hi")
    await ok(http, sim, "sendChatAction", chat_id=ALICE.id, action="typing")
    assert await fails(http, sim, "sendChatAction", chat_id=ALICE.id, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    sent = await ok(http, sim, "sendMessage", chat_id=ALICE.id, text="Hello")
    await ok(
        http, sim, "editMessageText", chat_id=ALICE.id, message_id=sent["message_id"], text="Hello!"
    )
    await ok(http, sim, "deleteMessage", chat_id=ALICE.id, message_id=sent["message_id"])
    kinds = [events.get_nowait().kind for _ in range(events.qsize())]
    assert kinds == [
        "user_message",
        "chat_action",
        "message_sent",
        "message_edited",
        "message_deleted",
    ]
    sim.unsubscribe(events)


async def test_close_and_log_out() -> None:
    sim = BotApiSimulator(TOKEN, close_cooldown=600)
    async with sim, aiohttp.ClientSession() as http:
        status, body = await call(http, sim, "close")
        assert status == 429 and body["parameters"]["retry_after"] > 590
        sim.methods.close_cooldown = 0
        assert await ok(http, sim, "close") is True
        assert await ok(http, sim, "logOut") is True
        assert await call(http, sim, "getMe") == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )


async def test_user_media(sim: BotApiSimulator, http: aiohttp.ClientSession) -> None:
    photo = await sim.send_media(ALICE, "photo", caption="my letter #exam")
    assert photo["photo"][-1]["width"] == 800 and photo["caption_entities"][0]["type"] == "hashtag"
    document = await sim.send_media(ALICE, "document", content=b"PDF!", file_name="letter.pdf")
    assert document["document"]["mime_type"] == "application/pdf"
    file = await ok(http, sim, "getFile", file_id=document["document"]["file_id"])
    async with http.get(f"{sim.url}/file/bot{TOKEN}/{file['file_path']}") as response:
        assert await response.read() == b"PDF!"
    voice = await sim.send_media(ALICE, "voice", duration=3)
    sticker = await sim.send_media(ALICE, "sticker", emoji="🙂")
    location = await sim.send_media(ALICE, "location", latitude=50.0, longitude=4.0)
    contact = await sim.send_media(ALICE, "contact", phone_number="+32123")
    assert voice["voice"]["duration"] == 3 and sticker["sticker"]["emoji"] == "🙂"
    assert location["location"] == {"latitude": 50.0, "longitude": 4.0}
    assert contact["contact"]["user_id"] == ALICE.id
    updates = await ok(http, sim, "getUpdates")
    assert len(updates) == 6
    with pytest.raises(Exception, match="has no caption"):
        await sim.send_media(ALICE, "sticker", caption="x")
