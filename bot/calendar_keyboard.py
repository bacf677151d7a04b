"""An inline month calendar for picking a day, in the person's language.

Pure functions: the keyboard depends only on the month shown, the language and ``today``,
so it is tested without Telegram. Month and weekday names come from the CLDR data in Babel;
weeks start on the first weekday of the language's likely region (Sunday for ``en``, which
means ``en_US``; Monday for ``fr`` and ``es``).

Callback data, all well under Telegram's 64 bytes: ``cal:day:YYYY-MM-DD`` for a day,
``cal:month:YYYY-MM`` to show another month, ``cal:noop`` for a button that does nothing.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.appointment_input import MAX_AHEAD

NOOP = "cal:noop"
DAY = "cal:day:"
MONTH = "cal:month:"
MONTHS_AHEAD = 24
# The label of a button that does nothing: a day that can't be chosen, or a cell of the
# grid before the 1st or after the month's last day.
BLANK = "·"
DAY_PATTERN = r"^cal:day:\d{4}-\d{2}-\d{2}$"
MONTH_PATTERN = r"^cal:month:\d{4}-\d{2}$"
NOOP_PATTERN = r"^cal:noop$"
_DAY_DATA = re.compile(r"cal:day:(\d{4})-(\d{2})-(\d{2})")
_MONTH_DATA = re.compile(r"cal:month:(\d{4})-(\d{2})")


@cache
def _locale(language: str) -> Locale:
    """The locale with its likely region, so ``en`` gets the week of ``en_US``."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    if locale.territory is None:
        likely = get_global("likely_subtags").get(locale.language)
        if likely:
            locale = Locale.parse(likely)
    return locale


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _from_index(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def clamp_month(year: int, month: int, today: date) -> tuple[int, int]:
    """The month to show for a wish: never before this month, never past 24 months ahead."""
    first = _month_index(today.year, today.month)
    wanted = _month_index(year, max(1, min(12, month)))
    return _from_index(min(max(wanted, first), first + MONTHS_AHEAD))


def weekday_order(language: str) -> list[int]:
    """Weekday numbers (0 is Monday) in the order the language's calendars show them."""
    first = _locale(language).first_week_day
    return [(first + offset) % 7 for offset in range(7)]


def month_title(year: int, month: int, language: str) -> str:
    """'June 2026', 'Juin 2026', 'Junio 2026'."""
    return _capitalised(format_date(date(year, month, 1), "LLLL y", locale=_locale(language)))


def _noop(text: str = BLANK) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=NOOP)


def _arrow(year: int, month: int, language: str, *, back: bool) -> InlineKeyboardButton:
    short = _capitalised(format_date(date(year, month, 1), "LLL", locale=_locale(language)))
    label = f"‹ {short}" if back else f"{short} ›"
    return InlineKeyboardButton(label, callback_data=f"{MONTH}{year:04d}-{month:02d}")


def calendar_keyboard(
    year: int, month: int, language: str, today: date, latest: date | None = None
) -> InlineKeyboardMarkup:
    """The month grid: title, weekday initials, the days, then previous and next month.

    Days before ``today`` or after ``latest`` (by default the farthest date an appointment
    may be, ``MAX_AHEAD`` from today) are blank buttons that do nothing.
    """
    year, month = clamp_month(year, month, today)
    latest = latest or today + MAX_AHEAD
    locale = _locale(language)
    order = weekday_order(language)
    initials = get_day_names("narrow", context="stand-alone", locale=locale)

    rows = [[_noop(month_title(year, month, language))]]
    rows.append([_noop(initials[weekday]) for weekday in order])
    days_in_month = calendar.monthrange(year, month)[1]
    lead = order.index(date(year, month, 1).weekday())
    cells: list[InlineKeyboardButton] = [_noop() for _ in range(lead)]
    for number in range(1, days_in_month + 1):
        day = date(year, month, number)
        if today <= day <= latest:
            cells.append(InlineKeyboardButton(str(number), callback_data=f"{DAY}{day.isoformat()}"))
        else:
            cells.append(_noop())
    cells += [_noop() for _ in range(-len(cells) % 7)]
    rows += [cells[start : start + 7] for start in range(0, len(cells), 7)]

    index = _month_index(year, month)
    first = _month_index(today.year, today.month)
    back = _arrow(*_from_index(index - 1), language, back=True) if index > first else _noop()
    ahead = (
        _arrow(*_from_index(index + 1), language, back=False)
        if index < first + MONTHS_AHEAD
        else _noop()
    )
    rows.append([back, ahead])
    return InlineKeyboardMarkup(rows)


def picked_day(data: str) -> date | None:
    """The day in ``cal:day:YYYY-MM-DD`` data, or None if it is not a real date."""
    found = _DAY_DATA.fullmatch(data)
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def wanted_month(data: str) -> tuple[int, int] | None:
    """(year, month) from ``cal:month:YYYY-MM`` data, or None."""
    found = _MONTH_DATA.fullmatch(data)
    if found is None:
        return None
    year, month = (int(part) for part in found.groups())
    return (year, month) if 1 <= month <= 12 and year >= 1 else None
