"""End to end: ``python -m bot`` as a subprocess against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.data_rights import personal_tables
from bot.models import Reminder
from bot.reminders import REMINDER, SENT
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database, make_engine
from tests.conftest import TEST_TOKEN
from tests.support import Person, buttons

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def simulator() -> AsyncIterator[BotApiSimulator]:
    sim = BotApiSimulator(TEST_TOKEN, bot_username="ime_guide_bot", bot_name="IME guide")
    await sim.start()
    yield sim
    await sim.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """Starts ``python -m bot`` with a clean environment of the operator's variables."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=self.workdir,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=asyncio.subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 15)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None


def _environment(simulator_url: str, database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    env.update(
        PYTHONPATH=str(ROOT),
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=simulator_url,
        DATABASE_URL=database_url,
        COORDINATOR_CHAT_ID="-1001000",
        COORDINATOR_IDS="900",
    )
    env.update(extra)
    return env


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def database_file(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'ime_bot.db'}"


@pytest.fixture
async def bot_process(
    simulator: BotApiSimulator, workdir: Path, database_file: str
) -> AsyncIterator[BotProcess]:
    process = BotProcess(workdir, _environment(simulator.base_url, database_file))
    await process.start()
    await simulator.wait_for(lambda: len(simulator.calls_of("setMyCommands")) >= 4, timeout=20)
    yield process
    if process.alive:
        await process.stop()
    rejected = [(c.method, c.description) for c in simulator.rejected_calls()]
    assert rejected == [], f"Telegram would have rejected: {rejected}\n{process.log.read_text()}"


async def test_starts_publishes_its_menu_and_answers_quickly_in_three_languages(
    simulator: BotApiSimulator, bot_process: BotProcess
) -> None:
    for language in ("en", "fr", "es"):
        assert simulator.commands({"type": "all_private_chats"}, language)
    for user_id, language in ((11, "en"), (12, "fr"), (13, "es")):
        person = Person(
            simulator, SimulatedUser(id=user_id, first_name="P", language_code=language)
        )
        sent = time.monotonic()
        await simulator.send_text(person.user, "/start")
        await person.next(timeout=5)
        assert time.monotonic() - sent < 1.0


async def test_sigkill_mid_flow_loses_nothing(
    simulator: BotApiSimulator, bot_process: BotProcess, workdir: Path, database_file: str
) -> None:
    person = Person(simulator, SimulatedUser(id=21, first_name="Kim", language_code="en"))
    await person.say("/start", replies=2)
    consent = person.last()
    bot_process.kill()
    await asyncio.wait_for(bot_process.process.wait(), 10)  # type: ignore[union-attr]
    restarted = BotProcess(workdir, bot_process.env)
    await restarted.start()
    try:
        # /start may come again: it is confirmed to Telegram only once fully handled.
        await simulator.send_text(person.user, "I typed something")
        await simulator.wait_for_message(
            person.chat_id,
            lambda m: m["text"].startswith("Please choose one of the buttons below first."),
            timeout=20,
        )
        await person.press("Yes, that's okay", consent)
        assert "You're all set" in person.message(consent["message_id"])["text"]
    finally:
        await restarted.stop()


async def test_delete_leaves_no_row_about_the_user(
    simulator: BotApiSimulator, bot_process: BotProcess, database_file: str
) -> None:
    person = Person(simulator, SimulatedUser(id=31, first_name="Lee", language_code="es"))
    await person.say("/start", replies=2)
    await person.press(buttons(person.last())[0][0])
    (confirm,) = await person.say("/delete")
    await person.press(buttons(confirm)[0][0], confirm)
    await bot_process.stop()
    database = Database(make_engine(database_file))
    with database.session() as session:
        for table in personal_tables():
            column = getattr(table, table.__owner__)
            assert session.exec(select(table).where(column == 31)).all() == [], table
    database.dispose()


async def test_hostile_input_never_stops_the_process(
    simulator: BotApiSimulator, bot_process: BotProcess
) -> None:
    person = Person(
        simulator, SimulatedUser(id=41, first_name="</b><i>&", username="x", language_code="fr")
    )
    await person.say("/start", replies=2)
    for text in ["<b>", "&&&;", "_*[]()~`>#+-=|{}.!", "é" * 4096, "🙂" * 2048]:
        await person.say(text)
    for kind in ("sticker", "photo", "voice", "location"):
        await person.send_media(kind)
    assert bot_process.alive


async def test_webhook_mode_checks_the_secret(
    simulator: BotApiSimulator, workdir: Path, database_file: str
) -> None:
    port = _free_port()
    env = _environment(
        simulator.base_url,
        database_file,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram-hook",
        WEBHOOK_SECRET="s3cret_token-1",
        PORT=str(port),
    )
    process = BotProcess(workdir, env)
    await process.start()
    try:
        await simulator.wait_for(lambda: simulator.webhook_info().get("url"), timeout=20)
        person = Person(simulator, SimulatedUser(id=51, first_name="Web", language_code="en"))
        await person.say("/start", replies=2, timeout=10)
        import aiohttp

        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/telegram-hook", json={"update_id": 1}
            ) as response,
        ):
            assert response.status == 403
    finally:
        await process.stop()


