"""Alert latency: from a crisis message reaching Telegram to the alert in the coordinators'
chat, and to the safe reply in the person's chat, with ``python -m bot`` against the
simulator over HTTP and Telegram's limits on.

    .venv/bin/python benchmarks/alert_latency.py [--people 20] [--gap 0.3]

Telegram lets a bot post 20 messages a minute into one group. The bot sends up to 16 alerts
a minute alone, at once, and keeps 4 sends in reserve for bursts: beyond 16 it combines
what waits into one message every 12 seconds. The default (16 people) measures the first
regime; ``--people 20`` or ``--people 40`` shows the second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.simulator import BotApiSimulator, SimEvent, SimulatedUser

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
GROUP = -1001000
CRISIS = "I have the pills ready tonight, I'm going to end it"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(people: int, gap: float, workdir: Path) -> None:
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot")
    await simulator.start()
    simulator.create_group(GROUP, "Coordinators")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": simulator.base_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'latency.db'}",
        "COORDINATOR_CHAT_ID": str(GROUP),
    }
    log = (workdir / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=workdir, stdout=log, stderr=log
    )
    await simulator.wait_for(lambda: len(simulator.calls_of("setMyCommands")) >= 4, 60)
    users = [SimulatedUser(id=70_000 + n, first_name=f"P{n}") for n in range(people)]
    events = simulator.subscribe()
    said: dict[int, float] = {}
    for user in users:
        said[user.id] = time.time()
        await simulator.send_text(user, CRISIS)
        await asyncio.sleep(gap)
    alerts: dict[int, float] = {}
    replies: dict[int, float] = {}
    group_messages = 0
    deadline = time.time() + 90
    while (len(alerts) < people or len(replies) < people) and time.time() < deadline:
        try:
            event: SimEvent = await asyncio.wait_for(events.get(), timeout=1)
        except TimeoutError:
            continue
        if event.kind != "message_sent" or not event.message:
            continue
        text = event.message.get("text", "")
        if event.chat_id == GROUP:
            group_messages += 1
            for user_id in map(int, re.findall(r"id (\d+)\)", text)):
                alerts.setdefault(user_id, event.timestamp)
        elif "not alone" in text and event.chat_id is not None:
            replies.setdefault(int(event.chat_id), event.timestamp)
    process.terminate()
    await process.wait()
    await simulator.stop()
    too_many = [c for c in simulator.rejected_calls() if c.error_code == 429]
    alert_ms = [1000 * (alerts[u] - said[u]) for u in alerts]
    reply_ms = [1000 * (replies[u] - said[u]) for u in replies]
    print(f"{people} crisis messages, one every {gap:.2f} s")
    print(f"alerts: {len(alerts)}/{people} cases reached the group in {group_messages} messages")
    print(
        f"alert latency ms: median {statistics.median(alert_ms):.0f}, "
        f"p99 {_percentile(alert_ms, 0.99):.0f}, max {max(alert_ms):.0f}"
    )
    print(
        f"safe reply latency ms: median {statistics.median(reply_ms):.0f}, "
        f"p99 {_percentile(reply_ms, 0.99):.0f}, max {max(reply_ms):.0f}"
    )
    print(f"429 answers from the simulator: {len(too_many)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=16)
    parser.add_argument("--gap", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        asyncio.run(measure(args.people, args.gap, Path(workdir)))


if __name__ == "__main__":
    main()
