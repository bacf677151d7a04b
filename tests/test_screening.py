"""Checks on the crisis screener (``bot.screening``), its data files and its labelled set.

The labelled set (``tests/data/screening_set.jsonl``) was written from the safety policy
before the rules; the recall and false-alert thresholds are the issue's acceptance figures.
The dev set (``tests/data/screening_dev.jsonl``) holds other wordings of the same kinds,
written later to generalise the rules; it was tuned on too, so its thresholds only guard
against regressions. Neither says how new wordings fare: ``screening_unseen.jsonl`` does,
and so does ``screening_fresh.jsonl``: 150 messages written the way people in distress text
(short, lower case, typos, indirect), measured before the rules were broadened for them and
never tuned on; its floors are the figures reached, rounded down.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import screening
from bot.screening import LANGUAGES, SECTIONS, RiskLevel, Screening, normalise, screen_message

SET_FILE = Path(__file__).resolve().parent / "data" / "screening_set.jsonl"
DEV_FILE = SET_FILE.with_name("screening_dev.jsonl")
LABELS = {"none": RiskLevel.NONE, "check": RiskLevel.CHECK, "concern": RiskLevel.CONCERN}
LABELS["high"] = RiskLevel.HIGH
KINDS = {
    "explicit",
    "indirect",
    "slang",
    "misspelling",
    "emoji",
    "negation",
    "idiom",
    "question",
    "third_person",
    "everyday",
    "mixed",
}
CATEGORIES = {
    "wish_dead",
    "passive_ideation",
    "ideation",
    "intent",
    "plan",
    "means",
    "preparation",
    "attempt",
    "self_harm",
    "overdose",
    "relapse",
    "harm_others",
}
MIN_RECALL = 0.98
MAX_FALSE_ALERTS = 0.03
DEV2_FILE = SET_FILE.with_name("screening_dev2.jsonl")
UNSEEN_FILE = SET_FILE.with_name("screening_unseen.jsonl")
HOLDOUT_FILE = SET_FILE.with_name("screening_holdout.jsonl")
FRESH_FILE = SET_FILE.with_name("screening_fresh.jsonl")
HOLDOUT2_FILE = SET_FILE.with_name("screening_holdout2.jsonl")
HOLDOUT3_FILE = SET_FILE.with_name("screening_holdout3.jsonl")
HOLDOUT4_FILE = SET_FILE.with_name("screening_holdout4.jsonl")
HOLDOUT5_FILE = SET_FILE.with_name("screening_holdout5.jsonl")
HOLDOUT6_FILE = SET_FILE.with_name("screening_holdout6.jsonl")
HOLDOUT7_FILE = SET_FILE.with_name("screening_holdout7.jsonl")
HOLDOUT8_FILE = SET_FILE.with_name("screening_holdout8.jsonl")
HOLDOUT9_FILE = SET_FILE.with_name("screening_holdout9.jsonl")
HOLDOUT10_FILE = SET_FILE.with_name("screening_holdout10.jsonl")
HOLDOUT11_FILE = SET_FILE.with_name("screening_holdout11.jsonl")
HOLDOUT12_FILE = SET_FILE.with_name("screening_holdout12.jsonl")
LONG_FILE = SET_FILE.with_name("screening_long.jsonl")
FAMILIES = CATEGORIES | {"none"}


@dataclass(frozen=True)
class Floors:
    """Recall floors (overall and per language) and the false-alert ceiling of one set.

    ``held_out`` sets are never tuned on: a failure reports the figures but not the missed
    messages, so nobody tunes on them by reading a failure.
    """

    recall: dict[str, float]
    max_false_alerts: float
    held_out: bool = False
    size: int | None = None


def _floors(all_: float, per_language: float) -> dict[str, float]:
    return {"all": all_} | {code: per_language for code in LANGUAGES}


FLOORS = {
    # Tuned on; measured 207/208 and 0/104 when the dev set was written.
    DEV_FILE: Floors(_floors(0.97, 0.95), 0.03),
    # Written by clinical family (C-SSRS / ASQ) before that family's rules; tuned on.
    # Measured 159/159 (53/53 each) and 0/81 when the rules were written.
    DEV2_FILE: Floors(_floors(0.97, 0.94), 0.03),
    # Once held out (14/54), development data since: 54/54 (18/18 each), 1/48.
    UNSEEN_FILE: Floors(_floors(0.98, 0.94), 0.05),
    # Once held out (47/108, then 58/108), then studied miss by miss: 108/108, 1/72.
    HOLDOUT_FILE: Floors(_floors(0.98, 0.97), 0.03),
    # Held out. Before the rules were broadened: 71/99 (en 20/33, fr 26/33, es 25/33), 1/51.
    # After, without tuning on it: 82/99; with the model's second opinion 86/99, then 91/99;
    # 93/99 once holdout2 and holdout3 became development data (en 29, fr 33, es 31); 94/99
    # (en 30) with train_e/f/h/i, 93/99 again (en 29) with train_g too; 92/99 (en 28) with
    # train_q to _v; 91/99 (es 30) with train_w/x/y/z/ab and the residual weighting; 94/99
    # (en 31) after the rule passes over the training authors' misses (2026-12-07); 96/99
    # (en 32, es 31) with the model's stem and skip pairs (2026-12-07).
    FRESH_FILE: Floors({"all": 0.96, "en": 0.93, "fr": 0.96, "es": 0.90}, 0.02, True),
    # Written by an author who saw no rule or set, held out until 0.52, then 0.69 with the
    # model; studied miss by miss since (rules for the kinds of wording missed, and training
    # data for the model): 100/108 (en 29, fr 35, es 36), 2/72; after the English pass on
    # the same kinds of wording: 107/108 (en 36, fr 35, es 36), 1/72.
    HOLDOUT2_FILE: Floors({"all": 0.99, "en": 0.97, "fr": 0.97, "es": 0.97}, 0.03, False, 180),
    # Three more such authors, held out until measured at 0.58 (252/432, 14/288); studied
    # since like holdout2: 369/432 (en 101, fr 130, es 138), 6/288; then the English pass:
    # 407/432 (en 137, fr 131, es 139), 4/288; 407/432 (en 135, fr 133) with train_e/f/g/h/i;
    # 410/432 (fr 136) after the French pass; 409/432 (es 138) with train_j to _p.
    HOLDOUT3_FILE: Floors({"all": 0.94, "en": 0.93, "fr": 0.94, "es": 0.95}, 0.03, False, 720),
    # Held out: an author who saw no rule or set, writing as impaired professionals in
    # monitoring programmes, veterans and first responders (controlled, technical,
    # euphemistic, darkly humorous). First measurement, rounded down: 102/144, 2/96; with
    # the model trained on train_e/f/h/i too: 109/144 (en 38, fr 33, es 38), 2/96; and on
    # train_g as well: 111/144 (en 39, fr 34, es 38), 2/96; and on seven more authors' sets
    # (train_j to _p): 118/144 (en 40, fr 36, es 42), 1/96; with train_q to _v (and the
    # lower check threshold): 121/144 (en 40, fr 38, es 43), 2/96; with train_w/x/y/z/ab
    # and the model weighted towards what the rules miss: 121/144 (en 41, es 42), 2/96;
    # after the rule passes over the training authors' misses: 121/144 (en 42, fr 37), 2/96;
    # with the model's stem and skip pairs: 124/144 (en 43, fr 39, es 42), 2/96.
    HOLDOUT4_FILE: Floors({"all": 0.86, "en": 0.87, "fr": 0.77, "es": 0.87}, 0.03, True, 240),
    # Held out: two more such authors (real chat moments: replies to reminders, fragments,
    # voice-to-text, everyday messages that turn dark in the last clause; and people at the
    # end of their rope with the claims system). First measured with the rules of d076ddc:
    # 93/144 (en 39, fr 26, es 28), 3/96; and 99/144 (en 33, fr 33, es 33), 7/96. Then once
    # more with the model trained on four more authors' sets (train_e/f/h/i): 100/144
    # (en 40, fr 29, es 31), 4/96; and 116/144 (en 41, fr 37, es 38), 6/96. With train_g
    # too: 104/144 (en 40, fr 32, es 32), 5/96; and 120/144 (en 41, fr 40, es 39), 6/96.
    # After the French and Spanish passes over the training authors' misses: 107/144
    # (fr 35), 5/96; and 121/144 (fr 41), 6/96. With train_j to _p too: 108/144 (en 38,
    # fr 37, es 33), 5/96; and 118/144 (en 39, fr 40, es 39), 5/96: the model moved both
    # ways on holdout6, so its floors came down to what was measured. With train_q to _v:
    # 110/144 (en 39, fr 39, es 32), 4/96; and 121/144 (en 40, fr 41, es 40), 5/96. With
    # train_w/x/y/z/ab and the residual weighting: 112/144 (en 40, es 33), 4/96; and
    # 124/144 (en 41, fr 42, es 41), 7/96: two more false alerts there. After the rule
    # passes over the training authors' misses (2026-12-07): 112/144 (fr 40, es 32), 3/96;
    # and 123/144 (en 42, fr 41, es 40), 5/96. With the model's stem and skip pairs
    # (2026-12-07): 116/144 (en 40, fr 41, es 35), 4/96; and 132/144 (en 44, fr 46, es 42),
    # 6/96: alerts up by 4 and 9, one false alert more on each; 133/144 (es 43) on holdout6
    # with the negation fixes found on screening_long.
    HOLDOUT5_FILE: Floors({"all": 0.80, "en": 0.83, "fr": 0.83, "es": 0.66}, 0.042, True, 240),
    HOLDOUT6_FILE: Floors({"all": 0.88, "en": 0.87, "fr": 0.85, "es": 0.83}, 0.063, True, 240),
    # Held out: an author writing a varied mix (a different examinee in each message:
    # second-language writers, rural drivers, parents, veterans, monitored professionals).
    # First measured at 100eecc: 115/144 (en 39, fr 38, es 38), 6/96; with train_w/x/y/z/ab
    # and the residual weighting: 120/144 (en 43, fr 41, es 36), 5/96; after the rule
    # passes over the training authors' misses: 120/144 (en 42, fr 42), 4/96; with the
    # model's stem and skip pairs: 126/144 (en 44, fr 42, es 40), 4/96.
    HOLDOUT7_FILE: Floors({"all": 0.85, "en": 0.87, "fr": 0.87, "es": 0.75}, 0.05, True, 240),
    # Held out: an author writing people in injury and motor-accident claims (venting and
    # banter beside veiled real threats, anger turned inward, relatives writing about them).
    # First measured at ece20dd: 107/144 (en 36, fr 35, es 36), 6/96; after the rule
    # passes over the training authors' misses: 111/144 (en 37, fr 40, es 34), 3/96; with
    # the model's stem and skip pairs: 111/144 (en 37, fr 39, es 35), 2/96.
    HOLDOUT8_FILE: Floors({"all": 0.77, "en": 0.75, "fr": 0.81, "es": 0.70}, 0.04, True, 240),
    # Held out: three more authors, each first measured with the screener of 217839c, the
    # floors at what was measured. People with serious illness in long claims whose crisis
    # talk goes through medicine (stopping dialysis or insulin, refused assisted dying,
    # saved-up pills), beside assisted-dying paperwork for a parent: 125/144 (en 41, fr 40,
    # es 44), 4/96; with the model's stem and skip pairs: 127/144 (en 42, fr 40, es 45), 5/96;
    # with the negation fixes found on screening_long: 126/144 (en 41), 5/96.
    # With train_long_e/f/g/h (2026-12-08): 130/144 (en 42, fr 43, es 45), 6/96.
    HOLDOUT9_FILE: Floors({"all": 0.90, "en": 0.87, "fr": 0.89, "es": 0.93}, 0.063, True, 240),
    # Injured migrant, seasonal and delivery workers code-switching on their phones
    # (Spanglish, Quebec and Haitian French with English), phonetic spelling: 122/144
    # (en 44, fr 41, es 37), 3/96; with the model's stem and skip pairs: 120/144 (en 43,
    # fr 40, es 37), 3/96: the one set where alerts went down (two fewer).
    # With train_long_e/f/g/h (2026-12-08): 124/144 (en 44, fr 41, es 39), 6/96.
    HOLDOUT10_FILE: Floors({"all": 0.86, "en": 0.91, "fr": 0.85, "es": 0.81}, 0.063, True, 240),
    # Long rambling week-recaps with the risk in one sentence, and curt replies of a few
    # words to the bot's check-ins: 126/144 (en 45, fr 41, es 40), 11/96: distress without
    # risk, at length, is what the screener most often mistakes for a crisis. With the
    # model's stem and skip pairs: 127/144 (en 45, fr 41, es 41), 12/96. With long messages
    # scaled and given thresholds of their own (2026-12-07): 113/144 (en 39, fr 36, es 38),
    # 7/96; asked or alerted 131 to 130. With long messages also read in stretches
    # (2026-12-08): 117/144 (en 40, fr 38, es 39), 7/96; with train_long_e/f/g/h: 126/144
    # (en 43, fr 41, es 42), 8/96.
    HOLDOUT11_FILE: Floors({"all": 0.87, "en": 0.89, "fr": 0.85, "es": 0.87}, 0.084, True, 240),
    # Held out: long messages (68 to 101 words) by an author who saw no rule or set, a
    # distinct claimant in each (formal, over-explaining, numb, circling round the point);
    # half crises. First measured with the screener of 53e6be2: 117/120, false alerts
    # 34/120; with long messages scaled and given thresholds of their own: 103/120 (en 32,
    # fr 35, es 36), false alerts 6/120; asked or alerted 120 to 118. With long messages
    # also read in stretches (2026-12-08): 108/120 (en 34, fr 36, es 38), false alerts 8/120;
    # with train_long_e/f/g/h: 112/120 (en 36, fr 39, es 37), false alerts 10/120.
    HOLDOUT12_FILE: Floors({"all": 0.93, "en": 0.90, "fr": 0.97, "es": 0.92}, 0.084, True, 240),
    # Long messages (59 to 101 words) by an author who saw no rule or set: distress, grief
    # and anger without risk, and crises buried in everyday worries. First measured with
    # the model's stem and skip pairs: 113/120, false alerts 37/120 (31 of them the
    # model's); then studied (the rules' six false alerts: "I don't know how I'll do it",
    # "not like I want to die", "pas que je veux mourir", a burn from a fryer) and left
    # out of training: trained on, it took false alerts on holdout4 to 11 from 38 to 29
    # but crisis messages caught from 983 to 941, the worse trade. 113/120 (en 39, fr 37,
    # es 37), false alerts 33/120 (en 17, fr 6, es 10): the screener's weakest point. With
    # long messages scaled and given thresholds of their own: 92/120 (en 29, fr 32, es 31),
    # false alerts 4/120; asked or alerted 118 to 117. Also read in stretches (2026-12-08):
    # 106/120 (en 34, fr 37, es 35), false alerts 7/120; with train_long_e/f/g/h: 105/120
    # (en 34, fr 37, es 34), false alerts 12/120.
    LONG_FILE: Floors({"all": 0.87, "en": 0.85, "fr": 0.92, "es": 0.85}, 0.10, False, 240),
}


def _labelled(path: Path = SET_FILE) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _screened(path: Path = SET_FILE) -> list[tuple[dict[str, Any], Screening]]:
    return [(row, screen_message(row["text"], row["language"])) for row in _labelled(path)]


def _is_crisis(row: dict[str, Any]) -> bool:
    return LABELS[row["label"]] >= RiskLevel.CONCERN


def _level(text: str, language: str | None = None) -> RiskLevel:
    return screen_message(text, language).level


# --- the labelled set ----------------------------------------------------------------------


def test_labelled_set_is_large_balanced_and_well_formed() -> None:
    rows = _labelled()
    assert len(rows) >= 330
    for row in rows:
        assert set(row) == {"text", "language", "label", "kind"}, row
        assert row["language"] in LANGUAGES and row["label"] in LABELS and row["kind"] in KINDS
    assert len({row["text"] for row in rows}) == len(rows), "duplicate messages"
    crisis = [row for row in rows if _is_crisis(row)]
    assert len(crisis) >= 150 and len(rows) - len(crisis) >= 150
    per_language = Counter(row["language"] for row in rows)
    assert min(per_language.values()) >= len(rows) // 3 - 10, per_language
    assert {row["kind"] for row in rows} == KINDS


def _rates(
    screened: list[tuple[dict[str, Any], Screening]],
) -> dict[str, tuple[int, int, int, int]]:
    """Per language and overall: crisis messages, caught, benign messages, alerted."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, result in screened:
        alerted = result.level >= RiskLevel.CONCERN
        for key in (row["language"], "all"):
            if _is_crisis(row):
                counts[key][0] += 1
                counts[key][1] += alerted
            else:
                counts[key][2] += 1
                counts[key][3] += alerted
    return {key: (c[0], c[1], c[2], c[3]) for key, c in counts.items()}


