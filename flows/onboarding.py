"""``/start``: greet, say plainly what the bot is and is not, ask consent, show the menu."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.crisis_lines import crisis_line_for
from bot.i18n import Translate
from bot.invites import is_invite_payload
from bot.messaging import escape, show_in_place
from flows.invites import welcome_invited
from flows.menu import main_menu, menu_text
from flows.privacy_text import what_i_keep

ASKING_CONSENT = "asking_consent"
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PENDING_PAYLOAD = "start_payload"


def emergency_numbers(context: BotContext) -> str:
    _ = context.gettext
    numbers = crisis_line_for(context.services.settings.DEFAULT_COUNTRY).emergency
    return _(" or ").join(numbers)


def _consent_keyboard(_: Translate, *, explained: bool) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(_("Yes, that's okay"), callback_data="consent:yes")]]
    if not explained:
        rows.append([InlineKeyboardButton(_("What do you keep?"), callback_data="consent:what")])
    rows.append([InlineKeyboardButton(_("No, thanks"), callback_data="consent:no")])
    return InlineKeyboardMarkup(rows)


def _consent_question(_: Translate) -> str:
    return _(
        "To help you, I need to keep a few things, like your language and your answers "
        "to my questions. Is that okay?\n\n"
        "You can change your mind at any time. /delete removes everything."
    )


def _introduction(context: BotContext, name: str) -> str:
    _ = context.gettext
    return _(
        "Hi {name}. I'm here to help you get ready for an Independent Medical "
        "Examination (IME).\n\n"
        "I can explain what an IME is, what to expect, and what your rights are.\n\n"
        "<b>Good to know</b>\n"
        "• I'm a bot, not a doctor.\n"
        "• I'm not part of your treatment team, and I don't work for the examiner.\n"
        "• I'm not an emergency service. In an emergency, call {emergency}."
    ).format(name=escape(name), emergency=emergency_numbers(context))


async def _act_on_payload(update: Update, context: BotContext) -> None:
    """A deep link opened before consent is acted on once the person has agreed."""
    payload = context.user_data.pop(PENDING_PAYLOAD, None)  # type: ignore[union-attr]
    if is_invite_payload(payload):
        await welcome_invited(update, context, payload)


async def start(update: Update, context: BotContext) -> str | int:
    _ = context.gettext
    message, examinee = update.effective_message, context.examinee
    assert message is not None and examinee is not None
    if context.args and START_PAYLOAD.match(context.args[0]):
        # Kept until consent; later features (invites) act on it.
        context.user_data[PENDING_PAYLOAD] = context.args[0]  # type: ignore[index]
    if examinee.consented_at is not None:
        await message.reply_text(
            _("Welcome back, {name}.").format(name=escape(examinee.first_name))
            + "\n\n"
            + menu_text(_),
            reply_markup=main_menu(_),
        )
        await _act_on_payload(update, context)
        return ConversationHandler.END
    await message.reply_text(_introduction(context, examinee.first_name))
    await message.reply_text(
        _consent_question(_), reply_markup=_consent_keyboard(_, explained=False)
    )
    return ASKING_CONSENT


async def consent_given(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and context.examinee is not None
    context.examinee = context.services.examinees.record_consent(context.examinee.user_id)
    _ = context.gettext
    await query.answer()
    await show_in_place(
        query,
        _("Thank you. You're all set.") + "\n\n" + menu_text(_),
        main_menu(_),
        context.chat_data,
    )
    await _act_on_payload(update, context)
    return ConversationHandler.END


async def consent_explained(update: Update, context: BotContext) -> str:
    query = update.callback_query
    assert query is not None
    _ = context.gettext
    await query.answer()
    await show_in_place(
        query,
        what_i_keep(_) + "\n\n" + _consent_question(_),
        _consent_keyboard(_, explained=True),
        context.chat_data,
    )
    return ASKING_CONSENT


async def consent_declined(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and context.examinee is not None
    context.examinee = context.services.examinees.withdraw_consent(context.examinee.user_id)
    context.user_data.pop(PENDING_PAYLOAD, None)  # type: ignore[union-attr]
    _ = context.gettext
    await query.answer()
    await show_in_place(
        query,
        _(
            "That's okay. I won't save your answers. You can still read about the IME. "
            "If you change your mind, send /start."
        ),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("About the IME"), callback_data="guide:root")]]
        ),
        context.chat_data,
    )
    return ConversationHandler.END


async def remind_to_choose(update: Update, context: BotContext) -> str:
    """Text typed while consent is pending: ask again, gently, with the same buttons."""
    _ = context.gettext
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        _("Please choose one of the buttons below first.") + "\n\n" + _consent_question(_),
        reply_markup=_consent_keyboard(_, explained=False),
    )
    return ASKING_CONSENT


def handlers() -> list[ConversationHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        ConversationHandler(
            name="onboarding",
            persistent=True,
            allow_reentry=True,
            entry_points=[CommandHandler("start", start, filters=private)],
            states={
                ASKING_CONSENT: [
                    CallbackQueryHandler(consent_given, pattern="^consent:yes$"),
                    CallbackQueryHandler(consent_explained, pattern="^consent:what$"),
                    CallbackQueryHandler(consent_declined, pattern="^consent:no$"),
                    MessageHandler(private & filters.TEXT & ~filters.COMMAND, remind_to_choose),
                ]
            },
            fallbacks=[],
        )
    ]
