"""Crisis screening of every message, before any flow sees it, and the examinee's side of a case.

Runs in its own handler group ahead of the flows, in every conversation state and before
``/start``. An ambiguous message gets the direct question; a positive screen opens a case
(the safe reply and the alert go through the outbox, so they survive outages and crashes).
While a case is open, what the person writes goes to the coordinators instead of the flows;
commands still work. The flow the person was in carries on once the case is closed.
"""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot import safe_messages
from bot.context import BotContext
from bot.escalation import Reporter
from bot.i18n import N_
from bot.messaging import escape, show_in_place
from bot.screening import RiskLevel, screen_message

DIRECT_PATTERN = re.compile(rf"^{safe_messages.DIRECT}(\d+):(yes|no|unsaid)$")
ACUTE_PATTERN = re.compile(rf"^{safe_messages.ACUTE}(\d+):(yes|no)$")
ANSWERED = N_("You answered: {answer}")
ATTACHMENT = N_("[sent something that is not text: {kind}]")


def reporter_of(update: Update, context: BotContext) -> Reporter:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Reporter(
        user_id=user.id,
        chat_id=chat.id,
        name=user.full_name,
        username=user.username,
        language=context.language,
    )


def _is_command(message: Message) -> bool:
    return any(
        entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0
        for entity in message.entities
    )


def _source(message: Message) -> str:
    return f"in:{message.chat_id}:{message.message_id}"


def _attachment_kind(message: Message) -> str:
    for kind in ("photo", "video", "voice", "audio", "document", "sticker", "contact"):
        if getattr(message, kind):
            return kind
    return "message"


async def screen(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None or update.effective_user is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    text = message.text or message.caption or ""
    escalations = context.services.escalations
    case_id = escalations.open_case_id(update.effective_user.id)
    if case_id is not None and not _is_command(message):
        screening = screen_message(text, context.language)
        shown = text or context.gettext(ATTACHMENT).format(kind=_attachment_kind(message))
        reporter = reporter_of(update, context)
        answered = bool(text) and escalations.answer_typed(reporter, text, _source(message))
        if escalations.relay_from_examinee(
            reporter,
            case_id,
            shown,
            screening.level,
            screening.explain(),
            _source(message),
            tell_examinee=not answered,
        ):
            raise ApplicationHandlerStop
    if not text:
        return
    if not _is_command(message) and escalations.answer_typed(
        reporter_of(update, context), text, _source(message)
    ):
        raise ApplicationHandlerStop
    screening = screen_message(text, context.language)
    if screening.level == RiskLevel.NONE:
        return
    reporter = reporter_of(update, context)
    if screening.level == RiskLevel.CHECK:
        escalations.ask_directly(reporter, screening, text, _source(message))
        raise ApplicationHandlerStop
    escalations.report_crisis(
        reporter, screening.level, text, screening.explain(), _source(message)
    )
    raise ApplicationHandlerStop


async def _close_question(
    update: Update, context: BotContext, answer: str, after: str | None = None
) -> None:
    """Keep the question on screen with the answer under it, and take the buttons away."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    question = escape(query.message.text or "")
    answered = context.gettext(ANSWERED).format(answer=escape(answer))
    text = f"{question}\n\n<i>{answered}</i>" + (f"\n\n{after}" if after else "")
    await show_in_place(query, text, None, context.chat_data)


async def answer_direct_question(update: Update, context: BotContext) -> None:
    """'Yes' or a refusal opens a case at concern; 'no' ends it kindly. All are logged."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    match = DIRECT_PATTERN.match(query.data)
    assert match is not None
    await query.answer()
    check_id, answer = int(match.group(1)), match.group(2)
    reporter = reporter_of(update, context)
    context.services.escalations.answer_check(reporter, check_id, answer, f"cb:{query.id}")
    labels = {"yes": _("Yes"), "no": _("No"), "unsaid": _("I'd rather not say")}
    kind_word = None
    if answer == "no":
        country = context.services.settings.DEFAULT_COUNTRY
        kind_word = safe_messages.direct_no(_, context.language, country)
    await _close_question(update, context, labels[answer], kind_word)
    raise ApplicationHandlerStop


async def answer_acute_question(update: Update, context: BotContext) -> None:
    """'Yes, right now' makes the case urgent; either answer is recorded for the team."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    match = ACUTE_PATTERN.match(query.data)
    assert match is not None
    await query.answer()
    case_id, answer = int(match.group(1)), match.group(2)
    context.services.escalations.answer_acute(
        update.effective_user.id, case_id, answer, f"cb:{query.id}"
    )
    labels = {"yes": _("Yes, right now"), "no": _("Not right now")}
    await _close_question(update, context, labels[answer])
    raise ApplicationHandlerStop


def handlers() -> list[MessageHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    return [
        CallbackQueryHandler(answer_direct_question, pattern=DIRECT_PATTERN),
        CallbackQueryHandler(answer_acute_question, pattern=ACUTE_PATTERN),
        # Every message but service ones; TEXT first, since ~StatusUpdate.ALL runs fifty
        # filters and most messages are text, which is never a status update.
        MessageHandler(
            filters.ChatType.PRIVATE & (filters.TEXT | ~filters.StatusUpdate.ALL), screen
        ),
    ]