def _report(rates: dict[str, tuple[int, int, int, int]]) -> str:
    return "; ".join(
        f"{key}: recall {caught}/{crisis} ({caught / crisis:.3f}), "
        f"false alerts {alerts}/{benign} ({alerts / benign:.3f})"
        for key, (crisis, caught, benign, alerts) in sorted(rates.items())
    )


def test_recall_on_crisis_messages() -> None:
    screened = _screened()
    rates = _rates(screened)
    crisis, caught, _, _ = rates["all"]
    missed = [
        f"{row['language']} {row['label']}: {row['text']!r} -> {result.explain()}"
        for row, result in screened
        if _is_crisis(row) and result.level < RiskLevel.CONCERN
    ]
    assert caught / crisis >= MIN_RECALL, _report(rates) + "\nmissed:\n" + "\n".join(missed)
    for language in LANGUAGES:
        total, found, _, _ = rates[language]
        assert found / total >= MIN_RECALL, _report(rates) + "\nmissed:\n" + "\n".join(missed)


def test_every_high_message_is_at_least_concern() -> None:
    low = [
        f"{row['text']!r} -> {result.explain()}"
        for row, result in _screened()
        if row["label"] == "high" and result.level < RiskLevel.CONCERN
    ]
    assert not low, "\n".join(low)


