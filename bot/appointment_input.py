"""Understand an appointment date and time typed by a person in English, French or Spanish.

People type their examination time the way they would write it to a friend, so this reads
ISO 8601, numeric dates in the order their language uses, month names from the CLDR data
in Babel (wide, abbreviated and any unambiguous prefix, without accents or dots), "today"
and "tomorrow", 24-hour clocks, ``14h30`` and 12-hour clocks with a CLDR day period such as
``pm``, ``du soir`` or ``de la tarde``. Nothing here writes a sentence: a refusal is an
:class:`InputProblem` that the caller turns into a translated message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_day_names, get_month_names

from bot.i18n import SUPPORTED_LANGUAGES

MAX_AHEAD = timedelta(days=730)
PLACE_MAX_LENGTH = 200
_DAY_SECONDS = 86_400
_NOON = 43_200
# How far ahead to look for a year-less date; eight years always contains a 29 February.
_YEARS_TO_SEARCH = 9


class InputProblem(StrEnum):
    """Why a typed date or time was refused; each maps to one translated explanation."""

    MALFORMED = "malformed"
    IMPOSSIBLE = "impossible"
    PAST = "past"
    TOO_FAR = "too_far"


@dataclass(frozen=True)
class ParsedAppointment:
    """An appointment moment (aware, UTC) and the place typed after it, if any."""

    starts_at: datetime
    place: str | None


@dataclass(frozen=True)
class InputError:
    """A refused input; the caller explains ``problem`` in the person's language."""

    problem: InputProblem


# Spans of the day in seconds, [start, end); a span whose start is after its end wraps midnight.
_Span = tuple[int, int]

_RELATIVE_DAYS: Mapping[str, Mapping[str, int]] = {
    "en": {"today": 0, "tomorrow": 1},
    "fr": {"aujourd'hui": 0, "demain": 1},
    "es": {"hoy": 0, "mañana": 1},
}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _fold(text: str) -> tuple[str, list[int]]:
    """Lower-case ``text`` without accents, with the index in ``text`` of each folded character.

    The indexes let the place be cut from the original text, accents and case intact.
    """
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text.translate(_APOSTROPHES)):
        decomposed = unicodedata.normalize("NFKD", char)
        for piece in unicodedata.normalize("NFKD", decomposed.casefold()):
            if not unicodedata.combining(piece):
                folded.append(piece)
                origin.append(index)
    return "".join(folded), origin


def _plain(name: str) -> str:
    return _fold(name)[0].replace(".", "").strip()


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _loose(name: str) -> str:
    """A pattern for a folded word that tolerates the spellings people type for it.

    Two-letter names such as ``am`` or ``a. m.`` accept dots and a space between letters;
    longer names accept a missing dot, apostrophe or hyphen.
    """
    letters = _letters(name)
    if len(letters) <= 2:
        return r"\.?\s?".join(re.escape(letter) for letter in letters) + r"\.?"
    parts: list[str] = []
    for char in name:
        if char.isspace():
            parts.append(r"\s+")
        elif char == ".":
            parts.append(r"\.?")
        elif char == "'":
            parts.append(r"'?\s*")
        elif char == "-":
            parts.append(r"[-\s]?")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _alternation(patterns: Iterable[str]) -> str:
    ordered = sorted(set(patterns), key=len, reverse=True)
    return "(?:" + "|".join(ordered) + r")(?![a-z])"


def _name_tokens(*tables: Mapping[int, str], prefixes_of: Mapping[int, str]) -> dict[str, int]:
    """Map every unambiguous spelling of a month or weekday name to its number.

    Spellings are Babel's names without accents or dots, plus each prefix of three letters
    or more of a wide name that belongs to only one name (``sept``, ``juil``, ``dic``).
    """
    owners: dict[str, set[int]] = {}
    for key, name in prefixes_of.items():
        full = _plain(name)
        for end in range(3, len(full) + 1):
            owners.setdefault(full[:end], set()).add(key)
    for table in tables:
        for key, name in table.items():
            owners.setdefault(_plain(name), set()).add(key)
    return {token: keys.pop() for token, keys in owners.items() if len(keys) == 1 and token}


