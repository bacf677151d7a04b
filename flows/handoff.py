"""The coordinators' side of a case: acknowledge, reply through the bot, resolve, list.

Only users in COORDINATOR_IDS may act; anyone else is told so and nothing changes. A reply
to any message of a case (the alert, a re-alert, a relayed message), in the coordinators'
chat or in a private chat with the bot, goes to the examinee as from the care team.
These handlers run before screening, so a coordinator's words are never screened as an
examinee's.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import alerts
from bot.context import BotContext
from bot.escalation import Coordinator, Outcome
from bot.i18n import N_, Translate, translator

NOT_AUTHORISED = N_("You are not authorised to act on alerts.")
OUTCOMES = {
    (alerts.ACK, Outcome.DONE): N_("Acknowledged. Thank you."),
    (alerts.ACK, Outcome.ALREADY): N_("Someone has already acknowledged this case."),
    (alerts.ACK, Outcome.CLOSED): N_("This case is already resolved."),
    (alerts.RESOLVE, Outcome.DONE): N_("Resolved. The person was told."),
    (alerts.RESOLVE, Outcome.ALREADY): N_("This case is already resolved."),
}
UNKNOWN_CASE = N_("I can't find that case.")
CLOSED_CASE = N_("Case #{case} is closed, so nothing was sent.")
SEVERAL_CASES = N_(
    "This message is about several cases ({cases}). Reply to one case's own message, or "
    "write /reply followed by the case number and your message."
)
NO_CASE = N_(
    "That message is not part of a case, so nothing was sent. Write /reply followed by the "
    "case number and your message, or /cases to see them."
)
TEXT_ONLY = N_("Only text can be passed on to the person.")
REPLY_USAGE = N_("Write /reply followed by the case number and your message, e.g. /reply 12 Hello.")
COORDINATOR_HELP = N_(
    "<b>Working with alerts</b>\n"
    "• <b>Acknowledge</b> under an alert: you have it. The person is told someone saw it.\n"
    "• <b>Reply</b> to an alert or to a message under it: your words go to the person, "
    "from the care team.\n"
    "• /reply 12 your message: the same, for case 12.\n"
    "• <b>Resolve</b>, or /resolve in reply, or /resolve 12: close the case. The person is "
    "told.\n"
    "• /cases: the open cases.\n"
    "An alert nobody acknowledges comes back, and coordinators who started a private chat "
    "with me get it there too."
)
RESOLVE_USAGE = N_("Reply /resolve to a message of the case, or write /resolve and its number.")


def _operator(context: BotContext) -> Translate:
    return translator(context.services.settings.DEFAULT_LANGUAGE)


def _coordinator(message: Message) -> Coordinator:
    user = message.from_user
    assert user is not None
    return Coordinator(user_id=user.id, name=user.full_name)


def _allowed(update: Update, context: BotContext) -> bool:
    user = update.effective_user
    return user is not None and context.services.escalations.is_coordinator(user.id)


def _in_reach(update: Update, context: BotContext) -> bool:
    """Case commands work in the coordinators' chat and in a coordinator's private chat;
    anyone else's private chat carries on to the flows (an unknown command there)."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.id == context.services.settings.COORDINATOR_CHAT_ID:
        return True
    return chat.type == "private" and _allowed(update, context)


async def case_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = _operator(context)
    if not _allowed(update, context):
        await query.answer(_(NOT_AUTHORISED), show_alert=True)
        raise ApplicationHandlerStop
    match = alerts.CASE_BUTTON.match(query.data)
    assert match is not None
    action, case_id = match.group(1), int(match.group(2))
    coordinator = Coordinator(user_id=query.from_user.id, name=query.from_user.full_name)
    escalations = context.services.escalations
    if action == alerts.ACK:
        outcome = escalations.acknowledge(case_id, coordinator)
    else:
        outcome = escalations.resolve(case_id, coordinator)
    await query.answer(_(OUTCOMES.get((action, outcome), UNKNOWN_CASE)))
    raise ApplicationHandlerStop


async def _answer(message: Message, text: str) -> None:
    await message.reply_text(text, do_quote=True)