def _run_bot(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEFAULT_TIMEZONE", "Nowhere/Land"),
        ("REMINDER_OFFSETS", "7 days"),
        ("TELEGRAM_API_BASE_URL", "htp:/broken"),
        ("CHECKIN_AFTER", "soon"),
    ],
)
def test_bad_configuration_exits_with_one_clear_line(
    workdir: Path, variable: str, value: str
) -> None:
    env = _environment(
        "http://127.0.0.1:9/bot", f"sqlite:///{workdir / 'x.db'}", **{variable: value}
    )
    code, stderr = _run_bot(env, workdir)
    assert code != 0
    assert stderr.strip().count("\n") == 0 and variable in stderr
    assert not (workdir / "x.db").exists(), "nothing half-starts"


def test_missing_token_exits_with_one_clear_line(workdir: Path) -> None:
    env = _environment("http://127.0.0.1:9/bot", f"sqlite:///{workdir / 'x.db'}")
    del env["TELEGRAM_BOT_TOKEN"]
    code, stderr = _run_bot(env, workdir)
    assert code != 0 and "TELEGRAM_BOT_TOKEN is required" in stderr


async def test_rejected_token_exits_with_a_clear_message(
    simulator: BotApiSimulator, workdir: Path, database_file: str
) -> None:
    env = _environment(simulator.base_url, database_file, TELEGRAM_BOT_TOKEN="999:WRONG")
    code, stderr = await asyncio.to_thread(_run_bot, env, workdir)
    assert code != 0
    assert "TELEGRAM_BOT_TOKEN was rejected" in stderr


def test_the_procfile_runs_the_bot() -> None:
    assert (ROOT / "Procfile").read_text().strip() == "worker: python -m bot"


def test_tryout_chats_in_the_terminal() -> None:
    import subprocess

    script = "\n".join(["", ":help", ":quit", ""])
    done = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", "--lang", "es"],
        input=script,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "Hola" in done.stdout and "[1]" in done.stdout


