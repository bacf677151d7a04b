"""The screener's fast path must never change a result: it only skips provably empty work.

``screen_message`` first tries to prove that a message would grade none with no findings;
``_screen_full`` always runs the whole screening. Both are run here on every labelled
message and on a seeded fuzz of lexicon words, accents, emoji, leetspeak, stretched letters
and random characters, and must return identical ``Screening`` values.
"""

from __future__ import annotations

import json
import random
import re
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


APOSTROPHES = ("'", "\u2019", "\u2018", "\u02bc", "\u00b4", "`")
CONTRACTED = [
    "I'm sure I'll be fine, I don't mind",
    "I can't make it, I won't be there, I'd rather not go",
    "you're kind, it's ok, that's all",
    "j'ai rendez-vous, c'est loin, qu'est-ce que je dois apporter ?",
    "l'examen est à quelle heure, je n'ai pas la lettre",
    "y'all said it's fine, I've got my records",
    "I'm done. I can't do this anymore",
    "I don't want to be here anymore",
    "je n'en peux plus, j'ai envie d'en finir",
    "I'm gonna kms",
    "it's over, I've got the pills",
]


def test_contractions_with_any_apostrophe_match_the_full_path() -> None:
    """The fast path expands contractions itself; it must do so exactly as normalisation."""
    texts = [text.replace("'", mark) for text in CONTRACTED for mark in APOSTROPHES]
    _assert_same([(text, None) for text in texts])
    for text in texts:
        assert screening.normal_form(text) == screening.normalise(text), text
    fast = screening._fast_path()
    assert fast is not None
    assert fast.normal("I\u2019m sure I\u2019ll be fine") == "i am sure i will be fine"


def test_fast_path_takes_everyday_messages() -> None:
    """The fast path is only worth having if ordinary messages use it."""
    fast = screening._fast_path()
    assert fast is not None
    for text in EVERYDAY:
        assert fast.normal(text) == screening.normalise(text), text
    assert fast.normal("I want to die") is None
    assert fast.normal("k1ll myself") is None
    # Contractions are expanded as normalisation expands them, typographic apostrophes too.
    assert fast.normal("I'm fine, can\u2019t wait") == "i am fine, can not wait"
    assert fast.normal("I don\u2019t want to live anymore") is None


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
    index = screening._saved_index()
    assert len(index.options) == len({item.regex.pattern for item in items})
    for item in items:
        pattern = item.regex.pattern
        assert screening._options_of(pattern, rarity) == screening._literal_options(
            pattern, rarity
        ), pattern
    patterns = screening._covered_patterns()
    assert len(index.covers) == len(set(patterns))
    for pattern in patterns:
        assert screening._cover_of(pattern) == screening._literal_cover(pattern), pattern


def test_every_cover_the_lexicon_uses_is_saved() -> None:
    """A gated entry missing from the saved index would be analysed again at start-up."""
    lex = screening._lexicon()
    gated = [*lex.rules, *lex.topics, *lex.idioms, *lex.distress, *lex.hopelessness, *lex.means]
    covers = screening._saved_index().covers
    written = set(screening._covered_patterns())
    assert len(gated) + len(lex.contractions) + len(lex.slang_patterns) == len(
        screening._covered_patterns()
    )
    assert all(screening._pattern_key(p) in covers for p in written)


def test_a_stale_literal_index_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "literal_index.json"
    data = json.loads(screening.LITERAL_INDEX.read_text(encoding="utf-8"))
    stale.write_text(json.dumps(data | {"lexicons_sha256": "0" * 64}), encoding="utf-8")
    empty = screening._SavedIndex({}, {})
    monkeypatch.setattr(screening, "LITERAL_INDEX", stale)
    assert screening._saved_index.__wrapped__() == empty
    monkeypatch.setattr(screening, "LITERAL_INDEX", tmp_path / "missing.json")
    assert screening._saved_index.__wrapped__() == empty
    written = tmp_path / "written.json"
    screening.write_literal_index(written)
    monkeypatch.setattr(screening, "LITERAL_INDEX", written)
    assert screening._saved_index.__wrapped__() == screening._saved_index()


def test_warm_up_compiles_every_rule_once_and_changes_no_result() -> None:
    """Start-up leaves the rules' regexes to be compiled lazily or by the warm-up job."""
    texts = [text for text, _ in _texts("screening_dev.jsonl")[:40]]
    before = [screening._screen_full(text) for text in texts]
    left = list(screening.warm_up())
    assert left == sorted(left, reverse=True) and (not left or left[-1] == 0)
    lex = screening._lexicon()
    entries = [*lex.rules, *lex.topics, *lex.idioms, *lex.distress, *lex.hopelessness]
    entries += [*lex.means, *(e for m in lex.markers.values() for e in m.hyperbole)]
    assert all(entry.regex.compiled is not None for entry in entries)
    assert list(screening.warm_up()) == []
    assert [screening._screen_full(text) for text in texts] == before


def test_edited_lexicons_are_compiled_at_load_so_a_bad_pattern_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Laziness is only for lexicons the trainer certified (a fresh literal index)."""
    monkeypatch.setattr(screening, "_saved_index", lambda: screening._SavedIndex({}, {}))
    edited = screening._lexicon.__wrapped__()
    assert all(regex.compiled is not None for regex in screening._lazy_regexes(edited))
    shipped = screening.load_raw

    def with_a_bad_rule(name: str) -> dict[str, object]:
        data = shipped(name)
        if name == "en":
            data["rules"][0]["pattern"] = "(an unclosed group"
        return data

    monkeypatch.setattr(screening, "load_raw", with_a_bad_rule)
    with pytest.raises(re.error):
        screening._lexicon.__wrapped__()
