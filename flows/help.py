"""``/help``, answers to media the bot cannot read, and the fallback for everything else.

The fallback handlers sit last in the flows' group, so they answer only what no flow took,
in every conversation state.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import PUBLIC_COMMANDS
from bot.context import BotContext
from bot.messaging import show_in_place
from flows.menu import main_menu, menu_text, present, send_menu
from flows.onboarding import emergency_numbers


def help_text(context: BotContext) -> str:
    _ = context.gettext
    lines = [_("<b>How to use me</b>"), "", _("Tap a button, or send one of these commands:")]
    lines += [f"/{name} – {_(description)}" for name, description in PUBLIC_COMMANDS]
    lines += [
        "",
        _("I'm not an emergency service. In an emergency, call {emergency}.").format(
            emergency=emergency_numbers(context)
        ),
    ]
    return "\n".join(lines)


async def show_help(update: Update, context: BotContext) -> None:
    await present(update, context, help_text(context), main_menu(context.gettext))


async def not_understood(update: Update, context: BotContext) -> None:
    _ = context.gettext
    await send_menu(
        update, context, _("Sorry, I didn't understand that. I work best with the buttons.")
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    _ = context.gettext
    await send_menu(update, context, _("I don't know that command. /help lists the ones I know."))


async def media_received(update: Update, context: BotContext) -> None:
    """Say kindly what the bot can do with what was sent, and keep nothing of it."""
    _ = context.gettext
    message = update.effective_message
    assert message is not None
    if message.sticker or message.animation or message.dice:
        reply = _("Thanks! I can only read text, so please write to me or tap a button.")
    elif message.voice or message.audio or message.video_note:
        reply = _("I can't listen to voice or audio messages. Could you type it instead?")
    elif message.photo or message.document or message.video:
        reply = _(
            "I can't open photos or files, and I don't keep them. Please don't send me "
            "medical records: keep them for your exam. You can write to me or tap a button."
        )
    elif message.location or message.venue:
        reply = _("Thanks. I don't use or keep locations. You can write to me or tap a button.")
    elif message.contact:
        reply = _("Thanks. I don't use contact cards here. You can write to me or tap a button.")
    else:
        reply = _("I can't read this kind of message. Please write to me or tap a button.")
    await send_menu(update, context, reply)


async def expired_button(update: Update, context: BotContext) -> None:
    """A button from an old message that no flow takes any more: answer, never ignore."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    await query.answer(_("This button is no longer active. Here is the main menu."))
    await show_in_place(query, menu_text(_), main_menu(_), context.chat_data)


def handlers() -> list[CommandHandler | MessageHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", show_help, filters=private),
        CallbackQueryHandler(show_help, pattern="^help:show$"),
    ]


def fallback_handlers() -> list[MessageHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & filters.TEXT, not_understood),
        MessageHandler(private & ~filters.StatusUpdate.ALL, media_received),
        CallbackQueryHandler(expired_button),
    ]
