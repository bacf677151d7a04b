"""JSON endpoints under ``/sim/`` exposing the control API to other processes.

Used by the standalone server (``python -m bot.simulator``) so a test or a person in
another process can play the users. Every endpoint answers ``{"ok": true, "result": ...}``
or ``{"ok": false, "error": "..."}``; file contents travel base64-encoded.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.simulator.errors import ApiError, SimulatorError
from bot.simulator.models import SimulatedUser

if TYPE_CHECKING:
    from bot.simulator.server import BotApiSimulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": _jsonable(result)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return value


def _guarded(handler: Callable[[web.Request, dict[str, Any]], Awaitable[Any]]) -> Handler:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            body: dict[str, Any] = {}
            if request.method == "POST" and request.body_exists:
                body = await request.json()
                if not isinstance(body, dict):
                    raise SimulatorError("the body must be a JSON object")
            body = {**dict(request.query), **body}
            return _ok(await handler(request, body))
        except (SimulatorError, ApiError, KeyError, TypeError, ValueError) as error:
            message = error.description if isinstance(error, ApiError) else str(error)
            return web.json_response({"ok": False, "error": message}, status=400)
        except TimeoutError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=408)

    return wrapper


def add_control_routes(app: web.Application, sim: BotApiSimulator) -> None:
    """Register the ``/sim/...`` endpoints for ``sim`` on ``app``."""
    users: dict[int, SimulatedUser] = {}

    def user_from(body: dict[str, Any]) -> SimulatedUser:
        if "user" in body:
            user = SimulatedUser(**body["user"])
            users[user.id] = user
            return user
        user_id = int(body["user_id"])
        if user_id not in users:
            raise SimulatorError(f"unknown user {user_id}; POST /sim/users first")
        return users[user_id]

    def optional_int(body: dict[str, Any], key: str) -> int | None:
        return int(body[key]) if body.get(key) not in (None, "") else None

    async def add_user(request: web.Request, body: dict[str, Any]) -> Any:
        user = SimulatedUser(**body)
        users[user.id] = user
        return user.to_dict()

    async def send_text(request: web.Request, body: dict[str, Any]) -> Any:
        return await sim.send_text(
            user_from(body),
            body["text"],
            chat_id=optional_int(body, "chat_id"),
            reply_to_message_id=optional_int(body, "reply_to_message_id"),
        )

    async def send_media(request: web.Request, body: dict[str, Any]) -> Any:
        known = {"user", "user_id", "kind", "chat_id", "caption", "reply_to_message_id"}
        fields = {key: value for key, value in body.items() if key not in known}
        if "content_base64" in fields:
            fields["content"] = base64.b64decode(fields.pop("content_base64"))
        return await sim.send_media(
            user_from(body),
            body["kind"],
            chat_id=optional_int(body, "chat_id"),
            caption=body.get("caption"),
            reply_to_message_id=optional_int(body, "reply_to_message_id"),
            **fields,
        )

    async def press_button(request: web.Request, body: dict[str, Any]) -> Any:
        query_id = await sim.press_button(
            user_from(body),
            int(body["message_id"]),
            body["callback_data"],
            chat_id=optional_int(body, "chat_id"),
        )
        return {"query_id": query_id}

    async def create_group(request: web.Request, body: dict[str, Any]) -> Any:
        members = [users[int(user_id)] for user_id in body.get("member_ids", [])]
        chat = sim.create_group(
            int(body["chat_id"]),
            body["title"],
            type=body.get("type", "supergroup"),
            username=body.get("username"),
            members=members,
            bot_status=body.get("bot_status", "member"),
        )
        return chat.to_dict()

    async def block(request: web.Request, body: dict[str, Any]) -> Any:
        sim.block(int(body["user_id"]))
        return True

    async def unblock(request: web.Request, body: dict[str, Any]) -> Any:
        sim.unblock(int(body["user_id"]))
        return True

    async def outage(request: web.Request, body: dict[str, Any]) -> Any:
        sim.outage(float(body["seconds"]), refuse_connections=bool(body.get("refuse_connections")))
        return True

    async def messages(request: web.Request, body: dict[str, Any]) -> Any:
        chat_id = int(body["chat_id"])
        return (
            sim.history(chat_id)
            if body.get("all") in ("1", "true", True)
            else sim.messages(chat_id)
        )

    async def wait_message(request: web.Request, body: dict[str, Any]) -> Any:
        return await sim.wait_for_message(
            int(body["chat_id"]), timeout=float(body.get("timeout", 5))
        )

    async def calls(request: web.Request, body: dict[str, Any]) -> Any:
        rejected = body.get("rejected") in ("1", "true", True)
        return sim.rejected_calls() if rejected else sim.calls

    async def callback_answer(request: web.Request, body: dict[str, Any]) -> Any:
        return sim.callback_answer(body["query_id"])

    async def commands(request: web.Request, body: dict[str, Any]) -> Any:
        return sim.commands(language_code=body.get("language_code", ""))

    async def webhook(request: web.Request, body: dict[str, Any]) -> Any:
        return sim.webhook_info()

    routes: list[tuple[str, str, Callable[[web.Request, dict[str, Any]], Awaitable[Any]]]] = [
        ("POST", "/sim/users", add_user),
        ("POST", "/sim/send_text", send_text),
        ("POST", "/sim/send_media", send_media),
        ("POST", "/sim/press_button", press_button),
        ("POST", "/sim/groups", create_group),
        ("POST", "/sim/block", block),
        ("POST", "/sim/unblock", unblock),
        ("POST", "/sim/outage", outage),
        ("GET", "/sim/messages", messages),
        ("GET", "/sim/wait_message", wait_message),
        ("GET", "/sim/calls", calls),
        ("GET", "/sim/callback_answer", callback_answer),
        ("GET", "/sim/commands", commands),
        ("GET", "/sim/webhook", webhook),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _guarded(handler))
