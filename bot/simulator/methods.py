"""The Bot API methods the simulator implements, with Telegram's checks and descriptions.

Each handler receives parameters already checked against the specification (types,
required parameters, ``reply_markup``) and either returns the method's result or raises
ApiError. Checks run in the order Telegram's server applies them: the chat first, then
the text, then whether the user blocked the bot, then flood control; a refused request
changes nothing.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.simulator.entities import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    FormattedText,
    format_text,
    utf16_len,
)
from bot.simulator.errors import ApiError, bad_request, not_supported, too_many_requests
from bot.simulator.media import (
    MAX_DOWNLOAD_SIZE,
    StoredFile,
    check_photo_dimensions,
    guess_mime_type,
    image_info,
    photo_sizes,
)
from bot.simulator.models import ChatState, StoredMessage, snapshot
from bot.simulator.ratelimit import RateLimiter
from bot.simulator.spec import UploadedFile
from bot.simulator.state import SimState, WebhookConfig, conflict

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# The message effects Telegram offers to every bot in private chats.
MESSAGE_EFFECTS = frozenset(
    {
        "5104841245755180586",
        "5107584321108051014",
        "5044134455711629726",
        "5046509860389126442",
        "5104858069142078462",
        "5046589136895476101",
    }
)
MAX_COMMANDS = 100
MAX_LONG_POLL_TIMEOUT = 50
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PROFILE_LIMITS = {"name": 64, "description": 512, "short_description": 120}

FetchUrl = Callable[[str], Awaitable[tuple[bytes, str | None, str]]]


@dataclass(frozen=True)
class Answer:
    """A successful result with the ``description`` Telegram adds (e.g. "Webhook was set")."""

    result: Any
    description: str


class BotApiMethods:
    """Implements the supported methods on a SimState."""

    def __init__(
        self,
        state: SimState,
        limiter: RateLimiter,
        *,
        fetch_url: FetchUrl,
        callback_query_timeout: float,
        close_cooldown: float,
        allow_loopback_http_webhooks: bool,
    ) -> None:
        self.state = state
        self.limiter = limiter
        self.fetch_url = fetch_url
        self.callback_query_timeout = callback_query_timeout
        self.close_cooldown = close_cooldown
        self.allow_loopback_http_webhooks = allow_loopback_http_webhooks
        self.handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.close,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyName": self.set_my_name,
            "getMyName": self.get_my_name,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
        }

    # ------------------------------------------------------------------ bot

    async def get_me(self, params: dict[str, Any]) -> Any:
        return self.state.get_me()

    async def log_out(self, params: dict[str, Any]) -> Any:
        self.state.logged_out = True
        self.state.updates_available.notify()
        return True

    async def close(self, params: dict[str, Any]) -> Any:
        """Telegram refuses ``close`` (429) for 10 minutes after the bot is launched."""
        remaining = self.close_cooldown - (time.monotonic() - self.state.started_at)
        if remaining > 0:
            raise too_many_requests(math.ceil(remaining))
        self.state.active_poll += 1
        self.state.updates_available.notify()
        return True

    # ------------------------------------------------------------------ updates

    async def get_updates(self, params: dict[str, Any]) -> Any:
        """Long polling: ``offset`` confirms, a newer poll ends this one with 409."""
        state = self.state
        if state.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = min(max(params.get("timeout", 0), 0), MAX_LONG_POLL_TIMEOUT)
        if "allowed_updates" in params:
            state.updates.set_allowed(params["allowed_updates"])
        if "offset" in params:
            state.updates.confirm(params["offset"])
        state.active_poll += 1
        poll_id = state.active_poll
        state.updates_available.notify()
        deadline = time.monotonic() + timeout
        while True:
            state.require_available()
            if poll_id != state.active_poll:
                raise conflict(
                    "terminated by other getUpdates request; "
                    "make sure that only one bot instance is running"
                )
            if state.webhook is not None:
                raise conflict("terminated by setWebhook request")
            pending = state.updates.pending[:limit]
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0 or state.stopping or state.logged_out:
                if pending:
                    state.delivered()
                return snapshot({"updates": pending})["updates"]
            await state.updates_available.wait(remaining)

    async def set_webhook(self, params: dict[str, Any]) -> Any:
        """Store the webhook; deliveries are done by the server's webhook loop."""
        state = self.state
        url = params["url"]
        if url == "":
            return await self.delete_webhook(params)
        self._check_webhook_url(url)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(secret):
            raise bad_request("secret token contains unallowed characters")
        if "allowed_updates" in params:
            state.updates.set_allowed(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            state.updates.clear()
        previous = state.webhook
        state.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=min(max(params.get("max_connections", 40), 1), 100),
            ip_address=params.get("ip_address"),
            has_custom_certificate=isinstance(params.get("certificate"), UploadedFile),
        )
        state.updates_available.notify()
        if previous is not None and previous.url == url:
            return Answer(True, "Webhook is already set")
        return Answer(True, "Webhook was set")

    def _check_webhook_url(self, url: str) -> None:
        """Telegram's HTTPS and port rules; loopback URLs may be plain HTTP for local tests."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:
            raise bad_request("bad webhook: Wrong port number specified in the URL") from None
        loopback = host == "localhost" or _is_loopback(host)
        if loopback and self.allow_loopback_http_webhooks and parts.scheme in ("http", "https"):
            return
        if parts.scheme != "https" or not host:
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        if (port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )

    async def delete_webhook(self, params: dict[str, Any]) -> Any:
        state = self.state
        if params.get("drop_pending_updates"):
            state.updates.clear()
        if state.webhook is None:
            return Answer(True, "Webhook is already deleted")
        state.webhook = None
        state.updates_available.notify()
        return Answer(True, "Webhook was deleted")

    async def get_webhook_info(self, params: dict[str, Any]) -> Any:
        return self.webhook_info()

    def webhook_info(self) -> dict[str, Any]:
        """The ``WebhookInfo`` object."""
        state = self.state
        webhook = state.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": bool(webhook and webhook.has_custom_certificate),
            "pending_update_count": len(state.updates.pending),
        }
        if webhook is not None:
            if webhook.ip_address:
                info["ip_address"] = webhook.ip_address
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
            info["max_connections"] = webhook.max_connections
            if state.updates.allowed_list is not None:
                info["allowed_updates"] = list(state.updates.allowed_list)
        return info

    # ------------------------------------------------------------------ sending

    def _check_send_options(self, params: dict[str, Any]) -> None:
        if "business_connection_id" in params:
            raise bad_request("business connection not found")
        if "message_thread_id" in params:
            raise bad_request("message thread not found")
        if "direct_messages_topic_id" in params:
            raise not_supported('parameter "direct_messages_topic_id"')
        if "suggested_post_parameters" in params:
            raise bad_request("suggested posts can be sent only to channel direct messages")
        if params.get("allow_paid_broadcast"):
            raise bad_request("FLOODSKIP_NOT_ALLOWED")
        effect = params.get("message_effect_id")
        if effect is not None and effect not in MESSAGE_EFFECTS:
            raise bad_request("EFFECT_ID_INVALID")

    def _format(
        self,
        text: str,
        params: dict[str, Any],
        *,
        entities_key: str,
        limit: int,
        too_long: str,
        allow_empty: bool,
    ) -> FormattedText:
        formatted = format_text(
            text,
            parse_mode=params.get("parse_mode"),
            entities=params.get(entities_key),
            user_lookup=self.state.user_dict,
            allow_empty=allow_empty,
        )
        if utf16_len(formatted.text) > limit:
            raise bad_request(too_long)
        return formatted

    def _caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = params.get("caption")
        if not caption:
            return {}
        formatted = self._format(
            caption,
            params,
            entities_key="caption_entities",
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            allow_empty=True,
        )
        content: dict[str, Any] = {}
        if formatted.text:
            content["caption"] = formatted.text
            if formatted.entities:
                content["caption_entities"] = list(formatted.entities)
        if params.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        return content

    def _reply_target(
        self, chat: ChatState, params: dict[str, Any]
    ) -> tuple[StoredMessage | None, dict[str, Any]]:
        reply = params.get("reply_parameters")
        if reply is None:
            return None, {}
        if reply.get("chat_id") not in (None, chat.chat.id):
            raise not_supported("replying to a message of another chat")
        target = self.state.find_message(chat, reply["message_id"])
        if target is None:
            if reply.get("allow_sending_without_reply"):
                return None, {}
            raise bad_request("message to be replied not found")
        extra: dict[str, Any] = {}
        quote = reply.get("quote")
        if quote:
            original = target.message.get("text") or target.message.get("caption") or ""
            position = reply.get("quote_position")
            found = original.find(quote) if position is None else position
            if found < 0 or original[found : found + len(quote)] != quote:
                raise bad_request("QUOTE_TEXT_INVALID")
            extra["quote"] = {"text": quote, "position": found, "is_manual": True}
        return target, extra

    def _deliver(
        self,
        chat: ChatState,
        content: dict[str, Any],
        params: dict[str, Any],
        *,
        reply_to: StoredMessage | None,
        reply_extra: dict[str, Any],
        file: StoredFile | None = None,
    ) -> dict[str, Any]:
        """The last checks (blocked, flood control), then store and announce the message."""
        state = self.state
        state.check_not_blocked(chat)
        self.limiter.acquire(chat.chat.id, chat.chat.type)
        markup = params.get("reply_markup")
        keyboard = None
        if markup is not None and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        elif markup is not None:
            keyboard = markup
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif "remove_keyboard" in markup:
                chat.reply_keyboard = None
        extra = dict(reply_extra)
        if params.get("protect_content"):
            extra["has_protected_content"] = True
        if params.get("message_effect_id"):
            extra["effect_id"] = params["message_effect_id"]
        stored = state.add_message(
            chat,
            sender=state.bot_dict(),
            content=content,
            from_bot=True,
            reply_to=reply_to,
            extra=extra,
        )
        stored.file = file
        stored.reply_keyboard = keyboard
        state.emit("message_sent", chat.chat.id, stored.message)
        return snapshot(stored.message)

    async def send_message(self, params: dict[str, Any]) -> Any:
        chat = self.state.resolve_chat(params["chat_id"], for_sending=True)
        self._check_send_options(params)
        formatted = self._format(
            params["text"],
            params,
            entities_key="entities",
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            allow_empty=False,
        )
        reply_to, reply_extra = self._reply_target(chat, params)
        content: dict[str, Any] = {"text": formatted.text}
        if formatted.entities:
            content["entities"] = list(formatted.entities)
        return self._deliver(chat, content, params, reply_to=reply_to, reply_extra=reply_extra)

    async def send_document(self, params: dict[str, Any]) -> Any:
        chat = self.state.resolve_chat(params["chat_id"], for_sending=True)
        self._check_send_options(params)
        stored_file = await self._input_file(params["document"], "document")
        caption = self._caption(params)
        reply_to, reply_extra = self._reply_target(chat, params)
        content = {"document": document_dict(stored_file), **caption}
        return self._deliver(
            chat, content, params, reply_to=reply_to, reply_extra=reply_extra, file=stored_file
        )

    async def send_photo(self, params: dict[str, Any]) -> Any:
        chat = self.state.resolve_chat(params["chat_id"], for_sending=True)
        self._check_send_options(params)
        stored_file = await self._input_file(params["photo"], "photo")
        caption = self._caption(params)
        reply_to, reply_extra = self._reply_target(chat, params)
        content: dict[str, Any] = {"photo": list(stored_file.extra["sizes"]), **caption}
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return self._deliver(
            chat, content, params, reply_to=reply_to, reply_extra=reply_extra, file=stored_file
        )

    async def _input_file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """An upload, a file_id of an earlier file, or an HTTP URL Telegram downloads."""
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            return self.store_file(kind, value.content, value.filename, value.content_type)
        if re.match(r"(?i)^https?://", value):
            content, content_type, name = await self.fetch_url(value)
            if kind == "document" and not _downloadable_document(name, content_type):
                raise bad_request("wrong type of the web page content")
            return self.store_file(kind, content, name, content_type)
        stored = self.state.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request("type of file mismatch")
        return stored

    def store_file(
        self, kind: str, content: bytes, file_name: str | None, content_type: str | None
    ) -> StoredFile:
        """Keep a new file; photos are checked and get Telegram's set of sizes."""
        files = self.state.files
        if kind != "photo":
            return files.add(
                kind,
                content,
                file_name=file_name,
                mime_type=guess_mime_type(file_name, content_type),
            )
        info = image_info(content)
        if info is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        mime_type, width, height = info
        check_photo_dimensions(width, height)
        sizes = photo_sizes(width, height)
        primary = files.add("photo", content, mime_type=mime_type, width=width, height=height)
        photo_list = []
        for size_width, size_height in sizes:
            is_original = (size_width, size_height) == sizes[-1]
            stored = (
                primary
                if is_original
                else files.alias(primary, width=size_width, height=size_height)
            )
            estimated = len(content) * size_width * size_height // max(width * height, 1)
            photo_list.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(content) if is_original else max(estimated, 1),
                    "width": size_width,
                    "height": size_height,
                }
            )
        for entry in photo_list:
            stored = files.get(entry["file_id"])
            if stored is not None:
                stored.extra["sizes"] = photo_list
        return primary

    # ------------------------------------------------------------------ editing

    def _edit_target(self, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
        if "inline_message_id" in params:
            raise not_supported("editing inline messages (inline_message_id)")
        if "business_connection_id" in params:
            raise bad_request("business connection not found")
        if "chat_id" not in params:
            raise bad_request("chat_id is empty")
        if "message_id" not in params:
            raise bad_request("message identifier is not specified")
        chat = self.state.resolve_chat(params["chat_id"])
        stored = self.state.find_message(chat, params["message_id"])
        if stored is None:
            raise bad_request("message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: ChatState,
        stored: StoredMessage,
        changes: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        message = stored.message
        current = {key: message.get(key) for key in changes}
        if current == changes and message.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self.state.check_not_blocked(chat)
        self.limiter.acquire(chat.chat.id, chat.chat.type)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = max(int(time.time()), int(message["date"]))
        self.state.emit("message_edited", chat.chat.id, message)
        return snapshot(message)

    async def edit_message_text(self, params: dict[str, Any]) -> Any:
        if "rich_message" in params:
            raise not_supported('parameter "rich_message"')
        if "text" not in params:
            raise bad_request("message text is empty")
        chat, stored = self._edit_target(params)
        if "text" not in stored.message:
            raise bad_request("there is no text in the message to edit")
        formatted = self._format(
            params["text"],
            params,
            entities_key="entities",
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            allow_empty=False,
        )
        changes = {"text": formatted.text, "entities": list(formatted.entities) or None}
        return self._apply_edit(chat, stored, changes, params.get("reply_markup"))

    async def edit_message_caption(self, params: dict[str, Any]) -> Any:
        chat, stored = self._edit_target(params)
        if not any(key in stored.message for key in ("document", "photo")):
            raise bad_request("there is no caption in the message to edit")
        caption = self._caption(params)
        changes = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
        }
        return self._apply_edit(chat, stored, changes, params.get("reply_markup"))

    async def edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        chat, stored = self._edit_target(params)
        return self._apply_edit(chat, stored, {}, params.get("reply_markup"))

    async def delete_message(self, params: dict[str, Any]) -> Any:
        state = self.state
        chat = state.resolve_chat(params["chat_id"])
        stored = state.find_message(chat, params["message_id"])
        if stored is None:
            raise bad_request("message to delete not found")
        is_admin = chat.bot_status in ("administrator", "creator")
        if not stored.from_bot and chat.chat.type != "private" and not is_admin:
            raise bad_request("message can't be deleted")
        if time.time() - stored.created_at > 48 * 3600:
            raise bad_request("message can't be deleted for everyone")
        stored.deleted = True
        state.emit("message_deleted", chat.chat.id, stored.message)
        return True

    # ------------------------------------------------------------------ callbacks & actions

    async def answer_callback_query(self, params: dict[str, Any]) -> Any:
        """A press can be answered once, within ``callback_query_timeout`` seconds."""
        state = self.state
        query = state.queries.get(params["callback_query_id"])
        if (
            query is None
            or query.answer is not None
            or time.monotonic() - query.created_at > self.callback_query_timeout
        ):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text", "")
        if utf16_len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not re.match(
            rf"(?i)^(https?://)?t\.me/{re.escape(state.bot_username)}\?start=", url
        ):
            raise bad_request("URL_INVALID")
        query.answer = {
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
            "url": url,
            "cache_time": params.get("cache_time", 0),
        }
        state.emit(
            "callback_answered",
            query.chat_id,
            None,
            query_id=query.query_id,
            message_id=query.message_id,
            **query.answer,
        )
        return True

    async def send_chat_action(self, params: dict[str, Any]) -> Any:
        chat = self.state.resolve_chat(params["chat_id"], for_sending=True)
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        if "business_connection_id" in params:
            raise bad_request("business connection not found")
        if "message_thread_id" in params:
            raise bad_request("message thread not found")
        self.state.check_not_blocked(chat)
        self.state.emit("chat_action", chat.chat.id, None, action=params["action"])
        return True

    # ------------------------------------------------------------------ chats

    async def get_chat(self, params: dict[str, Any]) -> Any:
        chat = self.state.resolve_chat(params["chat_id"])
        info = chat.chat.to_dict()
        info.update(
            {
                "accent_color_id": abs(chat.chat.id) % 7,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if chat.chat.type != "private":
            info["permissions"] = {
                "can_send_messages": True,
                "can_send_audios": True,
                "can_send_documents": True,
                "can_send_photos": True,
                "can_send_videos": True,
                "can_send_video_notes": True,
                "can_send_voice_notes": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_change_info": False,
                "can_invite_users": True,
                "can_pin_messages": False,
                "can_manage_topics": False,
            }
        return info

    async def get_chat_member(self, params: dict[str, Any]) -> Any:
        state = self.state
        chat = state.resolve_chat(params["chat_id"])
        user_id = params["user_id"]
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        if user_id == state.bot_id:
            status = chat.bot_status if chat.chat.type != "private" else "member"
            return chat_member(status, state.bot_dict())
        user = state.user_dict(user_id)
        if chat.chat.type == "private":
            if user_id != chat.chat.id or user is None:
                raise bad_request("member not found")
            return chat_member("member", user)
        if user is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        return chat_member(chat.members.get(user_id, "left"), user)

    async def get_file(self, params: dict[str, Any]) -> Any:
        stored = self.state.files.get(params["file_id"])
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------------------ commands & profile

    def scope_key(self, params: dict[str, Any]) -> tuple[Any, ...]:
        """Where setMyCommands stores a list: the scope (chats resolved) and the language."""
        language = params.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        kind = scope["type"]
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self.state.resolve_chat(scope["chat_id"])
            if kind != "chat" and chat.chat.type == "private":
                raise bad_request("can't use this scope in private chats")
            if kind == "chat_member":
                return (kind, chat.chat.id, scope["user_id"], language)
            return (kind, chat.chat.id, language)
        return (kind, language)

    async def set_my_commands(self, params: dict[str, Any]) -> Any:
        commands = params["commands"]
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        checked = []
        for command in commands:
            name = command["command"]
            description = command["description"]
            if not name:
                raise bad_request("command must be non-empty")
            if not description:
                raise bad_request("command description must be non-empty")
            if not _COMMAND_NAME.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if utf16_len(description) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name, "description": description})
        key = self.scope_key(params)
        if checked:
            self.state.commands[key] = checked
        else:
            self.state.commands.pop(key, None)
        self.state.changed.notify()
        return True

    async def get_my_commands(self, params: dict[str, Any]) -> Any:
        return snapshot({"c": self.state.commands.get(self.scope_key(params), [])})["c"]

    async def delete_my_commands(self, params: dict[str, Any]) -> Any:
        self.state.commands.pop(self.scope_key(params), None)
        self.state.changed.notify()
        return True

    def _set_profile(self, field: str, params: dict[str, Any]) -> bool:
        language = params.get("language_code", "")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        value = params.get(field, "")
        if utf16_len(value) > _PROFILE_LIMITS[field]:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        if value:
            self.state.profile[(field, language)] = value
        else:
            self.state.profile.pop((field, language), None)
        self.state.changed.notify()
        return True

    def profile_text(self, field: str, params: dict[str, Any]) -> str:
        """The bot's name or description for a language, falling back to the default."""
        language = params.get("language_code", "")
        profile = self.state.profile
        default = self.state.bot_name if field == "name" else ""
        return profile.get((field, language), profile.get((field, ""), default))

    async def set_my_name(self, params: dict[str, Any]) -> Any:
        return self._set_profile("name", params)

    async def get_my_name(self, params: dict[str, Any]) -> Any:
        return {"name": self.profile_text("name", params)}

    async def set_my_description(self, params: dict[str, Any]) -> Any:
        return self._set_profile("description", params)

    async def get_my_description(self, params: dict[str, Any]) -> Any:
        return {"description": self.profile_text("description", params)}

    async def set_my_short_description(self, params: dict[str, Any]) -> Any:
        return self._set_profile("short_description", params)

    async def get_my_short_description(self, params: dict[str, Any]) -> Any:
        return {"short_description": self.profile_text("short_description", params)}


def document_dict(stored: StoredFile) -> dict[str, Any]:
    """The ``Document`` object of a stored file."""
    data: dict[str, Any] = {}
    if stored.file_name:
        data["file_name"] = stored.file_name
    if stored.mime_type:
        data["mime_type"] = stored.mime_type
    data.update(
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
    )
    return data


def chat_member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ``ChatMember`` object with the fields its status requires."""
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
            }
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _downloadable_document(name: str, content_type: str | None) -> bool:
    """Telegram only downloads GIF, PDF and ZIP files for sendDocument by URL."""
    lowered = name.lower()
    if lowered.endswith((".pdf", ".zip", ".gif")):
        return True
    return (content_type or "").split(";")[0].strip() in (
        "application/pdf",
        "application/zip",
        "image/gif",
    )


__all__ = ["Answer", "ApiError", "BotApiMethods", "chat_member", "document_dict"]