def test_false_alert_rate_on_benign_messages() -> None:
    screened = _screened()
    rates = _rates(screened)
    alerts = [
        f"{row['language']} {row['label']}: {row['text']!r} -> {result.explain()}"
        for row, result in screened
        if not _is_crisis(row) and result.level >= RiskLevel.CONCERN
    ]
    _, _, benign, alerted = rates["all"]
    assert alerted / benign <= MAX_FALSE_ALERTS, _report(rates) + "\n" + "\n".join(alerts)


def test_dev_set_is_new_large_balanced_and_well_formed() -> None:
    rows = _labelled(DEV_FILE)
    assert len(rows) >= 300
    for row in rows:
        assert set(row) == {"text", "language", "label", "kind"}, row
        assert row["language"] in LANGUAGES and row["label"] in LABELS and row["kind"] in KINDS
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts), "duplicate messages"
    assert not set(texts) & {row["text"] for row in _labelled()}, "copied from the set"
    per_language = Counter(row["language"] for row in rows)
    assert min(per_language.values()) >= len(rows) // 3 - 10, per_language
    assert sum(_is_crisis(row) for row in rows) >= 150


def test_dev2_set_is_new_balanced_and_well_formed() -> None:
    rows = _labelled(DEV2_FILE)
    assert len(rows) >= 240
    for row in rows:
        assert set(row) == {"text", "language", "label", "kind", "category"}, row
        assert row["language"] in LANGUAGES and row["label"] in LABELS and row["kind"] in KINDS
        assert row["category"] in FAMILIES, row
        assert (row["category"] == "none") != _is_crisis(row), row
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts), "duplicate messages"
    others = {row["text"] for path in (SET_FILE, DEV_FILE, UNSEEN_FILE) for row in _labelled(path)}
    assert not set(texts) & others, "copied from another set"
    assert Counter(row["language"] for row in rows) == {code: 80 for code in LANGUAGES}
    assert sum(_is_crisis(row) for row in rows) >= 150


