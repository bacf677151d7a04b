"""The inline month calendar: the grid, the week's first day, past days, bounds, data sizes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.appointment_input import MAX_AHEAD
from bot.calendar_keyboard import (
    BLANK,
    MONTHS_AHEAD,
    NOOP,
    calendar_keyboard,
    clamp_month,
    month_title,
    picked_day,
    wanted_month,
    weekday_order,
)
from bot.i18n import SUPPORTED_LANGUAGES

TODAY = date(2026, 6, 15)  # a Monday


def _rows(markup: InlineKeyboardMarkup) -> list[list[InlineKeyboardButton]]:
    return [list(row) for row in markup.inline_keyboard]


def _grid(markup: InlineKeyboardMarkup) -> list[list[str]]:
    """The day rows as labels, between the weekday initials and the arrows."""
    return [[button.text for button in row] for row in _rows(markup)[2:-1]]


def _days(markup: InlineKeyboardMarkup) -> dict[date, InlineKeyboardButton]:
    found = {}
    for row in _rows(markup)[2:-1]:
        for button in row:
            day = picked_day(str(button.callback_data))
            if day is not None:
                found[day] = button
    return found


def _months_ahead(start: date, count: int) -> tuple[int, int]:
    index = start.year * 12 + start.month - 1 + count
    return index // 12, index % 12 + 1


def test_a_month_grid_in_english_starts_on_sunday() -> None:
    markup = calendar_keyboard(2026, 7, "en", TODAY)
    rows = _rows(markup)
    assert [b.text for b in rows[0]] == ["July 2026"]
    assert [b.text for b in rows[1]] == ["S", "M", "T", "W", "T", "F", "S"]
    # 1 July 2026 is a Wednesday: three blanks before it on a week that starts on Sunday.
    assert _grid(markup) == [
        [BLANK, BLANK, BLANK, "1", "2", "3", "4"],
        ["5", "6", "7", "8", "9", "10", "11"],
        ["12", "13", "14", "15", "16", "17", "18"],
        ["19", "20", "21", "22", "23", "24", "25"],
        ["26", "27", "28", "29", "30", "31", BLANK],
    ]
    assert all(button.callback_data == NOOP for row in rows[:2] for button in row)
    assert _days(markup)[date(2026, 7, 31)].callback_data == "cal:day:2026-07-31"


def test_french_and_spanish_weeks_start_on_monday() -> None:
    assert weekday_order("en") == [6, 0, 1, 2, 3, 4, 5]
    assert weekday_order("fr") == weekday_order("es") == [0, 1, 2, 3, 4, 5, 6]
    french = calendar_keyboard(2026, 7, "fr", TODAY)
    assert [b.text for b in _rows(french)[0]] == ["Juillet 2026"]
    assert [b.text for b in _rows(french)[1]] == ["L", "M", "M", "J", "V", "S", "D"]
    assert _grid(french)[0] == [BLANK, BLANK, "1", "2", "3", "4", "5"]
    assert _grid(french)[-1] == ["27", "28", "29", "30", "31", BLANK, BLANK]
    spanish = calendar_keyboard(2026, 7, "es", TODAY)
    assert [b.text for b in _rows(spanish)[1]] == ["L", "M", "X", "J", "V", "S", "D"]


@pytest.mark.parametrize(
    ("year", "days", "first_row", "last_row"),
    [
        # 1 February 2028 is a Tuesday; 2028 is a leap year.
        (2028, 29, [BLANK, BLANK, "1", "2", "3", "4", "5"], ["27", "28", "29"] + [BLANK] * 4),
        # 1 February 2027 is a Monday.
        (2027, 28, [BLANK, "1", "2", "3", "4", "5", "6"], ["28"] + [BLANK] * 6),
    ],
)
def test_february(year: int, days: int, first_row: list[str], last_row: list[str]) -> None:
    markup = calendar_keyboard(year, 2, "en", date(year, 1, 10))
    grid = _grid(markup)
    assert (grid[0], grid[-1], len(grid)) == (first_row, last_row, 5)
    assert sorted(_days(markup)) == [date(year, 2, day) for day in range(1, days + 1)]


def test_a_month_that_fills_exactly_four_weeks_has_no_blank_row() -> None:
    # 1 February 2026 is a Sunday and February 2026 has 28 days.
    grid = _grid(calendar_keyboard(2026, 2, "en", date(2026, 1, 5)))
    assert len(grid) == 4 and all(BLANK not in row for row in grid)


def test_days_before_today_do_nothing() -> None:
    markup = calendar_keyboard(2026, 6, "en", TODAY)
    days = _days(markup)
    assert min(days) == TODAY and max(days) == date(2026, 6, 30)
    cells = [button for row in _rows(markup)[2:-1] for button in row]
    # 1 June 2026 is a Monday: one cell of padding, 1 to 14 June blank, then the 15th.
    assert [button.text for button in cells[:16]] == [BLANK] * 15 + ["15"]
    assert {button.callback_data for button in cells[:15]} == {NOOP}
    assert cells[15].callback_data == "cal:day:2026-06-15"


def test_days_after_the_farthest_allowed_do_nothing() -> None:
    last = TODAY + MAX_AHEAD
    markup = calendar_keyboard(last.year, last.month, "en", TODAY)
    assert max(_days(markup)) == last


def test_arrows_stop_at_this_month_and_at_24_months_ahead() -> None:
    first = _rows(calendar_keyboard(2026, 6, "en", TODAY))[-1]
    assert (first[0].text, first[0].callback_data) == (BLANK, NOOP)
    assert (first[1].text, first[1].callback_data) == ("Jul ›", "cal:month:2026-07")

    year, month = _months_ahead(TODAY, MONTHS_AHEAD)
    assert (year, month) == (2028, 6)
    last = _rows(calendar_keyboard(year, month, "en", TODAY))[-1]
    assert (last[0].text, last[0].callback_data) == ("‹ May", "cal:month:2028-05")
    assert (last[1].text, last[1].callback_data) == (BLANK, NOOP)

    middle = _rows(calendar_keyboard(2027, 1, "fr", TODAY))[-1]
    assert [b.callback_data for b in middle] == ["cal:month:2026-12", "cal:month:2027-02"]
    assert [b.text for b in middle] == ["‹ Déc.", "Févr. ›"]


def test_months_out_of_bounds_are_brought_back() -> None:
    assert clamp_month(2020, 1, TODAY) == (2026, 6)
    assert clamp_month(2040, 12, TODAY) == (2028, 6)
    assert clamp_month(2027, 3, TODAY) == (2027, 3)
    assert _rows(calendar_keyboard(2019, 5, "en", TODAY))[0][0].text == "June 2026"
    # The year turns over in December.
    assert clamp_month(2027, 1, date(2026, 12, 31)) == (2027, 1)
    december = _rows(calendar_keyboard(2026, 12, "en", date(2026, 12, 31)))
    assert december[-1][1].callback_data == "cal:month:2027-01"
    assert list(_days(calendar_keyboard(2026, 12, "en", date(2026, 12, 31)))) == [
        date(2026, 12, 31)
    ]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_button_is_one_telegram_accepts(language: str) -> None:
    """Callback data within 64 bytes, no blank labels, at most 100 buttons, in every month."""
    today = date(2026, 1, 31)
    for ahead in range(MONTHS_AHEAD + 1):
        year, month = _months_ahead(today, ahead)
        markup = calendar_keyboard(year, month, language, today)
        buttons = [button for row in _rows(markup) for button in row]
        assert len(buttons) <= 100
        for button in buttons:
            assert button.text.strip()
            assert 0 < len(str(button.callback_data).encode()) <= 64
        assert all(len(row) == 7 for row in _rows(markup)[1:-1])


def test_the_title_is_babels_month_name() -> None:
    for language in SUPPORTED_LANGUAGES:
        babel = format_date(date(2026, 9, 1), "LLLL y", locale=language)
        assert month_title(2026, 9, language).lower() == babel.lower()
    assert month_title(2026, 9, "es") == "Septiembre 2026"


def test_button_data_is_read_back_safely() -> None:
    assert picked_day("cal:day:2028-02-29") == date(2028, 2, 29)
    assert picked_day("cal:day:2027-02-29") is None
    assert picked_day("cal:day:2027-02-01x") is None
    assert picked_day("cal:noop") is None
    assert wanted_month("cal:month:2027-12") == (2027, 12)
    assert wanted_month("cal:month:2027-13") is None
    assert wanted_month("cal:day:2027-12-01") is None
    assert (TODAY + timedelta(days=1)) in _days(calendar_keyboard(2026, 6, "es", TODAY))
