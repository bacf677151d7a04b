"""Crisis screening in every state: the safe reply at once, coordinators told, flows resume."""

from __future__ import annotations

from typing import Any

import pytest

from bot.simulator import BotApiSimulator, SimulatedUser
from tests.support import Person, buttons

from .conftest import COORDINATORS_CHAT, onboard

CORA = SimulatedUser(id=900, first_name="Cora")


@pytest.fixture
def coordinators(simulator: BotApiSimulator) -> int:
    return simulator.create_group(COORDINATORS_CHAT, "Coordinators", members=[CORA]).id


async def test_crisis_before_start_gets_help_and_an_alert(
    person_factory: Any, simulator: BotApiSimulator, coordinators: int
) -> None:
    person: Person = person_factory(user_id=3001, first_name="<Jo>", username="jo")
    (reply,) = await person.say("I want to kill myself")
    assert "988" in reply["text"] and "not alone" in reply["text"]
    alert = await simulator.wait_for_message(coordinators, timeout=2)
    assert "<Jo>" in alert["text"] and "3001" in alert["text"]
    assert "I want to kill myself" in alert["text"]


async def test_the_flow_resumes_once_the_case_is_resolved(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    await ana.say("/start", replies=2)
    (reply,) = await ana.say("honestly I have the pills ready tonight")
    assert "911" in reply["text"]  # high: the emergency number first
    alert = await simulator.wait_for_message(coordinators, timeout=2)
    (passed_on,) = await ana.say("what now?")
    assert "care team" in passed_on["text"]  # a case is open: a person answers now
    await simulator.press_button(
        CORA, alert["message_id"], buttons(alert)[1][1], chat_id=coordinators
    )
    closed = await ana.next()
    assert "closed this conversation" in closed["text"] and "988" in closed["text"]
    (again,) = await ana.say("what now?")
    assert again["text"].startswith("Please choose one of the buttons below first.")


@pytest.mark.parametrize(
    ("language", "text"),
    [("fr", "je veux mourir, je n'en peux plus"), ("es", "quiero quitarme la vida")],
)
async def test_crisis_in_french_and_spanish(
    person_factory: Any, simulator: BotApiSimulator, coordinators: int, language: str, text: str
) -> None:
    person: Person = person_factory(user_id=3100, language=language)
    await onboard(person)
    (reply,) = await person.say(text)
    assert "988" in reply["text"]
    await simulator.wait_for_message(coordinators, timeout=2)


async def test_idioms_raise_nothing(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    await onboard(ana)
    (reply,) = await ana.say("this exam is killing me, my back is killing me too")
    assert reply["text"].startswith("Sorry, I didn't understand that.")
    assert simulator.messages(coordinators) == []


async def test_a_question_about_the_topic_gets_the_direct_question(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    await onboard(ana)
    (question,) = await ana.say("can the examiner ask me about suicide?")
    assert "Are you having thoughts" in question["text"]
    await ana.press("No", question)
    assert "If that changes" in ana.message(question["message_id"])["text"]
    assert simulator.messages(coordinators) == []
    (question,) = await ana.say("can the examiner ask me about suicide?")
    await ana.press("I'd rather not say", question)
    assert "You answered: I'd rather not say" in ana.message(question["message_id"])["text"]
    reply = await ana.next()
    assert "988" in reply["text"] and "coordinator" in reply["text"]
    acute = await ana.next()
    assert "right now" in acute["text"]
    alert = await simulator.wait_for_message(coordinators, timeout=2)
    assert "rather not say" in alert["text"]


async def test_captions_are_screened(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    await onboard(ana)
    reply = await ana.send_media("photo", caption="goodbye everyone, I wrote my letters")
    assert "988" in reply["text"]
    await simulator.wait_for_message(coordinators, timeout=2)


async def test_a_crisis_mid_booking_is_caught_and_the_booking_resumes(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    """In the middle of a flow that expects a date, crisis words are not taken as a date."""
    await onboard(ana)
    (question,) = await ana.say("/appointment")
    assert "What is the date?" in question["text"]
    (reply,) = await ana.say("je veux mourir")  # in French, to an English-speaking bot
    assert "988" in reply["text"]
    alert = await simulator.wait_for_message(coordinators, timeout=2)
    await simulator.press_button(
        CORA, alert["message_id"], buttons(alert)[1][1], chat_id=coordinators
    )
    await ana.simulator.wait_for_message(
        ana.chat_id, lambda m: "closed this conversation" in m["text"]
    )
    (again,) = await ana.say("not a date")
    assert "couldn't use that date" in again["text"]  # still asking for the date


async def test_a_typed_yes_answers_the_direct_question(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    """People type rather than press: 'yeah' under the question opens a case, as 'Yes' does."""
    await onboard(ana)
    (question,) = await ana.say("can the examiner ask me about suicide?")
    assert "Are you having thoughts" in question["text"]
    reply, acute = await ana.say("yeah... sometimes", replies=2)
    assert "988" in reply["text"] and "coordinator" in reply["text"]
    assert "right now" in acute["text"]
    alert = await simulator.wait_for_message(coordinators, timeout=2)
    assert "Typed “yeah... sometimes” in answer to the direct question." in alert["text"]
    assert "can the examiner ask me about suicide?" in alert["text"]
    (urgent,) = await ana.say("right now")
    assert "911" in urgent["text"]  # high: the emergency number first
    raised = await simulator.wait_for_message(
        coordinators, lambda m: "these thoughts right now" in m["text"], timeout=2
    )
    assert "HIGH" in raised["text"].upper()


async def test_a_typed_no_answers_the_direct_question_kindly_and_alerts_nobody(
    person_factory: Any, simulator: BotApiSimulator, coordinators: int
) -> None:
    person: Person = person_factory(user_id=3200, language="fr")
    await onboard(person)
    (question,) = await person.say("est-ce que l'expert va me demander si j'ai pensé au suicide ?")
    assert "idées" in question["text"] or "pensées" in question["text"]
    (kind,) = await person.say("non ça va")
    assert "Si cela change" in kind["text"] and "988" in kind["text"]
    assert simulator.messages(coordinators) == []
    (menu,) = await person.say("non")  # answered already: words go back to the flows
    assert "Si cela change" not in menu["text"]


async def test_words_that_are_not_an_answer_go_on_to_the_flow(
    ana: Person, simulator: BotApiSimulator, coordinators: int
) -> None:
    await onboard(ana)
    (question,) = await ana.say("can the examiner ask me about suicide?")
    assert "Are you having thoughts" in question["text"]
    (reply,) = await ana.say("ok, what should I bring?")
    assert reply["text"].startswith("Sorry, I didn't understand that.")
    (booking,) = await ana.say("/appointment")
    assert "What is the date?" in booking["text"]
    assert simulator.messages(coordinators) == []