@pytest.mark.parametrize(
    "text",
    [
        "this exam is killing me",
        "I'm dying to know what the report says",
        "my back is killing me",
        "j'ai failli mourir de honte",
        "me muero de ganas",
    ],
)
def test_policy_idioms_stay_none(text: str) -> None:
    assert _level(text) == RiskLevel.NONE, screen_message(text).explain()


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # One per clinical family and language, with a near miss that must stay quiet.
        ("I've been googling the tallest bridges near me", RiskLevel.HIGH),
        ("j'ai cherché combien de cachets il faut pour ne pas se réveiller", RiskLevel.HIGH),
        ("estuve buscando qué tan alto es el puente", RiskLevel.HIGH),
        ("I looked up how far the clinic is from the train station", RiskLevel.NONE),
        ("I sat in the garage with the car running last night", RiskLevel.HIGH),
        ("I sat in the car with the engine running to keep warm", RiskLevel.NONE),
        ("I've sorted who gets my truck and my tools", RiskLevel.HIGH),
        ("j'ai résilié mon bail, j'en aurai plus besoin", RiskLevel.HIGH),
        ("after the hearing I'll finally be at peace with the whole thing", RiskLevel.NONE),
        ("the voices tell me to hurt myself", RiskLevel.HIGH),
        ("las voces me dicen que me mate", RiskLevel.HIGH),
        ("the voices in the waiting room were so loud", RiskLevel.NONE),
        ("I tried pills last spring, it didn't work", RiskLevel.CONCERN),
        ("intenté con pastillas hace dos semanas", RiskLevel.HIGH),
        ("I tried pills for the pain but they didn't help", RiskLevel.NONE),
        ("je suis juste un fardeau pour tout le monde", RiskLevel.CONCERN),
        ("my wife says I'm not a burden", RiskLevel.CHECK),
        ("estoy a nada de acabar con todo", RiskLevel.CONCERN),
        ("estoy a punto de acabar con todo el trámite", RiskLevel.NONE),
        ("je veux me faire mal pour ressentir quelque chose", RiskLevel.CONCERN),
        ("I burned myself with the iron", RiskLevel.NONE),
        ("once the kids are at school tomorrow I'm doing it", RiskLevel.HIGH),
        ("je vais en finir avec cette paperasse", RiskLevel.NONE),
        ("voy a mezclar todas mis pastillas con el tequila", RiskLevel.HIGH),
        ("can I take my meds with a glass of wine?", RiskLevel.NONE),
        ("my brother tried to overdose last year, should I mention it?", RiskLevel.CHECK),
    ],
)
def test_clinical_families(text: str, level: RiskLevel) -> None:
    assert _level(text) == level, screen_message(text).explain()


def test_fresh_set_is_held_out_and_well_formed() -> None:
    rows = _labelled(FRESH_FILE)
    assert len(rows) == 150
    for row in rows:
        assert set(row) == {"text", "language", "label", "kind"}, row
        assert row["language"] in LANGUAGES and row["label"] in LABELS and row["kind"] in KINDS
    texts = {row["text"] for row in rows}
    assert len(texts) == len(rows), "duplicate messages"
    assert not texts & {row["text"] for row in _labelled() + _labelled(DEV_FILE)}
    assert Counter(row["language"] for row in rows) == {code: 50 for code in LANGUAGES}
    assert sum(_is_crisis(row) for row in rows) == 99


