"""``/prep``: the preparation checklist; tapping an item ticks or unticks it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.messaging import show_in_place
from bot.prep import checklist
from flows.menu import back_to_menu_row

PREFIX = "prep:"


def _mode(context: BotContext) -> str:
    assert context.examinee is not None
    upcoming = context.services.appointments.upcoming(context.examinee.user_id)
    return upcoming[0].mode if upcoming else "in_person"


def render(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    assert context.examinee is not None
    ticked = context.services.checklist.ticked(context.examinee.user_id)
    items = checklist(_mode(context))  # type: ignore[arg-type]
    done = sum(1 for item in items if item.id in ticked)
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if item.id in ticked else "⬜ ") + item.text_in(context.language),
                callback_data=f"{PREFIX}{'off' if item.id in ticked else 'on'}:{item.id}",
            )
        ]
        for item in items
    ]
    rows.append(back_to_menu_row(_))
    text = (
        _("<b>Your preparation checklist</b>")
        + "\n"
        + _("Tap an item when it's done. {done} of {total} done.").format(
            done=done, total=len(items)
        )
    )
    return text, InlineKeyboardMarkup(rows)


async def show_checklist(update: Update, context: BotContext) -> None:
    _ = context.gettext
    if context.examinee is None or context.examinee.consented_at is None:
        assert update.effective_message is not None
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_message.chat_id,
            _("To keep your checklist, I need your OK to keep your information. Send /start."),
        )
        return
    text, markup = render(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


async def tick(update: Update, context: BotContext) -> None:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    if context.examinee is None or context.examinee.consented_at is None:
        await query.answer(_("Send /start first."))
        return
    _prefix, state, item_id = query.data.split(":", 2)
    try:
        context.services.checklist.set(context.examinee.user_id, item_id, done=state == "on")
    except KeyError:
        await query.answer(_("This item is no longer on the list."))
    else:
        await query.answer()
    text, markup = render(context)
    await show_in_place(query, text, markup, context.chat_data)


def handlers() -> list[CommandHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("prep", show_checklist, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(show_checklist, pattern=f"^{PREFIX}show$"),
        CallbackQueryHandler(tick, pattern=f"^{PREFIX}(on|off):"),
    ]
