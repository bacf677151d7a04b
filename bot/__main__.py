"""Entry point: ``python -m bot`` runs the bot; ``python -m bot simulate`` opens a try-out.

This is the composition root: the only place that joins the services in ``bot`` with the
flows, so the services never depend on the flows.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application

import flows
from bot.application import build_application
from bot.config import ConfigError, Settings, load_settings
from bot.polling import poll_until_stopped
from bot.storage import Database, DatabaseDriverMissing, migrate

LOGGER = logging.getLogger("bot")


def _fail(message: str) -> int:
    print(f"ime-guide-bot: {message}", file=sys.stderr)
    return 2


def run(settings: Settings) -> int:
    try:
        database = Database.from_url(settings.DATABASE_URL)
        migrate(database.engine)
    except DatabaseDriverMissing as exc:
        return _fail(str(exc))
    except Exception as exc:
        return _fail(f"DATABASE_URL: cannot open the database ({exc.__class__.__name__}: {exc})")
    if settings.COORDINATOR_CHAT_ID is None:
        LOGGER.warning("COORDINATOR_CHAT_ID is not set: crisis alerts cannot reach anyone")
    application = build_application(settings, database)
    flows.install(application)
    try:
        if settings.WEBHOOK_URL:
            application.run_webhook(
                listen="0.0.0.0",
                port=settings.PORT,
                url_path=urlsplit(settings.WEBHOOK_URL).path.lstrip("/"),
                webhook_url=settings.WEBHOOK_URL,
                secret_token=settings.WEBHOOK_SECRET,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            asyncio.run(_poll(application))
    except InvalidToken:
        return _fail("TELEGRAM_BOT_TOKEN was rejected by Telegram (401): check the token")
    finally:
        database.dispose()
    return 0


async def _poll(application: Application) -> None:  # type: ignore[type-arg]
    """Run until SIGINT or SIGTERM, confirming updates only once handled (bot.polling)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            await poll_until_stopped(application, stop)
        finally:
            await application.stop()


def main(argv: list[str]) -> int:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if argv[:1] == ["simulate"]:
        from bot.tryout import run_tryout

        # The terminal is the chat: keep the bot's own log to warnings.
        logging.getLogger().setLevel(logging.WARNING)
        return run_tryout(install_flows=flows.install, argv=argv[1:])
    if argv:
        return _fail(f"unknown argument {argv[0]!r}; use no argument, or 'simulate'")
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    return run(settings)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