@pytest.mark.parametrize("path", list(FLOORS), ids=lambda path: path.stem)
def test_recall_and_false_alerts_on_every_other_set(path: Path) -> None:
    """Development sets guard against regressions; held-out sets give the honest figures."""
    floors = FLOORS[path]
    screened = _screened(path)
    if floors.size is not None:
        assert len(screened) == floors.size
        per_language = Counter(row["language"] for row, _ in screened)
        assert per_language == {code: floors.size // 3 for code in LANGUAGES}
    rates = _rates(screened)
    print(path.stem, _report(rates))
    report = _report(rates)
    if not floors.held_out:
        report += "\n" + "\n".join(
            f"{row['language']} {row['label']}: {row['text']!r} -> {result.explain()}"
            for row, result in screened
            if _is_crisis(row) != (result.level >= RiskLevel.CONCERN)
        )
    for key, floor in floors.recall.items():
        crisis, caught, _, _ = rates[key]
        assert caught / crisis >= floor, report
    _, _, benign, alerted = rates["all"]
    assert alerted / benign <= floors.max_false_alerts, report


# Crisis messages of the held-out sets that get at least the direct question (check): the
# model asks it past a lower threshold than it alerts (see scripts/train-screener). First
# measured with train_j to _p: 96/99, 131/144, 132/144, 136/144 (95, 123, 116 and 122 when
# the question's threshold was the alert's); with train_q to _v: 96, 133, 134, 134; with
# train_w/x/y/z/ab: 96, 135, 130, 139, and 136 on holdout7 (131 when first measured).
# Holdout8 to 11 at their first measurement: 132, 134, 132 and 132 of 144; with the
# model's stem and skip pairs: 97/99, then 136, 133, 140, 136, 132, 135, 135 and 131.
# With long messages scaled and given thresholds of their own: 98/99, then 138, 131, 139,
# 135, 133, 135, 138, 130, and 118/120 on holdout12 (120 before).
ASKED_FLOORS = {
    FRESH_FILE: 0.96,
    HOLDOUT4_FILE: 0.93,
    HOLDOUT5_FILE: 0.90,
    HOLDOUT6_FILE: 0.96,
    HOLDOUT7_FILE: 0.93,
    HOLDOUT8_FILE: 0.91,
    HOLDOUT9_FILE: 0.93,
    HOLDOUT10_FILE: 0.91,
    HOLDOUT11_FILE: 0.90,
    HOLDOUT12_FILE: 0.98,
}


@pytest.mark.parametrize("path", list(ASKED_FLOORS), ids=lambda path: path.stem)
def test_held_out_crisis_messages_are_at_least_asked_the_direct_question(path: Path) -> None:
    crisis = [result for row, result in _screened(path) if _is_crisis(row)]
    asked = sum(result.level >= RiskLevel.CHECK for result in crisis)
    assert asked / len(crisis) >= ASKED_FLOORS[path], f"{asked}/{len(crisis)}"


def test_first_person_death_words_ask_rather_than_ignore() -> None:
    """Policy: ambiguous first-person death or ending talk gets the gentle check."""
    for text in ("I think about death a lot", "je pense à disparaître", "mi funeral"):
        assert _level(text) >= RiskLevel.CHECK, screen_message(text).explain()
    assert _level("What time is my appointment?") == RiskLevel.NONE


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je VEUX Mourir", "je veux mourir"),
        ("Me quiero morir, mamá", "me quiero morir, mama"),
        ("i wanna diiiiie", "i want to die"),
        ("je veux mourirrrr", "je veux mourir"),
        ("k1ll mys3lf", "kill myself"),
        ("$u1c1d3", "suicide"),
        ("exam at 7am on 14h30", "exam at 7am on 14h30"),
        ("thinking about sucide alot", "thinking about suicide a lot"),
        ("i tryed to overdoze", "i tried to overdose"),
        ("honestly i wanna kms", "honestly i want to kill myself"),
        ("unaliving myself", "killing myself"),
        ("sewerslide", "suicide"),
        ("I can't sleep", "i can not sleep"),
        ("j'ai envie d'en finir", "je ai envie de en finir"),
        ("jveux crever", "je veux crever"),
        ("me kiero morir", "me quiero morir"),
        ("tonight 💊💊", "tonight emj_pill emj_pill"),
        ("i want to die ⚰️", "i want to die emj_coffin"),
        ("Fine!!!\nReally???", "fine! really?"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- grading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I would never hurt myself", RiskLevel.CHECK),
        ("I would never hurt myself, but I have the pills ready", RiskLevel.HIGH),
        ("I'm not going to kill myself", RiskLevel.CHECK),
        ("I can't sleep I want to die", RiskLevel.CONCERN),
        ("No, I'm not ok. I want to die.", RiskLevel.CONCERN),
        ("I don't want to live anymore", RiskLevel.CONCERN),
        ("I can't stop thinking about killing myself", RiskLevel.CONCERN),
        ("I'm not suicidal but sometimes I wish I wouldn't wake up", RiskLevel.CONCERN),
        ("No me quiero morir", RiskLevel.CHECK),
        ("No, me quiero morir", RiskLevel.CONCERN),
        ("Ya no quiero vivir", RiskLevel.CONCERN),
        ("Je ne veux pas mourir", RiskLevel.CHECK),
        ("Je ne veux plus vivre", RiskLevel.CONCERN),
        ("J'aimerais m'endormir et ne jamais me réveiller", RiskLevel.CONCERN),
        ("Je ne pense qu'à mourir", RiskLevel.CONCERN),
        ("It's not like I want to die, I'm just so tired of this", RiskLevel.CHECK),
        ("I want to die, not like anyone cares", RiskLevel.CONCERN),
        ("Ce n'est pas que je veux mourir, je suis juste épuisée", RiskLevel.CHECK),
        ("I know exactly how I will do it", RiskLevel.HIGH),
    ],
)
def test_negation_lowers_only_its_own_clause(text: str, level: RiskLevel) -> None:
    assert _level(text) == level, screen_message(text).explain()


@pytest.mark.parametrize(
    "text",
    [
        "This exam is killing me",
        "My back is killing me today",
        "I'm dying to know what the report says",
        "I could kill for a coffee",
        "I'm dead tired",
        "Ça me tue",
        "Je meurs d'envie de savoir",
        "Me muero de ganas",
        "Me mata la espalda",
        "Mi jefe me va a matar si llego tarde",
        "My phone died",
        "I killed it at the exam",
    ],
)
def test_pure_idioms_are_none(text: str) -> None:
    result = screen_message(text)
    assert result.level == RiskLevel.NONE, result.explain()


