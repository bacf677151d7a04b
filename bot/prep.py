"""Preparation tips and the /prep checklist, kept as data so writers can edit them without code.

Reminders go out at operator-set offsets before the appointment, so tips are grouped by
"moment" rather than by offset: a reminder sent ``X`` before the appointment uses the moment
with the largest ``min_before`` that is at most ``X``. Each tip and checklist item names the
exam modes it fits, because an in-person exam and a video or phone exam need different steps.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

from bot.durations import parse_duration

DATA_FILE = Path(__file__).resolve().parent / "data" / "prep_tips.json"

ExamMode = Literal["in_person", "remote"]
EXAM_MODES: tuple[ExamMode, ...] = get_args(ExamMode)

_ZERO = re.compile(r"0+[smhdw]?")


@dataclass(frozen=True)
class Tip:
    """One short piece of advice, in every language the bot speaks."""

    id: str
    text: dict[str, str]

    def text_in(self, language: str) -> str:
        """The text in ``language``, or English so a missing translation never blocks a reminder."""
        return self.text.get(language) or self.text["en"]


@dataclass(frozen=True)
class ChecklistItem:
    """One /prep checklist entry; its ``id`` is what the examinee's ticks are stored under."""

    id: str
    text: dict[str, str]

    def text_in(self, language: str) -> str:
        """The button label in ``language``, or English when there is no translation."""
        return self.text.get(language) or self.text["en"]


@dataclass(frozen=True)
class _Moment:
    id: str
    min_before: timedelta
    tips: tuple[tuple[frozenset[str], Tip], ...]


@dataclass(frozen=True)
class _Data:
    moments: tuple[_Moment, ...]  # largest min_before first
    checklist: tuple[tuple[frozenset[str], ChecklistItem], ...]


def _parse_min_before(text: str) -> timedelta:
    """Read a moment's threshold; ``parse_duration`` refuses zero, but the last moment needs it."""
    if _ZERO.fullmatch(text.strip().lower()):
        return timedelta(0)
    return parse_duration(text)


def _modes(raw: list[str], where: str) -> frozenset[str]:
    """Check the modes early so a typo fails at start-up, not silently hides a tip."""
    modes = frozenset(raw)
    unknown = modes - set(EXAM_MODES)
    if not modes or unknown:
        raise ValueError(f"{DATA_FILE.name}: {where} has bad modes {sorted(raw)!r}")
    return modes


def _load_moment(raw: dict[str, Any]) -> _Moment:
    """Turn one JSON moment into its typed form, keeping each tip's modes beside it."""
    return _Moment(
        id=raw["id"],
        min_before=_parse_min_before(raw["min_before"]),
        tips=tuple(
            (
                _modes(tip["modes"], f"tip {raw['id']}/{tip['id']}"),
                Tip(id=tip["id"], text=dict(tip["text"])),
            )
            for tip in raw["tips"]
        ),
    )


@cache
def _data() -> _Data:
    """Read and check the file once; it does not change while the bot runs."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    moments = tuple(
        sorted(
            (_load_moment(moment) for moment in raw["moments"]),
            key=lambda moment: moment.min_before,
            reverse=True,
        )
    )
    if not moments or moments[-1].min_before != timedelta(0):
        raise ValueError(f"{DATA_FILE.name}: the last moment needs min_before 0 (late reminders)")
    if len({moment.min_before for moment in moments}) != len(moments):
        raise ValueError(f"{DATA_FILE.name}: two moments share a min_before")
    checklist_items = tuple(
        (
            _modes(item["modes"], f"checklist item {item['id']}"),
            ChecklistItem(id=item["id"], text=dict(item["text"])),
        )
        for item in raw["checklist"]
    )
    return _Data(moments=moments, checklist=checklist_items)


def _check_mode(mode: str) -> None:
    """Refuse an unknown mode loudly: filtering on it would return an empty, silent list."""
    if mode not in EXAM_MODES:
        raise ValueError(f"unknown exam mode {mode!r}; expected one of {EXAM_MODES}")


def _moment(before: timedelta) -> _Moment:
    if before < timedelta(0):
        raise ValueError(f"the appointment is already past ({before} before it)")
    return next(moment for moment in _data().moments if moment.min_before <= before)


def moment_for(before: timedelta) -> str:
    """The id of the moment a reminder sent ``before`` the appointment belongs to."""
    return _moment(before).id


def tips_for(before: timedelta, mode: ExamMode) -> list[Tip]:
    """The tips for a reminder sent ``before`` an exam held in ``mode``, in reading order."""
    _check_mode(mode)
    return [tip for modes, tip in _moment(before).tips if mode in modes]


def checklist(mode: ExamMode) -> list[ChecklistItem]:
    """The /prep checklist for an exam held in ``mode``, in the order it is shown."""
    _check_mode(mode)
    return [item for modes, item in _data().checklist if mode in modes]


def checklist_item(item_id: str) -> ChecklistItem | None:
    """The checklist item with ``item_id`` (e.g. from callback data), or ``None`` if unknown."""
    return next((item for _, item in _data().checklist if item.id == item_id), None)
