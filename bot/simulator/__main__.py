"""Run the simulator as a standalone server: ``python -m bot.simulator --port 8081``.

Point the real bot at it with ``TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot`` and drive
it through the JSON control endpoints under ``/sim/`` (see README.md next to this file).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.simulator.ratelimit import RateLimits
from bot.simulator.server import DEFAULT_TOKEN, BotApiSimulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.simulator", description="Local strict Telegram Bot API simulator."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the only token accepted")
    parser.add_argument("--bot-username", default="simulated_bot")
    parser.add_argument("--bot-name", default="Simulated Bot")
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not answer 429 past Telegram's limits"
    )
    parser.add_argument(
        "--private-burst",
        type=int,
        default=None,
        help="also limit each private chat: this many messages, then about one a second",
    )
    parser.add_argument(
        "--no-privacy-mode",
        action="store_true",
        help="the bot receives every group message (privacy mode off in BotFather)",
    )
    parser.add_argument("--callback-timeout", type=float, default=15.0)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    limits = RateLimits(enabled=not args.no_rate_limits, private_burst=args.private_burst)
    sim = BotApiSimulator(
        args.token,
        bot_username=args.bot_username,
        bot_name=args.bot_name,
        rate_limits=limits,
        privacy_mode=not args.no_privacy_mode,
        callback_query_timeout=args.callback_timeout,
        control_api=True,
    )
    base_url = await sim.start(args.host, args.port)
    print(f"Telegram Bot API simulator: TELEGRAM_API_BASE_URL={base_url}", flush=True)
    print(f"Token: {args.token}   Control API: {sim.url}/sim/", flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopped.set)
    try:
        await stopped.wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