async def reply_to_case(update: Update, context: BotContext) -> None:
    """A coordinator replied to a message of a case: pass it on to the examinee."""
    message = update.effective_message
    if message is None or message.reply_to_message is None or not _allowed(update, context):
        return
    escalations = context.services.escalations
    replied_to = message.reply_to_message
    cases = escalations.cases_for_message(message.chat_id, replied_to.message_id)
    _ = _operator(context)
    from_bot = replied_to.from_user is not None and replied_to.from_user.id == context.bot.id
    if not cases and from_bot:
        cases = _cases_on_buttons(replied_to)
    if not cases:
        in_group = message.chat_id == context.services.settings.COORDINATOR_CHAT_ID
        if in_group and from_bot:  # never leave a coordinator's words silently unsent
            await _answer(message, _(NO_CASE))
            raise ApplicationHandlerStop
        return
    if len(cases) > 1:
        listed = ", ".join(f"#{case}" for case in sorted(cases))
        await _answer(message, _(SEVERAL_CASES).format(cases=listed))
        raise ApplicationHandlerStop
    await _relay(message, context, cases[0], message.text or message.caption)
    raise ApplicationHandlerStop


def _cases_on_buttons(message: Message) -> list[int]:
    markup = message.reply_markup
    if markup is None:
        return []
    return alerts.cases_in_buttons(
        button.callback_data if isinstance(button.callback_data, str) else None
        for row in markup.inline_keyboard
        for button in row
    )


async def _relay(message: Message, context: BotContext, case_id: int, text: str | None) -> None:
    _ = _operator(context)
    coordinator = _coordinator(message)
    if not text or not text.strip():
        await _answer(message, _(TEXT_ONLY))
        return
    outcome = context.services.escalations.reply_to_examinee(
        case_id, coordinator, text.strip(), f"in:{message.chat_id}:{message.message_id}"
    )
    if outcome == Outcome.CLOSED:
        await _answer(message, _(CLOSED_CASE).format(case=case_id))
    elif outcome == Outcome.NOT_FOUND:
        await _answer(message, _(UNKNOWN_CASE))


async def reply_command(update: Update, context: BotContext) -> None:
    """/reply N text: for a combined alert, or when replying to the message is awkward."""
    message = update.effective_message
    if message is None or not _in_reach(update, context):
        return
    _ = _operator(context)
    if not _allowed(update, context):
        await _answer(message, _(NOT_AUTHORISED))
        raise ApplicationHandlerStop
    parts = (message.text or "").split(maxsplit=2)
    if len(parts) < 3 or not parts[1].lstrip("#").isdigit():
        await _answer(message, _(REPLY_USAGE))
        raise ApplicationHandlerStop
    await _relay(message, context, int(parts[1].lstrip("#")), parts[2])
    raise ApplicationHandlerStop


async def resolve_command(update: Update, context: BotContext) -> None:
    """/resolve in reply to a case message, or /resolve N."""
    message = update.effective_message
    if message is None or not _in_reach(update, context):
        return
    _ = _operator(context)
    if not _allowed(update, context):
        await _answer(message, _(NOT_AUTHORISED))
        raise ApplicationHandlerStop
    escalations = context.services.escalations
    args = context.args or []
    if args and args[0].lstrip("#").isdigit():
        cases = [int(args[0].lstrip("#"))]
    elif message.reply_to_message is not None:
        cases = escalations.cases_for_message(message.chat_id, message.reply_to_message.message_id)
    else:
        cases = []
    if len(cases) != 1:
        await _answer(message, _(RESOLVE_USAGE))
        raise ApplicationHandlerStop
    outcome = escalations.resolve(cases[0], _coordinator(message))
    if outcome != Outcome.DONE:
        await _answer(message, _(OUTCOMES.get((alerts.RESOLVE, outcome), UNKNOWN_CASE)))
    raise ApplicationHandlerStop


async def cases_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not _in_reach(update, context):
        return
    if not _allowed(update, context):
        await _answer(message, _operator(context)(NOT_AUTHORISED))
        raise ApplicationHandlerStop
    await message.reply_text(context.services.escalations.cases_text())
    raise ApplicationHandlerStop


async def coordinator_help(update: Update, context: BotContext) -> None:
    """/help in the coordinators' chat: how to work with alerts (examinees get their own)."""
    message = update.effective_message
    if message is None or message.chat_id != context.services.settings.COORDINATOR_CHAT_ID:
        return
    if not _allowed(update, context):
        return  # other members of the chat cannot act on alerts
    await message.reply_text(_operator(context)(COORDINATOR_HELP))
    raise ApplicationHandlerStop


def handlers() -> list[CallbackQueryHandler | CommandHandler | MessageHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("help", coordinator_help, filters=filters.ChatType.GROUPS),
        CallbackQueryHandler(case_button, pattern=alerts.CASE_BUTTON),
        CommandHandler("reply", reply_command),
        CommandHandler("resolve", resolve_command),
        CommandHandler("cases", cases_command),
        MessageHandler(filters.REPLY & ~filters.COMMAND, reply_to_case),
    ]
