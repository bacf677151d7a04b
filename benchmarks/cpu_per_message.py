"""CPU cost of one ordinary message: this bot against a bare python-telegram-bot echo bot.

Both process the same text messages through PTB's update processing against the same
in-memory Bot API, one after another; the bot's rate limiter does its full bookkeeping but
its limit is raised, so the figure is work, not waiting. The figure is
CPU time (process time) spent handling each message, the idle time between messages left
out, the best of a few alternating rounds to damp the noise
of a shared machine. The target is a ratio of 1.5 or less.

    .venv/bin/python benchmarks/cpu_per_message.py [--messages 2000] [--rate 0] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flows
from benchmarks._offline import OfflineBotApi, consent_press, text_update
from bot.application import build_application
from bot.config import load_settings
from bot.ratelimit import TelegramRateLimiter
from bot.storage import Database, migrate

USERS = 50


async def _echo(update: Update, _context: Any) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "")


def echo_bot() -> Application:  # type: ignore[type-arg]
    application = (
        ApplicationBuilder()
        .token("1:bench")
        .request(OfflineBotApi())
        .get_updates_request(OfflineBotApi())
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return application


def this_bot(workdir: Path) -> Application:  # type: ignore[type-arg]
    settings = load_settings(
        TELEGRAM_BOT_TOKEN="1:bench", DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}"
    )
    database = Database.from_url(settings.DATABASE_URL)
    migrate(database.engine)
    application = build_application(
        settings,
        database,
        request=OfflineBotApi(),
        get_updates_request=OfflineBotApi(),
        # Full limiter bookkeeping, with a limit the benchmark never reaches: it measures
        # work, not the waiting that keeps a flood under Telegram's limits.
        rate_limiter=TelegramRateLimiter(overall_per_second=10**9),
    )
    flows.install(application)
    return application


async def measure(
    application: Application,  # type: ignore[type-arg]
    messages: int,
    warm_up: bool,
    rate: float = 0.0,
) -> float:
    """CPU seconds per message, after each user has started the bot and said yes."""
    await application.initialize()
    update_id = 0
    if warm_up:
        for user in range(USERS):
            update_id += 1
            await application.process_update(
                Update.de_json(text_update(update_id, 1000 + user, "/start"), application.bot)
            )
            update_id += 1
            await application.process_update(
                Update.de_json(consent_press(update_id, 1000 + user), application.bot)
            )
    updates = []
    for index in range(messages):
        update_id += 1
        updates.append(
            Update.de_json(
                text_update(update_id, 1000 + index % USERS, f"hello there {index}"),
                application.bot,
            )
        )
    interval = 1 / rate if rate else 0.0
    spent = 0.0
    clock = time.monotonic()
    for index, update in enumerate(updates):
        started = time.process_time()
        await application.process_update(update)
        spent += time.process_time() - started
        if interval:
            await asyncio.sleep(max(0.0, clock + (index + 1) * interval - time.monotonic()))
    await application.shutdown()
    return spent / messages


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.0, help="messages a second; 0: flat out")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    echo_runs, our_runs = [], []
    for _round in range(args.rounds):
        echo_runs.append(await measure(echo_bot(), args.messages, False, args.rate))
        with tempfile.TemporaryDirectory() as workdir:
            our_runs.append(await measure(this_bot(Path(workdir)), args.messages, True, args.rate))
    echo, ours = min(echo_runs), min(our_runs)
    print(f"echo bot: {echo * 1e6:8.1f} µs CPU per message")
    print(f"this bot: {ours * 1e6:8.1f} µs CPU per message")
    print(f"ratio:    {ours / echo:8.2f} (target 1.5 or less)")


if __name__ == "__main__":
    asyncio.run(main())
