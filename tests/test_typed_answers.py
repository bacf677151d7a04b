"""Typed answers to the bot's safety questions (``bot.typed_answers``)."""

from __future__ import annotations

import pytest

from bot.typed_answers import TypedAnswer, read_typed_answer

YES, NO, UNSURE = TypedAnswer.YES, TypedAnswer.NO, TypedAnswer.UNSURE


@pytest.mark.parametrize(
    ("text", "language", "answer"),
    [
        ("Yes", "en", YES),
        ("yeahhh 😭", "en", YES),
        ("honestly... sometimes", "en", YES),
        ("no... well, sometimes", "en", YES),
        ("Right now", "en", YES),
        ("no", "en", NO),
        ("Nope, I'm fine", "en", NO),
        ("not right now", "en", NO),
        ("idk", "en", UNSURE),
        ("I'd rather not say", "en", UNSURE),
        ("not sure, no", "en", UNSURE),
        ("ouais un peu", "fr", YES),
        ("Non merci, ça va", "fr", NO),
        ("je préfère ne pas le dire", "fr", UNSURE),
        ("sí, a veces", "es", YES),
        ("ahorita no", "es", NO),
        ("no sé", "es", UNSURE),
        ("oui", "en", YES),  # another of the three languages than the one set
    ],
)
def test_short_answers_are_read(text: str, language: str, answer: TypedAnswer) -> None:
    assert read_typed_answer(text, language) is answer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "thanks",
        "yes I'd like to book an appointment",
        "no idea what time the exam is",
        "what time is my appointment?",
        "yes yes yes yes yes yes yes yes yes",
    ],
)
def test_anything_else_is_not_an_answer(text: str) -> None:
    assert read_typed_answer(text, "en") is None
