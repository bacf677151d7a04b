"""Runs first for every update: who is writing, and whether the bot should answer here.

In private chats it loads the person's profile (language, consent) into the context. In any
group other than the coordinators' chat it says once that it works in private chats and
then stays quiet.
"""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ApplicationHandlerStop, ChatMemberHandler, TypeHandler

from bot import crud
from bot.context import BotContext
from bot.i18n import translator
from bot.messaging import escape


def _is_coordinator_chat(context: BotContext, chat_id: int) -> bool:
    return chat_id == context.services.settings.COORDINATOR_CHAT_ID


async def _notice_group_once(context: BotContext, chat_id: int) -> None:
    with context.services.database.session() as session:
        first_time = crud.mark_group_noticed(session, chat_id)
    if first_time:
        _ = translator(context.services.settings.DEFAULT_LANGUAGE)
        await context.bot.send_message(
            chat_id,
            _(
                "Hello! I only work in private chats, to keep what people tell me private. "
                "Please write to me directly: @{username}"
            ).format(username=escape(context.bot.username)),
        )


async def admit(update: Update, context: BotContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        raise ApplicationHandlerStop
    if chat.type == ChatType.PRIVATE:
        context.examinee = context.services.examinees.meet(user, chat.id)
        return
    if _is_coordinator_chat(context, chat.id):
        return
    if update.message is not None:
        await _notice_group_once(context, chat.id)
    raise ApplicationHandlerStop


async def membership_changed(update: Update, context: BotContext) -> None:
    """Track a person blocking the bot, and greet a group once when added to it."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    if change.chat.type == ChatType.PRIVATE:
        if status == ChatMemberStatus.BANNED:
            context.services.examinees.mark_blocked(change.chat.id)
        raise ApplicationHandlerStop
    joined = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if joined and not _is_coordinator_chat(context, change.chat.id):
        await _notice_group_once(context, change.chat.id)
    raise ApplicationHandlerStop


def handlers() -> list[TypeHandler | ChatMemberHandler]:  # type: ignore[type-arg]
    return [
        ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        TypeHandler(Update, admit),
    ]
