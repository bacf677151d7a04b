"""Appointments: ``/appointment`` (one line or guided), ``/appointments``, and the buttons
under reminders and the after-exam check-in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.appointment_input import (
    InputError,
    InputProblem,
    parse_appointment_text,
    parse_date,
    parse_time,
)
from bot.appointments import REQUESTERS
from bot.calendar_file import appointment_ics
from bot.context import BotContext
from bot.crisis_lines import crisis_line_for
from bot.i18n import N_, Translate, format_when, translator
from bot.messaging import escape, show_in_place
from bot.models import Appointment, utcnow
from bot.reminder_messages import (
    ATTENDING,
    CHECKIN_HARD,
    CHECKIN_OKAY,
    CHECKIN_TALK,
    REQUESTER_NAMES,
    RESCHEDULE,
    describe_appointment,
)
from flows.menu import back_to_menu_row

ASK_DATE, ASK_TIME, ASK_MODE, ASK_PLACE, ASK_REQUESTER, CONFIRM, ASK_NEW_TIME = (
    "ask_date",
    "ask_time",
    "ask_mode",
    "ask_place",
    "ask_requester",
    "confirm",
    "ask_new_time",
)
# Messages to the coordinators' chat, in the operator's DEFAULT_LANGUAGE.
RESCHEDULE_NOTICE = N_("{name} (@{username}, id {id}) needs to reschedule the IME on {when}.")
HARD_EXAM_NOTICE = N_("{name} (@{username}, id {id}) said their IME was hard.")
TALK_NOTICE = N_("{name} (@{username}, id {id}) asked to talk to someone after their IME.")
DRAFT = "appointment_draft"
MOVING = "appointment_moving"
CALENDAR_ALARMS = (timedelta(days=1), timedelta(hours=2))


def _zone(context: BotContext) -> str:
    examinee = context.examinee
    return (examinee.timezone if examinee else None) or context.services.settings.DEFAULT_TIMEZONE


def _example(context: BotContext) -> str:
    soon = datetime.now(ZoneInfo(_zone(context))).date() + timedelta(days=14)
    return f"/appointment {soon.isoformat()} 14:30"


def _reason(problem: InputProblem, _: Translate) -> str:
    return {
        InputProblem.MALFORMED: _("I couldn't read that date and time."),
        InputProblem.IMPOSSIBLE: _("That date or time doesn't exist."),
        InputProblem.PAST: _("That moment has already passed."),
        InputProblem.TOO_FAR: _("That is more than two years away. Please check the year."),
    }[problem]


def _problem_text(problem: InputProblem, context: BotContext, *, moving: bool = False) -> str:
    _ = context.gettext
    reason = _reason(problem, _)
    if moving:
        example = _example(context).removeprefix("/appointment ")
        return (
            reason
            + "\n\n"
            + _("Please write the new date and time like this:\n{example}").format(
                example=escape(example)
            )
        )
    return (
        reason
        + "\n\n"
        + _("Please write it like this:\n{example}").format(example=escape(_example(context)))
        + "\n"
        + _("Nothing was saved. You can also send /appointment alone and I'll ask step by step.")
    )


def _needs_consent(context: BotContext) -> bool:
    return context.examinee is None or context.examinee.consented_at is None


async def _ask_for_consent_first(update: Update, context: BotContext) -> int:
    _ = context.gettext
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        _(
            "To save an appointment, I need your OK to keep your information. "
            "Send /start to give it."
        )
    )
    return ConversationHandler.END


async def _confirm_booking(update: Update, context: BotContext, appointment: Appointment) -> None:
    """Say what was saved, and attach a calendar file for the person's own calendar."""
    _ = context.gettext
    assert update.effective_chat is not None and appointment.id is not None
    language, zone = context.language, appointment.timezone
    await context.bot.send_message(
        update.effective_chat.id,
        _("<b>Your appointment is saved.</b>")
        + "\n\n"
        + describe_appointment(appointment, language, zone)
        + "\n\n"
        + _("I'll send you reminders with tips before it, and ask how it went afterwards."),
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("My appointments"), callback_data="appt_list")],
                back_to_menu_row(_),
            ]
        ),
    )
    ics = appointment_ics(
        uid=f"appointment-{appointment.id}@ime-guide-bot",
        starts_at=appointment.starts_at,
        duration=timedelta(hours=3),
        title=_("Independent medical examination (IME)"),
        location=appointment.place,
        description=_("Bring your ID, your appointment letter and your timeline."),
        alarms=CALENDAR_ALARMS,
        now=utcnow(),
    )
    await context.bot.send_document(
        update.effective_chat.id,
        document=ics,
        filename="ime-appointment.ics",
        caption=_("Open this file to add the appointment to your calendar."),
    )


