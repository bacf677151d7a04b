"""Builds the PTB application: persistence, rate limiting, defaults, services, errors."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.aftercare import AftercareBook
from bot.aftercare_text import describe_contacts
from bot.appointments import AppointmentBook, ReminderPlan
from bot.checklist import PrepChecklist
from bot.commands import publish_commands
from bot.config import Settings
from bot.context import BotContext, Services
from bot.escalation import Escalations
from bot.examinees import ExamineeDirectory
from bot.invites import Invitations
from bot.models import utcnow
from bot.outbox import OutboxDispatcher
from bot.outbox import release_claims_of_earlier_runs as release_outbox_claims
from bot.persistence import DatabasePersistence
from bot.ratelimit import TelegramRateLimiter
from bot.reminder_messages import ReminderSender
from bot.reminders import ReminderDispatcher
from bot.reminders import release_claims_of_earlier_runs as release_reminder_claims
from bot.screening import screen_message, warm_up
from bot.storage import Database

LOGGER = logging.getLogger(__name__)
# How often the dispatchers look for due rows: the bound on a reminder's lateness, and on
# how soon a retried alert goes out. New alerts do not wait for it: they are sent at once.
DISPATCH_INTERVAL = 0.5
# How often unacknowledged cases are checked for re-alerting.
ESCALATION_TICK = 1.0
# The screener compiles the rest of its rules once the first wake-ups have run.
WARM_UP_DELAY = 1.0
_REPEATING = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


class DurableApplication(Application):  # type: ignore[type-arg]
    """Writes flow state right after the update that changed it, so a SIGKILL loses nothing.

    PTB would only write every ``update_interval`` seconds. Checking for changes first keeps
    an ordinary message (nothing changed) as cheap as without persistence.
    """

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if self._has_unsaved_state(update):
            await self.update_persistence()

    def _has_unsaved_state(self, update: object) -> bool:
        persistence = self.persistence
        if not isinstance(persistence, DatabasePersistence):
            return persistence is not None
        conversations = self._conversation_handler_conversations
        # PTB's TrackingDict keeps the keys written since the last save in this set.
        if any(states._write_access_keys for states in conversations.values()):
            return True
        user = update.effective_user if isinstance(update, Update) else None
        return user is not None and persistence.user_data_changed(
            user.id, self.user_data.get(user.id)
        )


async def _on_error(update: object, context: BotContext) -> None:
    """Log every failure; tell the person something went wrong rather than going silent."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        context.services.examinees.mark_blocked(update.effective_user.id)
        return
    LOGGER.error("error while handling an update", exc_info=error)
    if isinstance(error, RetryAfter | TimedOut | NetworkError):
        return
    if (
        isinstance(update, Update)
        and update.effective_chat
        and update.effective_chat.type == "private"
    ):
        _ = context.gettext
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                _("Sorry, something went wrong on my side. Please try again, or send /start."),
            )
        except Exception:
            LOGGER.exception("could not tell the user about an error")


def build_application(
    settings: Settings,
    database: Database,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: TelegramRateLimiter | None = None,
) -> Application[Any, BotContext, Any, Any, Any, Any]:
    """The application with services attached; flows are installed by the caller."""
    examinees = ExamineeDirectory(database, settings.DEFAULT_LANGUAGE)
    book = AppointmentBook(
        database, ReminderPlan(settings.REMINDER_OFFSETS, settings.CHECKIN_AFTER)
    )
    aftercare = AftercareBook(database, settings.DEFAULT_COUNTRY)
    services = Services(
        settings=settings,
        database=database,
        examinees=examinees,
        appointments=book,
        checklist=PrepChecklist(database),
        invites=Invitations(database, book),
        aftercare=aftercare,
        escalations=Escalations(
            database, settings, book, examinees, contacts=partial(describe_contacts, aftercare)
        ),
    )

    started_at = utcnow()

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        # Load the crisis lexicons now, so the first message is not the one that waits; the
        # rules' regexes are compiled as messages need them and by the warm-up job below.
        screen_message("")
        await publish_commands(application.bot, settings.DEFAULT_LANGUAGE)
        sender = ReminderSender(
            application.bot, database, examinees, services.aftercare, settings.DEFAULT_TIMEZONE
        )
        dispatcher = ReminderDispatcher(database, sender.deliver, examinees.mark_blocked)
        application.bot_data["reminder_dispatcher"] = dispatcher

        escalations = services.escalations
        limiter = getattr(application.bot, "rate_limiter", None)
        outbox = OutboxDispatcher(
            database,
            application.bot,
            rate_limiter=limiter if isinstance(limiter, TelegramRateLimiter) else None,
            on_sent=escalations.on_sent,
            on_undeliverable=escalations.on_undeliverable,
        )
        escalations.dispatcher = outbox
        with database.session() as session:
            released = release_outbox_claims(session, started_at)
            reminders = release_reminder_claims(session, started_at)
        if released:
            LOGGER.warning("%d messages a stopped run had claimed will be sent now", released)
        if reminders:
            LOGGER.warning("%d reminders a stopped run had claimed are due again", reminders)

        async def wake_dispatcher(_context: object) -> None:
            await dispatcher.dispatch_due_reminders()

        async def wake_outbox(_context: object) -> None:
            await outbox.dispatch_due()

        async def check_cases(_context: object) -> None:
            escalations.tick()

        async def forget_delivered(_context: object) -> None:
            escalations.forget_delivered()

        async def warm_screener(_context: object) -> None:
            for _left in warm_up():
                await asyncio.sleep(0)  # updates are answered between two compilations

        jobs = application.job_queue
        assert jobs is not None
        for callback, interval, name in (
            (wake_outbox, DISPATCH_INTERVAL, "outbox"),
            (wake_dispatcher, DISPATCH_INTERVAL, "reminders"),
            (check_cases, ESCALATION_TICK, "escalations"),
            (forget_delivered, 3600.0, "outbox-retention"),
        ):
            jobs.run_repeating(
                callback, interval=interval, first=0, name=name, job_kwargs=_REPEATING
            )
        jobs.run_once(warm_screener, when=WARM_UP_DELAY, name="screener-warm-up")

    builder = (
        ApplicationBuilder()
        .token(settings.TELEGRAM_BOT_TOKEN)
        .base_url(settings.TELEGRAM_API_BASE_URL)
        .application_class(DurableApplication)
        .context_types(ContextTypes(context=BotContext))
        .persistence(DatabasePersistence(database))
        .rate_limiter(rate_limiter or TelegramRateLimiter())
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .post_init(post_init)
    )
    if not settings.webhook_mode:
        # Long polling is done by bot.polling, which confirms updates only once handled.
        builder = builder.updater(None)
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    application.bot_data["services"] = services
    application.add_error_handler(_on_error)
    return application
