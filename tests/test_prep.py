"""Checks on the preparation tips data and its loader in ``bot.prep``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import prep
from bot.config import Settings
from bot.prep import EXAM_MODES, ChecklistItem, Tip

LANGUAGES = ("en", "fr", "es")
ID_RE = re.compile(r"^[a-z0-9_]{1,24}$")
MOMENT_IDS = ("week", "two_days", "day_before", "hours_before")
MAX_TIP = {"en": 160, "fr": 200, "es": 200}
MAX_LABEL = 40
FORBIDDEN = re.compile(r"[<>&]")
MAX_GRADE = 7


def _raw() -> dict[str, Any]:
    return json.loads(prep.DATA_FILE.read_text(encoding="utf-8"))


def _tips() -> Iterator[tuple[str, dict[str, Any]]]:
    for moment in _raw()["moments"]:
        for tip in moment["tips"]:
            yield f"{moment['id']}/{tip['id']}", tip


def _items() -> Iterator[tuple[str, dict[str, Any]]]:
    for item in _raw()["checklist"]:
        yield f"checklist/{item['id']}", item


def test_file_names_its_source() -> None:
    assert _raw()["_source"].strip()


def test_moments_are_the_four_known_ones() -> None:
    assert [moment["id"] for moment in _raw()["moments"]] == list(MOMENT_IDS)


@pytest.mark.parametrize(
    ("where", "entry", "limits"),
    [(where, tip, MAX_TIP) for where, tip in _tips()]
    + [(where, item, dict.fromkeys(LANGUAGES, MAX_LABEL)) for where, item in _items()],
)
def test_every_text_is_complete_short_and_plain(
    where: str, entry: dict[str, Any], limits: dict[str, int]
) -> None:
    text = entry["text"]
    assert set(text) == set(LANGUAGES), f"{where}: languages {sorted(text)}"
    for language in LANGUAGES:
        value = text[language]
        assert isinstance(value, str), f"{where} [{language}]"
        assert value.strip() == value and value, f"{where} [{language}] empty or padded"
        assert len(value) <= limits[language], f"{where} [{language}] is {len(value)} chars"
        assert not FORBIDDEN.search(value), f"{where} [{language}] has < > or &"
        assert "\n" not in value, f"{where} [{language}] has a line break"


@pytest.mark.parametrize(("where", "entry"), [*_tips(), *_items()])
def test_modes_are_known_and_not_empty(where: str, entry: dict[str, Any]) -> None:
    modes = entry["modes"]
    assert modes, where
    assert len(set(modes)) == len(modes), where
    assert set(modes) <= set(EXAM_MODES), where


def _assert_ids_ok(ids: list[str], where: str) -> None:
    bad = [item_id for item_id in ids if not ID_RE.match(item_id)]
    assert not bad, f"{where}: malformed ids {bad}"
    duplicates = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
    assert not duplicates, f"{where}: duplicate ids {duplicates}"


def test_ids_are_well_formed_and_unique() -> None:
    raw = _raw()
    _assert_ids_ok([moment["id"] for moment in raw["moments"]], "moments")
    for moment in raw["moments"]:
        _assert_ids_ok([tip["id"] for tip in moment["tips"]], f"tips of {moment['id']}")
    _assert_ids_ok([item["id"] for item in raw["checklist"]], "checklist")


def test_checklist_size() -> None:
    assert 8 <= len(_raw()["checklist"]) <= 14


@pytest.mark.parametrize("moment_id", MOMENT_IDS)
@pytest.mark.parametrize("mode", EXAM_MODES)
def test_each_moment_has_tips_for_each_mode(moment_id: str, mode: str) -> None:
    moment = next(m for m in _raw()["moments"] if m["id"] == moment_id)
    assert any(mode in tip["modes"] for tip in moment["tips"]), f"{moment_id} has none for {mode}"


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (timedelta(days=10), "week"),
        (timedelta(days=7), "week"),
        (timedelta(days=5), "week"),
        (timedelta(days=5) - timedelta(seconds=1), "two_days"),
        (timedelta(days=2), "two_days"),
        (timedelta(hours=36), "two_days"),
        (timedelta(hours=36) - timedelta(seconds=1), "day_before"),
        (timedelta(days=1), "day_before"),
        (timedelta(hours=12), "day_before"),
        (timedelta(hours=12) - timedelta(seconds=1), "hours_before"),
        (timedelta(hours=2), "hours_before"),
        (timedelta(minutes=30), "hours_before"),
        (timedelta(0), "hours_before"),
    ],
)
def test_moment_selection(before: timedelta, expected: str) -> None:
    assert prep.moment_for(before) == expected


def test_default_reminder_offsets_each_get_their_own_moment() -> None:
    offsets = Settings.model_fields["REMINDER_OFFSETS"].default
    assert [prep.moment_for(offset) for offset in offsets] == list(MOMENT_IDS)


def test_past_appointment_is_refused() -> None:
    with pytest.raises(ValueError):
        prep.moment_for(timedelta(minutes=-1))


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        prep.tips_for(timedelta(days=7), "by_letter")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        prep.checklist("by_letter")  # type: ignore[arg-type]


def test_tips_follow_the_mode() -> None:
    in_person = [tip.id for tip in prep.tips_for(timedelta(hours=2), "in_person")]
    remote = [tip.id for tip in prep.tips_for(timedelta(hours=2), "remote")]
    assert in_person != remote
    assert "leave_early" in in_person and "leave_early" not in remote
    assert "log_in_early" in remote and "log_in_early" not in in_person
    assert "ask_break" in in_person and "ask_break" in remote


def test_tips_keep_file_order_and_type() -> None:
    raw = next(m for m in _raw()["moments"] if m["id"] == "week")
    expected = [tip["id"] for tip in raw["tips"] if "remote" in tip["modes"]]
    tips = prep.tips_for(timedelta(days=7), "remote")
    assert [tip.id for tip in tips] == expected
    assert all(isinstance(tip, Tip) for tip in tips)


def test_remote_two_days_asks_for_a_tech_test() -> None:
    assert "tech_test" in {tip.id for tip in prep.tips_for(timedelta(days=2), "remote")}
    assert "tech_test" not in {tip.id for tip in prep.tips_for(timedelta(days=2), "in_person")}


def test_checklist_per_mode() -> None:
    in_person = [item.id for item in prep.checklist("in_person")]
    remote = [item.id for item in prep.checklist("remote")]
    assert "travel_plan" in in_person and "travel_plan" not in remote
    assert "tech_test" in remote and "tech_test" not in in_person
    assert {"timeline", "id_letter", "aftercare_plan"} <= set(in_person) & set(remote)
    assert all(isinstance(item, ChecklistItem) for item in prep.checklist("remote"))


def test_checklist_item_lookup() -> None:
    item = prep.checklist_item("timeline")
    assert item is not None
    assert item.text_in("fr") == item.text["fr"]
    assert prep.checklist_item("no_such_item") is None


def test_text_in_falls_back_to_english() -> None:
    tip = Tip(id="x", text={"en": "Hello", "fr": ""})
    assert tip.text_in("fr") == "Hello"
    assert tip.text_in("de") == "Hello"
    assert ChecklistItem(id="x", text={"en": "Hi"}).text_in("es") == "Hi"


def test_zero_min_before_is_read_without_parse_duration() -> None:
    assert prep._parse_min_before("0s") == timedelta(0)
    assert prep._parse_min_before("0") == timedelta(0)
    assert prep._parse_min_before("36h") == timedelta(hours=36)
    with pytest.raises(ValueError):
        prep._parse_min_before("soon")


@pytest.mark.parametrize(("where", "entry"), [*_tips(), *_items()])
def test_english_reads_at_grade_seven_or_lower(where: str, entry: dict[str, Any]) -> None:
    """CONTENT-GUIDE: patient materials at a 6th to 8th grade level; we aim for 7 or lower."""
    import textstat

    text = entry["text"]["en"]
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= MAX_GRADE, f"{where}: grade {grade} for {text!r}"
