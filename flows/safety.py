"""Crisis screening of every text and caption, before any flow sees it.

Runs in its own handler group ahead of the flows, in every conversation state and before
``/start``. A message at concern or high gets the fixed safe reply at once and the
coordinators are told; an ambiguous one gets the direct question. The flow the person was
in is untouched and carries on with their next message.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.crisis_lines import crisis_line_for
from bot.i18n import N_, translator
from bot.messaging import escape, show_in_place
from bot.screening import RiskLevel, Screening, screen_message

PREFIX = "safety:"
ALERT_TEXT_LIMIT = 500
ALERT = N_(
    "<b>Safety alert: {level}</b>\n"
    "From: {name} (@{username}, id {id}), language {language}\n"
    "Message: “{message}”\n"
    "Screener: {explanation}\n"
    "Please reach out to this person now."
)
DIRECT_ANSWER = N_("Answered “{answer}” to the direct question.")
ANSWER_NAMES = {"yes": N_("Yes"), "unsaid": N_("I'd rather not say")}
LEVEL_NAMES = {
    RiskLevel.CHECK: N_("check"),
    RiskLevel.CONCERN: N_("concern"),
    RiskLevel.HIGH: N_("HIGH"),
}


def _numbers(context: BotContext) -> tuple[str, str]:
    _ = context.gettext
    line = crisis_line_for(context.services.settings.DEFAULT_COUNTRY)
    return escape(line.crisis_line_in(context.language)), _(" or ").join(line.emergency)


def safe_reply(context: BotContext, level: RiskLevel, coordinators_told: bool) -> str:
    """The fixed, reviewed reply: acknowledge, not alone, help now, a person, stay open."""
    _ = context.gettext
    crisis_line, emergency = _numbers(context)
    parts = [_("Thank you for telling me. I'm really glad you did. You are not alone.")]
    if level >= RiskLevel.HIGH:
        parts.append(
            _(
                "<b>If you might act on these thoughts or you are in danger now, call "
                "{emergency} now.</b>"
            ).format(emergency=emergency)
        )
    parts.append(_("You can talk to someone right now, any time: {line}.").format(line=crisis_line))
    if coordinators_told:
        parts.append(_("I've asked a coordinator to contact you as soon as they can."))
    parts.append(_("Would you like to keep talking with me while you wait?"))
    return "\n\n".join(parts)


async def _alert_coordinators(
    update: Update, context: BotContext, screening: Screening, text: str
) -> bool:
    chat_id = context.services.settings.COORDINATOR_CHAT_ID
    user = update.effective_user
    if chat_id is None or user is None:
        return False
    _ = translator(context.services.settings.DEFAULT_LANGUAGE)
    trimmed = text if len(text) <= ALERT_TEXT_LIMIT else text[:ALERT_TEXT_LIMIT] + "…"
    await context.bot.send_message(
        chat_id,
        _(ALERT).format(
            level=_(LEVEL_NAMES[screening.level]),
            name=escape(user.full_name),
            username=escape(user.username or "-"),
            id=user.id,
            language=context.language,
            message=escape(trimmed),
            explanation=escape(screening.explain()),
        ),
    )
    return True


def _direct_question(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    return (
        _(
            "I want to make sure you're okay. Are you having thoughts of ending your life, "
            "or of hurting yourself or someone else?"
        ),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Yes"), callback_data=PREFIX + "yes")],
                [InlineKeyboardButton(_("No"), callback_data=PREFIX + "no")],
                [InlineKeyboardButton(_("I'd rather not say"), callback_data=PREFIX + "unsaid")],
            ]
        ),
    )


async def screen(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    text = message.text or message.caption or ""
    screening = screen_message(text, context.language)
    if screening.level == RiskLevel.NONE:
        return
    if screening.level == RiskLevel.CHECK:
        question, markup = _direct_question(context)
        await message.reply_text(question, reply_markup=markup)
        raise ApplicationHandlerStop
    told = await _alert_coordinators(update, context, screening, text)
    await message.reply_text(safe_reply(context, screening.level, told))
    raise ApplicationHandlerStop


async def answer_direct_question(update: Update, context: BotContext) -> None:
    """'Yes' or a refusal raises the level to concern; 'no' ends it kindly."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    if query.data == PREFIX + "no":
        crisis_line, _emergency = _numbers(context)
        await show_in_place(
            query,
            _("Thank you for letting me know. If that changes, I'm here, and so is {line}.").format(
                line=crisis_line
            ),
            None,
            context.chat_data,
        )
        raise ApplicationHandlerStop
    screening = Screening(level=RiskLevel.CONCERN, findings=(), language=context.language)
    operator = translator(context.services.settings.DEFAULT_LANGUAGE)
    answer = operator(ANSWER_NAMES[query.data.removeprefix(PREFIX)])
    told = await _alert_coordinators(
        update, context, screening, operator(DIRECT_ANSWER).format(answer=answer)
    )
    await show_in_place(
        query, safe_reply(context, RiskLevel.CONCERN, told), None, context.chat_data
    )
    raise ApplicationHandlerStop


def handlers() -> list[MessageHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    return [
        CallbackQueryHandler(answer_direct_question, pattern=f"^{PREFIX}(yes|no|unsaid)$"),
        MessageHandler(filters.ChatType.PRIVATE & (filters.TEXT | filters.CAPTION), screen),
    ]
