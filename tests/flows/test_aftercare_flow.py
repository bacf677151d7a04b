"""/aftercare: contacts typed or shared as cards, checked, listed, changed, removed; the plan."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.aftercare import AftercareBook
from bot.config import Settings
from bot.models import AftercareContact, AftercarePlanStep
from bot.simulator import BotApiSimulator, SimulatedUser
from bot.storage import Database
from tests.support import Person, buttons

from .conftest import _running, onboard


def _book(application: Any) -> AftercareBook:
    return application.bot_data["services"].aftercare


def _contacts(database: Database, user_id: int) -> list[AftercareContact]:
    with database.session() as session:
        query = select(AftercareContact).where(AftercareContact.user_id == user_id)
        return list(session.exec(query).all())


def _labels(message: dict[str, Any]) -> list[str]:
    return [label for label, _data in buttons(message)]


async def _start_adding(person: Person) -> dict[str, Any]:
    """/aftercare, then 'Add a person'; returns the question (the overview, edited)."""
    (overview,) = await person.say("/aftercare")
    await person.press("Add a person", overview)
    share = await person.next()
    assert "tap 📎, then Contact" in share["text"]
    keyboard = person.simulator.reply_keyboard(person.chat_id)
    assert keyboard is not None
    assert keyboard["keyboard"][0][0]["request_contact"] is True
    return person.message(overview["message_id"])


async def test_a_typed_contact_is_checked_before_it_is_saved(
    ana: Person, sqlite_database: Database
) -> None:
    await onboard(ana)
    (overview,) = await ana.say("/aftercare")
    assert "No one yet." in overview["text"] and "Nothing yet." in overview["text"]
    assert _labels(overview)[-1] == "Main menu"
    question = await _start_adding(ana)
    assert "Who is this person to you?" in question["text"]
    assert {"Friend", "Sponsor", "Case manager", "Doctor", "Peer-support group"} <= set(
        _labels(question)
    )

    await ana.press("Friend", question)
    assert "Friend" in ana.message(question["message_id"])["text"]
    name_question = await ana.next()
    assert "What is their name?" in name_question["text"] and "/cancel" in name_question["text"]
    assert ana.simulator.reply_keyboard(ana.chat_id) is None, "the share keyboard is put away"

    (number_question,) = await ana.say("Sam Lee")
    assert "phone number for Sam Lee" in number_question["text"]
    assert "(201) 555-0123" in number_question["text"]  # an example in the default country
    for typed, reason in [
        ("12", "too short"),
        ("call me maybe", "doesn't look like a phone number"),
        ("555-0123", "needs its area code"),
        ("000-000-0000", "isn't a valid number in United States"),
        ("+999 123 4567", "don't know that country code"),
        ("202-555-0123 ext 5", "can't save an extension"),
        ("2025550123456789", "too long"),
    ]:
        (reply,) = await ana.say(typed)
        assert reason in reply["text"], typed
        assert "send the number again" in reply["text"]
    assert _contacts(sqlite_database, ana.user.id) == []

    (check,) = await ana.say("202-555-0123")
    assert "Please check" in check["text"]
    assert "Sam Lee" in check["text"] and "Friend" in check["text"]
    assert "+1 202-555-0123" in check["text"]
    assert _labels(check)[:3] == ["Save", "Change something", "Cancel"]
    assert _contacts(sqlite_database, ana.user.id) == []

    await ana.press("Save", check)
    sharing = ana.message(check["message_id"])
    assert "May the coordinators see" in sharing["text"]
    (sam,) = _contacts(sqlite_database, ana.user.id)
    assert (sam.name, sam.relationship, sam.phone) == ("Sam Lee", "friend", "+12025550123")
    assert sam.share_with_coordinators is False, "private until they say yes"
    await ana.press("No, keep it private", sharing)
    overview = ana.message(check["message_id"])
    assert "Sam Lee (Friend): +1 202-555-0123" in overview["text"]
    assert _contacts(sqlite_database, ana.user.id)[0].share_with_coordinators is False


async def test_a_card_from_the_address_book(
    ana: Person, simulator: BotApiSimulator, sqlite_database: Database
) -> None:
    await onboard(ana)
    question = await _start_adding(ana)
    await simulator.send_contact(ana.user, "(514) 555-0199", "Jo", "Bloggs")
    thanks = await ana.next()
    assert "card for Jo Bloggs" in thanks["text"]
    assert simulator.reply_keyboard(ana.chat_id) is None
    kind_question = await ana.next()
    assert "Who is Jo Bloggs to you?" in kind_question["text"]
    await ana.press("Sponsor", kind_question)
    check = ana.message(kind_question["message_id"])
    assert "Please check" in check["text"] and "+1 514-555-0199" in check["text"]
    assert "your own number" not in check["text"]
    await ana.press("Save", check)
    await ana.press("Yes, they may see it", ana.message(check["message_id"]))
    (jo,) = _contacts(sqlite_database, ana.user.id)
    assert (jo.name, jo.relationship, jo.phone, jo.share_with_coordinators) == (
        "Jo Bloggs",
        "sponsor",
        "+15145550199",
        True,
    )
    assert question["message_id"] != check["message_id"]


async def test_the_share_button_sends_the_persons_own_number(
    ana: Person, simulator: BotApiSimulator, sqlite_database: Database
) -> None:
    await onboard(ana)
    await _start_adding(ana)
    # What Telegram sends for a request_contact button: the user's own card, no leading +.
    await simulator.send_contact(ana.user, "12025550123", "Ana", user_id=ana.user.id)
    assert "your own number" in (await ana.next())["text"]
    kind_question = await ana.next()
    await ana.press("Someone else", kind_question)
    check = ana.message(kind_question["message_id"])
    assert "This is your own number." in check["text"] and "+1 202-555-0123" in check["text"]
    await ana.press("Save", check)
    assert _contacts(sqlite_database, ana.user.id)[0].phone == "+12025550123"


async def test_a_card_with_a_bad_number_asks_for_the_number(
    ana: Person, simulator: BotApiSimulator, sqlite_database: Database
) -> None:
    await onboard(ana)
    await _start_adding(ana)
    await simulator.send_contact(ana.user, "12", "Kim")
    refusal = await ana.next()
    assert "can't use the number on this card" in refusal["text"]
    assert "too short" in refusal["text"]
    kind_question = await ana.next()
    await ana.press("Peer-support group", kind_question)
    number_question = ana.message(kind_question["message_id"])
    assert "phone number for Kim" in number_question["text"]
    assert "Cancel" in _labels(number_question)
    (check,) = await ana.say("+44 20 7946 0958")
    assert "Kim" in check["text"] and "+44 20 7946 0958" in check["text"]
    await ana.press("Save", check)
    assert _contacts(sqlite_database, ana.user.id)[0].phone == "+442079460958"


async def test_a_card_can_replace_a_typed_number(ana: Person, simulator: BotApiSimulator) -> None:
    await onboard(ana)
    question = await _start_adding(ana)
    await ana.press("Doctor", question)
    await ana.next()  # the name question
    await ana.say("Dr Roy")
    await simulator.send_contact(ana.user, "+33 6 12 34 56 78", "Claire", "Roy")
    await ana.next()  # thanks
    check = await ana.next()
    assert "Claire Roy" in check["text"] and "+33 6 12 34 56 78" in check["text"]
    assert "Doctor" in check["text"]


async def test_change_something_before_saving(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    question = await _start_adding(ana)
    await ana.press("Friend", question)
    await ana.next()
    await ana.say("Sma")
    (check,) = await ana.say("2025550123")
    await ana.press("Change something", check)
    await ana.press("Name", ana.message(check["message_id"]))
    assert "What is their name?" in ana.message(check["message_id"])["text"]
    (check,) = await ana.say("Sam")
    assert "Name: Sam\n" in check["text"] and "Friend" in check["text"]
    await ana.press("Cancel", check)
    assert "Nothing yet." in ana.message(check["message_id"])["text"]
    assert _contacts(sqlite_database, ana.user.id) == []


async def test_edit_share_and_remove_a_contact(
    ana: Person, application: Any, sqlite_database: Database
) -> None:
    await onboard(ana)
    _book(application).add_contact(
        ana.user.id, name="Sam", relationship="friend", phone="2025550123"
    )
    (overview,) = await ana.say("/aftercare")
    screen_id = overview["message_id"]
    await ana.press("Change or remove someone", overview)
    await ana.press("Sam", ana.message(screen_id))
    contact = ana.message(screen_id)
    assert "Sam (Friend): +1 202-555-0123" in contact["text"]
    assert "private" in contact["text"]

    await ana.press("Change", contact)
    await ana.press("Number", ana.message(screen_id))
    assert "phone number for Sam" in ana.message(screen_id)["text"]
    (reply,) = await ana.say("555")
    assert "send the number again" in reply["text"]
    (check,) = await ana.say("+1 514 555 0199")
    await ana.press("Save", check)
    assert "+1 514-555-0199" in ana.message(check["message_id"])["text"]

    await ana.press("Change", ana.message(check["message_id"]))
    await ana.press("Who they are", ana.message(check["message_id"]))
    await ana.press("Case manager", ana.message(check["message_id"]))
    await ana.press("Save", ana.message(check["message_id"]))
    (sam,) = _contacts(sqlite_database, ana.user.id)
    assert (sam.relationship, sam.phone) == ("case_manager", "+15145550199")

    await ana.press("Let the coordinators see it", ana.message(check["message_id"]))
    assert "may see this contact" in ana.message(check["message_id"])["text"]
    assert [c.id for c in _book(application).shared_contacts(ana.user.id)] == [sam.id]
    await ana.press("Keep it private", ana.message(check["message_id"]))
    assert _book(application).shared_contacts(ana.user.id) == []

    await ana.press("Remove", ana.message(check["message_id"]))
    assert "Remove Sam from your list?" in ana.message(check["message_id"])["text"]
    await ana.press("No, keep", ana.message(check["message_id"]))
    assert len(_contacts(sqlite_database, ana.user.id)) == 1
    await ana.press("Remove", ana.message(check["message_id"]))
    await ana.press("Yes, remove", ana.message(check["message_id"]))
    assert "No one is on your list yet." in ana.message(check["message_id"])["text"]
    assert _contacts(sqlite_database, ana.user.id) == []


async def test_the_plan(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    (overview,) = await ana.say("/aftercare")
    await ana.press("My plan", overview)
    plan = ana.message(overview["message_id"])
    assert "⬜ Rest" in _labels(plan) and "⬜ Do something I enjoy" in _labels(plan)
    await ana.press("⬜ Rest", plan)
    await ana.press("⬜ Call my contact", ana.message(overview["message_id"]))
    plan = ana.message(overview["message_id"])
    assert "✅ Rest" in _labels(plan) and "• Call my contact" in plan["text"]
    await ana.press("✅ Rest", plan)
    assert "• Rest" not in ana.message(overview["message_id"])["text"]

    await ana.press("Write my own", ana.message(overview["message_id"]))
    (reply,) = await ana.say("x" * 201)
    assert "200 characters or fewer" in reply["text"]
    (plan,) = await ana.say("Tea & <b>a film</b>")
    assert "• Tea & <b>a film</b>" in plan["text"]
    await ana.press("✖ Tea & <b>a film</b>", plan)
    assert "a film" not in ana.message(plan["message_id"])["text"]
    with sqlite_database.session() as session:
        steps = session.exec(select(AftercarePlanStep)).all()
    assert [step.suggestion for step in steps] == ["call"]
    await ana.press("Back", ana.message(plan["message_id"]))
    assert "• Call my contact" in ana.message(plan["message_id"])["text"]


async def test_hostile_names_are_shown_as_typed(ana: Person, simulator: BotApiSimulator) -> None:
    await onboard(ana)
    await _start_adding(ana)
    await simulator.send_contact(ana.user, "2025550123", "<b>&", "<i>Lee</i>")
    assert "<b>& <i>Lee</i>" in (await ana.next())["text"]
    kind_question = await ana.next()
    assert "Who is <b>& <i>Lee</i> to you?" in kind_question["text"]
    await ana.press("Friend", kind_question)
    await ana.press("Save", ana.message(kind_question["message_id"]))
    await ana.press("No, keep it private", ana.message(kind_question["message_id"]))
    overview = ana.message(kind_question["message_id"])
    assert "<b>& <i>Lee</i> (Friend)" in overview["text"]
    await ana.press("Change or remove someone", overview)
    assert "<b>& <i>Lee</i>" in _labels(ana.message(kind_question["message_id"]))


async def test_mydata_has_them_and_delete_removes_them(
    ana: Person, application: Any, sqlite_database: Database
) -> None:
    await onboard(ana)
    book = _book(application)
    book.add_contact(ana.user.id, name="Sam", relationship="friend", phone="2025550123")
    book.set_suggestion(ana.user.id, "rest", chosen=True)
    book.add_step(ana.user.id, "Call my sister")
    (document,) = await ana.say("/mydata")
    export = json.loads(document["sim_file"]["content"])
    assert export["tables"]["aftercarecontact"][0]["phone"] == "+12025550123"
    assert len(export["tables"]["aftercareplanstep"]) == 2

    await ana.say("/delete")
    await ana.press("Yes, delete everything")
    assert book.contacts(ana.user.id) == [] and book.plan(ana.user.id) == []
    with sqlite_database.session() as session:
        assert session.exec(select(AftercareContact)).all() == []
        assert session.exec(select(AftercarePlanStep)).all() == []


async def test_cancel_and_main_menu_put_the_keyboard_away(ana: Person) -> None:
    await onboard(ana)
    await _start_adding(ana)
    (stopped,) = await ana.say("/cancel")
    assert "Nothing was saved" in stopped["text"]
    assert ana.simulator.reply_keyboard(ana.chat_id) is None

    question = await _start_adding(ana)
    await ana.press("Main menu", question)
    assert "nothing was saved" in (await ana.next())["text"]
    assert ana.simulator.reply_keyboard(ana.chat_id) is None
    await ana.simulator.wait_for(
        lambda: "What would you like to do?" in ana.message(question["message_id"])["text"]
    )
    (reply,) = await ana.say("Sam")
    assert reply["text"].startswith("Sorry, I didn't understand that.")


async def test_another_flow_gets_its_answers_back(ana: Person) -> None:
    await onboard(ana)
    question = await _start_adding(ana)
    await ana.press("Friend", question)
    await ana.next()  # the name question, left unanswered
    (date_question,) = await ana.say("/appointment")
    assert "What is the date?" in date_question["text"]
    (time_question,) = await ana.say(f"{date.today() + timedelta(days=20):%Y-%m-%d}")
    assert "What time" in time_question["text"]

    # And the other way round: aftercare works while an appointment question is open.
    question = await _start_adding(ana)
    await ana.press("Friend", question)
    await ana.next()
    (number_question,) = await ana.say("Sam")
    assert "phone number for Sam" in number_question["text"]


async def test_limits_get_a_clear_answer(ana: Person, application: Any) -> None:
    await onboard(ana)
    book = _book(application)
    for index in range(10):
        book.add_contact(
            ana.user.id, name=f"P{index}", relationship="friend", phone=f"20255501{index:02}"
        )
    (overview,) = await ana.say("/aftercare")
    answer = await ana.press("Add a person", overview, expect_change=False)
    assert "10 people on your list" in answer["text"]
    for key in ("rest", "walk", "call", "meeting", "eat", "enjoy"):
        book.set_suggestion(ana.user.id, key, chosen=True)
    book.add_step(ana.user.id, "Tea")
    await ana.press("My plan", overview)
    await ana.press("Write my own", ana.message(overview["message_id"]))
    (plan,) = await ana.say("Call Sam")
    assert "• Call Sam" in plan["text"]
    answer = await ana.press("Write my own", plan, expect_change=False)
    assert "8 steps" in answer["text"]


async def test_aftercare_needs_consent(person_factory: Any) -> None:
    person: Person = person_factory(user_id=1002)
    await person.say("/start", replies=2)
    await person.press("No, thanks")
    (reply,) = await person.say("/aftercare")
    assert "/start" in reply["text"]


async def test_an_open_question_survives_a_restart(
    simulator: BotApiSimulator, bot_settings: Settings, sqlite_database: Database
) -> None:
    ana = Person(simulator, SimulatedUser(id=1001, first_name="Ana", language_code="en"))
    first = _running(simulator, bot_settings, sqlite_database)
    await anext(first)
    await onboard(ana)
    question = await _start_adding(ana)
    await ana.press("Sponsor", question)
    await ana.next()
    await ana.say("Pat")
    await simulator.wait_for(lambda: not simulator.pending_updates())  # confirmed
    with pytest.raises(StopAsyncIteration):
        await anext(first)

    second = _running(simulator, bot_settings, sqlite_database)
    await anext(second)
    (check,) = await ana.say("202 555 0123")
    assert "Please check" in check["text"] and "Pat" in check["text"]
    assert "Sponsor" in check["text"]
    with pytest.raises(StopAsyncIteration):
        await anext(second)
