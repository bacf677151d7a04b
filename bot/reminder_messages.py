"""What a reminder and the after-exam check-in say, and sending them to the examinee."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.aftercare import AftercareBook
from bot.aftercare_text import OPEN_AFTERCARE, aftercare_section
from bot.examinees import ExamineeDirectory
from bot.i18n import N_, format_when, translator
from bot.messaging import escape
from bot.models import Appointment, Reminder
from bot.prep import tips_for
from bot.reminders import CHECKIN, FOLLOWUP
from bot.reminders import REMINDER as REMINDER_KIND
from bot.storage import Database

# Callback data shared with flows/appointments.py: "<action>:<appointment id>".
ATTENDING = "appt_ok"
RESCHEDULE = "appt_move"
PREP = "prep:show"
CHECKIN_OKAY = "after_ok"
CHECKIN_HARD = "after_hard"
CHECKIN_TALK = "after_talk"
CHECKIN_COORDINATOR = "after_coord"

# The reminder that also looks at the aftercare plan: the one sent the day before.
DAY_BEFORE = (timedelta(hours=12), timedelta(hours=36))

REQUESTER_NAMES = {
    "insurer": N_("an insurer"),
    "employer": N_("an employer"),
    "college": N_("a licensing college or board"),
    "lawyer": N_("a lawyer"),
    "other": N_("someone else"),
}


def describe_appointment(appointment: Appointment, language: str, zone: str) -> str:
    """The lines that say when, where or how, and who asked (user text escaped)."""
    _ = translator(language)
    lines = [format_when(appointment.starts_at, language, zone)]
    if appointment.mode == "remote":
        lines.append(_("By video or phone"))
    elif appointment.place:
        lines.append(_("Place: {place}").format(place=escape(appointment.place)))
    else:
        lines.append(_("In person"))
    if appointment.requested_by in REQUESTER_NAMES:
        lines.append(
            _("Asked for by {requester}").format(
                requester=_(REQUESTER_NAMES[appointment.requested_by])
            )
        )
    if appointment.specialty:
        lines.append(
            _("Examiner's field: {specialty}").format(specialty=escape(appointment.specialty))
        )
    return "\n".join(lines)


def reminder_text(row: Reminder, appointment: Appointment, language: str, zone: str) -> str:
    _ = translator(language)
    lead = timedelta(seconds=row.offset_seconds)
    relative = format_timedelta(lead, add_direction=True, locale=language, threshold=1.5)
    parts = [
        _("<b>Reminder: your IME is {relative}.</b>").format(relative=relative),
        describe_appointment(appointment, language, zone),
    ]
    tips = tips_for(lead, "remote" if appointment.mode == "remote" else "in_person")
    if tips:
        parts.append(
            _("<b>What helps now</b>")
            + "\n"
            + "\n".join(f"• {tip.text_in(language)}" for tip in tips)
        )
    return "\n\n".join(parts)


def is_day_before(row: Reminder) -> bool:
    low, high = DAY_BEFORE
    return row.kind == REMINDER_KIND and low <= timedelta(seconds=row.offset_seconds) <= high


def reminder_keyboard(
    appointment_id: int, language: str, *, offer_aftercare: bool = False
) -> InlineKeyboardMarkup:
    _ = translator(language)
    rows = [
        [InlineKeyboardButton(_("I'll be there"), callback_data=f"{ATTENDING}:{appointment_id}")],
        [
            InlineKeyboardButton(
                _("I need to reschedule"), callback_data=f"{RESCHEDULE}:{appointment_id}"
            )
        ],
        [InlineKeyboardButton(_("Prep checklist"), callback_data=PREP)],
    ]
    if offer_aftercare:
        rows.append([InlineKeyboardButton(_("Set up my aftercare"), callback_data=OPEN_AFTERCARE)])
    return InlineKeyboardMarkup(rows)


def aftercare_reminder(section: str | None, language: str, *, complete: bool) -> str:
    """The day before: their plan and people, and an offer to finish setting them up."""
    _ = translator(language)
    parts = [_("<b>For after the exam</b>")]
    if section:
        parts.append(section)
    if not complete:
        parts.append(
            _(
                "An exam like this can be tiring. It helps to plan something kind for "
                "afterwards, and to have someone to call. Would you like to set that up now?"
            )
        )
    return "\n".join(parts)


def checkin_text(language: str, section: str | None = None) -> str:
    _ = translator(language)
    text = _(
        "How did your exam go? Whatever happened, it's okay to take a moment for yourself. "
        "Tap what fits best."
    )
    return f"{text}\n\n{section}" if section else text


def followup_text(language: str) -> str:
    _ = translator(language)
    return _("Hello again. Yesterday's exam sounded hard. How are you today? Tap what fits best.")


def checkin_keyboard(appointment_id: int, language: str) -> InlineKeyboardMarkup:
    _ = translator(language)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("I'm okay"), callback_data=f"{CHECKIN_OKAY}:{appointment_id}")],
            [
                InlineKeyboardButton(
                    _("It was hard"), callback_data=f"{CHECKIN_HARD}:{appointment_id}"
                )
            ],
            [
                InlineKeyboardButton(
                    _("I need to talk to someone"), callback_data=f"{CHECKIN_TALK}:{appointment_id}"
                )
            ],
        ]
    )


class ReminderSender:
    """Turns a claimed reminder row into the message; None when there is nothing to send."""

    def __init__(
        self,
        bot: Bot,
        database: Database,
        examinees: ExamineeDirectory,
        aftercare: AftercareBook,
        default_zone: str,
    ) -> None:
        self._bot = bot
        self._database = database
        self._examinees = examinees
        self._aftercare = aftercare
        self._default_zone = default_zone

    async def deliver(self, row: Reminder) -> Message | None:
        examinee = self._examinees.get(row.user_id)
        with self._database.session() as session:
            appointment = session.get(Appointment, row.appointment_id)
        if examinee is None or appointment is None or appointment.status != "booked":
            return None
        if examinee.blocked_at is not None:
            return None
        language = examinee.language
        zone = appointment.timezone or examinee.timezone or self._default_zone
        assert appointment.id is not None
        _ = translator(language)
        if row.kind in (CHECKIN, FOLLOWUP):
            section = aftercare_section(self._aftercare, examinee.user_id, _)
            text = (
                checkin_text(language, section) if row.kind == CHECKIN else followup_text(language)
            )
            markup = checkin_keyboard(appointment.id, language)
        else:
            text = reminder_text(row, appointment, language, zone)
            offer = False
            if is_day_before(row):
                ready = self._aftercare.is_ready(examinee.user_id)
                section = aftercare_section(self._aftercare, examinee.user_id, _)
                text += "\n\n" + aftercare_reminder(section, language, complete=ready)
                offer = not ready
            markup = reminder_keyboard(appointment.id, language, offer_aftercare=offer)
        return await self._bot.send_message(examinee.chat_id, text, reply_markup=markup)