EVERYDAY_DECOYS = (
    "I take a bunch of pain meds every day, should I bring the list?",
    "Tomo un montón de pastillas al día por el dolor de espalda, ¿las llevo a la cita?",
    "J'ai pris deux doliprane pour la douleur au dos",
    "Je prends trois comprimés de doliprane par jour, je dois le dire ?",
    "My time is up at this job, retiring next month",
    "Nobody here to stop me from taking a nap",
    "I woke up and I'm annoyed about the letter",
    "Odd question, but can I bring my dog?",
    "I took the whole box of cereal to work",
    "The drive is three hours and I genuinely don't know how I'll do it with my leg",
    "Je me suis brûlé le bras avec la friteuse à la cantine, c'est l'accident du dossier",
    "J'ai pris toute la boîte de chocolats pour le bureau",
    "J'ai pris tout le tube de dentifrice au travail",
)
# The rules leave these alone; the model still raises the first to concern.
RULE_DECOYS = ("Me tomé toda la caja de leche esta mañana", "I drank the whole carton of milk")


def test_everyday_talk_of_medicines_and_things_raises_no_alert() -> None:
    """Examinees describe their prescriptions and days all the time: no alert for that."""
    alerts = [screen_message(text).explain() for text in EVERYDAY_DECOYS]
    assert [a for a in alerts if a.startswith(("concern", "high"))] == []
    for text in RULE_DECOYS:
        assert screening._screen_rules(text)[0].level < RiskLevel.CONCERN, text


@pytest.mark.parametrize(
    ("text", "language", "level"),
    [
        # Found on the long training sets: a phrase that only looked like a cue.
        ("i mean it's true i'm not suicidal but it's weird seeing it in the report", "en", None),
        ("My mum took an overdose when I was a teenager, she survived", "en", None),
        ("J'ai fait une overdose de paperasse cette semaine, je vous jure", "fr", None),
        # ... and the cues they resemble.
        ("I took an overdose last night", "en", RiskLevel.HIGH),
        ("j'ai fait une overdose hier soir", "fr", RiskLevel.HIGH),
        ("j'ai fait une overdose de médicaments hier", "fr", RiskLevel.HIGH),
    ],
)
def test_lookalike_cues_stay_below_an_alert(
    text: str, language: str, level: RiskLevel | None
) -> None:
    result = screening._screen_rules(text)[0]
    if level is None:
        assert result.level < RiskLevel.CONCERN, result.explain()
    else:
        assert result.level == level, result.explain()


# A threat to make someone pay is high in all three languages; paying a bill, damages or a
# court award is not.
MAKE_THEM_PAY = (
    ("I'm going to make him pay", "en"),
    ("le voy a hacer pagar a ese perito", "es"),
    ("se lo voy a hacer pagar", "es"),
    ("je vais lui faire payer", "fr"),
    ("je vais leur faire payer ce qu'ils m'ont fait", "fr"),
)
PAYING_THE_BILL = (
    ("I will make him pay for dinner", "en"),
    ("I will make them pay for what they did to my claim, in court", "en"),
    ("voy a hacerle pagar la cena", "es"),
    ("le voy a hacer pagar la cena", "es"),
    ("je vais lui faire payer l'addition", "fr"),
    ("je vais leur faire payer devant le tribunal", "fr"),
)


@pytest.mark.parametrize(("text", "language"), MAKE_THEM_PAY)
def test_a_threat_to_make_someone_pay_is_high_in_every_language(text: str, language: str) -> None:
    result = screen_message(text, language)
    assert result.level == RiskLevel.HIGH, result.explain()


@pytest.mark.parametrize(("text", "language"), PAYING_THE_BILL)
def test_making_someone_pay_a_bill_or_in_court_is_not_an_alert(text: str, language: str) -> None:
    result = screen_message(text, language)
    assert result.level < RiskLevel.CONCERN, result.explain()


VEILED_THREATS = (
    ("I'm going to do something they'll regret", "en"),
    ("I'll make that adjuster regret the day he denied me", "en"),
    ("voy a hacer algo de lo que se van a arrepentir", "es"),
    ("les voy a hacer arrepentirse a esos de la mutua", "es"),
    ("je vais faire quelque chose qu'ils vont regretter", "fr"),
    ("je vais leur faire regretter", "fr"),
)
REGRETS_OF_ONES_OWN = (
    ("I regret signing that form", "en"),
    ("je regrette d'avoir signé", "fr"),
)


@pytest.mark.parametrize(("text", "language"), VEILED_THREATS)
def test_a_veiled_threat_with_no_act_named_gets_the_direct_question(
    text: str, language: str
) -> None:
    """Nobody can tell from the words alone; a person should ask, not guess."""
    result = screen_message(text, language)
    assert result.level == RiskLevel.CHECK, result.explain()
    assert any(f.category == "harm_others" for f in result.findings), result.explain()


@pytest.mark.parametrize(("text", "language"), REGRETS_OF_ONES_OWN)
def test_regretting_something_oneself_is_not_a_threat(text: str, language: str) -> None:
    result = screen_message(text, language)
    assert not any(f.category == "harm_others" for f in result.findings), result.explain()


NOT_LITERALLY = (
    ("I'd rather die than go back to that clinic, not literally lol", "en"),
    ("prefiero morirme que volver a esa clínica, no literalmente", "es"),
    ("je préfère mourir que retourner là-bas, pas littéralement", "fr"),
)


@pytest.mark.parametrize(("text", "language"), NOT_LITERALLY)
def test_not_literally_takes_back_a_wish_to_die_but_still_asks(text: str, language: str) -> None:
    """Like 'just kidding': one step down, never below the direct question."""
    result = screen_message(text, language)
    assert result.level == RiskLevel.CHECK, result.explain()


def test_literally_alone_is_an_intensifier_not_a_retraction() -> None:
    result = screen_message("I literally want to die and I'm not joking", "en")
    assert result.level == RiskLevel.HIGH, result.explain()