async def book_in_one_line(update: Update, context: BotContext) -> int:
    """``/appointment 2026-12-01 14:30 [place]``: book at once, or explain what was wrong."""
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    text = " ".join(context.args or [])
    parsed = parse_appointment_text(
        text, zone=_zone(context), language=context.language, now=utcnow()
    )
    assert update.effective_message is not None and context.examinee is not None
    if isinstance(parsed, InputError):
        await update.effective_message.reply_text(_problem_text(parsed.problem, context))
        return ConversationHandler.END
    appointment = context.services.appointments.book(
        user_id=context.examinee.user_id,
        starts_at=parsed.starts_at,
        zone=_zone(context),
        place=parsed.place,
    )
    await _confirm_booking(update, context, appointment)
    return ConversationHandler.END


async def start_guided(update: Update, context: BotContext) -> int | str:
    if context.args:
        return await book_in_one_line(update, context)
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    _ = context.gettext
    context.user_data[DRAFT] = {}  # type: ignore[index]
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        _("Let's save your appointment. You can stop at any time with /cancel.")
        + "\n\n"
        + _("<b>What is the date?</b> For example: {example}").format(
            example=(datetime.now(ZoneInfo(_zone(context))).date() + timedelta(days=14)).isoformat()
        )
    )
    return ASK_DATE


async def got_date(update: Update, context: BotContext) -> str:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    today = datetime.now(ZoneInfo(_zone(context))).date()
    parsed = parse_date(message.text, language=context.language, today=today)
    if isinstance(parsed, InputError):
        await message.reply_text(
            _("I couldn't use that date. Please write it like {example}.").format(
                example=(today + timedelta(days=14)).isoformat()
            )
        )
        return ASK_DATE
    context.user_data[DRAFT]["date"] = parsed.isoformat()  # type: ignore[index]
    await message.reply_text(_("<b>What time does it start?</b> For example: 14:30"))
    return ASK_TIME


async def got_time(update: Update, context: BotContext) -> str:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    parsed = parse_time(message.text, language=context.language)
    draft = context.user_data[DRAFT]  # type: ignore[index]
    if not isinstance(parsed, InputError):
        day = date.fromisoformat(draft["date"])
        check = parse_appointment_text(
            f"{day.isoformat()} {parsed.strftime('%H:%M')}",
            zone=_zone(context),
            language=context.language,
            now=utcnow(),
        )
        if not isinstance(check, InputError):
            draft["starts_at"] = check.starts_at.isoformat()
            await message.reply_text(
                _("<b>Is it in person, or by video or phone?</b>"),
                reply_markup=InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton(_("In person"), callback_data="book_mode:in_person")],
                        [
                            InlineKeyboardButton(
                                _("By video or phone"), callback_data="book_mode:remote"
                            )
                        ],
                    ]
                ),
            )
            return ASK_MODE
        if check.problem != InputProblem.MALFORMED:
            await message.reply_text(
                _reason(check.problem, _) + " " + _("What time does it start?")
            )
            return ASK_TIME
    await message.reply_text(_("I couldn't read that time. Please write it like 14:30 or 2:30 pm."))
    return ASK_TIME


