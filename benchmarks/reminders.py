"""Reminder engine figures: start-up with 10,000 pending appointments, and 150 reminders
falling due in the same second, sent through the simulator with Telegram's limits on.

    .venv/bin/python benchmarks/reminders.py

Prints start-up time and resident memory of ``python -m bot``, then for the burst: how many
reminders arrived, how many distinct ones (nothing twice), the sending rate and lateness.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.appointments import AppointmentBook, ReminderPlan
from bot.models import Examinee
from bot.simulator import BotApiSimulator, SimEvent, SimulatedUser
from bot.storage import Database, make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-TOKEN"
PLAN = ReminderPlan(
    (timedelta(days=7), timedelta(days=2), timedelta(days=1), timedelta(hours=2)),
    timedelta(hours=6),
)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _start_bot(
    simulator: BotApiSimulator, database_url: str, log: Path
) -> tuple[asyncio.subprocess.Process, float]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": simulator.base_url,
        "DATABASE_URL": database_url,
        "COORDINATOR_CHAT_ID": "-1001000",
    }
    before = len(simulator.calls_of("setMyCommands"))
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=log.parent,
        stdout=log.open("wb"),
        stderr=asyncio.subprocess.STDOUT,
    )
    await simulator.wait_for(lambda: len(simulator.calls_of("setMyCommands")) >= before + 4, 60)
    return process, time.perf_counter() - started


async def startup_with_pending(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'startup.db'}"
    database = Database(make_engine(url))
    migrate(database.engine)
    book = AppointmentBook(database, PLAN)
    now = datetime.now(UTC)
    with database.session() as session:
        session.add_all(
            Examinee(user_id=10_000 + i, chat_id=10_000 + i, first_name="P") for i in range(10_000)
        )
        session.commit()
    for index in range(10_000):
        book.book(
            user_id=10_000 + index, starts_at=now + timedelta(days=8, minutes=index), zone="UTC"
        )
    database.dispose()
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot")
    await simulator.start()
    process, seconds = await _start_bot(simulator, url, workdir / "startup.log")
    await asyncio.sleep(2)  # a few dispatcher wake-ups over the 50,000 pending rows
    rss = _rss_mb(process.pid)
    process.terminate()
    await process.wait()
    await simulator.stop()
    print(f"start-up with 10,000 pending appointments (50,000 reminder rows): {seconds:.2f} s")
    print(f"resident memory after start-up: {rss:.0f} MB")


async def burst_of_150(workdir: Path) -> None:
    url = f"sqlite:///{workdir / 'burst.db'}"
    simulator = BotApiSimulator(TOKEN, bot_username="ime_guide_bot")  # Telegram's limits on
    await simulator.start()
    engine = make_engine(url)
    migrate(engine)
    database = Database(engine)
    process, _seconds = await _start_bot(simulator, url, workdir / "burst.log")
    users = [SimulatedUser(id=50_000 + i, first_name="P", language_code="en") for i in range(150)]
    for user in users:  # each person meets the bot (their chat exists, their row too)
        await simulator.send_text(user, "/start")
    await simulator.wait_for(lambda: all(len(simulator.messages(u.id)) >= 2 for u in users), 60)
    events = simulator.subscribe()
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    book = AppointmentBook(database, ReminderPlan((timedelta(hours=2),), timedelta(hours=6)))
    for user in users:
        book.book(
            user_id=user.id,
            starts_at=due + timedelta(hours=2),
            zone="UTC",
            now=due - timedelta(seconds=1),
        )
    arrivals: list[tuple[float, int]] = []
    deadline = time.time() + 30
    while len(arrivals) < 150 and time.time() < deadline:
        try:
            event: SimEvent = await asyncio.wait_for(events.get(), timeout=1)
        except TimeoutError:
            continue
        if (
            event.kind == "message_sent"
            and event.message
            and "Reminder" in event.message.get("text", "")
        ):
            arrivals.append((event.timestamp, int(event.chat_id or 0)))
    await asyncio.sleep(2)  # anything sent twice would arrive now
    while not events.empty():
        event = events.get_nowait()
        if (
            event.kind == "message_sent"
            and event.message
            and "Reminder" in event.message.get("text", "")
        ):
            arrivals.append((event.timestamp, int(event.chat_id or 0)))
    process.terminate()
    await process.wait()
    await simulator.stop()
    database.dispose()
    rejected = [c for c in simulator.rejected_calls() if c.error_code == 429]
    times = sorted(t for t, _ in arrivals)
    due_ts = due.timestamp()
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    distinct = len({chat for _, chat in arrivals})
    rate = (len(times) - 1) / span
    print(f"burst: {len(arrivals)} reminders arrived, {distinct} distinct chats (150 due)")
    print(f"burst: {rate:.1f} messages a second; 429 answers from the simulator: {len(rejected)}")
    first, last = times[0] - due_ts, times[-1] - due_ts
    print(f"burst: first reminder {first:.2f} s after its time; last {last:.2f} s")


async def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        await startup_with_pending(Path(workdir))
        await burst_of_150(Path(workdir))


if __name__ == "__main__":
    asyncio.run(main())
