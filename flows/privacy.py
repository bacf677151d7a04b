"""Data rights: ``/privacy`` explains, ``/mydata`` exports, ``/delete`` erases after a yes."""

from __future__ import annotations

import json

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, filters

from bot.context import BotContext
from bot.data_rights import erase_person, export_person
from bot.i18n import Translate
from bot.messaging import show_in_place
from flows.menu import back_to_menu_row, present
from flows.privacy_text import what_i_keep

PREFIX = "privacy:"


def _privacy_keyboard(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Send me a copy"), callback_data=PREFIX + "export")],
            [InlineKeyboardButton(_("Delete everything"), callback_data=PREFIX + "delete")],
            back_to_menu_row(_),
        ]
    )


def _confirm_keyboard(_: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, delete everything"), callback_data=PREFIX + "erase")],
            [InlineKeyboardButton(_("No, keep it"), callback_data=PREFIX + "keep")],
        ]
    )


def _confirm_text(_: Translate) -> str:
    return _(
        "This deletes everything I keep about you: your profile, your answers, and anything "
        "I planned to send you. It can't be undone.\n\nDelete everything?"
    )


async def show_privacy(update: Update, context: BotContext) -> None:
    _ = context.gettext
    await present(update, context, what_i_keep(_), _privacy_keyboard(_))


async def send_export(update: Update, context: BotContext) -> None:
    _ = context.gettext
    assert update.effective_user is not None and update.effective_chat is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    with context.services.database.session() as session:
        export = export_person(session, update.effective_user.id)
    payload = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(
        update.effective_chat.id,
        document=payload,
        filename="my-data.json",
        caption=_("Here is everything I keep about you."),
    )


async def ask_to_delete(update: Update, context: BotContext) -> None:
    _ = context.gettext
    await present(update, context, _confirm_text(_), _confirm_keyboard(_))


def _end_conversations(context: BotContext, user_id: int) -> None:
    """Forget this person's place in every conversation flow, in memory as on disk."""
    for group in context.application.handlers.values():
        for handler in group:
            if isinstance(handler, ConversationHandler):
                conversations = handler._conversations
                for key in [key for key in conversations if key and key[-1] == user_id]:
                    del conversations[key]


async def erase(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    _ = context.gettext
    user_id = update.effective_user.id
    await query.answer()
    _end_conversations(context, user_id)
    context.application.drop_user_data(user_id)
    with context.services.database.session() as session:
        erase_person(session, user_id)
    context.services.examinees.forget(user_id)
    context.services.escalations.forget(user_id)
    context.examinee = None
    await context.bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    await show_in_place(
        query,
        _(
            "Done. I deleted everything I kept about you. "
            "If you write to me again, we will start fresh."
        ),
        None,
        context.chat_data,
    )


async def keep(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    _ = context.gettext
    await query.answer()
    await show_in_place(
        query, _("Okay, nothing was deleted."), _privacy_keyboard(_), context.chat_data
    )


def handlers() -> list[CommandHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("privacy", show_privacy, filters=private),
        CommandHandler("mydata", send_export, filters=private),
        CommandHandler("delete", ask_to_delete, filters=private),
        CallbackQueryHandler(show_privacy, pattern=f"^{PREFIX}show$"),
        CallbackQueryHandler(send_export, pattern=f"^{PREFIX}export$"),
        CallbackQueryHandler(ask_to_delete, pattern=f"^{PREFIX}delete$"),
        CallbackQueryHandler(erase, pattern=f"^{PREFIX}erase$"),
        CallbackQueryHandler(keep, pattern=f"^{PREFIX}keep$"),
    ]