FAREWELLS = (
    "I already said goodbye to my sister just in case",
    "I told my kids I love them one last time",
    "I said goodbye to my wife in case I don't make it",
    "I gave my dog to my neighbour because I won't be around to look after him",
    "ya me despedí de mi hermana por si acaso",
    "me despedí de mis hijos por si no vuelvo",
    "le escribí una carta a mi madre para cuando yo no esté",
    "j'ai dit au revoir à ma soeur au cas où",
    "j'ai dit au revoir à ma famille au cas où je ne reviendrais pas",
)
ORDINARY_GOODBYES = (
    "I said goodbye to my mom just in case the flight is delayed",
    "me despedí de mi hermana por si acaso llego tarde",
    "I gave my dog to my mum because I won't be around much with physio",
)


WHOLE_CONTAINERS = (
    "I took the whole bottle a while ago",
    "me tomé todo el frasco hace un rato",
    "me he tomado el bote entero",
    "j'ai pris tout le flacon",
    "j'ai bu tout le flacon",
    "j'ai pris la boîte entière",
)


def test_a_whole_container_taken_is_an_overdose_in_every_language() -> None:
    """Policy: an overdose happening now is high, with or without the medicine's name."""
    for text in WHOLE_CONTAINERS:
        assert screen_message(text).level == RiskLevel.HIGH, screen_message(text).explain()
    assert _level("my son took the whole bottle") == RiskLevel.CHECK


def test_farewells_just_in_case_are_preparations() -> None:
    """Policy: preparations, such as saying goodbye in case one is not here, are high."""
    for text in FAREWELLS:
        assert screen_message(text).level == RiskLevel.HIGH, screen_message(text).explain()
    for text in ORDINARY_GOODBYES:
        assert screen_message(text).level < RiskLevel.HIGH, screen_message(text).explain()
    assert _level("my brother said goodbye to his kids just in case") == RiskLevel.CHECK


def test_idiom_next_to_distress_is_check_and_next_to_a_cue_counts() -> None:
    assert _level("This exam is killing me and I can't take it anymore") == RiskLevel.CHECK
    assert _level("This exam is killing me and honestly I want to die") == RiskLevel.CONCERN
    assert _level("If I have to fill in one more form I'm going to kill myself lol") == (
        RiskLevel.CHECK
    )
    assert _level("If they deny my claim I'm going to kill myself") == RiskLevel.HIGH


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Can the examiner ask about suicide?", RiskLevel.CHECK),
        ("Will they ask if I've ever tried to kill myself?", RiskLevel.CHECK),
        ("¿El perito puede preguntar sobre suicidio?", RiskLevel.CHECK),
        ("L'expert peut-il poser des questions sur le suicide ?", RiskLevel.CHECK),
        ("Should I tell the examiner that I tried to kill myself last year?", RiskLevel.CONCERN),
        ("Is it normal that I think about killing myself every day?", RiskLevel.CONCERN),
        ("The examiner asked me if I want to die and I said yes", RiskLevel.CONCERN),
    ],
)
def test_questions_about_the_topic(text: str, level: RiskLevel) -> None:
    assert _level(text) == level, screen_message(text).explain()


@pytest.mark.parametrize(
    "text",
    [
        "My brother keeps saying he wants to kill himself",
        "My husband said he'd be better off dead",
        "Mi hermano dice que se quiere matar",
        "Mon frère dit qu'il veut se tuer",
        "He told me to kill myself",
        "My daughter has been cutting herself",
    ],
)
def test_other_peoples_words_are_check(text: str) -> None:
    result = screen_message(text)
    assert result.level == RiskLevel.CHECK, result.explain()
    assert any(f.category in {"third_person", "question"} for f in result.findings)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("tonight 💊💊💊", RiskLevel.HIGH),
        ("💊💊💊 goodbye everyone", RiskLevel.HIGH),
        ("🔪 myself again", RiskLevel.CONCERN),
        ("🔪🩸", RiskLevel.CONCERN),
        ("Can I bring my medication list 💊 to the exam?", RiskLevel.NONE),
        ("exam tomorrow 💀💀", RiskLevel.NONE),
    ],
)
def test_emoji(text: str, level: RiskLevel) -> None:
    assert _level(text) == level, screen_message(text).explain()


def test_every_language_is_read_whatever_the_setting() -> None:
    for text in ("je veux mourir", "me quiero morir", "I want to kill myself"):
        for language in LANGUAGES:
            assert screen_message(text, language).level >= RiskLevel.CONCERN
    assert screen_message("je veux mourir", "en").language == "en"
    assert screen_message("quiero morirme y no puedo más").language == "es"
    assert screen_message("je ne sais pas quoi faire").language == "fr"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I tried to kill myself three weeks ago", RiskLevel.HIGH),
        ("I tried to kill myself years ago", RiskLevel.CONCERN),
        ("Intenté suicidarme el mes pasado", RiskLevel.HIGH),
        ("J'ai fait une tentative de suicide il y a dix ans", RiskLevel.CONCERN),
        ("I want to die tonight", RiskLevel.HIGH),
        ("I want to die and I have a rope", RiskLevel.HIGH),
        ("I was suicidal last year but I'm fine now", RiskLevel.CONCERN),
        ("I want to die, I mean it", RiskLevel.HIGH),
        ("I'm going to shoot him, I know where he lives", RiskLevel.HIGH),
        ("I'm going to kill my lawyer if he's late again", RiskLevel.CHECK),
        ("I bought a rope", RiskLevel.HIGH),
        ("I relapsed and used way too much, I can't feel my legs", RiskLevel.HIGH),
        ("I feel like giving up on everything, I don't want to be here", RiskLevel.CONCERN),
        ("I don't want to be here", RiskLevel.CHECK),
    ],
)
def test_grades_follow_the_c_ssrs_structure(text: str, level: RiskLevel) -> None:
    assert _level(text) == level, screen_message(text).explain()


def test_a_retraction_never_goes_below_check() -> None:
    result = screen_message("I'm not sure I want to live lol, just kidding")
    assert result.level == RiskLevel.CHECK
    assert any(f.category == "retracted" for f in result.findings)
    assert _level("I have the pills ready lol jk") == RiskLevel.CONCERN