def _requester_keyboard(_: Translate) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(_(REQUESTER_NAMES[key]), callback_data=f"book_who:{key}")]
        for key in REQUESTERS
    ]
    rows.append([InlineKeyboardButton(_("Skip"), callback_data="book_who:skip")])
    return InlineKeyboardMarkup(rows)


async def got_mode(update: Update, context: BotContext) -> str:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    mode = query.data.split(":", 1)[1]
    draft = context.user_data[DRAFT]  # type: ignore[index]
    draft["mode"] = mode
    if mode == "remote":
        await show_in_place(
            query,
            _("<b>Who asked for this exam?</b>"),
            _requester_keyboard(_),
            context.chat_data,
        )
        return ASK_REQUESTER
    await show_in_place(
        query,
        _("<b>Where is it?</b> Type the address, or skip."),
        InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="book_place:skip")]]),
        context.chat_data,
    )
    return ASK_PLACE


async def got_place(update: Update, context: BotContext) -> str:
    _ = context.gettext
    draft = context.user_data[DRAFT]  # type: ignore[index]
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif update.effective_message is not None and update.effective_message.text:
        draft["place"] = update.effective_message.text.strip()[:200]
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        _("<b>Who asked for this exam?</b>"),
        reply_markup=_requester_keyboard(_),
    )
    return ASK_REQUESTER


def _draft_appointment(context: BotContext) -> Appointment:
    draft = context.user_data[DRAFT]  # type: ignore[index]
    return Appointment(
        user_id=context.examinee.user_id if context.examinee else None,
        starts_at=datetime.fromisoformat(draft["starts_at"]),
        timezone=_zone(context),
        mode=draft.get("mode", "in_person"),
        place=draft.get("place"),
        requested_by=draft.get("requested_by"),
    )


async def got_requester(update: Update, context: BotContext) -> str:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    who = query.data.split(":", 1)[1]
    if who in REQUESTERS:
        context.user_data[DRAFT]["requested_by"] = who  # type: ignore[index]
    summary = describe_appointment(_draft_appointment(context), context.language, _zone(context))
    await show_in_place(
        query,
        _("<b>Please check:</b>") + "\n\n" + summary,
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Save"), callback_data="book:save")],
                [InlineKeyboardButton(_("Change something"), callback_data="book:edit")],
                [InlineKeyboardButton(_("Cancel"), callback_data="book:cancel")],
            ]
        ),
        context.chat_data,
    )
    return CONFIRM


async def confirmed(update: Update, context: BotContext) -> int | str:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None and context.examinee is not None
    await query.answer()
    choice = query.data.split(":", 1)[1]
    if choice == "edit":
        context.user_data[DRAFT] = {}  # type: ignore[index]
        await show_in_place(
            query, _("Okay, let's start again. <b>What is the date?</b>"), None, context.chat_data
        )
        return ASK_DATE
    if choice == "cancel":
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await show_in_place(query, _("Okay, nothing was saved."), None, context.chat_data)
        return ConversationHandler.END
    draft = _draft_appointment(context)
    appointment = context.services.appointments.book(
        user_id=context.examinee.user_id,
        starts_at=draft.starts_at,
        zone=draft.timezone,
        mode=draft.mode,
        place=draft.place,
        requested_by=draft.requested_by,
    )
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await show_in_place(query, _("Saved."), None, context.chat_data)
    await _confirm_booking(update, context, appointment)
    return ConversationHandler.END


async def stop_flow(update: Update, context: BotContext) -> int:
    _ = context.gettext
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    context.user_data.pop(MOVING, None)  # type: ignore[union-attr]
    assert update.effective_message is not None
    await update.effective_message.reply_text(_("Okay, I stopped. Nothing was changed."))
    return ConversationHandler.END


async def reask(update: Update, context: BotContext) -> None:
    """Something other than the expected answer: say what is expected, stay in the step."""
    _ = context.gettext
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        _("Please answer the question above, or send /cancel to stop.")
    )


