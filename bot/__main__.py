"""Entry point: ``python -m bot`` runs the bot; ``python -m bot simulate`` opens a try-out.

This is the composition root: the only place that joins the services in ``bot`` with the
flows, so the services never depend on the flows.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken

import flows
from bot.application import build_application
from bot.config import ConfigError, Settings, load_settings
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
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        return _fail("TELEGRAM_BOT_TOKEN was rejected by Telegram (401): check the token")
    finally:
        database.dispose()
    return 0


def main(argv: list[str]) -> int:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if argv[:1] == ["simulate"]:
        from bot.tryout import run_tryout

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