def _rule_spans(rules: Iterable[Mapping[str, int]]) -> list[_Span]:
    spans: list[_Span] = []
    for rule in rules:
        if "at" in rule:
            spans.append((rule["at"], rule["at"] + 1))
        elif "from" in rule and "before" in rule:
            spans.append((rule["from"], rule["before"]))
    return spans


@dataclass(frozen=True)
class _Language:
    """The patterns and word tables for one language, built once from CLDR data."""

    month_first: bool
    months: Mapping[str, int]
    weekdays: Mapping[str, int]
    relative: Mapping[str, int]
    periods: Mapping[str, tuple[_Span, ...]]
    instants: Mapping[str, time]
    date_patterns: tuple[re.Pattern[str], ...]
    time_patterns: tuple[re.Pattern[str], ...]


@cache
def _language(language: str) -> _Language:
    code = re.split(r"[-_]", language)[0].lower()
    if code not in SUPPORTED_LANGUAGES:
        code = "en"
    locale = Locale.parse(code)

    def names(table: str) -> tuple[dict[int, str], ...]:
        getter = get_month_names if table == "month" else get_day_names
        return tuple(
            dict(getter(width, context, locale=locale))
            for width in ("wide", "abbreviated")
            for context in ("format", "stand-alone")
        )

    month_tables = names("month")
    months = _name_tokens(*month_tables, prefixes_of=month_tables[0])
    day_tables = names("day")
    weekdays = _name_tokens(*day_tables, prefixes_of=day_tables[0])
    relative = {_letters(_fold(word)[0]): days for word, days in _RELATIVE_DAYS[code].items()}
    relative_patterns = [_loose(_fold(word)[0]) for word in _RELATIVE_DAYS[code]]

    rules = locale.day_period_rules.get(None, {})
    spans_of: dict[str, list[_Span]] = {"am": [(0, _NOON)], "pm": [(_NOON, _DAY_SECONDS)]}
    for key, key_rules in rules.items():
        spans_of[key] = _rule_spans(key_rules)
    periods: dict[str, set[_Span]] = {}
    period_patterns: list[str] = []
    instants: dict[str, time] = {}
    instant_patterns: list[str] = []
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for key, name in locale.day_periods.get(context, {}).get(width, {}).items():
                folded = _fold(name)[0]
                spans = spans_of.get(key, [])
                if not spans or not _letters(folded):
                    continue
                if context == "format":
                    # Stand-alone names ("mañana", "morning") would swallow the next word.
                    periods.setdefault(_letters(folded), set()).update(spans)
                    period_patterns.append(_loose(folded))
                if len(spans) == 1 and spans[0][1] - spans[0][0] == 1:
                    instants[_letters(folded)] = time(spans[0][0] // 3600)
                    instant_patterns.append(_loose(folded))

    month = rf"(?P<month>{_alternation(map(re.escape, months))})\.?"
    year_tail = r"(?:(?:\s*,\s*|\s+)(?:(?:de|del)\s+)?(?P<year>[0-9]{4})(?![0-9:]))?"
    opener = r"(?:(?:on|le|el)\s+)?"
    weekday = rf"(?:(?P<weekday>{_alternation(map(re.escape, weekdays))})\.?(?:\s*,\s*|\s+))?"
    ordinal = r"(?:st|nd|rd|th|er|o|°)?"
    date_sources = (
        rf"(?P<relative>{_alternation(relative_patterns)})",
        opener
        + weekday
        + r"(?P<year>[0-9]{4})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?P=sep)(?P<day>[0-9]{1,2})"
        + r"(?![0-9])",
        opener
        + weekday
        + r"(?P<first>[0-9]{1,2})(?P<sep>[-/.])(?P<second>[0-9]{1,2})"
        + r"(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?(?![0-9])",
        opener
        + weekday
        + rf"(?P<day>[0-9]{{1,2}}){ordinal}(?![0-9])\s*(?:(?:de|of)\s+)?{month}{year_tail}",
        opener + weekday + rf"{month}\s*(?P<day>[0-9]{{1,2}}){ordinal}(?![0-9a-z]){year_tail}",
    )
    period = rf"(?:\s*(?P<period>{_alternation(period_patterns)}))?"
    end = r"(?![0-9a-z]|:[0-9])"
    time_sources = (
        rf"(?P<hour>[0-9]{{1,2}}):(?P<minute>[0-9]{{2}})(?::(?P<second>[0-9]{{2}}))?h?{period}{end}",
        rf"(?P<hour>[0-9]{{1,2}})\s?h(?:\s?(?P<minute>[0-9]{{2}}))?{period}{end}",
        rf"(?P<hour>[0-9]{{1,2}})\s*(?P<period>{_alternation(period_patterns)}){end}",
        rf"(?P<instant>{_alternation(instant_patterns)}){end}",
    )
    return _Language(
        month_first=code == "en",
        months=months,
        weekdays=weekdays,
        relative=relative,
        periods={key: tuple(sorted(spans)) for key, spans in periods.items()},
        instants=instants,
        date_patterns=tuple(re.compile(source) for source in date_sources),
        time_patterns=tuple(re.compile(source) for source in time_sources),
    )


_BETWEEN_DATE_AND_TIME = re.compile(
    r"(?:t(?=[0-9])|\s*@\s*|(?:\s*,\s*|\s+)(?:(?:at|a\s+las|a\s+la|al|a)\s+|@\s*)?)"
)
_TIME_OPENER = re.compile(r"(?:(?:at|a\s+las|a\s+la|al|a)\s+|@\s*)?")
_BEFORE_PLACE = re.compile(r"[\s,;:.@\u2013\u2014-]*")


@dataclass(frozen=True)
class _DateWords:
    """What a date match said, before a year is chosen for it."""

    year: int | None
    month: int
    day: int
    weekday: int | None


def _date_words(match: re.Match[str], words: _Language) -> _DateWords | int:
    """Read a date match; an ``int`` is a relative day offset (0 today, 1 tomorrow)."""
    groups = match.groupdict()
    if groups.get("relative") is not None:
        return words.relative[_letters(groups["relative"])]
    weekday = words.weekdays[groups["weekday"]] if groups.get("weekday") else None
    year_text = groups.get("year")
    year = None if year_text is None else int(year_text)
    if year is not None and len(year_text or "") == 2:
        year += 2000
    if groups.get("first") is not None:
        first, second = int(groups["first"]), int(groups["second"])
        month, day = (first, second) if words.month_first else (second, first)
        return _DateWords(year, month, day, weekday)
    month_text = groups["month"]
    month = int(month_text) if month_text.isdigit() else words.months[month_text]
    return _DateWords(year, month, int(groups["day"]), weekday)


def _resolve_date(spoken: _DateWords | int, today: date) -> date | InputProblem:
    """Turn what was typed into a calendar date; a year-less date is the next one from today."""
    if isinstance(spoken, int):
        return today + timedelta(days=spoken)
    years = (
        [spoken.year]
        if spoken.year is not None
        else range(today.year, today.year + _YEARS_TO_SEARCH)
    )
    for year in years:
        try:
            found = date(year, spoken.month, spoken.day)
        except ValueError:
            continue
        if spoken.year is None and found < today:
            continue
        if spoken.weekday is not None and found.weekday() != spoken.weekday:
            return InputProblem.IMPOSSIBLE
        return found
    return InputProblem.IMPOSSIBLE


def _within(moment: int, span: _Span) -> bool:
    start, end = span
    return start <= moment < end if start <= end else moment >= start or moment < end


def _clock(match: re.Match[str], words: _Language) -> time | InputProblem:
    """Read a time match, using its day period (``pm``, ``du soir``) to pick the 24-hour hour."""
    groups = match.groupdict()
    if groups.get("instant") is not None:
        return words.instants[_letters(groups["instant"])]
    hour = int(groups["hour"])
    minute = int(groups.get("minute") or 0)
    second = int(groups.get("second") or 0)
    if hour > 23 or minute > 59 or second > 59:
        return InputProblem.IMPOSSIBLE
    if groups.get("period") is None:
        return time(hour, minute, second)
    spans = words.periods[_letters(groups["period"])]
    candidates = (hour,) if hour == 0 or hour > 12 else (hour % 12, hour % 12 + 12)
    for candidate in candidates:
        moment = candidate * 3600 + minute * 60 + second
        if any(_within(moment, span) for span in spans):
            return time(candidate, minute, second)
    return InputProblem.IMPOSSIBLE


def _match_time(text: str, position: int, words: _Language) -> re.Match[str] | None:
    for pattern in words.time_patterns:
        found = pattern.match(text, position)
        if found:
            return found
    return None


def _match_date_and_time(text: str, words: _Language) -> tuple[re.Match[str], re.Match[str]] | None:
    """Find a date at the start of ``text`` followed by a time, trying each date form in turn."""
    start = len(text) - len(text.lstrip())
    for pattern in words.date_patterns:
        date_match = pattern.match(text, start)
        if not date_match:
            continue
        between = _BETWEEN_DATE_AND_TIME.match(text, date_match.end())
        time_match = _match_time(text, between.end(), words) if between else None
        if time_match:
            return date_match, time_match
    return None


def _local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """Convert a local wall time; ``None`` if it falls in a DST gap. Folds take fold=0."""
    local = datetime.combine(day, clock, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


def parse_appointment_text(
    text: str, *, zone: str, language: str, now: datetime
) -> ParsedAppointment | InputError:
    """Read ``/appointment`` arguments: a date, a time (local to ``zone``), then the place.

    ``zone`` is an IANA name (an unknown one raises, as it is stored, not typed). A time
    that does not exist because of a DST change is impossible; an ambiguous one is taken
    at its first occurrence.
    """
    _require_aware(now)
    tz = ZoneInfo(zone)
    words = _language(language)
    folded, origin = _fold(text)
    matches = _match_date_and_time(folded, words)
    if matches is None:
        return InputError(InputProblem.MALFORMED)
    date_match, time_match = matches

    today = now.astimezone(tz).date()
    day = _resolve_date(_date_words(date_match, words), today)
    if isinstance(day, InputProblem):
        return InputError(day)
    clock = _clock(time_match, words)
    if isinstance(clock, InputProblem):
        return InputError(clock)
    # Whole-day bounds first, so absurd years never reach the UTC conversion.
    if day < today - timedelta(days=1):
        return InputError(InputProblem.PAST)
    if day > today + MAX_AHEAD + timedelta(days=1):
        return InputError(InputProblem.TOO_FAR)
    starts_at = _local_to_utc(day, clock, tz)
    if starts_at is None:
        return InputError(InputProblem.IMPOSSIBLE)
    if starts_at < now:
        return InputError(InputProblem.PAST)
    if starts_at - now > MAX_AHEAD:
        return InputError(InputProblem.TOO_FAR)

    place_start = _BEFORE_PLACE.match(folded, time_match.end()).end()
    place = text[origin[place_start] :].strip() if place_start < len(folded) else ""
    place = place[:PLACE_MAX_LENGTH].rstrip()
    return ParsedAppointment(starts_at=starts_at, place=place or None)


def parse_date(text: str, *, language: str, today: date) -> date | InputError:
    """Read a date typed alone (a guided flow's date step); a year-less date is the next one."""
    words = _language(language)
    folded = _fold(text.strip())[0]
    for pattern in words.date_patterns:
        found = pattern.fullmatch(folded)
        if found:
            break
    else:
        return InputError(InputProblem.MALFORMED)
    day = _resolve_date(_date_words(found, words), today)
    if isinstance(day, InputProblem):
        return InputError(day)
    if day < today:
        return InputError(InputProblem.PAST)
    if day - today > MAX_AHEAD:
        return InputError(InputProblem.TOO_FAR)
    return day


def parse_time(text: str, *, language: str) -> time | InputError:
    """Read a time of day typed alone (a guided flow's time step), e.g. ``14h30`` or ``2pm``."""
    words = _language(language)
    folded = _fold(text.strip())[0]
    position = _TIME_OPENER.match(folded).end()
    for pattern in words.time_patterns:
        found = pattern.fullmatch(folded, position)
        if found:
            clock = _clock(found, words)
            return InputError(clock) if isinstance(clock, InputProblem) else clock
    return InputError(InputProblem.MALFORMED)
