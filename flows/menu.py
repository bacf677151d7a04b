"""The main menu: the way back from every screen."""

from __future__ import annotations

from functools import cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Translate
from bot.messaging import StaticKeyboard, reply_long, send_and_forget, show_in_place

MENU = "menu:main"


@cache
def main_menu(_: Translate) -> InlineKeyboardMarkup:
    """The menu in one language; built once per language (see ``StaticKeyboard``)."""
    return StaticKeyboard(
        [
            [InlineKeyboardButton(_("About the IME"), callback_data="guide:root")],
            [
                InlineKeyboardButton(_("My appointments"), callback_data="appt_list"),
                InlineKeyboardButton(_("Prep checklist"), callback_data="prep:show"),
            ],
            [InlineKeyboardButton(_("Aftercare plan"), callback_data="aftercare:show")],
            [
                InlineKeyboardButton(_("Language"), callback_data="language:choose"),
                InlineKeyboardButton(_("Privacy and my data"), callback_data="privacy:show"),
            ],
            [InlineKeyboardButton(_("Help"), callback_data="help:show")],
        ]
    )


def back_to_menu_row(_: Translate) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("Main menu"), callback_data=MENU)]


def menu_text(_: Translate) -> str:
    return _("What would you like to do? Tap a button below.")


async def show_menu(update: Update, context: BotContext) -> None:
    """Answer the 'Main menu' button by turning the message into the menu."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_in_place(query, menu_text(_), main_menu(_), context.chat_data)


async def send_menu(update: Update, context: BotContext, lead: str | None = None) -> None:
    """Send the menu as a new message, optionally after a line of context."""
    _ = context.gettext
    assert update.effective_chat is not None
    text = f"{lead}\n\n{menu_text(_)}" if lead else menu_text(_)
    await send_and_forget(context.bot, update.effective_chat.id, text, main_menu(_))


async def present(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show a screen: in place under a tapped button, or as a reply to a typed command."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await show_in_place(update.callback_query, text, markup, context.chat_data)
        return
    assert update.effective_message is not None
    await reply_long(update.effective_message, text, reply_markup=markup)


def handlers() -> list[CallbackQueryHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(show_menu, pattern=f"^{MENU}$")]
