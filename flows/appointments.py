"""Appointments: ``/appointment`` (one line or guided), ``/appointments``, and the buttons
under reminders and the after-exam check-in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_timezone_location
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import calendar_keyboard as cal
from bot.aftercare_text import OPEN_AFTERCARE, aftercare_section
from bot.appointment_input import (
    MAX_AHEAD,
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
from bot.examinees import find_timezone
from bot.i18n import N_, Translate, format_when, translator
from bot.messaging import escape, show_in_place
from bot.models import Appointment, utcnow
from bot.reminder_messages import (
    ATTENDING,
    CHECKIN_COORDINATOR,
    CHECKIN_HARD,
    CHECKIN_OKAY,
    CHECKIN_TALK,
    REQUESTER_NAMES,
    RESCHEDULE,
    describe_appointment,
)
from flows.menu import back_to_menu_row, present
from flows.safety import reporter_of

ASK_DATE = "ask_date"
ASK_TIME = "ask_time"
ASK_ZONE = "ask_zone"
ASK_MODE = "ask_mode"
ASK_PLACE = "ask_place"
ASK_REQUESTER = "ask_requester"
ASK_SPECIALTY = "ask_specialty"
CONFIRM = "confirm"
ASK_NEW_TIME = "ask_new_time"
# Messages to the coordinators' chat, in the operator's DEFAULT_LANGUAGE.
RESCHEDULE_NOTICE = N_("{name} (@{username}, id {id}) needs to reschedule the IME on {when}.")
HARD_EXAM_REASON = N_("After-exam check-in: “It was hard”. Asked a coordinator to get in touch.")
TALK_REASON = N_("After-exam check-in: “I need to talk to someone”.")
DRAFT = "appointment_draft"
MOVING = "appointment_moving"
CALENDAR_ALARMS = (timedelta(days=1), timedelta(hours=2))
# The zones offered under "Change": where people using English, French or Spanish mostly live.
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Halifax",
    "America/Mexico_City",
    "Europe/London",
    "Europe/Paris",
    "Europe/Madrid",
    "Australia/Sydney",
    "UTC",
)
SPECIALTY_MAX_LENGTH = 100


def _zone(context: BotContext) -> str:
    examinee = context.examinee
    return (examinee.timezone if examinee else None) or context.services.settings.DEFAULT_TIMEZONE


def _today(context: BotContext) -> date:
    return datetime.now(ZoneInfo(_zone(context))).date()


def _example(context: BotContext) -> str:
    soon = _today(context) + timedelta(days=14)
    return f"/appointment {soon.isoformat()} 14:30"


async def _show(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """The next screen: in place of the tapped message, or as a reply to a typed answer."""
    if update.callback_query is not None:
        await show_in_place(update.callback_query, text, markup, context.chat_data)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


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


def _date_question(context: BotContext) -> str:
    _ = context.gettext
    return _("<b>What is the date?</b> Tap a day, or type it like {example}.").format(
        example=(_today(context) + timedelta(days=14)).isoformat()
    )


def _calendar(
    context: BotContext, year: int | None = None, month: int | None = None
) -> InlineKeyboardMarkup:
    today = _today(context)
    return cal.calendar_keyboard(year or today.year, month or today.month, context.language, today)


def _screen_text(update: Update, fallback: str) -> str:
    """The HTML of the message under the tapped button, to keep its text while its keyboard
    changes; ``fallback`` when Telegram no longer sends that message."""
    message = update.callback_query.message if update.callback_query else None
    if isinstance(message, Message) and message.text:
        return message.text_html
    return fallback


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
        + _date_question(context),
        reply_markup=_calendar(context),
    )
    return ASK_DATE


async def _ask_time(context: BotContext, chat_id: int) -> str:
    _ = context.gettext
    await context.bot.send_message(chat_id, _("<b>What time does it start?</b> For example: 14:30"))
    return ASK_TIME


async def got_date(update: Update, context: BotContext) -> str:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    today = _today(context)
    parsed = parse_date(message.text, language=context.language, today=today)
    if isinstance(parsed, InputError):
        await message.reply_text(
            _(
                "I couldn't use that date. Please write it like {example}, tap a day on the"
                " calendar, or send /cancel to stop."
            ).format(example=(today + timedelta(days=14)).isoformat())
        )
        return ASK_DATE
    context.user_data[DRAFT]["date"] = parsed.isoformat()  # type: ignore[index]
    return await _ask_time(context, message.chat_id)


async def picked_day(update: Update, context: BotContext) -> str:
    """A day tapped on the calendar: keep the question, show the day chosen, ask the time."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    day = cal.picked_day(query.data)
    today = _today(context)
    if day is None or not today <= day <= today + MAX_AHEAD:
        # A calendar left open since an earlier day: show it again as it is today.
        await query.answer(_("That day can't be chosen. Please pick another."))
        shown = day or today
        await show_in_place(
            query,
            _screen_text(update, _date_question(context)),
            _calendar(context, shown.year, shown.month),
            context.chat_data,
        )
        return ASK_DATE
    await query.answer()
    context.user_data[DRAFT]["date"] = day.isoformat()  # type: ignore[index]
    chosen = format_date(day, "full", locale=context.language)
    await show_in_place(
        query,
        _screen_text(update, _date_question(context)) + f"\n\n<b>{escape(chosen)}</b>",
        None,
        context.chat_data,
    )
    return await _ask_time(context, update.effective_chat.id)


