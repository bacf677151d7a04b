"""``/language``: pick English, French or Spanish; remembered for every later message."""

from __future__ import annotations

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.commands import commands_in
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, SUPPORTED_LANGUAGES, Translate
from bot.messaging import show_in_place
from flows.menu import back_to_menu_row, main_menu, menu_text

PREFIX = "language:"


def _choices(_: Translate, current: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                ("✓ " if code == current else "") + LANGUAGE_NAMES[code],
                callback_data=PREFIX + code,
            )
        ]
        for code in SUPPORTED_LANGUAGES
    ]
    rows.append(back_to_menu_row(_))
    return InlineKeyboardMarkup(rows)


def _prompt(_: Translate) -> str:
    return _("Which language would you like me to use?")


async def ask_language(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        _prompt(context.gettext), reply_markup=_choices(context.gettext, context.language)
    )


async def choose_language(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.examinee is not None
    choice = query.data.removeprefix(PREFIX)
    if choice == "choose":
        await query.answer()
        await show_in_place(
            query,
            _prompt(context.gettext),
            _choices(context.gettext, context.language),
            context.chat_data,
        )
        return
    if choice not in SUPPORTED_LANGUAGES:
        await query.answer()
        return
    context.examinee = context.services.examinees.set_language(context.examinee.user_id, choice)
    _ = context.gettext
    await query.answer(_("Language changed."))
    # Telegram shows the command menu in the app's language; set this chat's to match.
    await context.bot.set_my_commands(
        commands_in(choice), scope=BotCommandScopeChat(context.examinee.chat_id)
    )
    await show_in_place(
        query,
        _("I'll speak English with you from now on.") + "\n\n" + menu_text(_),
        main_menu(_),
        context.chat_data,
    )


def handlers() -> list[CommandHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("language", ask_language, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose_language, pattern=f"^{PREFIX}"),
    ]