def test_tryout_shows_the_coordinators_side_of_a_crisis() -> None:
    import subprocess

    script = "\n".join(["I want to kill myself", ":coord", ":quit", ""])
    done = subprocess.run(
        [sys.executable, "-m", "bot", "simulate"],
        input=script,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "Safety alert #1" in done.stdout and "988" in done.stdout


def _sent_texts(simulator: BotApiSimulator, chat_id: int) -> list[str]:
    return [
        str(call.params.get("text", ""))
        for call in simulator.calls_of("sendMessage")
        if call.ok and str(call.params.get("chat_id")) == str(chat_id)
    ]


async def test_reminders_survive_sigkill_and_arrive_once(
    simulator: BotApiSimulator, workdir: Path, database_file: str
) -> None:
    from datetime import UTC, datetime, timedelta

    # The reminder is due 12 s after booking: time enough for a restart on a busy machine
    # (loading the screener takes a few seconds), so it is due after the second run is up.
    env = _environment(simulator.base_url, database_file, REMINDER_OFFSETS="8s", CHECKIN_AFTER="4s")
    first = BotProcess(workdir, env)
    await first.start()
    person = Person(simulator, SimulatedUser(id=61, first_name="Rae", language_code="en"))
    await person.say("/start", replies=2, timeout=20)
    await person.press("Yes, that's okay")
    starts = datetime.now(UTC) + timedelta(seconds=20)
    await person.say(f"/appointment {starts.strftime('%Y-%m-%dT%H:%M:%S')}", replies=2)
    first.kill()  # the reminder (due in about 12 s) exists only in the database now
    await asyncio.wait_for(first.process.wait(), 10)  # type: ignore[union-attr]
    second = BotProcess(workdir, env)
    third = BotProcess(workdir, env)
    await second.start()
    try:
        reminder = await simulator.wait_for_message(
            person.chat_id, lambda m: "Reminder" in m.get("text", ""), timeout=30
        )
        lateness = reminder["date"] - (starts - timedelta(seconds=8)).timestamp()
        assert lateness < 2  # Telegram dates are whole seconds
        # Killed again between the reminder and the check-in, once the run has recorded the
        # send: a kill in the instant between Telegram's answer and that commit would send
        # the reminder again (at least once; the Bot API has no idempotency key).
        database = Database(make_engine(database_file))
        await simulator.wait_for(lambda: _reminders_sent(database) == 1, timeout=5)
        second.kill()
        await asyncio.wait_for(second.process.wait(), 10)  # type: ignore[union-attr]
        await third.start()
        await simulator.wait_for_message(
            person.chat_id, lambda m: "How did your exam go" in m.get("text", ""), timeout=20
        )
        await asyncio.sleep(2)  # anything sent twice would arrive by now
        texts = _sent_texts(simulator, person.chat_id)
        assert sum("Reminder" in text for text in texts) == 1, [t[:50] for t in texts]
        assert sum("How did your exam go" in text for text in texts) == 1
    finally:
        for process in (second, third):
            if process.alive:
                await process.stop()


def _reminders_sent(database: Database) -> int:
    with database.session() as session:
        rows = session.exec(select(Reminder).where(Reminder.kind == REMINDER)).all()
        return sum(row.status == SENT for row in rows)


async def test_an_alert_survives_an_outage_and_a_sigkill_and_arrives_once(
    simulator: BotApiSimulator, workdir: Path, database_file: str
) -> None:
    """Telegram goes down the moment the crisis message reaches the bot, the bot is killed
    during the 12-second outage, and it is started again once Telegram is back."""
    group = simulator.create_group(-1001000, "Coordinators").id
    env = _environment(simulator.base_url, database_file)
    first = BotProcess(workdir, env)
    await first.start()
    await simulator.wait_for(lambda: len(simulator.calls_of("setMyCommands")) >= 4, timeout=20)
    person = Person(simulator, SimulatedUser(id=71, first_name="Lee", language_code="en"))
    simulator.outage(12, after_next_delivery=True)
    sent = time.monotonic()
    await simulator.send_text(person.user, "I have the pills ready tonight, I'm going to end it")
    await simulator.wait_for(simulator.state.outage_active, timeout=5)  # delivered
    await asyncio.sleep(2)  # the bot has the message and cannot send anything
    assert simulator.messages(group) == []
    first.kill()
    await asyncio.wait_for(first.process.wait(), 10)  # type: ignore[union-attr]
    await asyncio.sleep(max(0.0, 12.5 - (time.monotonic() - sent)))
    second = BotProcess(workdir, env)
    await second.start()
    try:
        alert = await simulator.wait_for_message(group, timeout=20)
        assert "Safety alert" in alert["text"] and "Lee" in alert["text"]
        reply = await person.next(timeout=5)
        assert "911" in reply["text"]
        await asyncio.sleep(2)  # anything sent twice would arrive by now
        assert sum("Safety alert" in text for text in _sent_texts(simulator, group)) == 1
        assert sum("not alone" in text for text in _sent_texts(simulator, person.chat_id)) == 1
    finally:
        await second.stop()
