"""The screener's fast path must never change a result: it only skips provably empty work.

``screen_message`` first tries to prove that a message would grade none with no findings;
``_screen_full`` always runs the whole screening. Both are run here on every labelled
message and on a seeded fuzz of lexicon words, accents, emoji, leetspeak, stretched letters
and random characters, and must return identical ``Screening`` values.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot import screening
from bot.screening import LANGUAGES, screen_message

DATA = Path(__file__).resolve().parent / "data"
SETS = (
    "screening_set.jsonl",
    "screening_dev.jsonl",
    "screening_unseen.jsonl",
    "screening_dev2.jsonl",
    "screening_holdout.jsonl",
    "screening_holdout2.jsonl",
    "screening_holdout3.jsonl",
    "screening_fresh.jsonl",
)
EVERYDAY = [
    "What time is my appointment tomorrow?",
    "ok thanks",
    "hello there 12",
    "Can I bring my husband?",
    "merci beaucoup",
    "¿A qué hora es mi cita mañana?",
    "Je suis en retard, désolé",
]
EXTRA_CHARS = "àéèêëîïôöùûüçñœæß¿¡«»“”–—…’'`!?.,;:-_@$|0123456789\n\t 💊🔪😭😂👍⚰️\u0301\u200d"


def _texts(name: str) -> list[tuple[str, str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [(row["text"], row["language"]) for row in map(json.loads, lines)]


def _vocabulary() -> list[str]:
    words = sorted(screening._lexicon().vocabulary)
    for code in LANGUAGES:
        words += screening.load_raw(code)["detect"]
    return words


def _fuzz(count: int, seed: int) -> list[str]:
    """Mixed strings built to reach every normalisation step and many rules."""
    rng = random.Random(seed)
    words = _vocabulary()
    leet = str.maketrans({"e": "3", "i": "1", "o": "0", "a": "4", "s": "$"})
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 12)):
            word = rng.choice(words)
            roll = rng.random()
            if roll < 0.08:
                word = word.translate(leet)
            elif roll < 0.14 and word:
                i = rng.randrange(len(word))
                word = word[:i] + word[i] * rng.randint(3, 5) + word[i + 1 :]
            elif roll < 0.22:
                word = word.upper() if rng.random() < 0.5 else word.capitalize()
            elif roll < 0.32:
                word += rng.choice(EXTRA_CHARS)
            elif roll < 0.36:
                word = "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 4)))
            parts.append(word)
        texts.append(" ".join(parts))
    return texts


def _assert_same(texts: list[tuple[str, str | None]]) -> None:
    different = [
        (text, language)
        for text, language in texts
        if screen_message(text, language) != screening._screen_full(text, language)
    ]
    assert not different, different[:5]


@pytest.mark.parametrize("name", SETS)
def test_fast_path_matches_full_path_on_labelled_sets(name: str) -> None:
    texts = _texts(name)
    _assert_same(texts + [(text, None) for text, _ in texts])


def test_fast_path_matches_full_path_on_fuzz() -> None:
    texts: list[tuple[str, str | None]] = [(t, None) for t in _fuzz(4000, seed=20261123)]
    texts += [(t, "fr") for t in _fuzz(1000, seed=7)]
    _assert_same(texts)


def test_fast_path_takes_everyday_messages() -> None:
    """The fast path is only worth having if ordinary messages use it."""
    fast = screening._fast_path()
    assert fast is not None
    for text in EVERYDAY:
        assert fast.normal(text) == screening.normalise(text), text
    assert fast.normal("I want to die") is None
    assert fast.normal("k1ll myself") is None
    assert fast.normal("I'm fine") is None


def test_the_shared_normal_form_is_normalise() -> None:
    """Typed answers read ``normal_form``; it must never differ from ``normalise``."""
    texts = [text for name in SETS for text, _ in _texts(name)] + _fuzz(2000, 11)
    texts += [*EVERYDAY, "yes", "Oui!!", "sííí", "nope 🙂", "I don't know", "NO"]
    for text in texts:
        assert screening.normal_form(text) == screening.normalise(text), text


def test_the_saved_literal_index_is_fresh_and_equal_to_the_analysis() -> None:
    """Start-up reads the rules' literal analysis from a file; it must say what they say."""
    saved = json.loads(screening.LITERAL_INDEX.read_text(encoding="utf-8"))
    assert saved["lexicons_sha256"] == screening.lexicon_digest(), "run scripts/train-screener"
    lex = screening._lexicon()
    rarity = screening._rarity(lex)
    items = screening._indexed_items(lex)
    assert len(screening._saved_options()) == len({item.regex.pattern for item in items})
    for item in items:
        pattern = item.regex.pattern
        assert screening._options_of(pattern, rarity) == screening._literal_options(
            pattern, rarity
        ), pattern


def test_a_stale_literal_index_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "literal_index.json"
    data = json.loads(screening.LITERAL_INDEX.read_text(encoding="utf-8"))
    stale.write_text(json.dumps(data | {"lexicons_sha256": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(screening, "LITERAL_INDEX", stale)
    assert screening._saved_options.__wrapped__() == {}
    monkeypatch.setattr(screening, "LITERAL_INDEX", tmp_path / "missing.json")
    assert screening._saved_options.__wrapped__() == {}
    written = tmp_path / "written.json"
    screening.write_literal_index(written)
    monkeypatch.setattr(screening, "LITERAL_INDEX", written)
    assert screening._saved_options.__wrapped__() == screening._saved_options()