def test_explain_names_the_level_and_the_reasons() -> None:
    result = screen_message("I have the pills ready")
    assert result.level == RiskLevel.HIGH
    assert result.explain() == "high: means ('pills ready')"
    assert result.findings[0].rule == "en.means.pills_ready"
    assert screen_message("What should I bring?").explain() == "none: nothing found"
    negated = screen_message("I would never hurt myself")
    assert negated.explain().startswith("check: negated ('never hurt myself')")
    assert "\n" not in screen_message("I want to die.\nTonight.\n💊💊💊").explain()
    twice = screen_message("I've been saving up my pills for after the exam")
    assert len({f.rule for f in twice.findings}) >= 2
    assert twice.explain() == "high: preparation ('saving up my pills')"


def test_odd_input_is_handled() -> None:
    for text in ("", "   ", "???", "💊", "a" * 5000, "ÇA ME TUE!!!", "\u200d\ufe0f", "0123456789"):
        assert isinstance(screen_message(text).level, RiskLevel)


# --- the data files ------------------------------------------------------------------------


def _files() -> dict[str, dict[str, Any]]:
    return {code: screening.load_raw(code) for code in (*LANGUAGES, "emoji")}


def test_every_language_has_every_section() -> None:
    for code in LANGUAGES:
        data = screening.load_raw(code)
        assert data["language"] == code
        missing = [s for s in SECTIONS if s not in data]
        assert not missing, f"{code} lacks {missing}"
        for section in SECTIONS:
            assert data[section], f"{code}: {section} is empty"


def test_ids_are_unique_prefixed_and_categorised() -> None:
    seen: set[str] = set()
    for code, data in _files().items():
        for section in ("rules", "topics", "idioms", "hyperbole", "distress", "hopelessness"):
            for entry in data.get(section, []):
                assert entry["id"] not in seen, entry["id"]
                seen.add(entry["id"])
                assert entry["id"].startswith(f"{code}."), entry["id"]
        for entry in data["means"]:
            assert entry["id"] not in seen and entry["id"].startswith(f"{code}.")
            seen.add(entry["id"])
        for rule in data["rules"]:
            assert rule["category"] in CATEGORIES, rule["id"]
            assert rule["level"] in {"check", "concern", "high"}, rule["id"]
            keys = {"id", "category", "level", "pattern", "person", "recency", "hyperbole"}
            assert set(rule) <= keys | {"context"}, rule["id"]
            assert rule.get("person", "self") in {"self", "any"}
            assert rule.get("context", "distress") in {"distress", "hopelessness"}, rule["id"]
            assert isinstance(rule.get("hyperbole", False), bool), rule["id"]
        for entry in data.get("hyperbole", []):
            assert set(entry) <= {"id", "pattern", "categories"}, entry["id"]
            assert set(entry.get("categories", [])) <= CATEGORIES, entry["id"]
        for topic in data.get("topics", []):
            assert topic["strength"] in {"strong", "weak"}
            assert topic.get("person", "self") in {"self", "other"}


def test_every_pattern_compiles_and_every_term_exists() -> None:
    for code, data in _files().items():
        terms = data.get("terms", {})
        for section, value in data.items():
            if section in {"language", "about", "detect", "terms", "emoji", "slang"}:
                continue
            if section == "misspellings":
                continue
            patterns: list[str] = []
            for item in value:
                if isinstance(item, dict):
                    patterns.append(item["pattern"])
                elif isinstance(item, list):
                    patterns.append(item[0])
                else:
                    patterns.append(item)
            for pattern in patterns:
                for name in re.findall(r"<([a-z_]+)>", pattern):
                    assert name in terms, f"{code}/{section}: unknown term <{name}>"
                re.compile(screening.expand(pattern, terms))


def test_maps_are_lower_case_ascii_and_emoji_are_known_tokens() -> None:
    for code in LANGUAGES:
        data = screening.load_raw(code)
        for section in ("slang", "misspellings"):
            for key, value in data[section].items():
                assert key == key.lower() and value == value.lower(), (code, key)
    emoji = screening.load_raw("emoji")
    assert all(re.fullmatch(r"[a-z]+", name) for name in emoji["emoji"].values())
    for rule in emoji["rules"]:
        assert rule["id"].startswith("emoji.") and rule["category"] in CATEGORIES


def test_the_prefilter_never_hides_a_match() -> None:
    """Rules are skipped when their literals are absent; check that is never wrong here."""
    lex = screening._lexicon()
    for row in _labelled():
        text = normalise(row["text"])
        present = lex.gate.present(text)
        for item in (*lex.rules, *lex.topics, *lex.idioms, *lex.distress, *lex.means):
            if item.cover is not None and item.regex.search(text):
                assert not item.cover.isdisjoint(present), (item.id, text)


def test_a_stated_threat_to_hurt_someone_is_high_but_hyperbole_is_not() -> None:
    """Policy: a threat to hurt someone is high; 'I could kill my lawyer' stays a check."""
    threat = screen_message("if they deny my claim I'm going to hurt that examiner", "en")
    assert threat.level == RiskLevel.HIGH
    assert screen_message("I could kill my lawyer lol", "en").level == RiskLevel.CHECK


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Je vais lui faire du mal", RiskLevel.HIGH),
        ("Je vais tuer mon patron", RiskLevel.HIGH),
        ("Voy a hacerle daño", RiskLevel.HIGH),
        ("Voy a matar a mi jefe", RiskLevel.HIGH),
        ("I'm going to kill my boss", RiskLevel.HIGH),
        ("je vais le tuer s'il est encore en retard, haha", RiskLevel.CHECK),
        ("voy a matar a mi esposo si llega tarde otra vez jaja", RiskLevel.CHECK),
        ("Mi jefe me va a matar si llego tarde", RiskLevel.NONE),
        ("je vais tuer le temps au café", RiskLevel.NONE),
    ],
)
def test_threats_have_parity_across_languages_and_banter_stays_check(
    text: str, level: RiskLevel
) -> None:
    assert _level(text) == level, screen_message(text).explain()
