"""Every button of the explainer and the menus answers, leads somewhere and has a way back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.guide import ROOT, SCREENS
from bot.i18n import translator
from bot.messaging import plain_text
from bot.simulator import BotApiSimulator
from tests.support import Person, buttons

from .conftest import onboard


@pytest.mark.parametrize("language", ["en", "fr", "es"])
async def test_every_screen_is_reachable_and_has_a_way_back(
    person_factory: Any, language: str
) -> None:
    person: Person = person_factory(language=language)
    _ = translator(language)
    await onboard(person)
    (guide,) = await person.say("/guide")
    message_id = guide["message_id"]
    assert plain_text(_(SCREENS[ROOT].body)) == guide["text"]

    def shown_key() -> str:
        text = person.message(message_id)["text"]
        return next(k for k, screen in SCREENS.items() if plain_text(_(screen.body)) == text)

    async def tap(data: str) -> None:
        await person.press_data(message_id, data)
        target = data.removeprefix("guide:")
        await person.simulator.wait_for(lambda: shown_key() == target)

    async def go_to(path: list[str]) -> None:
        while shown_key() != ROOT:
            await tap(buttons(person.message(message_id))[-2][1])  # "Back"
        for key in path[1:]:
            await tap("guide:" + key)

    seen: set[str] = set()
    to_visit = [[ROOT]]
    while to_visit:
        path = to_visit.pop()
        seen.add(path[-1])
        await go_to(path)
        screen = person.message(message_id)
        datas = [data for _label, data in buttons(screen)]
        assert datas[-1] == "menu:main", "every screen offers the main menu"
        if path[-1] != ROOT:
            assert datas[-2] == "guide:" + path[-2], "every screen but the first has a way back"
        to_visit += [
            [*path, d.removeprefix("guide:")]
            for d in datas[:-1]
            if d.startswith("guide:")
            and d.removeprefix("guide:") not in seen
            and (path[-1] == ROOT or d != datas[-2])
        ]
    assert seen == set(SCREENS)


async def test_double_tap_never_makes_a_rejected_edit(
    ana: Person, simulator: BotApiSimulator
) -> None:
    await onboard(ana)
    (guide,) = await ana.say("/guide")
    first = await simulator.press_button(ana.user, guide["message_id"], "guide:what")
    second = await simulator.press_button(ana.user, guide["message_id"], "guide:what")
    await simulator.wait_for(
        lambda: simulator.callback_answer(first) and simulator.callback_answer(second)
    )
    assert "What is an IME?" in ana.message(guide["message_id"])["text"]


async def test_every_main_menu_button_answers(ana: Person) -> None:
    await onboard(ana)
    menu = ana.last()
    menu_text = menu["text"]
    for label, data in buttons(menu):
        current = ana.message(menu["message_id"])
        if data not in dict(buttons(current)).values():
            await ana.press(dict(buttons(current)) and "Main menu", current)
        before = ana.message(menu["message_id"])
        await ana.press(label, before)
        after = ana.message(menu["message_id"])
        assert after["text"] != menu_text and buttons(after), label


async def test_an_old_button_gets_an_answer_and_the_menu(
    ana: Person, simulator: BotApiSimulator
) -> None:
    await ana.say("/start", replies=2)
    consent = ana.last()
    await ana.press("Yes, that's okay")
    # The consent question was edited into the menu; a stale copy of it in another message:
    (guide,) = await ana.say("/guide")
    await simulator.press_button(ana.user, guide["message_id"], "guide:faq")
    await simulator.wait_for(lambda: "guide:faq_bring" in str(ana.message(guide["message_id"])))
    assert consent["message_id"] != guide["message_id"]