def _list_text_and_keyboard(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    assert context.examinee is not None
    upcoming = context.services.appointments.upcoming(context.examinee.user_id)
    if not upcoming:
        return (
            _("You have no upcoming appointments. Send /appointment to add one."),
            InlineKeyboardMarkup([back_to_menu_row(_)]),
        )
    lines, rows = [_("<b>Your appointments</b>")], []
    for number, appointment in enumerate(upcoming, start=1):
        lines.append(
            f"{number}. "
            + describe_appointment(appointment, context.language, appointment.timezone)
        )
        rows.append(
            [
                InlineKeyboardButton(
                    _("Change {number}").format(number=number),
                    callback_data=f"appt_change:{appointment.id}",
                ),
                InlineKeyboardButton(
                    _("Cancel {number}").format(number=number),
                    callback_data=f"appt_cancel:{appointment.id}",
                ),
            ]
        )
    rows.append(back_to_menu_row(_))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


async def list_appointments(update: Update, context: BotContext) -> None:
    if _needs_consent(context):
        await _ask_for_consent_first(update, context)
        return
    text, markup = _list_text_and_keyboard(context)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await show_in_place(update.callback_query, text, markup, context.chat_data)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


def _appointment_from_button(update: Update, context: BotContext) -> Appointment | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    raw = query.data.rsplit(":", 1)[-1]
    if not raw.isdigit() or context.examinee is None:
        return None
    return context.services.appointments.get(int(raw), context.examinee.user_id)


async def cancel_appointment(update: Update, context: BotContext) -> None:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    appointment = _appointment_from_button(update, context)
    if appointment is None or context.examinee is None:
        await query.answer(_("I can't find that appointment any more."))
        return
    context.services.appointments.cancel(appointment.id, context.examinee.user_id)  # type: ignore[arg-type]
    await query.answer(_("Cancelled. Its reminders are stopped."))
    text, markup = _list_text_and_keyboard(context)
    await show_in_place(query, text, markup, context.chat_data)


async def ask_new_time(update: Update, context: BotContext) -> int | str:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    appointment = _appointment_from_button(update, context)
    if appointment is None:
        await query.answer(_("I can't find that appointment any more."))
        return ConversationHandler.END
    await query.answer()
    context.user_data[MOVING] = appointment.id  # type: ignore[index]
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        _("What is the new date and time? For example: {example}").format(
            example=escape(_example(context).removeprefix("/appointment "))
        ),
    )
    return ASK_NEW_TIME


async def got_new_time(update: Update, context: BotContext) -> int | str:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None and context.examinee is not None
    parsed = parse_appointment_text(
        message.text, zone=_zone(context), language=context.language, now=utcnow()
    )
    if isinstance(parsed, InputError):
        await message.reply_text(_problem_text(parsed.problem, context, moving=True))
        return ASK_NEW_TIME
    appointment_id = context.user_data.pop(MOVING, None)  # type: ignore[union-attr]
    moved = (
        context.services.appointments.move(
            appointment_id, context.examinee.user_id, parsed.starts_at
        )
        if appointment_id is not None
        else None
    )
    if moved is None:
        await message.reply_text(_("I can't find that appointment any more."))
        return ConversationHandler.END
    await _confirm_booking(update, context, moved)
    return ConversationHandler.END


async def attending(update: Update, context: BotContext) -> None:
    _ = context.gettext
    assert update.callback_query is not None
    await update.callback_query.answer(_("Thank you. You've got this."))


async def needs_rescheduling(update: Update, context: BotContext) -> None:
    """Tell the coordinators; offer to change the date here too."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    appointment = _appointment_from_button(update, context)
    if appointment is None:
        await query.answer(_("I can't find that appointment any more."))
        return
    await query.answer()
    settings = context.services.settings
    told = False
    if settings.COORDINATOR_CHAT_ID is not None:
        coordinators = translator_for_coordinators(context)
        user = update.effective_user
        await context.bot.send_message(
            settings.COORDINATOR_CHAT_ID,
            coordinators(RESCHEDULE_NOTICE).format(
                name=escape(user.full_name),
                username=escape(user.username or "-"),
                id=user.id,
                when=format_when(
                    appointment.starts_at, settings.DEFAULT_LANGUAGE, appointment.timezone
                ),
            ),
        )
        told = True
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        (_("I've told the coordinators. They will get in touch with you.") if told else "")
        + ("\n\n" if told else "")
        + _(
            "Please also tell the company that booked the exam as soon as you can. "
            "Missing it can affect a claim or a licence."
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Change the date here"), callback_data=f"appt_change:{appointment.id}"
                    )
                ]
            ]
        ),
    )


def translator_for_coordinators(context: BotContext) -> Translate:
    """Coordinators read alerts in the operator's DEFAULT_LANGUAGE."""
    return translator(context.services.settings.DEFAULT_LANGUAGE)


