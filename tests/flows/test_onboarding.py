"""/start, consent, language, help and the fallbacks, through PTB's update processing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.data_rights import personal_tables
from bot.i18n import translator
from bot.models import Examinee
from bot.simulator import BotApiSimulator
from bot.storage import Database
from tests.support import Person, buttons

from .conftest import COORDINATORS_CHAT, onboard


@pytest.mark.parametrize(
    ("telegram_language", "expected"),
    [("en", "en"), ("fr", "fr"), ("es-419", "es"), ("de", "en"), (None, "en")],
)
async def test_start_greets_in_the_users_language(
    person_factory: Any, telegram_language: str | None, expected: str
) -> None:
    person: Person = person_factory(language=telegram_language)
    greeting, question = await person.say("/start", replies=2)
    _ = translator(expected)
    first_words = {"en": "Hi Ana.", "fr": "Bonjour Ana.", "es": "Hola, Ana."}
    assert greeting["text"].split("\n")[0].startswith(first_words[expected][:5])
    assert "911" in greeting["text"]  # the emergency number for DEFAULT_COUNTRY=US
    labels = [label for label, _data in buttons(question)]
    assert labels == [_("Yes, that's okay"), _("What do you keep?"), _("No, thanks")]


async def test_consent_then_menu_and_welcome_back(ana: Person, sqlite_database: Database) -> None:
    await onboard(ana)
    assert "inline_keyboard" in ana.last()["reply_markup"]
    with sqlite_database.session() as session:
        assert session.get(Examinee, ana.user.id).consented_at is not None  # type: ignore[union-attr]
    (again,) = await ana.say("/start")
    assert again["text"].startswith("Welcome back, Ana.")


async def test_what_do_you_keep_then_yes(ana: Person) -> None:
    await ana.say("/start", replies=2)
    await ana.press("What do you keep?")
    assert "What I keep" in ana.last()["text"]
    assert "What do you keep?" not in dict(buttons(ana.last()))
    await ana.press("Yes, that's okay")
    assert "You're all set" in ana.last()["text"]


async def test_declining_keeps_the_guide_open(ana: Person, sqlite_database: Database) -> None:
    await ana.say("/start", replies=2)
    await ana.press("No, thanks")
    assert "won't save your answers" in ana.last()["text"]
    await ana.press("About the IME")
    assert "About the IME" in ana.last()["text"]
    with sqlite_database.session() as session:
        assert session.get(Examinee, ana.user.id).consented_at is None  # type: ignore[union-attr]


async def test_text_while_consent_is_pending_asks_again(ana: Person) -> None:
    await ana.say("/start", replies=2)
    (reply,) = await ana.say("what is this?")
    assert reply["text"].startswith("Please choose one of the buttons below first.")
    assert buttons(reply)[0][0] == "Yes, that's okay"


async def test_deep_link_payload_is_accepted(ana: Person, application: Any) -> None:
    await ana.say("/start invite_AbC-123", replies=2)
    assert application.user_data[ana.user.id]["start_payload"] == "invite_AbC-123"


async def test_language_switch_is_remembered(
    ana: Person, simulator: BotApiSimulator, sqlite_database: Database
) -> None:
    await onboard(ana)
    (prompt,) = await ana.say("/language")
    await ana.press("Français", prompt)
    assert "français" in ana.message(prompt["message_id"])["text"]
    (reply,) = await ana.say("/help")
    assert "Comment m'utiliser" in reply["text"] or reply["text"] != translator("en")(
        "<b>How to use me</b>"
    )
    with sqlite_database.session() as session:
        assert session.get(Examinee, ana.user.id).language == "fr"  # type: ignore[union-attr]
    chat_commands = simulator.commands(scope={"type": "chat", "chat_id": ana.user.id})
    assert chat_commands[0]["description"] == translator("fr")("Start, or see the main menu")


async def test_commands_published_in_every_language(
    simulator: BotApiSimulator, application: Any
) -> None:
    scope = {"type": "all_private_chats"}
    for language in ("en", "fr", "es"):
        commands = simulator.commands(scope=scope, language_code=language)
        assert [c["command"] for c in commands][:2] == ["start", "guide"]
        assert commands[1]["description"] == translator(language)(
            "What an IME is and what to expect"
        )
    assert simulator.commands(scope=scope)


async def test_help_and_unknown_text_and_commands(ana: Person) -> None:
    await onboard(ana)
    (help_reply,) = await ana.say("/help")
    assert "/privacy" in help_reply["text"] and "911" in help_reply["text"]
    (fallback,) = await ana.say("asdf qwerty")
    assert fallback["text"].startswith("Sorry, I didn't understand that.")
    assert buttons(fallback)
    (unknown,) = await ana.say("/frobnicate")
    assert unknown["text"].startswith("I don't know that command.")


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("sticker", {}, "I can only read text"),
        ("photo", {}, "I can't open photos or files"),
        ("voice", {}, "I can't listen"),
        ("document", {"content": b"x", "file_name": "report.pdf"}, "I can't open photos"),
        ("location", {"latitude": 45.5, "longitude": -73.6}, "I don't use or keep locations"),
        ("contact", {"phone_number": "+15145550000", "first_name": "Sam"}, "contact cards"),
    ],
)
async def test_every_message_kind_gets_a_helpful_answer(
    ana: Person, kind: str, fields: dict[str, Any], expected: str
) -> None:
    await onboard(ana)
    reply = await ana.send_media(kind, **fields)
    assert expected in reply["text"]
    assert buttons(reply)


async def test_hostile_names_and_markup_are_escaped(person_factory: Any) -> None:
    mallory: Person = person_factory(
        user_id=666, first_name="<b>Mal</b> & <script>", username="mal_lory"
    )
    greeting, _question = await mallory.say("/start", replies=2)
    assert "<b>Mal</b> & <script>" in greeting["text"]
    await mallory.press("Yes, that's okay")
    for hostile in ["<i>unclosed", "*_[`~]()>#+-=|{}.!", "&amp; &lt; <<<>>>", "x" * 4096]:
        (reply,) = await mallory.say(hostile)
        assert reply["text"].startswith("Sorry, I didn't understand that.")
    (again,) = await mallory.say("/start")
    assert "<b>Mal</b> & <script>" in again["text"]


async def test_a_stranger_group_is_told_once_then_silence(
    simulator: BotApiSimulator, ana: Person
) -> None:
    group = simulator.create_group(-100555, "Family", members=[ana.user])
    await simulator.send_text(ana.user, "/start@ime_guide_bot", chat_id=group.id)
    notice = await simulator.wait_for_message(group.id)
    assert "only work in private chats" in notice["text"]
    assert "@ime_guide_bot" in notice["text"]
    await simulator.send_text(ana.user, "/help@ime_guide_bot", chat_id=group.id)
    await onboard(ana)  # the bot is still working; the group got nothing more
    assert len(simulator.messages(group.id)) == 1


async def test_the_coordinators_chat_gets_no_notice(
    simulator: BotApiSimulator, ana: Person
) -> None:
    group = simulator.create_group(COORDINATORS_CHAT, "Coordinators", members=[ana.user])
    await simulator.send_text(ana.user, "/help@ime_guide_bot", chat_id=group.id)
    await onboard(ana)
    assert simulator.messages(group.id) == []


async def test_mydata_exports_everything_as_json(ana: Person) -> None:
    await onboard(ana)
    (document,) = await ana.say("/mydata")
    export = json.loads(document["sim_file"]["content"])
    assert document["sim_file"]["name"] == "my-data.json"
    assert export["user_id"] == ana.user.id
    assert export["tables"]["examinee"][0]["first_name"] == "Ana"


async def test_delete_after_confirmation_leaves_no_row(
    ana: Person, sqlite_database: Database, application: Any
) -> None:
    await ana.say("/start invite_x", replies=2)  # leaves flow data behind
    await ana.press("Yes, that's okay")
    await ana.say("/start", replies=1)
    await ana.say("/delete")
    await ana.press("No, keep it")
    assert "nothing was deleted" in ana.last()["text"]
    await ana.press("Delete everything")
    await ana.press("Yes, delete everything")
    assert ana.last()["text"].startswith("Done. I deleted everything")
    with sqlite_database.session() as session:
        for table in personal_tables():
            column = getattr(table, table.__owner__)
            assert session.exec(select(table).where(column == ana.user.id)).all() == []
    assert ana.user.id not in application.user_data or not application.user_data[ana.user.id]
