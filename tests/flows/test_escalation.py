"""Coordinators and cases: alerts that act, re-alerting, handoff both ways, delivery that lasts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from telegram.ext import Application

from bot.config import Settings
from bot.data_rights import personal_tables
from bot.models import AlertMessage, Escalation, EscalationEvent, OutgoingMessage
from bot.ratelimit import TelegramRateLimiter
from bot.simulator import BotApiSimulator, RateLimits, SimulatedUser
from bot.storage import Database
from tests.conftest import TEST_TOKEN
from tests.support import Person, buttons

from .conftest import COORDINATORS_CHAT, _running, onboard

CORA = SimulatedUser(id=900, first_name="Cora", username="cora")
DEV = SimulatedUser(id=901, first_name="Dev")
STRANGER = SimulatedUser(id=555, first_name="Sam")
CRISIS = "I have the pills ready tonight, I'm going to end it"

App = Application[Any, Any, Any, Any, Any, Any]


@pytest.fixture
def group(simulator: BotApiSimulator) -> int:
    chat = simulator.create_group(COORDINATORS_CHAT, "Coordinators", members=[CORA, DEV, STRANGER])
    return chat.id


def case_events(database: Database, case_id: int) -> list[str]:
    with database.session() as session:
        rows = session.exec(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id == case_id)
            .order_by(EscalationEvent.id)  # type: ignore[arg-type]
        ).all()
        return [row.kind for row in rows]


def case_of(alert: dict[str, Any]) -> int:
    match = re.search(r"#(\d+)", alert["text"])
    assert match is not None
    return int(match.group(1))


async def press(
    simulator: BotApiSimulator, user: SimulatedUser, message: dict[str, Any], label: str
) -> dict[str, Any]:
    data = next(data for text, data in buttons(message) if text.startswith(label))
    query = await simulator.press_button(
        user, message["message_id"], data, chat_id=message["chat"]["id"]
    )
    return await simulator.wait_for(lambda: simulator.callback_answer(query))


async def crisis(person: Person, simulator: BotApiSimulator, group: int) -> dict[str, Any]:
    """Say something acute; return the alert, after checking the safe reply came."""
    (reply,) = await person.say(CRISIS)
    assert "911" in reply["text"] and "988" in reply["text"]
    return await simulator.wait_for_message(group, timeout=2)


async def test_a_stranger_cannot_act_on_an_alert(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    answer = await press(simulator, STRANGER, alert, "Acknowledge")
    assert answer["text"] == "You are not authorised to act on alerts." and answer["show_alert"]
    answer = await press(simulator, STRANGER, alert, "Resolve")
    assert answer["text"] == "You are not authorised to act on alerts."
    await asyncio.sleep(0.3)
    assert simulator.messages(group) == [alert]  # unchanged, nothing new
    assert case_events(sqlite_database, case_of(alert)) == ["raised", "delivered"]


async def test_acknowledging_shows_who_and_when_and_tells_the_person(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    assert [label for label, _ in buttons(alert)] == [
        f"Acknowledge #{case_of(alert)}",
        f"Resolve #{case_of(alert)}",
    ]
    answer = await press(simulator, CORA, alert, "Acknowledge")
    assert answer["text"] == "Acknowledged. Thank you."
    edited = await simulator.wait_for(
        lambda: (
            "Acknowledged by Cora" in simulator.messages(group)[0]["text"]
            and simulator.messages(group)[0]
        )
    )
    assert [label for label, _ in buttons(edited)] == [f"Resolve #{case_of(alert)}"]
    told = await ana.next()
    assert "coordinator has seen your message" in told["text"]
    again = await press(simulator, DEV, edited, "Resolve")
    assert again["text"] == "Resolved. The person was told."
    assert "closed this conversation" in (await ana.next())["text"]
    assert case_events(sqlite_database, case_of(alert)) == [
        "raised",
        "delivered",
        "acknowledged",
        "resolved",
    ]


async def test_handoff_both_ways_then_resolve_by_command(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    case = case_of(alert)
    await simulator.send_text(
        CORA,
        "Hi Ana, I'm Cora. <b>I'm here.</b>",
        chat_id=group,
        reply_to_message_id=alert["message_id"],
    )
    from_team = await ana.next()
    assert from_team["text"] == "From the care team:\nHi Ana, I'm Cora. <b>I'm here.</b>"
    await simulator.wait_for(  # a reply acknowledges
        lambda: "Acknowledged by Cora" in simulator.messages(group)[0]["text"]
    )
    await ana.simulator.send_text(ana.user, "thank you, I'm scared")
    relayed = await simulator.wait_for_message(group, lambda m: "scared" in m["text"], timeout=2)
    assert relayed["reply_to_message"]["message_id"] == alert["message_id"]
    assert f"case #{case}" in relayed["text"]
    assert "care team" in (await ana.next())["text"]  # told once that it was passed on
    await simulator.send_text(ana.user, "/help")  # commands still work during a case
    assert "help" in (await ana.next())["text"].lower()
    # A reply to the relayed message reaches Ana too.
    await simulator.send_text(
        DEV,
        "We'll call you in 5 minutes.",
        chat_id=group,
        reply_to_message_id=relayed["message_id"],
    )
    assert "call you in 5 minutes" in (await ana.next())["text"]
    await simulator.send_text(CORA, "/cases", chat_id=group)
    listing = await simulator.wait_for_message(group, lambda m: "Open cases" in m["text"])
    assert f"#{case}" in listing["text"] and "acknowledged by Cora" in listing["text"]
    await simulator.send_text(
        CORA, "/resolve", chat_id=group, reply_to_message_id=relayed["message_id"]
    )
    assert "closed this conversation" in (await ana.next())["text"]
    await simulator.send_text(CORA, "/cases", chat_id=group)
    await simulator.wait_for_message(group, lambda m: m["text"] == "No open cases.")
    events = case_events(sqlite_database, case)
    assert events[:2] == ["raised", "delivered"]
    assert events.count("relayed_to_examinee") == 2
    assert events.count("relayed_to_coordinators") == 1
    assert events[-1] == "resolved" and "acknowledged" in events


async def test_a_reply_before_the_alert_is_linked_to_its_case_still_reaches_the_person(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    """The buttons on the alert name its case, so the instant before the link is kept is safe."""
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    with sqlite_database.session() as session:  # as if the link were not written yet
        for link in session.exec(select(AlertMessage)).all():
            session.delete(link)
        session.commit()
    await simulator.send_text(
        CORA, "Ana, I'm here.", chat_id=group, reply_to_message_id=alert["message_id"]
    )
    assert (await ana.next())["text"] == "From the care team:\nAna, I'm here."
    assert "relayed_to_examinee" in case_events(sqlite_database, case_of(alert))


async def test_strangers_cannot_reply_or_resolve(
    ana: Person, simulator: BotApiSimulator, group: int
) -> None:
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    await simulator.send_text(
        STRANGER, "hello there", chat_id=group, reply_to_message_id=alert["message_id"]
    )
    await simulator.send_text(STRANGER, f"/resolve {case_of(alert)}", chat_id=group)
    refusal = await simulator.wait_for_message(group, lambda m: "not authorised" in m["text"])
    assert refusal
    await asyncio.sleep(0.3)
    assert all("hello there" not in m["text"] for m in ana.bot_messages())
    assert "closed" not in ana.last()["text"]


async def test_concern_asks_the_acute_question_and_yes_makes_it_urgent(
    ana: Person, simulator: BotApiSimulator, group: int
) -> None:
    await onboard(ana)
    (reply,) = await ana.say("sometimes I wish I was dead")
    assert "988" in reply["text"] and "911" not in reply["text"]
    acute = await ana.next()
    assert acute["text"] == "Are you having these thoughts right now?"
    alert = await simulator.wait_for_message(group, timeout=2)
    assert "concern" in alert["text"]
    await ana.press("Yes, right now", acute)
    urgent = await ana.next()
    assert "911" in urgent["text"]
    raised = await simulator.wait_for_message(group, lambda m: "is now" in m["text"])
    assert (
        "HIGH" in raised["text"] and raised["reply_to_message"]["message_id"] == alert["message_id"]
    )


async def test_a_case_opened_by_the_direct_question_names_the_answer(
    ana: Person, simulator: BotApiSimulator, group: int
) -> None:
    await onboard(ana)
    (question,) = await ana.say("do they ask about suicide at the exam?")
    await ana.press("Yes", question)
    alert = await simulator.wait_for_message(group, timeout=2)
    assert "Answered “Yes” to the direct question." in alert["text"]
    assert "do they ask about suicide at the exam?" in alert["text"]


# ---------------------------------------------------------------- re-alerting


@pytest.fixture
async def quick_app(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> AsyncIterator[App]:
    """Alerts raised again after one second without an acknowledgement."""
    quick = bot_settings.model_copy(update={"ESCALATION_ACK_TIMEOUT": timedelta(seconds=1)})
    async for app in _running(simulator, quick, sqlite_database):
        yield app


@pytest.fixture
def quick_person(simulator: BotApiSimulator, quick_app: App) -> Callable[..., Person]:
    def make(user_id: int, first_name: str = "Ana") -> Person:
        return Person(
            simulator, SimulatedUser(id=user_id, first_name=first_name, language_code="en")
        )

    return make


async def test_unacknowledged_alerts_come_back_and_the_person_is_not_left_alone(
    quick_person: Callable[..., Person], simulator: BotApiSimulator, group: int
) -> None:
    cora = quick_person(CORA.id, "Cora")
    await cora.say("/start", replies=2)  # a coordinator who started the bot gets DMs too
    ana = quick_person(1001)
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    again = await simulator.wait_for_message(
        group, lambda m: "Still not acknowledged" in m["text"], timeout=4
    )
    assert again["reply_to_message"]["message_id"] == alert["message_id"]
    assert "waiting" in again["text"]
    private = await cora.next(timeout=3)
    assert "has had no answer" in private["text"] and CRISIS not in private["text"]
    waiting = await ana.next(timeout=3)
    assert "I'm still here with you" in waiting["text"] and "988" in waiting["text"]
    # Acknowledging from the private message works, and the re-alerts stop.
    await press(simulator, CORA, private, "Acknowledge")
    await simulator.wait_for(lambda: "Acknowledged by Cora" in simulator.messages(group)[0]["text"])
    count = len(simulator.messages(group))
    await asyncio.sleep(2.5)
    assert len(simulator.messages(group)) == count


async def test_no_answer_to_the_acute_question_raises_the_case(
    quick_person: Callable[..., Person], simulator: BotApiSimulator, group: int
) -> None:
    ana = quick_person(1001)
    await onboard(ana)
    await ana.say("I keep thinking everyone would be better off without me", replies=2)
    await simulator.wait_for_message(group, timeout=2)
    raised = await simulator.wait_for_message(group, lambda m: "is now" in m["text"], timeout=4)
    assert "HIGH" in raised["text"] and "No answer" in raised["text"]


# ---------------------------------------------------------------- delivery


async def test_an_alert_survives_a_twelve_second_outage(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    await onboard(ana)
    simulator.outage(12, after_next_delivery=True)
    await simulator.send_text(ana.user, CRISIS)
    await asyncio.sleep(1)
    assert simulator.messages(group) == []
    with sqlite_database.session() as session:
        pending = session.exec(select(OutgoingMessage)).all()
        assert {row.purpose for row in pending} == {"alert", "safe_reply"}
    alert = await simulator.wait_for_message(group, timeout=16)
    reply = await ana.next(timeout=2)
    assert "911" in reply["text"] and CRISIS in alert["text"]
    await asyncio.sleep(1)
    assert len(simulator.messages(group)) == 1  # once
    with sqlite_database.session() as session:
        assert session.exec(select(Escalation)).one().alert_message_id == alert["message_id"]


async def test_a_person_who_blocked_the_bot_is_reported_to_the_coordinators(
    ana: Person, simulator: BotApiSimulator, group: int
) -> None:
    await onboard(ana)
    alert = await crisis(ana, simulator, group)
    simulator.block(ana.user.id)
    await simulator.send_text(CORA, "Ana?", chat_id=group, reply_to_message_id=alert["message_id"])
    notice = await simulator.wait_for_message(group, lambda m: "no longer reach" in m["text"])
    assert f"#{case_of(alert)}" in notice["text"]


async def test_a_burst_of_alerts_is_combined_within_the_group_limit(
    bot_settings: Settings, sqlite_database: Database
) -> None:
    """Thirty crises at once: every case reaches the group, none twice, and no 429."""
    limits = RateLimits(group_limit=20, group_window=3.0)
    simulator = BotApiSimulator(TEST_TOKEN, bot_username="ime_guide_bot", rate_limits=limits)
    await simulator.start()
    settings = bot_settings.model_copy(update={"TELEGRAM_API_BASE_URL": simulator.base_url})
    limiter = TelegramRateLimiter(group_window=3.0)
    try:
        group = simulator.create_group(COORDINATORS_CHAT, "Coordinators", members=[CORA]).id
        async for _app in _running(simulator, settings, sqlite_database, limiter):
            people = [SimulatedUser(id=2000 + n, first_name=f"P{n}") for n in range(30)]
            await asyncio.gather(*(simulator.send_text(p, CRISIS) for p in people))
            with sqlite_database.session() as session:

                def all_sent() -> bool:
                    session.expire_all()
                    rows = session.exec(
                        select(OutgoingMessage).where(OutgoingMessage.purpose == "alert")
                    ).all()
                    return len(rows) == 30 and all(row.status == "sent" for row in rows)

                await simulator.wait_for(all_sent, timeout=15)
            texts = [m["text"] for m in simulator.messages(group)]
            cases = re.findall(r"Safety alert #(\d+)", "\n".join(texts))
            assert sorted(map(int, cases)) == list(range(1, 31))  # each once
            assert len(texts) < 30  # some were combined
            for person in people:
                assert any("911" in m["text"] for m in simulator.messages(person.id))
            assert [c for c in simulator.calls if c.error_code == 429] == []
    finally:
        await simulator.stop()


async def test_the_person_can_export_and_erase_a_case(
    ana: Person, simulator: BotApiSimulator, group: int, sqlite_database: Database
) -> None:
    """A crisis is handled before consent too; what it kept is the person's to take or erase."""
    alert = await crisis(ana, simulator, group)  # before /start
    await simulator.send_text(
        CORA, "I'm here.", chat_id=group, reply_to_message_id=alert["message_id"]
    )
    await ana.next()
    await simulator.send_text(ana.user, "/mydata")
    export = await simulator.wait_for_message(ana.chat_id, lambda m: "document" in m)
    content = simulator.file_content(export["document"]["file_id"]).decode()
    assert "escalationevent" in content and "pills ready" in content
    await simulator.send_text(ana.user, "/delete")
    await simulator.wait_for_message(ana.chat_id, lambda m: "Delete everything?" in m["text"])
    await ana.press("Yes, delete everything")
    with sqlite_database.session() as session:
        for table in personal_tables():
            column = getattr(table, table.__owner__)
            assert session.exec(select(table).where(column == ana.user.id)).all() == []
    (reply,) = await ana.say("hello")  # no case any more: the flows answer again
    assert "care team" not in reply["text"]


async def test_a_reply_to_a_message_outside_any_case_is_not_lost_silently(
    application: Any, simulator: BotApiSimulator, group: int
) -> None:
    await simulator.send_text(CORA, "/cases", chat_id=group)
    listing = await simulator.wait_for_message(group, lambda m: m["text"] == "No open cases.")
    await simulator.send_text(
        CORA, "hello?", chat_id=group, reply_to_message_id=listing["message_id"]
    )
    answer = await simulator.wait_for_message(group, lambda m: "nothing was sent" in m["text"])
    assert "/reply" in answer["text"]


async def test_help_in_the_coordinators_chat_explains_alerts(
    application: Any, simulator: BotApiSimulator, group: int
) -> None:
    await simulator.send_text(CORA, "/help", chat_id=group)
    help_text = await simulator.wait_for_message(
        group, lambda m: "Working with alerts" in m["text"]
    )
    assert "/resolve" in help_text["text"] and "/cases" in help_text["text"]
