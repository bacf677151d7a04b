"""Crisis and emergency numbers per country, kept as data with the date each was checked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "crisis_lines.json"


@dataclass(frozen=True)
class CrisisLine:
    country: str
    emergency: tuple[str, ...]
    crisis_line: dict[str, str]
    checked: date

    def crisis_line_in(self, language: str) -> str:
        return self.crisis_line.get(language) or self.crisis_line["en"]


@cache
def _table() -> dict[str, CrisisLine]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["countries"]
    return {
        code: CrisisLine(
            country=code,
            emergency=tuple(entry["emergency"]),
            crisis_line=dict(entry["crisis_line"]),
            checked=date.fromisoformat(entry["checked"]),
        )
        for code, entry in raw.items()
    }


def known_countries() -> frozenset[str]:
    return frozenset(_table())


def crisis_line_for(country: str) -> CrisisLine:
    """The numbers for ``country`` (an ISO 3166 code validated at start-up)."""
    return _table()[country.upper()]