async def turned_month(update: Update, context: BotContext) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    year, month = cal.wanted_month(query.data) or (None, None)
    await show_in_place(
        query,
        _screen_text(update, _date_question(context)),
        _calendar(context, year, month),
        context.chat_data,
    )
    return ASK_DATE


async def calendar_noop(update: Update, context: BotContext) -> None:
    """A calendar title, weekday or blank day: nothing to do but stop the button's spinner."""
    assert update.callback_query is not None
    await update.callback_query.answer()


def _zone_check(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    return (
        _("Your time zone is {zone}. Is that right?").format(
            zone=f"<b>{escape(_zone(context))}</b>"
        ),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("Yes"), callback_data="book_zone:keep"),
                    InlineKeyboardButton(_("Change"), callback_data="book_zone:change"),
                ]
            ]
        ),
    )


def _zone_choices(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    buttons = [
        InlineKeyboardButton(
            get_timezone_location(zone, locale=context.language, return_city=True),
            callback_data=f"book_zone:set:{zone}",
        )
        for zone in COMMON_ZONES
    ]
    return (
        _("<b>Which time zone are you in?</b> Tap one, or type its name, like {example}.").format(
            example="America/Vancouver"
        ),
        InlineKeyboardMarkup([buttons[start : start + 2] for start in range(0, len(buttons), 2)]),
    )


async def got_time(update: Update, context: BotContext) -> str:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    parsed = parse_time(message.text, language=context.language)
    if isinstance(parsed, InputError):
        if parsed.problem == InputProblem.MALFORMED:
            await message.reply_text(
                _("I couldn't read that time. Please write it like 14:30 or 2:30 pm.")
            )
        else:
            await message.reply_text(
                _reason(parsed.problem, _) + " " + _("What time does it start?")
            )
        return ASK_TIME
    draft = context.user_data[DRAFT]  # type: ignore[index]
    draft["time"] = parsed.strftime("%H:%M")
    if "zone" in draft:  # chosen already; we came back here because the time didn't fit
        return await _settle_when(update, context)
    text, markup = _zone_check(context)
    await message.reply_text(text, reply_markup=markup)
    return ASK_ZONE


async def change_zone(update: Update, context: BotContext) -> str:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_in_place(query, *_zone_choices(context), context.chat_data)
    return ASK_ZONE


async def keep_zone(update: Update, context: BotContext) -> str:
    """'Yes' to the zone shown: work out the moment in it."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    context.user_data[DRAFT]["zone"] = _zone(context)  # type: ignore[index]
    return await _settle_when(update, context)


async def got_zone(update: Update, context: BotContext) -> str:
    """A zone tapped in the list or typed: remember it for next time, work out the moment."""
    _ = context.gettext
    query = update.callback_query
    assert context.examinee is not None
    if query is not None:
        assert query.data is not None
        await query.answer()
        zone = find_timezone(query.data.removeprefix("book_zone:set:"))
        if zone is None:
            await show_in_place(query, *_zone_choices(context), context.chat_data)
            return ASK_ZONE
    else:
        assert update.effective_message is not None and update.effective_message.text
        typed = update.effective_message.text.strip()
        zone = find_timezone(typed)
        if zone is None:
            await update.effective_message.reply_text(
                _(
                    "I don't know the time zone “{name}”. "
                    "Please type a name like {example}, or tap a button above."
                ).format(name=escape(typed[:64]), example="Europe/Paris")
            )
            return ASK_ZONE
    if zone != context.examinee.timezone:
        context.examinee = context.services.examinees.set_timezone(context.examinee.user_id, zone)
    context.user_data[DRAFT]["zone"] = zone  # type: ignore[index]
    return await _settle_when(update, context)


async def _settle_when(update: Update, context: BotContext) -> str:
    """The start moment from the day and time, in the zone chosen; or back to the time."""
    _ = context.gettext
    draft = context.user_data[DRAFT]  # type: ignore[index]
    check = parse_appointment_text(
        f"{draft['date']} {draft['time']}",
        zone=draft["zone"],
        language=context.language,
        now=utcnow(),
    )
    if isinstance(check, InputError):
        await _show(
            update, context, _reason(check.problem, _) + " " + _("What time does it start?"), None
        )
        return ASK_TIME
    draft["starts_at"] = check.starts_at.isoformat()
    await _show(
        update,
        context,
        _("<b>Is it in person, or by video or phone?</b>"),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("In person"), callback_data="book_mode:in_person")],
                [InlineKeyboardButton(_("By video or phone"), callback_data="book_mode:remote")],
            ]
        ),
    )
    return ASK_MODE


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
        timezone=draft.get("zone") or _zone(context),
        mode=draft.get("mode", "in_person"),
        place=draft.get("place"),
        requested_by=draft.get("requested_by"),
        specialty=draft.get("specialty"),
    )


async def got_requester(update: Update, context: BotContext) -> str:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    who = query.data.split(":", 1)[1]
    if who in REQUESTERS:
        context.user_data[DRAFT]["requested_by"] = who  # type: ignore[index]
    await show_in_place(
        query,
        _("<b>Do you know the examiner's field?</b>")
        + "\n"
        + _(
            "The examiner is the doctor who does the IME. Their field could be, for example, "
            "psychiatry or addiction medicine. Type it, or tap Skip."
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="book_field:skip")]]),
        context.chat_data,
    )
    return ASK_SPECIALTY


async def got_specialty(update: Update, context: BotContext) -> str:
    _ = context.gettext
    draft = context.user_data[DRAFT]  # type: ignore[index]
    if update.callback_query is not None:
        await update.callback_query.answer()
    else:
        assert update.effective_message is not None and update.effective_message.text
        typed = update.effective_message.text.strip()
        if len(typed) > SPECIALTY_MAX_LENGTH:
            await update.effective_message.reply_text(
                _(
                    "That is a bit long. Please use {limit} characters or fewer, or tap Skip."
                ).format(limit=SPECIALTY_MAX_LENGTH)
            )
            return ASK_SPECIALTY
        draft["specialty"] = typed or None
    appointment = _draft_appointment(context)
    await _show(
        update,
        context,
        _("<b>Please check:</b>")
        + "\n\n"
        + describe_appointment(appointment, context.language, appointment.timezone),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Save"), callback_data="book:save")],
                [InlineKeyboardButton(_("Change something"), callback_data="book:edit")],
                [InlineKeyboardButton(_("Cancel"), callback_data="book:cancel")],
            ]
        ),
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
            query,
            _("Okay, let's start again.") + "\n\n" + _date_question(context),
            _calendar(context),
            context.chat_data,
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
        specialty=draft.specialty,
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
    await present(update, context, text, markup)


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
    told = _tell_coordinators(
        update,
        context,
        RESCHEDULE_NOTICE,
        when=format_when(appointment.starts_at, settings.DEFAULT_LANGUAGE, appointment.timezone),
    )
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


def _tell_coordinators(update: Update, context: BotContext, notice: str, **details: str) -> bool:
    """Queue a notice about this person for the coordinators, in DEFAULT_LANGUAGE.

    Returns False when no coordinators' chat is configured, so the person is never told
    that someone was informed when nobody was.
    """
    user, query = update.effective_user, update.callback_query
    assert user is not None and query is not None
    coordinators = translator(context.services.settings.DEFAULT_LANGUAGE)
    text = coordinators(notice).format(
        name=escape(user.full_name), username=escape(user.username or "-"), id=user.id, **details
    )
    return context.services.escalations.notify_coordinators(user.id, text, f"cb:{query.id}")


async def after_exam(update: Update, context: BotContext) -> None:
    """The check-in answers. 'Hard' and 'talk' show their people, their plan and the
    crisis line, offer a coordinator (brought in at once for 'talk'), and ask again tomorrow."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    await query.answer()
    choice, appointment_id = query.data.split(":", 1)
    if choice == CHECKIN_OKAY:
        await show_in_place(
            query,
            _("I'm glad. Be kind to yourself today: rest, eat, and do something you enjoy."),
            None,
            context.chat_data,
        )
        return
    services = context.services
    services.appointments.follow_up_tomorrow(int(appointment_id), update.effective_user.id)
    told = False
    if choice == CHECKIN_TALK:
        told = _ask_for_a_coordinator(update, context, TALK_REASON)
    await _show_support(update, context, int(appointment_id), told)


async def coordinator_please(update: Update, context: BotContext) -> None:
    """'Ask a coordinator to contact me' under a hard check-in: a support request."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    told = _ask_for_a_coordinator(update, context, HARD_EXAM_REASON)
    await _show_support(update, context, int(query.data.split(":", 1)[1]), told)


def _ask_for_a_coordinator(update: Update, context: BotContext, reason: str) -> bool:
    query = update.callback_query
    assert query is not None
    operator = translator(context.services.settings.DEFAULT_LANGUAGE)
    return context.services.escalations.request_support(
        reporter_of(update, context), operator(reason), f"cb:{query.id}"
    )


async def _show_support(
    update: Update, context: BotContext, appointment_id: int, told: bool
) -> None:
    _ = context.gettext
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    services = context.services
    user_id = update.effective_user.id
    line = crisis_line_for(services.settings.DEFAULT_COUNTRY)
    parts = [_("Thank you for telling me. An exam like this can stir up a lot.")]
    section = aftercare_section(services.aftercare, user_id, _)
    if section:
        parts.append(section)
    if told:
        parts.append(_("I've asked a coordinator to contact you. They will write to you here."))
    parts.append(
        _(
            "If you need to talk now, you can call or text {line}. "
            "In an emergency, call {emergency}."
        ).format(
            line=escape(line.crisis_line_in(context.language)),
            emergency=_(" or ").join(line.emergency),
        )
    )
    parts.append(_("I'll check in with you again tomorrow."))
    rows = []
    if not told and services.settings.COORDINATOR_CHAT_ID is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    _("Ask a coordinator to contact me"),
                    callback_data=f"{CHECKIN_COORDINATOR}:{appointment_id}",
                )
            ]
        )
    if not services.aftercare.is_ready(user_id):
        rows.append([InlineKeyboardButton(_("Set up my aftercare"), callback_data=OPEN_AFTERCARE)])
    markup = InlineKeyboardMarkup(rows) if rows else None
    await show_in_place(query, "\n\n".join(parts), markup, context.chat_data)


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
                ASK_DATE: [
                    MessageHandler(text, got_date),
                    CallbackQueryHandler(picked_day, pattern=cal.DAY_PATTERN),
                    CallbackQueryHandler(turned_month, pattern=cal.MONTH_PATTERN),
                ],
                ASK_TIME: [MessageHandler(text, got_time)],
                ASK_ZONE: [
                    CallbackQueryHandler(change_zone, pattern="^book_zone:change$"),
                    CallbackQueryHandler(keep_zone, pattern="^book_zone:keep$"),
                    CallbackQueryHandler(got_zone, pattern="^book_zone:set:"),
                    MessageHandler(text, got_zone),
                ],
                ASK_MODE: [CallbackQueryHandler(got_mode, pattern="^book_mode:")],
                ASK_PLACE: [
                    MessageHandler(text, got_place),
                    CallbackQueryHandler(got_place, pattern="^book_place:skip$"),
                ],
                ASK_REQUESTER: [CallbackQueryHandler(got_requester, pattern="^book_who:")],
                ASK_SPECIALTY: [
                    MessageHandler(text, got_specialty),
                    CallbackQueryHandler(got_specialty, pattern="^book_field:skip$"),
                ],
                CONFIRM: [CallbackQueryHandler(confirmed, pattern="^book:")],
                ASK_NEW_TIME: [MessageHandler(text, got_new_time)],
            },
            fallbacks=[
                CommandHandler("cancel", stop_flow, filters=private),
                MessageHandler(text, reask),
            ],
        ),
        CallbackQueryHandler(calendar_noop, pattern=cal.NOOP_PATTERN),
        CommandHandler("appointments", list_appointments, filters=private),
        CallbackQueryHandler(list_appointments, pattern="^appt_list$"),
        CallbackQueryHandler(cancel_appointment, pattern=r"^appt_cancel:\d+$"),
        CallbackQueryHandler(attending, pattern=rf"^{ATTENDING}:\d+$"),
        CallbackQueryHandler(needs_rescheduling, pattern=rf"^{RESCHEDULE}:\d+$"),
        CallbackQueryHandler(
            after_exam, pattern=rf"^({CHECKIN_OKAY}|{CHECKIN_HARD}|{CHECKIN_TALK}):\d+$"
        ),
        CallbackQueryHandler(coordinator_please, pattern=rf"^{CHECKIN_COORDINATOR}:\d+$"),
    ]
