"""A strict local Telegram Bot API server for tests and try-outs, with a Python control API.

The real bot (python-telegram-bot over HTTP) talks to it exactly as to Telegram:
``ApplicationBuilder().base_url(sim.base_url)`` sends every call to
``{base_url}{token}/{method}``. Tests play the users: they send messages, press buttons,
block the bot, cut the connection, and then read what the bot did, including every call
it made and every call Telegram would have refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.simulator.control import add_control_routes
from bot.simulator.entities import find_auto_entities, utf16_len
from bot.simulator.errors import ApiError, SimulatorError, bad_request, not_supported
from bot.simulator.markup import parse_reply_markup
from bot.simulator.media import tiny_png
from bot.simulator.methods import Answer, BotApiMethods, chat_member, document_dict
from bot.simulator.models import (
    ApiCall,
    CallbackQueryRecord,
    ChatState,
    ChatType,
    SimEvent,
    SimulatedChat,
    SimulatedUser,
    StoredMessage,
    snapshot,
)
from bot.simulator.ratelimit import RateLimiter, RateLimits
from bot.simulator.spec import ApiSpec, MethodSpec, UploadedFile, decode_scalar
from bot.simulator.state import OutageError, SimState

T = TypeVar("T")
logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_UPLOAD_SIZE = 50 * 1024 * 1024
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_MEDIA_KINDS = ("photo", "document", "voice", "sticker", "location", "contact")
_CAPTIONED_KINDS = ("photo", "document", "voice")


def _json_response(payload: Any, status: int = 200) -> web.Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return web.Response(body=body.encode("utf-8"), status=status, content_type="application/json")


class BotApiSimulator:
    """A fake Telegram that behaves like the real one, driven by tests.

    ``rate_limits`` takes a RateLimits (or True for Telegram's limits, False for none);
    ``callback_query_timeout`` is how long a button press stays answerable (Telegram:
    about 15 s); ``close_cooldown`` is Telegram's 10 minutes during which ``close`` is
    refused after start; ``privacy_mode`` limits what the bot receives in groups, as
    BotFather's default does. ``control_api`` also serves the JSON control endpoints under
    ``/sim/`` (used by the standalone server).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "simulated_bot",
        bot_name: str = "Simulated Bot",
        rate_limits: RateLimits | bool = True,
        callback_query_timeout: float = 15.0,
        close_cooldown: float = 600.0,
        privacy_mode: bool = True,
        allow_loopback_http_webhooks: bool = True,
        webhook_retry_delays: Iterable[float] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0),
        webhook_timeout: float = 10.0,
        max_upload_size: int = MAX_UPLOAD_SIZE,
        first_update_id: int = 100_000_001,
        control_api: bool = False,
        spec: ApiSpec | None = None,
    ) -> None:
        if not _TOKEN.match(token):
            raise SimulatorError(f"not a bot token: {token!r} (expected '<digits>:<secret>')")
        self.token = token
        self.spec = spec or ApiSpec.load()
        update_spec = self.spec.type("Update")
        update_types = (
            [f.name for f in update_spec.fields if f.name != "update_id"] if update_spec else []
        )
        self.state = SimState(
            bot_id=int(token.split(":", 1)[0]),
            bot_username=bot_username,
            bot_name=bot_name,
            privacy_mode=privacy_mode,
            update_types=update_types,
            first_update_id=first_update_id,
        )
        if isinstance(rate_limits, bool):
            rate_limits = RateLimits(enabled=rate_limits)
        self.limiter = RateLimiter(rate_limits)
        self.methods = BotApiMethods(
            self.state,
            self.limiter,
            fetch_url=self._fetch_url,
            callback_query_timeout=callback_query_timeout,
            close_cooldown=close_cooldown,
            allow_loopback_http_webhooks=allow_loopback_http_webhooks,
        )
        self.webhook_retry_delays = tuple(webhook_retry_delays) or (1.0,)
        self.webhook_timeout = webhook_timeout
        self.max_upload_size = max_upload_size
        self.control_api = control_api
        self.webhook_deliveries: list[dict[str, Any]] = []
        self._calls: list[ApiCall] = []
        self._cursors: dict[int, int] = {}
        self._refuse_connections = False
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._host = "127.0.0.1"
        self._port = 0

    # ================================================================== lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 picks a free port); returns the ``base_url`` for PTB."""
        if self._runner is not None:
            raise SimulatorError("the simulator is already running")
        app = web.Application(client_max_size=self.max_upload_size + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        if self.control_api:
            add_control_routes(app, self)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        await self._site.start()
        self._host, self._port = self._runner.addresses[0][:2]
        self._session = aiohttp.ClientSession()
        self.state.stopping = False
        self.state.started_at = time.monotonic()
        self._spawn(self._webhook_loop())
        return self.base_url

    async def stop(self) -> None:
        """Answer pending long polls, stop delivering webhooks and close the server."""
        state = self.state
        state.stopping = True
        state.updates_available.notify()
        await asyncio.sleep(0)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def __aenter__(self) -> BotApiSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What to give ``ApplicationBuilder().base_url(...)``: ``http://host:port/bot``."""
        return f"{self.url}/bot"

    @property
    def url(self) -> str:
        if not self._port:
            raise SimulatorError("the simulator is not running; await sim.start() first")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def bot(self) -> dict[str, Any]:
        """The bot user as getMe returns it."""
        return self.state.get_me()

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ================================================================== HTTP: Bot API

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method_name = request.match_info["method"]
        recorded: dict[str, Any] = dict(request.query)
        try:
            if self.state.outage_active():
                raise OutageError()
            raw = await self._read_params(request)
            recorded = dict(raw)
            if not _TOKEN.match(token):
                raise ApiError(404, "Not Found")
            if token != self.token or self.state.logged_out:
                raise ApiError(401, "Unauthorized")
            method = self.spec.method(method_name)
            if method is None:
                raise ApiError(404, "Not Found")
            method_name = method.name
            params = self.spec.decode_params(method, raw)
            params = self._finish_params(method, raw, params)
            recorded = params
            handler = self.methods.handlers.get(method.name)
            if handler is None:
                raise not_supported("method")
            result = await handler(params)
        except OutageError:
            return self._outage_response(request, method_name, recorded)
        except ApiError as error:
            client_gone = request.transport is None or request.transport.is_closing()
            self._record(method_name, recorded, error=error, cancelled=client_gone)
            return _json_response(error.to_payload(), status=error.error_code)
        except asyncio.CancelledError:
            self._record(method_name, recorded, cancelled=True)
            raise
        except Exception:
            logger.exception("simulator failure in %s", method_name)
            failure = ApiError(500, "Internal Server Error: the simulator failed, see its log")
            self._record(method_name, recorded, error=failure)
            return _json_response(failure.to_payload(), status=500)
        description = None
        if isinstance(result, Answer):
            result, description = result.result, result.description
        self._record(method_name, recorded, result=result)
        payload: dict[str, Any] = {"ok": True, "result": result}
        if description:
            payload["description"] = description
        return _json_response(payload)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Query string, then the body (form, multipart or JSON) on top of it."""
        params: dict[str, Any] = dict(request.query)
        if not request.body_exists:
            return params
        content_type = request.content_type
        try:
            if content_type == "multipart/form-data":
                params.update(await self._read_multipart(request))
            elif content_type == "application/json":
                body = await request.read()
                if body.strip():
                    try:
                        data = json.loads(body)
                    except ValueError:
                        raise bad_request("can't parse JSON object") from None
                    if not isinstance(data, dict):
                        raise bad_request("JSON object expected")
                    params.update(data)
            else:
                form = await request.post()
                params.update({key: value for key, value in form.items() if isinstance(value, str)})
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        return params

    async def _read_multipart(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        total = 0
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            data = bytearray()
            while chunk := await part.read_chunk():
                total += len(chunk)
                if total > self.max_upload_size:
                    raise ApiError(413, "Request Entity Too Large")
                data += chunk
            if part.filename is not None:
                params[part.name] = UploadedFile(
                    field_name=part.name,
                    filename=part.filename,
                    content_type=part.headers.get(aiohttp.hdrs.CONTENT_TYPE),
                    content=bytes(data),
                )
            else:
                params[part.name] = bytes(data).decode(part.get_charset("utf-8"), "replace")
        return params

    def _finish_params(
        self, method: MethodSpec, raw: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        """reply_markup checks, legacy reply_to_message_id and ``attach://`` files."""
        markup_field = method.field("reply_markup")
        if markup_field is not None and "reply_markup" in params:
            params["reply_markup"] = parse_reply_markup(
                params["reply_markup"],
                self.spec,
                inline_only=markup_field.types == ("InlineKeyboardMarkup",),
                bot_username=self.state.bot_username,
            )
        legacy_reply = raw.get("reply_to_message_id")
        if (
            method.field("reply_parameters") is not None
            and "reply_parameters" not in params
            and legacy_reply not in (None, "")
        ):
            allow = raw.get("allow_sending_without_reply")
            params["reply_parameters"] = {
                "message_id": decode_scalar("Integer", legacy_reply, "reply_to_message_id"),
                "allow_sending_without_reply": allow not in (None, "")
                and decode_scalar("Boolean", allow, "allow_sending_without_reply"),
            }
        for field in method.fields:
            value = params.get(field.name)
            if (
                "InputFile" in field.types
                and isinstance(value, str)
                and value.startswith("attach://")
            ):
                upload = raw.get(value[len("attach://") :])
                if not isinstance(upload, UploadedFile):
                    raise bad_request("wrong file identifier/HTTP URL specified")
                params[field.name] = upload
        return params

    def _outage_response(
        self, request: web.Request, method_name: str, params: dict[str, Any]
    ) -> web.StreamResponse:
        self._record(method_name, params, error=ApiError(502, "Bad Gateway"))
        if self._refuse_connections and request.transport is not None:
            request.transport.close()
        return web.Response(text=_BAD_GATEWAY_PAGE, status=502, content_type="text/html")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        *,
        result: Any = None,
        error: ApiError | None = None,
        cancelled: bool = False,
    ) -> None:
        if cancelled:
            ok: bool | None = None
            status = None
        elif error is not None:
            ok, status = False, error.error_code
        else:
            ok, status = True, 200
        self._calls.append(
            ApiCall(
                method=method,
                params=params,
                timestamp=time.time(),
                ok=ok,
                http_status=status,
                result=snapshot({"r": result})["r"] if ok else None,
                error_code=error.error_code if error else None,
                description=error.description if error else None,
                retry_after=error.retry_after if error else None,
            )
        )
        self.state.changed.notify()

    # ================================================================== webhooks & URLs

    async def _webhook_loop(self) -> None:
        """Deliver pending updates one by one to the webhook, retrying with back-off."""
        state = self.state
        attempt = 0
        while not state.stopping:
            webhook = state.webhook
            if webhook is None or state.outage_active() or not state.updates.pending:
                attempt = 0
                await state.updates_available.wait(0.2)
                continue
            update = state.updates.pending[0]
            error = await self._post_update(webhook.url, webhook.secret_token, update)
            self.webhook_deliveries.append(
                {
                    "update_id": update["update_id"],
                    "url": webhook.url,
                    "error": error,
                    "time": time.time(),
                }
            )
            if error is None:
                state.updates.remove(update["update_id"])
                state.delivered()
                attempt = 0
                state.changed.notify()
                continue
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = error
            state.changed.notify()
            await asyncio.sleep(
                self.webhook_retry_delays[min(attempt, len(self.webhook_retry_delays) - 1)]
            )
            attempt += 1

    async def _post_update(
        self, url: str, secret: str | None, update: dict[str, Any]
    ) -> str | None:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        try:
            async with self._session.post(
                url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as error:
            return f"Connection error: {error.__class__.__name__}"

    async def _fetch_url(self, url: str) -> tuple[bytes, str | None, str]:
        """Download a file the bot passed by URL, as Telegram's servers would."""
        assert self._session is not None
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                if response.status != 200:
                    raise bad_request("failed to get HTTP URL content")
                content = await response.read()
                name = PurePosixPath(urlsplit(url).path).name or "file"
                return content, response.content_type, name
        except (aiohttp.ClientError, TimeoutError):
            raise bad_request("failed to get HTTP URL content") from None

    # ================================================================== control API: people & chats

    def create_group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "supergroup",
        username: str | None = None,
        members: Iterable[SimulatedUser] = (),
        bot_status: str = "member",
        added_by: SimulatedUser | None = None,
    ) -> SimulatedChat:
        """A group or supergroup the bot is in (``added_by`` sends the my_chat_member update)."""
        if type not in ("group", "supergroup"):
            raise SimulatorError(f"group type must be 'group' or 'supergroup', not {type!r}")
        if chat_id >= 0:
            raise SimulatorError("group and supergroup ids are negative")
        if chat_id in self.state.chats:
            raise SimulatorError(f"chat {chat_id} already exists")
        if bot_status not in ("member", "administrator"):
            raise SimulatorError("bot_status must be 'member' or 'administrator'")
        chat_type: ChatType = "group" if type == "group" else "supergroup"
        chat = SimulatedChat(id=chat_id, type=chat_type, title=title, username=username)
        state = ChatState(chat=chat, bot_status=bot_status)
        self.state.chats[chat_id] = state
        for user in members:
            self.add_member(chat_id, user)
        if added_by is not None:
            self.add_member(chat_id, added_by)
            self.state.enqueue(
                "my_chat_member",
                {
                    "chat": chat.to_dict(),
                    "from": added_by.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": chat_member("left", self.state.bot_dict()),
                    "new_chat_member": chat_member(bot_status, self.state.bot_dict()),
                },
            )
        return chat

    def add_member(self, chat_id: int, user: SimulatedUser, status: str = "member") -> None:
        """Make ``user`` a member (or ``administrator``/``creator``) of a group."""
        state = self._group(chat_id)
        if status not in ("member", "administrator", "creator"):
            raise SimulatorError("status must be 'member', 'administrator' or 'creator'")
        self.state.remember_user(user)
        state.members[user.id] = status

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends fail with 403 and the bot gets my_chat_member."""
        self._set_blocked(user_id, blocked=True)

    def unblock(self, user_id: int) -> None:
        """The user unblocks (restarts) the bot."""
        self._set_blocked(user_id, blocked=False)

    def _set_blocked(self, user_id: int, *, blocked: bool) -> None:
        if (user_id in self.state.blocked) == blocked:
            return
        if blocked:
            self.state.blocked.add(user_id)
        else:
            self.state.blocked.discard(user_id)
        chat = self.state.chats.get(user_id)
        user = self.state.users.get(user_id)
        if chat is not None and user is not None:
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            self.state.enqueue(
                "my_chat_member",
                {
                    "chat": chat.chat.to_dict(),
                    "from": user.to_dict(),
                    "date": int(time.time()),
                    "old_chat_member": chat_member(old, self.state.bot_dict()),
                    "new_chat_member": chat_member(new, self.state.bot_dict()),
                },
            )

    def outage(
        self,
        seconds: float,
        *,
        refuse_connections: bool = False,
        after_next_delivery: bool = False,
    ) -> None:
        """Telegram is unreachable for ``seconds``: every call gets 502 Bad Gateway, or
        with ``refuse_connections`` the port stops accepting connections.

        With ``after_next_delivery`` the outage starts the moment the next updates reach
        the bot: it holds a message it cannot answer, the case an outbox must survive.
        """
        if after_next_delivery:
            if refuse_connections:
                raise SimulatorError("after_next_delivery outages answer 502; don't combine")
            self.state.outage_on_delivery = seconds
            return
        self.state.outage_until = time.monotonic() + seconds
        self._refuse_connections = refuse_connections
        self.state.updates_available.notify()
        if refuse_connections and self._runner is not None:
            self._spawn(self._refuse_for(seconds))

    async def _refuse_for(self, seconds: float) -> None:
        if self._site is not None:
            await self._site.stop()
            self._site = None
        server = self._runner.server if self._runner else None
        for connection in list(server.connections if server else []):
            if connection.transport is not None:
                connection.transport.close()
        await asyncio.sleep(max(0.0, self.state.outage_until - time.monotonic()))
        if self._runner is not None and not self.state.stopping:
            self._site = web.TCPSite(self._runner, self._host, self._port)
            await self._site.start()
        self._refuse_connections = False

    # ================================================================== control API: users act

    def _user_chat(self, user: SimulatedUser, chat_id: int | None) -> ChatState:
        if chat_id is None or chat_id == user.id:
            if user.id in self.state.blocked:
                raise SimulatorError(
                    f"user {user.id} has blocked the bot; call sim.unblock({user.id}) first"
                )
            return self.state.private_chat(user)
        state = self._group(chat_id)
        if user.id not in state.members:
            raise SimulatorError(
                f"user {user.id} is not a member of chat {chat_id}; use create_group(members=...) "
                "or add_member()"
            )
        self.state.remember_user(user)
        return state

    def _group(self, chat_id: int) -> ChatState:
        state = self.state.chats.get(chat_id)
        if state is None or state.chat.type == "private":
            raise SimulatorError(f"no group {chat_id}; create it with create_group()")
        return state

    def _reply_target(
        self, state: ChatState, reply_to_message_id: int | None
    ) -> StoredMessage | None:
        if reply_to_message_id is None:
            return None
        target = self.state.find_message(state, reply_to_message_id)
        if target is None:
            raise SimulatorError(f"no message {reply_to_message_id} in chat {state.chat.id}")
        return target

    def _bot_receives(self, state: ChatState, stored: StoredMessage) -> bool:
        """Privacy mode: in groups the bot only sees commands and replies to its messages."""
        if state.chat.type == "private" or not self.state.privacy_mode:
            return True
        if state.bot_status in ("administrator", "creator"):
            return True
        replied = stored.message.get("reply_to_message")
        if replied and replied.get("from", {}).get("id") == self.state.bot_id:
            return True
        for entity in stored.message.get("entities", []):
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = stored.message["text"][: entity["length"]]
                _, _, addressee = command.partition("@")
                return not addressee or addressee.lower() == self.state.bot_username.lower()
        return False

    def _user_message(
        self,
        user: SimulatedUser,
        state: ChatState,
        content: dict[str, Any],
        reply: StoredMessage | None,
    ) -> dict[str, Any]:
        stored = self.state.add_message(
            state, sender=user.to_dict(), content=content, from_bot=False, reply_to=reply
        )
        self.state.emit("user_message", state.chat.id, stored.message)
        if self._bot_receives(state, stored):
            self.state.enqueue("message", stored.message)
        return snapshot(stored.message)

    async def send_text(
        self,
        user: SimulatedUser,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """``user`` writes ``text`` (privately, or in group ``chat_id``); returns the Message.

        Commands, mentions, links... get the entities Telegram would attach.
        """
        if not text.strip():
            raise SimulatorError("Telegram clients do not send empty messages")
        if utf16_len(text) > 4096:
            raise SimulatorError("Telegram clients split texts longer than 4096 characters")
        state = self._user_chat(user, chat_id)
        reply = self._reply_target(state, reply_to_message_id)
        content: dict[str, Any] = {"text": text}
        entities = _auto_entities(text)
        if entities:
            content["entities"] = entities
        message = self._user_message(user, state, content, reply)
        await asyncio.sleep(0)
        return message

    async def send_media(
        self,
        user: SimulatedUser,
        kind: str,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """``user`` sends a photo, document, voice, sticker, location or contact.

        Optional ``fields``: ``content`` (bytes) and ``file_name`` for files, ``width``/
        ``height`` for photos, ``duration`` for voice, ``emoji`` for stickers,
        ``latitude``/``longitude``, ``phone_number``/``first_name``/``last_name``.
        """
        if kind not in _MEDIA_KINDS:
            raise SimulatorError(f"kind must be one of {', '.join(_MEDIA_KINDS)}")
        if caption is not None and kind not in _CAPTIONED_KINDS:
            raise SimulatorError(f"a {kind} has no caption")
        state = self._user_chat(user, chat_id)
        reply = self._reply_target(state, reply_to_message_id)
        content = self._media_content(user, kind, dict(fields))
        if caption:
            content["caption"] = caption
            entities = _auto_entities(caption)
            if entities:
                content["caption_entities"] = entities
        message = self._user_message(user, state, content, reply)
        await asyncio.sleep(0)
        return message

    async def send_contact(
        self,
        user: SimulatedUser,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        user_id: int | None = None,
        *,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """``user`` sends a contact card; returns the Message with its ``contact``.

        A card from the address book has ``user_id`` only when that person is on Telegram;
        the ``request_contact`` keyboard button shares the user's own card: pass
        ``user_id=user.id``. The number is kept as written, as Telegram does.
        """
        if not isinstance(phone_number, str) or not phone_number.strip():
            raise SimulatorError("a contact card needs a phone_number")
        if not isinstance(first_name, str) or not first_name.strip():
            raise SimulatorError("a contact card needs a first_name")
        if last_name is not None and not isinstance(last_name, str):
            raise SimulatorError("last_name must be a string")
        if user_id is not None and (
            isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0
        ):
            raise SimulatorError("user_id must be a positive integer")
        state = self._user_chat(user, chat_id)
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None:
            contact["user_id"] = user_id
        message = self._user_message(user, state, {"contact": contact}, None)
        await asyncio.sleep(0)
        return message

    def _media_content(
        self, user: SimulatedUser, kind: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        allowed = {
            "photo": {"content", "width", "height"},
            "document": {"content", "file_name", "mime_type"},
            "voice": {"content", "duration"},
            "sticker": {"emoji"},
            "location": {"latitude", "longitude"},
            "contact": {"phone_number", "first_name", "last_name"},
        }[kind]
        unknown = set(fields) - allowed
        if unknown:
            raise SimulatorError(f"unknown field(s) for a {kind}: {', '.join(sorted(unknown))}")
        files = self.state.files
        if kind == "photo":
            data = fields.get("content") or tiny_png(
                fields.get("width", 800), fields.get("height", 600)
            )
            stored = self.methods.store_file("photo", data, None, None)
            return {"photo": list(stored.extra["sizes"])}
        if kind == "document":
            name = fields.get("file_name", "document.txt")
            data = fields.get("content", b"simulated document")
            stored = self.methods.store_file("document", data, name, fields.get("mime_type"))
            return {"document": document_dict(stored)}
        if kind == "voice":
            data = fields.get("content", b"OggS\x00simulated voice")
            stored = files.add("voice", data, mime_type="audio/ogg")
            return {
                "voice": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "duration": fields.get("duration", 1),
                    "mime_type": "audio/ogg",
                    "file_size": stored.size,
                }
            }
        if kind == "sticker":
            stored = files.add("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", mime_type="image/webp")
            return {
                "sticker": {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": fields.get("emoji", "👍"),
                    "file_size": stored.size,
                }
            }
        if kind == "location":
            return {
                "location": {
                    "latitude": float(fields.get("latitude", 48.8566)),
                    "longitude": float(fields.get("longitude", 2.3522)),
                }
            }
        contact: dict[str, Any] = {
            "phone_number": fields.get("phone_number", "+33100000000"),
            "first_name": fields.get("first_name", user.first_name),
            "user_id": user.id,
        }
        if fields.get("last_name"):
            contact["last_name"] = fields["last_name"]
        return {"contact": contact}

    async def press_button(
        self,
        user: SimulatedUser,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
    ) -> str:
        """``user`` presses the inline button with ``callback_data`` under the bot's message.

        Returns the callback query id; raises SimulatorError if there is no such button.
        """
        state = self._user_chat(user, chat_id)
        stored = self.state.find_message(state, message_id)
        if stored is None or not stored.from_bot:
            raise SimulatorError(f"the bot has no message {message_id} in chat {state.chat.id}")
        keyboard = stored.message.get("reply_markup", {}).get("inline_keyboard", [])
        offered = [button.get("callback_data") for row in keyboard for button in row]
        if callback_data not in offered:
            raise SimulatorError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"its callback buttons: {[data for data in offered if data is not None]}"
            )
        query_id = self.state.new_query_id()
        self.state.queries[query_id] = CallbackQueryRecord(
            query_id=query_id,
            user_id=user.id,
            chat_id=state.chat.id,
            message_id=message_id,
            data=callback_data,
            created_at=time.monotonic(),
        )
        payload = {
            "id": query_id,
            "from": user.to_dict(),
            "message": snapshot(stored.message),
            "chat_instance": str(
                (state.chat.id * 7_046_029_254_386_353_131 + self.state.bot_id) % (2**63) - 2**62
            ),
            "data": callback_data,
        }
        self.state.emit(
            "button_pressed", state.chat.id, stored.message, query_id=query_id, data=callback_data
        )
        self.state.enqueue("callback_query", payload)
        await asyncio.sleep(0)
        return query_id

    # ================================================================== control API: reading

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they now stand (edited, deleted ones left out).

        Each is Telegram's ``Message``; those carrying a file also have ``sim_file``:
        ``{"file_id", "name", "mime_type", "content"}`` with the bytes the bot uploaded.
        """
        state = self.state.chats.get(chat_id)
        if state is None:
            return []
        return [_view(m) for m in state.messages.values() if m.from_bot and not m.deleted]

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message still in the chat, the users' and the bot's, in order."""
        state = self.state.chats.get(chat_id)
        if state is None:
            return []
        return [_view(m) for m in state.messages.values() if not m.deleted]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's most recent message still in the chat."""
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The custom reply keyboard the user currently sees in a chat, if any."""
        state = self.state.chats.get(chat_id)
        return snapshot(state.reply_keyboard) if state and state.reply_keyboard else None

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return its value (TimeoutError after)."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = [f"{c.method} -> {c.error_code or 'ok'}" for c in self._calls[-5:]]
                raise TimeoutError(f"condition not met within {timeout} s; last calls: {recent}")
            await self.state.changed.wait(min(remaining, 0.05))

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """The next bot message in the chat that this method has not returned yet.

        Messages sent before the call count too, so a fast reply is never missed.
        """

        def find() -> dict[str, Any] | None:
            cursor = self._cursors.get(chat_id, 0)
            for message in self.messages(chat_id):
                if message["message_id"] > cursor and (predicate is None or predicate(message)):
                    return message
            return None

        message = await self.wait_for(find, timeout)
        self._cursors[chat_id] = message["message_id"]
        return message

    @property
    def calls(self) -> list[ApiCall]:
        """Every Bot API request received, in order."""
        return list(self._calls)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The calls of one method (case-insensitive)."""
        return [c for c in self._calls if c.method.lower() == method.lower()]

    def rejected_calls(self) -> list[ApiCall]:
        """The calls answered with ``ok: false`` (Telegram would have refused them too)."""
        return [c for c in self._calls if c.rejected]

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered a button press (``text``, ``show_alert``...), or None."""
        query = self.state.queries.get(query_id)
        return dict(query.answer) if query and query.answer else None

    def callback_answers(self) -> dict[str, dict[str, Any] | None]:
        """Every button press so far and its answer (None when unanswered)."""
        return {
            qid: (dict(q.answer) if q.answer else None) for qid, q in self.state.queries.items()
        }

    def subscribe(self) -> asyncio.Queue[SimEvent]:
        """A queue receiving every SimEvent from now on (for a live terminal view)."""
        queue: asyncio.Queue[SimEvent] = asyncio.Queue()
        self.state.subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[SimEvent]) -> None:
        if queue in self.state.subscribers:
            self.state.subscribers.remove(queue)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The commands set for a scope and language (as getMyCommands would answer)."""
        params: dict[str, Any] = {"language_code": language_code}
        if scope is not None:
            params["scope"] = scope
        return snapshot({"c": self.state.commands.get(self.methods.scope_key(params), [])})["c"]

    def profile(self, language_code: str = "") -> dict[str, str]:
        """The bot's name, description and short description for a language."""
        params = {"language_code": language_code}
        return {
            field: self.methods.profile_text(field, params)
            for field in ("name", "description", "short_description")
        }

    def webhook_info(self) -> dict[str, Any]:
        """What getWebhookInfo would answer now."""
        return self.methods.webhook_info()

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return snapshot({"u": self.state.updates.pending})["u"]

    def file_content(self, file_id: str) -> bytes:
        """The bytes behind a file id (uploaded by the bot or sent by a user)."""
        stored = self.state.files.get(file_id)
        if stored is None:
            raise SimulatorError(f"no file {file_id!r}")
        return stored.content


def _auto_entities(text: str) -> list[dict[str, Any]]:
    return [
        {"offset": e.offset, "length": e.length, "type": e.type} for e in find_auto_entities(text)
    ]


def _view(stored: StoredMessage) -> dict[str, Any]:
    message = snapshot(stored.message)
    if stored.file is not None:
        message["sim_file"] = {
            "file_id": stored.file.file_id,
            "name": stored.file.file_name,
            "mime_type": stored.file.mime_type,
            "content": stored.file.content,
        }
    return message
