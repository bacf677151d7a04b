"""``/invite``: a coordinator books an appointment for someone new and gets a deep link;
opening the link (after consent) gives the appointment to that person."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.appointment_input import InputError, parse_appointment_text
from bot.context import BotContext
from bot.invites import LIFETIME, InviteProblem, invite_link
from bot.messaging import escape
from bot.models import utcnow
from bot.reminder_messages import describe_appointment
from flows.appointments import _reason


async def create_invite(update: Update, context: BotContext) -> None:
    _ = context.gettext
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    settings = context.services.settings
    if user.id not in settings.COORDINATOR_IDS:
        await message.reply_text(_("This command is only for coordinators."))
        return
    zone = settings.DEFAULT_TIMEZONE
    parsed = parse_appointment_text(
        " ".join(context.args or []), zone=zone, language=context.language, now=utcnow()
    )
    if isinstance(parsed, InputError):
        soon = (utcnow() + timedelta(days=14)).date().isoformat()
        await message.reply_text(
            _reason(parsed.problem, _)
            + "\n\n"
            + _("Write it like this, with the place if you know it:\n{example}").format(
                example=escape(f"/invite {soon} 14:30")
            )
        )
        return
    appointment, payload = context.services.invites.create(
        coordinator_id=user.id, starts_at=parsed.starts_at, zone=zone, place=parsed.place
    )
    link = invite_link(context.bot.username, payload)
    await message.reply_text(
        _("<b>Invitation ready.</b>")
        + "\n\n"
        + describe_appointment(appointment, context.language, zone)
        + "\n\n"
        + _(
            "Send this link to the examinee. It works once, for {days} days. When they open "
            "it and agree to use the bot, the appointment and its reminders become theirs:"
        ).format(days=LIFETIME.days)
        + "\n"
        + escape(link)
    )


async def welcome_invited(update: Update, context: BotContext, payload: str) -> None:
    """Redeem an invitation for the person who just opened it and agreed."""
    _ = context.gettext
    assert update.effective_chat is not None and context.examinee is not None
    result = context.services.invites.redeem(payload, context.examinee.user_id)
    if isinstance(result, InviteProblem):
        text = (
            {
                InviteProblem.UNKNOWN: _("I don't recognise this invitation link."),
                InviteProblem.USED: _("This invitation link was already used."),
                InviteProblem.EXPIRED: _("This invitation link has expired."),
            }[result]
            + " "
            + _("Please ask your coordinator for a new one.")
        )
    else:
        text = (
            _("<b>Your coordinator saved this appointment for you:</b>")
            + "\n\n"
            + describe_appointment(result, context.language, result.timezone)
            + "\n\n"
            + _("I'll send you reminders with tips before it, and ask how it went afterwards.")
        )
    await context.bot.send_message(update.effective_chat.id, text)


def handlers() -> list[CommandHandler]:  # type: ignore[type-arg]
    return [CommandHandler("invite", create_invite, filters=filters.ChatType.PRIVATE)]
