"""Sending that Telegram never rejects: escaping, splitting long text, edits only on change."""

from __future__ import annotations

import html
import logging
import warnings
from html.parser import HTMLParser
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest
from telegram.warnings import PTBUserWarning

LOGGER = logging.getLogger(__name__)
# ``send_and_forget`` uses do_api_request for sendMessage on purpose (see there).
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.sendMessage' instead", category=PTBUserWarning
)
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH


class StaticKeyboard(InlineKeyboardMarkup):
    """An inline keyboard built once and sent many times, so it is serialised only once.

    The main menu goes out with most replies; rebuilding and re-serialising it each time
    was the largest part of the bot's CPU cost per message.
    """

    __slots__ = ("_serialised",)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        cached: dict[str, Any] | None = getattr(self, "_serialised", None)
        if cached is None:
            cached = super().to_dict(recursive=recursive)
            with self._unfrozen():
                self._serialised = cached
        return cached


def escape(text: str | None) -> str:
    """Escape anything a person typed before it goes into an HTML message."""
    return html.escape(text or "", quote=False)


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markup: str) -> str:
    """What Telegram shows for an HTML message: tags dropped, entities decoded, trimmed."""
    parser = _PlainText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts).strip()


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut ``text`` into pieces Telegram accepts, at paragraph, line or word boundaries.

    Measured on the raw markup, which is never shorter than what Telegram counts. Our
    markup keeps tags within a line, so cutting at line breaks never splits a tag.
    """
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        window = rest[:limit]
        while utf16_length(window) > limit:
            window = window[:-1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > limit // 4:
                break
        if cut <= 0:
            cut = len(window)
            # Never cut inside an HTML entity such as &amp;
            amp = window.rfind("&", max(0, cut - 10))
            if amp != -1 and ";" not in window[amp:]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return [piece for piece in pieces if piece]


async def send_and_forget(
    bot: Bot, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> int:
    """Send HTML text and return only the new message's id.

    ``send_message`` turns Telegram's answer back into a full ``Message`` with its
    keyboard, which costs more CPU than the rest of an ordinary reply; a reply nobody
    reads again needs only its id. Rate limiting still applies.
    """
    parameters: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": "HTML"}
    if reply_markup is not None:
        parameters["reply_markup"] = reply_markup
    result = await bot.do_api_request("sendMessage", api_kwargs=parameters)
    return int(result["message_id"])


async def reply_long(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Reply with ``text`` split as needed; the keyboard goes on the last piece."""
    pieces = split_text(text)
    sent = message
    for index, piece in enumerate(pieces):
        markup = reply_markup if index == len(pieces) - 1 else None
        sent = await message.reply_text(piece, reply_markup=markup)
    return sent


SHOWN_SCREENS = "shown_screens"
_REMEMBERED_SCREENS = 50


async def show_in_place(
    query: CallbackQuery,
    text: str,
    reply_markup: InlineKeyboardMarkup | None,
    chat_data: dict[str, Any] | None = None,
) -> None:
    """Edit the message under a button to a new screen, skipping edits that change nothing.

    Telegram rejects an edit to identical content ('message is not modified'), which a
    double tap would otherwise cause: both taps carry the old message, so what this process
    last put on screen (kept in ``chat_data``) is compared too.
    """
    message = query.message
    if not isinstance(message, Message):
        return
    wanted = (plain_text(text), reply_markup.to_json() if reply_markup else None)
    shown: dict[int, tuple[str, str | None]] = (
        chat_data.setdefault(SHOWN_SCREENS, {}) if chat_data is not None else {}
    )
    current = shown.get(message.message_id) or (
        message.text or "",
        message.reply_markup.to_json() if message.reply_markup else None,
    )
    if current == wanted:
        return
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
        LOGGER.warning("edit refused as unchanged: %s", exc.message)
    shown[message.message_id] = wanted
    while len(shown) > _REMEMBERED_SCREENS:
        shown.pop(next(iter(shown)))