async def after_exam(update: Update, context: BotContext) -> None:
    """The check-in answers. 'Hard' and 'talk' bring in a person and the crisis line."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    await query.answer()
    choice = query.data.split(":", 1)[0]
    assert update.effective_chat is not None
    if choice == CHECKIN_OKAY:
        await show_in_place(
            query,
            _("I'm glad. Be kind to yourself today: rest, eat, and do something you enjoy."),
            None,
            context.chat_data,
        )
        return
    settings = context.services.settings
    line = crisis_line_for(settings.DEFAULT_COUNTRY)
    if settings.COORDINATOR_CHAT_ID is not None:
        user = update.effective_user
        coordinators = translator_for_coordinators(context)
        await context.bot.send_message(
            settings.COORDINATOR_CHAT_ID,
            coordinators(TALK_NOTICE if choice == CHECKIN_TALK else HARD_EXAM_NOTICE).format(
                name=escape(user.full_name), username=escape(user.username or "-"), id=user.id
            ),
        )
    await show_in_place(
        query,
        _("Thank you for telling me. An exam like this can stir up a lot.")
        + "\n\n"
        + _("I've let the coordinators know, and someone will reach out.")
        + "\n\n"
        + _(
            "If you need to talk now, you can call or text {line}. "
            "In an emergency, call {emergency}."
        ).format(
            line=escape(line.crisis_line_in(context.language)),
            emergency=_(" or ").join(line.emergency),
        ),
        None,
        context.chat_data,
    )


def handlers() -> list[ConversationHandler | CommandHandler | CallbackQueryHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    return [
        ConversationHandler(
            name="appointment",
            persistent=True,
            allow_reentry=True,
            entry_points=[
                CommandHandler("appointment", start_guided, filters=private),
                CallbackQueryHandler(ask_new_time, pattern=r"^appt_change:\d+$"),
            ],
            states={
                ASK_DATE: [MessageHandler(text, got_date)],
                ASK_TIME: [MessageHandler(text, got_time)],
                ASK_MODE: [CallbackQueryHandler(got_mode, pattern="^book_mode:")],
                ASK_PLACE: [
                    MessageHandler(text, got_place),
                    CallbackQueryHandler(got_place, pattern="^book_place:skip$"),
                ],
                ASK_REQUESTER: [CallbackQueryHandler(got_requester, pattern="^book_who:")],
                CONFIRM: [CallbackQueryHandler(confirmed, pattern="^book:")],
                ASK_NEW_TIME: [MessageHandler(text, got_new_time)],
            },
            fallbacks=[
                CommandHandler("cancel", stop_flow, filters=private),
                MessageHandler(text, reask),
            ],
        ),
        CommandHandler("appointments", list_appointments, filters=private),
        CallbackQueryHandler(list_appointments, pattern="^appt_list$"),
        CallbackQueryHandler(cancel_appointment, pattern=r"^appt_cancel:\d+$"),
        CallbackQueryHandler(attending, pattern=rf"^{ATTENDING}:\d+$"),
        CallbackQueryHandler(needs_rescheduling, pattern=rf"^{RESCHEDULE}:\d+$"),
        CallbackQueryHandler(
            after_exam, pattern=rf"^({CHECKIN_OKAY}|{CHECKIN_HARD}|{CHECKIN_TALK}):\d+$"
        ),
    ]
