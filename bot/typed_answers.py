"""Read a typed 'yes', 'no' or 'I don't know' as the answer to the bot's own safety question.

People in distress often type instead of pressing a button. A 'yes' typed under 'Are you
having thoughts of ending your life?' screens as nothing on its own, so without this it
would be passed to whatever flow was open and the answer lost. The phrases are data
(``data/typed_answers.json``); a message counts only when it is made of them alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path

from bot.screening import LANGUAGES, normal_form

DATA_FILE = Path(__file__).resolve().parent / "data" / "typed_answers.json"
_NOT_WORDS = re.compile(r"[^a-z0-9_ ]+")


class TypedAnswer(Enum):
    """The button a typed answer stands for (``UNSURE`` is 'I'd rather not say')."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsaid"


@dataclass(frozen=True)
class _Phrasebook:
    max_words: int
    phrases: dict[str, dict[str, TypedAnswer | None]]
    # Per language, the most words in one phrase (read on every message, so kept here).
    longest: dict[str, int]


@cache
def _phrasebook() -> _Phrasebook:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    phrases: dict[str, dict[str, TypedAnswer | None]] = {}
    for language, classes in raw["languages"].items():
        table: dict[str, TypedAnswer | None] = dict.fromkeys(classes["fillers"])
        for answer in TypedAnswer:
            key = "unsure" if answer is TypedAnswer.UNSURE else answer.value
            table.update(dict.fromkeys(classes[key], answer))
        phrases[language] = table
    longest = {code: max(len(p.split()) for p in table) for code, table in phrases.items()}
    return _Phrasebook(max_words=int(raw["max_words"]), phrases=phrases, longest=longest)


def _read_in(
    words: list[str], table: dict[str, TypedAnswer | None], longest: int
) -> TypedAnswer | None:
    """Cover ``words`` with phrases, longest first; None unless every word is covered."""
    found: set[TypedAnswer] = set()
    start = 0
    while start < len(words):
        for size in range(min(longest, len(words) - start), 0, -1):
            phrase = " ".join(words[start : start + size])
            if phrase in table:
                answer = table[phrase]
                if answer is not None:
                    found.add(answer)
                start += size
                break
        else:
            return None
    # 'no... well, sometimes' is a yes; 'not sure, no' is not a clear no.
    for answer in (TypedAnswer.YES, TypedAnswer.UNSURE, TypedAnswer.NO):
        if answer in found:
            return answer
    return None


def read_typed_answer(text: str, language: str) -> TypedAnswer | None:
    """The answer ``text`` gives, read in the person's language first, or None."""
    words = _NOT_WORDS.sub(" ", normal_form(text)).split()
    book = _phrasebook()
    if not words or len(words) > book.max_words:
        return None
    order = [language, *(code for code in LANGUAGES if code != language)]
    for code in order:
        if code in book.phrases:
            answer = _read_in(words, book.phrases[code], book.longest[code])
            if answer is not None:
                return answer
    return None
