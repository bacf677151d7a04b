"""The IME explainer: screens edited in place, each with a way back."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.guide import ROOT, SCREENS, parent_of
from bot.i18n import Translate
from bot.messaging import reply_long, show_in_place
from flows.menu import back_to_menu_row

PREFIX = "guide:"


def render(key: str, _: Translate) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of one screen: its topics, then back and the main menu."""
    screen = SCREENS[key]
    rows = [
        [InlineKeyboardButton(_(SCREENS[child].label), callback_data=PREFIX + child)]
        for child in screen.children
    ]
    parent = parent_of(key)
    if parent is not None:
        rows.append([InlineKeyboardButton(_("Back"), callback_data=PREFIX + parent)])
    rows.append(back_to_menu_row(_))
    return _(screen.body), InlineKeyboardMarkup(rows)


async def open_guide(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    text, markup = render(ROOT, context.gettext)
    await reply_long(message, text, reply_markup=markup)


async def show_screen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    key = query.data.removeprefix(PREFIX)
    _ = context.gettext
    if key not in SCREENS:
        await query.answer(_("This page has moved. Here is the start of the guide."))
        key = ROOT
    else:
        await query.answer()
    text, markup = render(key, _)
    await show_in_place(query, text, markup, context.chat_data)


def handlers() -> list[CommandHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("guide", open_guide, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_screen, pattern=f"^{PREFIX}"),
    ]
