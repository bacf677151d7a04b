"""Typed appointment times: every accepted form per language, every refusal, DST and year ends."""

from __future__ import annotations

import time as monotonic
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.appointment_input import (
    InputError,
    InputProblem,
    ParsedAppointment,
    parse_appointment_text,
    parse_date,
    parse_time,
)

# A Sunday; 13:00 in Paris, 07:00 in New York, so every "today" time accepted below is ahead.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 1)
PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def at(zone: str, *parts: int) -> datetime:
    """The UTC instant of a local wall time that is neither in a gap nor a fold."""
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def parsed(
    text: str, language: str, *, zone: str = PARIS, now: datetime = NOW
) -> ParsedAppointment:
    result = parse_appointment_text(text, zone=zone, language=language, now=now)
    assert isinstance(result, ParsedAppointment), result
    return result


def problem(text: str, language: str, *, zone: str = PARIS, now: datetime = NOW) -> InputProblem:
    result = parse_appointment_text(text, zone=zone, language=language, now=now)
    assert isinstance(result, InputError), result
    return result.problem


ACCEPTED = [
    # ISO 8601, read the same way in every language.
    *[
        (language, text, when)
        for language in ("en", "fr", "es")
        for text, when in [
            ("2026-12-01 14:30", (2026, 12, 1, 14, 30)),
            ("2026-12-01T14:30", (2026, 12, 1, 14, 30)),
            ("2026-12-01t14:30", (2026, 12, 1, 14, 30)),
            ("2026-12-01T14:30:15", (2026, 12, 1, 14, 30, 15)),
            ("2026-12-01 14h30", (2026, 12, 1, 14, 30)),
            ("2026-12-01 14h", (2026, 12, 1, 14, 0)),
            ("2026-12-01 9:05", (2026, 12, 1, 9, 5)),
            ("2026-12-01 00:00", (2026, 12, 1, 0, 0)),
            ("2026-12-01 23:59:59", (2026, 12, 1, 23, 59, 59)),
            ("2026/12/01 14:30", (2026, 12, 1, 14, 30)),
            ("2026-3-9 14:30", (2026, 3, 9, 14, 30)),
            ("  2026-12-01   14:30  ", (2026, 12, 1, 14, 30)),
            ("2026-12-01 14:30h", (2026, 12, 1, 14, 30)),
        ]
    ],
    # English: month/day numbers, month names either side of the day, 12-hour clocks.
    ("en", "December 1 2026 2:30 pm", (2026, 12, 1, 14, 30)),
    ("en", "December 1, 2026 2:30 pm", (2026, 12, 1, 14, 30)),
    ("en", "December 1st, 2026 at 2:30 p.m.", (2026, 12, 1, 14, 30)),
    ("en", "1 Dec 2026 14:30", (2026, 12, 1, 14, 30)),
    ("en", "1st of December 2026 14:30", (2026, 12, 1, 14, 30)),
    ("en", "Dec 1, 2:30pm", (2026, 12, 1, 14, 30)),
    ("en", "Dec. 1 2:30 PM", (2026, 12, 1, 14, 30)),
    ("en", "DEC 1 14:30", (2026, 12, 1, 14, 30)),
    ("en", "Decem 1 14:30", (2026, 12, 1, 14, 30)),
    ("en", "Sept 3 9am", (2026, 9, 3, 9, 0)),
    ("en", "sep 3 9 AM", (2026, 9, 3, 9, 0)),
    ("en", "May 5 8:15 a.m.", (2026, 5, 5, 8, 15)),
    ("en", "Mar 1 2:00 pm", (2026, 3, 1, 14, 0)),
    ("en", "Jun 2 12 pm", (2026, 6, 2, 12, 0)),
    ("en", "Jul 2 12 am", (2026, 7, 2, 0, 0)),
    ("en", "Jul 2 12:15 am", (2026, 7, 2, 0, 15)),
    ("en", "12/01/2026 14:30", (2026, 12, 1, 14, 30)),
    ("en", "12/01 14:30", (2026, 12, 1, 14, 30)),
    ("en", "12/1/26 2:30pm", (2026, 12, 1, 14, 30)),
    ("en", "12-01-2026 14:30", (2026, 12, 1, 14, 30)),
    ("en", "12.01.2026 14:30", (2026, 12, 1, 14, 30)),
    ("en", "today 18:00", (2026, 3, 1, 18, 0)),
    ("en", "Today at 6pm", (2026, 3, 1, 18, 0)),
    ("en", "tomorrow 9:15", (2026, 3, 2, 9, 15)),
    ("en", "TOMORROW @ 9:15", (2026, 3, 2, 9, 15)),
    ("en", "tomorrow at noon", (2026, 3, 2, 12, 0)),
    ("en", "tomorrow 12 noon", (2026, 3, 2, 12, 0)),
    ("en", "tomorrow at midnight", (2026, 3, 2, 0, 0)),
    ("en", "Tuesday, December 1, 2026 at 2:30 in the afternoon", (2026, 12, 1, 14, 30)),
    ("en", "on Tue Dec 1 10 in the morning", (2026, 12, 1, 10, 0)),
    ("en", "Dec 1 7 in the evening", (2026, 12, 1, 19, 0)),
    ("en", "Dec 1 at 9 at night", (2026, 12, 1, 21, 0)),
    ("en", "Dec 1 14:30 pm", (2026, 12, 1, 14, 30)),
    # French: day/month numbers, "1er", "14h30", accents optional, CLDR day periods.
    ("fr", "1 décembre 2026 14h30", (2026, 12, 1, 14, 30)),
    ("fr", "1er déc. 14h", (2026, 12, 1, 14, 0)),
    ("fr", "1ᵉʳ décembre 14h", (2026, 12, 1, 14, 0)),
    ("fr", "1ER DECEMBRE 2026 14H30", (2026, 12, 1, 14, 30)),
    ("fr", "01/12/2026 14:30", (2026, 12, 1, 14, 30)),
    ("fr", "01.12.2026 14h30", (2026, 12, 1, 14, 30)),
    ("fr", "1/12 14h", (2026, 12, 1, 14, 0)),
    ("fr", "1-12-26 14h", (2026, 12, 1, 14, 0)),
    ("fr", "le 1er décembre à 14h30", (2026, 12, 1, 14, 30)),
    ("fr", "mardi 1er décembre 2026 à 14 h 30", (2026, 12, 1, 14, 30)),
    ("fr", "mar. 1 déc. 14h", (2026, 12, 1, 14, 0)),
    ("fr", "Mardi, 1 décembre, 14h", (2026, 12, 1, 14, 0)),
    ("fr", "3 mars 9h", (2026, 3, 3, 9, 0)),
    ("fr", "3 mar 9h", (2026, 3, 3, 9, 0)),
    ("fr", "1 févr. 2027 10h", (2027, 2, 1, 10, 0)),
    ("fr", "1 fev 2027 10h", (2027, 2, 1, 10, 0)),
    ("fr", "15 juil. 10h", (2026, 7, 15, 10, 0)),
    ("fr", "15 juin 10h", (2026, 6, 15, 10, 0)),
    ("fr", "15 août 10h15", (2026, 8, 15, 10, 15)),
    ("fr", "15 aout 10h15", (2026, 8, 15, 10, 15)),
    ("fr", "aujourd'hui 18h", (2026, 3, 1, 18, 0)),
    ("fr", "aujourd’hui à 18h", (2026, 3, 1, 18, 0)),
    ("fr", "Aujourdhui 18:00", (2026, 3, 1, 18, 0)),
    ("fr", "demain 9h", (2026, 3, 2, 9, 0)),
    ("fr", "demain à midi", (2026, 3, 2, 12, 0)),
    ("fr", "demain à minuit", (2026, 3, 2, 0, 0)),
    ("fr", "demain 8h du soir", (2026, 3, 2, 20, 0)),
    ("fr", "demain 3h de l'après-midi", (2026, 3, 2, 15, 0)),
    ("fr", "demain 3 h de l’apres midi", (2026, 3, 2, 15, 0)),
    ("fr", "demain 10h du matin", (2026, 3, 2, 10, 0)),
    ("fr", "demain 2h du matin", (2026, 3, 2, 2, 0)),
    ("fr", "demain 2 PM", (2026, 3, 2, 14, 0)),
    # Spanish: day/month numbers, "de", "a las", CLDR day periods.
    ("es", "1 de diciembre de 2026 14:30", (2026, 12, 1, 14, 30)),
    ("es", "1 de diciembre del 2026 a las 14:30", (2026, 12, 1, 14, 30)),
    ("es", "1 dic 2026 a las 14:30", (2026, 12, 1, 14, 30)),
    ("es", "1 DIC. 2026 14:30", (2026, 12, 1, 14, 30)),
    ("es", "01/12/2026 14:30", (2026, 12, 1, 14, 30)),
    ("es", "1/12 14:30", (2026, 12, 1, 14, 30)),
    ("es", "1º de diciembre 14:30", (2026, 12, 1, 14, 30)),
    ("es", "martes 1 de diciembre a las 14:30", (2026, 12, 1, 14, 30)),
    ("es", "el martes, 1 de diciembre de 2026, a las 14:30", (2026, 12, 1, 14, 30)),
    ("es", "mié 2 dic 9:00", (2026, 12, 2, 9, 0)),
    ("es", "miercoles 2 dic 9:00", (2026, 12, 2, 9, 0)),
    ("es", "1 sept 10:00", (2026, 9, 1, 10, 0)),
    ("es", "1 septiembre 10:00", (2026, 9, 1, 10, 0)),
    ("es", "mar 1 14:30", (2026, 3, 1, 14, 30)),
    ("es", "hoy 18:00", (2026, 3, 1, 18, 0)),
    ("es", "Hoy a las 18:00", (2026, 3, 1, 18, 0)),
    ("es", "mañana 9:15", (2026, 3, 2, 9, 15)),
    ("es", "manana 9:15", (2026, 3, 2, 9, 15)),
    ("es", "MAÑANA a las 10 de la mañana", (2026, 3, 2, 10, 0)),
    ("es", "mañana a las 4 de la tarde", (2026, 3, 2, 16, 0)),
    ("es", "mañana a las 9 de la noche", (2026, 3, 2, 21, 0)),
    ("es", "mañana a las 3 de la madrugada", (2026, 3, 2, 3, 0)),
    ("es", "mañana al mediodía", (2026, 3, 2, 12, 0)),
    ("es", "mañana a las 12 del mediodía", (2026, 3, 2, 12, 0)),
    ("es", "1 dic 2:30 p. m.", (2026, 12, 1, 14, 30)),
    ("es", "1 dic 2:30 p.m.", (2026, 12, 1, 14, 30)),
    ("es", "1 dic a la 1:30", (2026, 12, 1, 1, 30)),
]


@pytest.mark.parametrize(("language", "text", "when"), ACCEPTED)
@pytest.mark.parametrize("zone", [PARIS, NEW_YORK])
def test_accepted_forms(language: str, text: str, when: tuple[int, ...], zone: str) -> None:
    result = parsed(text, language, zone=zone)
    assert result.starts_at == at(zone, *when)
    assert result.starts_at.tzinfo is UTC
    assert result.place is None


@pytest.mark.parametrize(
    ("language", "text", "place"),
    [
        ("en", "2026-12-01 14:30 12 Main St, Springfield", "12 Main St, Springfield"),
        ("en", "2026-12-01 14:30, 12 Main St", "12 Main St"),
        ("en", "Dec 1 2pm - Springfield Clinic", "Springfield Clinic"),
        ("en", "Dec 1 2 p.m. Clinic", "Clinic"),
        ("en", "tomorrow at 9:15 at the clinic", "at the clinic"),
        ("en", "2026-12-01 14:30 Room 5; 2nd floor", "Room 5; 2nd floor"),
        ("en", "2026-12-01 14:30 Oﬃce Tower", "Oﬃce Tower"),
        ("en", "2026-12-01 14:30 4 PM Street", "4 PM Street"),
        ("fr", "1er déc. 14h Cabinet du Dr Émile", "Cabinet du Dr Émile"),
        ("fr", "1 DÉC. 14h Salle B", "Salle B"),
        ("fr", "demain 14h à l'Hôpital Nord", "à l'Hôpital Nord"),
        ("fr", "2026-12-01 14h30, Clinique du Parc\n3 rue X", "Clinique du Parc\n3 rue X"),
        ("fr", "demain 8h du soir Hôpital", "Hôpital"),
        ("es", "1 dic 2026 a las 14:30 Calle Mayor 3, Madrid  ", "Calle Mayor 3, Madrid"),
        ("es", "mañana a las 10 de la mañana: Clínica Sur", "Clínica Sur"),
        ("es", "mañana 10:00 mañana", "mañana"),
    ],
)
def test_place_is_the_text_after_the_time(language: str, text: str, place: str) -> None:
    assert parsed(text, language).place == place


@pytest.mark.parametrize("tail", ["", " ", "   ", " ,", " - ", "\n"])
def test_no_place_is_none(tail: str) -> None:
    assert parsed("2026-12-01 14:30" + tail, "en").place is None


def test_place_is_cut_at_200_characters() -> None:
    assert parsed("2026-12-01 14:30 " + "é" * 250, "fr").place == "é" * 200
    cut_at_a_space = parsed("2026-12-01 14:30 " + "a" * 199 + " b", "en").place
    assert cut_at_a_space == "a" * 199


@pytest.mark.parametrize(
    ("language", "text"),
    [
        *[(language, text) for language in ("en", "fr", "es") for text in ("", "   ", "hello")],
        ("en", "2026-12-01"),
        ("en", "Dec 1"),
        ("en", "Dec 1, 2026"),
        ("en", "tomorrow"),
        ("en", "14:30"),
        ("en", "2pm tomorrow"),
        ("en", "tomorrow 2"),
        ("en", "tomorrow at 2 Main St"),
        ("en", "Dec 1 14"),
        ("en", "Dec 1 14.30"),
        ("en", "Dec 1 1430"),
        ("en", "Dec 12:30pm"),
        ("en", "2026-12-01T14:30Z"),
        ("en", "2026-12-01T14:30:5"),
        ("en", "2026-12-0114:30"),
        ("en", "next monday 10:00"),
        ("en", "in 3 days 10:00"),
        ("en", "Ju 1 10:00"),
        ("en", "mañana 10:00"),
        ("en", "1 décembre 14h"),
        ("fr", "1 January 2027 10:00"),
        ("fr", "tomorrow 10:00"),
        ("fr", "1 jui 10h"),
        ("fr", "demain 14 heures"),
        ("fr", "après-demain 10h"),
        ("fr", "01/12/2026"),
        ("es", "pasado mañana 10:00"),
        ("es", "mañana a las 10"),
        ("es", "1 de diciembre"),
        ("es", "1 dic 10:00hs"),
        ("es", "٣/١٢ 14:30"),
    ],
)
def test_malformed(language: str, text: str) -> None:
    assert problem(text, language) is InputProblem.MALFORMED


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "2026-02-30 10:00"),
        ("en", "2026-13-01 10:00"),
        ("en", "2026-00-10 10:00"),
        ("en", "2026-12-00 10:00"),
        ("en", "2026-12-32 10:00"),
        ("en", "2026-12-01 25:00"),
        ("en", "2026-12-01 24:00"),
        ("en", "2026-12-01 14:61"),
        ("en", "2026-12-01 14:30:60"),
        ("en", "2026-12-01 14h75"),
        ("en", "2026-12-01 13am"),
        ("en", "2026-12-01 0 pm"),
        ("en", "2026-12-01 14:30 am"),
        ("en", "2026-12-01 12:30 noon"),
        ("en", "Dec 1 2:30 at night"),
        ("en", "04/31/2026 10:00"),
        ("en", "13/01/2026 10:00"),
        ("en", "Feb 29 2027 10:00"),
        ("en", "Feb 30 10:00"),
        ("en", "Monday Dec 1 2026 10:00"),
        ("en", "Wed, Dec 1 10:00"),
        ("fr", "30 février 10h"),
        ("fr", "31 avril 2026 10h"),
        ("fr", "31/04/2026 10:00"),
        ("fr", "32 décembre 14h"),
        ("fr", "demain 14h du matin"),
        ("fr", "demain 25h"),
        ("fr", "lundi 1er décembre 2026 14h"),
        ("es", "30 de febrero 10:00"),
        ("es", "mañana 12 de la noche"),
        ("es", "mañana 9 de la madrugada"),
        ("es", "0000-01-01 10:00"),
    ],
)
def test_impossible(language: str, text: str) -> None:
    assert problem(text, language) is InputProblem.IMPOSSIBLE


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "2026-02-28 10:00"),
        ("en", "2026-03-01 12:59:59"),
        ("en", "today 9:00"),
        ("en", "today 12:59"),
        ("en", "2025-12-01 10:00"),
        ("en", "1/1/2026 10:00"),
        ("en", "0001-01-01 00:00"),
        ("en", "1999-12-31 23:59"),
        ("en", "March 1 12:00"),
        ("fr", "aujourd'hui 9h"),
        ("fr", "1 mars 2026 9h"),
        ("es", "hoy a las 9:00"),
        ("es", "28/02/2026 10:00"),
    ],
)
def test_past(language: str, text: str) -> None:
    assert problem(text, language) is InputProblem.PAST


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "2028-02-29 13:00:01"),
        ("en", "2028-03-01 10:00"),
        ("en", "2030-01-01 10:00"),
        ("en", "9999-12-31 23:59"),
        ("fr", "1er janvier 2029 10h"),
        ("es", "1 de enero de 2029 10:00"),
    ],
)
def test_too_far(language: str, text: str) -> None:
    assert problem(text, language) is InputProblem.TOO_FAR


def test_bounds_are_inclusive() -> None:
    assert parsed("today 13:00", "en").starts_at == NOW
    assert parsed("2028-02-29 13:00", "en").starts_at == datetime(2028, 2, 29, 12, tzinfo=UTC)


def test_a_year_less_29_february_waits_for_a_leap_year() -> None:
    assert parsed("Feb 29 10:00", "en").starts_at == at(PARIS, 2028, 2, 29, 10, 0)


@pytest.mark.parametrize(
    ("zone", "text", "expected"),
    [
        (NEW_YORK, "2026-03-08 01:59", datetime(2026, 3, 8, 6, 59, tzinfo=UTC)),
        (NEW_YORK, "2026-03-08 03:00", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (NEW_YORK, "2026-11-01 00:59", datetime(2026, 11, 1, 4, 59, tzinfo=UTC)),
        (NEW_YORK, "2026-11-01 01:00", datetime(2026, 11, 1, 5, 0, tzinfo=UTC)),
        (NEW_YORK, "2026-11-01 01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (NEW_YORK, "Nov 1 1:59 am", datetime(2026, 11, 1, 5, 59, tzinfo=UTC)),
        (NEW_YORK, "2026-11-01 02:00", datetime(2026, 11, 1, 7, 0, tzinfo=UTC)),
        (PARIS, "2026-03-29 01:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
        (PARIS, "2026-03-29 03:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (PARIS, "2026-10-25 02:00", datetime(2026, 10, 25, 0, 0, tzinfo=UTC)),
        (PARIS, "2026-10-25 02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (PARIS, "25 oct. 2h30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (PARIS, "2026-10-25 03:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_dst_edges_and_folds_take_the_first_occurrence(
    zone: str, text: str, expected: datetime
) -> None:
    language = "fr" if "oct." in text else "en"
    assert parsed(text, language, zone=zone).starts_at == expected


@pytest.mark.parametrize(
    ("zone", "language", "text"),
    [
        (NEW_YORK, "en", "2026-03-08 02:00"),
        (NEW_YORK, "en", "2026-03-08 02:30"),
        (NEW_YORK, "en", "March 8 2:59:59 am"),
        (NEW_YORK, "es", "8 de marzo a las 2:30"),
        (PARIS, "en", "2026-03-29 02:00"),
        (PARIS, "en", "2026-03-29 02:30"),
        (PARIS, "fr", "29 mars 2h30"),
        (PARIS, "fr", "29/03 2h59"),
    ],
)
def test_dst_gap_is_impossible(zone: str, language: str, text: str) -> None:
    assert problem(text, language, zone=zone) is InputProblem.IMPOSSIBLE


def test_the_same_text_means_local_time_in_each_zone() -> None:
    assert parsed("2026-12-01 14:30", "en", zone=NEW_YORK).starts_at == datetime(
        2026, 12, 1, 19, 30, tzinfo=UTC
    )
    assert parsed("2026-12-01 14:30", "en", zone=PARIS).starts_at == datetime(
        2026, 12, 1, 13, 30, tzinfo=UTC
    )
    assert parsed("2026-12-01 14:30", "en", zone="Asia/Kolkata").starts_at == datetime(
        2026, 12, 1, 9, 0, tzinfo=UTC
    )


YEAR_END = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)  # 11:00 in Paris


@pytest.mark.parametrize(
    ("language", "text", "when"),
    [
        ("en", "Jan 5 10:00", (2027, 1, 5, 10, 0)),
        ("en", "1/5 10:00", (2027, 1, 5, 10, 0)),
        ("en", "Dec 25 10:00", (2026, 12, 25, 10, 0)),
        ("en", "12/20 18:00", (2026, 12, 20, 18, 0)),
        ("en", "Dec 19 10:00", (2027, 12, 19, 10, 0)),
        ("fr", "1er janv. 9h", (2027, 1, 1, 9, 0)),
        ("fr", "05/01 9h", (2027, 1, 5, 9, 0)),
        ("fr", "vendredi 1er janvier 9h", (2027, 1, 1, 9, 0)),
        ("es", "2 de enero a las 9:00", (2027, 1, 2, 9, 0)),
        ("es", "31 dic 9:00", (2026, 12, 31, 9, 0)),
    ],
)
def test_a_year_less_date_is_the_next_one(language: str, text: str, when: tuple[int, ...]) -> None:
    assert parsed(text, language, now=YEAR_END).starts_at == at(PARIS, *when)


def test_a_year_less_date_earlier_today_is_past_not_next_year() -> None:
    assert problem("Dec 20 08:00", "en", now=YEAR_END) is InputProblem.PAST


@pytest.mark.parametrize(
    ("zone", "now", "text", "expected"),
    [
        # New Year's Eve: "tomorrow" crosses into the next year.
        (PARIS, datetime(2026, 12, 31, 20, tzinfo=UTC), "tomorrow 10:00", (2027, 1, 1, 10, 0)),
        # Already 1 January in Auckland while it is still 31 December in UTC.
        (
            "Pacific/Auckland",
            datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
            "today 15:00",
            (2027, 1, 1, 15, 0),
        ),
        # Still 31 December in Los Angeles while it is 1 January in UTC.
        (
            "America/Los_Angeles",
            datetime(2027, 1, 1, 3, 0, tzinfo=UTC),
            "today 20:00",
            (2026, 12, 31, 20, 0),
        ),
        (
            "America/Los_Angeles",
            datetime(2027, 1, 1, 3, 0, tzinfo=UTC),
            "Jan 1 9:00",
            (2027, 1, 1, 9, 0),
        ),
    ],
)
def test_today_is_the_date_in_the_persons_zone(
    zone: str, now: datetime, text: str, expected: tuple[int, ...]
) -> None:
    assert parsed(text, "en", zone=zone, now=now).starts_at == at(zone, *expected)


def test_now_in_another_zone_is_the_same_instant() -> None:
    now_elsewhere = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert parsed("today 18:00", "en", now=now_elsewhere).starts_at == at(PARIS, 2026, 3, 1, 18)


@pytest.mark.parametrize("language", ["en-US", "en_GB", "EN", "de", "xx"])
def test_other_language_tags_fall_back_to_english_rules(language: str) -> None:
    assert parsed("12/01 2:30pm tomorrow's place", language).starts_at == at(
        PARIS, 2026, 12, 1, 14, 30
    )


@pytest.mark.parametrize(
    ("language", "expected"), [("fr-CA", (2026, 12, 1)), ("es-419", (2026, 12, 1))]
)
def test_regional_tags_keep_their_language(language: str, expected: tuple[int, int, int]) -> None:
    assert parsed("01/12 14:30", language).starts_at == at(PARIS, *expected, 14, 30)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_appointment_text(
            "tomorrow 10:00", zone=PARIS, language="en", now=datetime(2026, 3, 1)
        )


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "💥" * 50,
        "1" * 5000,
        "Dec 1" + " " * 5000 + "x",
        "2026-12-01" + " ," * 3000,
        "tomorrow " + "a " * 3000,
        "1 de " * 1000,
        "12/01/2026 14:30 " + "x" * 5000,
    ],
)
def test_odd_input_is_answered_quickly(text: str) -> None:
    started = monotonic.perf_counter()
    result = parse_appointment_text(text, zone=PARIS, language="es", now=NOW)
    assert isinstance(result, ParsedAppointment | InputError)
    assert monotonic.perf_counter() - started < 0.5


DATES = [
    ("en", "2026-12-01", date(2026, 12, 1)),
    ("en", "December 1 2026", date(2026, 12, 1)),
    ("en", "Dec 1", date(2026, 12, 1)),
    ("en", "dec. 1st", date(2026, 12, 1)),
    ("en", "1 Dec", date(2026, 12, 1)),
    ("en", "12/01/2026", date(2026, 12, 1)),
    ("en", "12/01", date(2026, 12, 1)),
    ("en", "Tuesday, Dec 1", date(2026, 12, 1)),
    ("en", "today", TODAY),
    ("en", " Tomorrow ", date(2026, 3, 2)),
    ("en", "March 1", TODAY),
    ("en", "Feb 28", date(2027, 2, 28)),
    ("en", "2028-02-29", date(2028, 2, 29)),
    ("fr", "1er déc.", date(2026, 12, 1)),
    ("fr", "1 décembre 2026", date(2026, 12, 1)),
    ("fr", "01/12/2026", date(2026, 12, 1)),
    ("fr", "01/12", date(2026, 12, 1)),
    ("fr", "le mardi 1er décembre", date(2026, 12, 1)),
    ("fr", "aujourd'hui", TODAY),
    ("fr", "demain", date(2026, 3, 2)),
    ("es", "1 de diciembre de 2026", date(2026, 12, 1)),
    ("es", "1 dic", date(2026, 12, 1)),
    ("es", "01/12", date(2026, 12, 1)),
    ("es", "martes 1 de diciembre", date(2026, 12, 1)),
    ("es", "hoy", TODAY),
    ("es", "mañana", date(2026, 3, 2)),
]


@pytest.mark.parametrize(("language", "text", "expected"), DATES)
def test_parse_date(language: str, text: str, expected: date) -> None:
    assert parse_date(text, language=language, today=TODAY) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "", InputProblem.MALFORMED),
        ("en", "hello", InputProblem.MALFORMED),
        ("en", "Dec 1 14:30", InputProblem.MALFORMED),
        ("en", "Dec 1 Springfield", InputProblem.MALFORMED),
        ("fr", "demain matin", InputProblem.MALFORMED),
        ("es", "mañana 10:00", InputProblem.MALFORMED),
        ("en", "2026-02-30", InputProblem.IMPOSSIBLE),
        ("fr", "31/04", InputProblem.IMPOSSIBLE),
        ("en", "Monday Dec 1 2026", InputProblem.IMPOSSIBLE),
        ("en", "2026-02-28", InputProblem.PAST),
        ("fr", "28/02/2026", InputProblem.PAST),
        ("en", "2028-03-01", InputProblem.TOO_FAR),
        ("es", "1 de enero de 2030", InputProblem.TOO_FAR),
    ],
)
def test_parse_date_problems(language: str, text: str, expected: InputProblem) -> None:
    assert parse_date(text, language=language, today=TODAY) == InputError(expected)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        *[
            (language, text, expected)
            for language in ("en", "fr", "es")
            for text, expected in [
                ("14:30", time(14, 30)),
                ("14:30:15", time(14, 30, 15)),
                ("0:05", time(0, 5)),
                ("14h30", time(14, 30)),
                ("14H30", time(14, 30)),
                ("14h", time(14, 0)),
                ("14 h 30", time(14, 30)),
                ("2:30 pm", time(14, 30)),
                ("2pm", time(14, 0)),
                ("12 am", time(0, 0)),
            ]
        ],
        ("en", "2:30PM", time(14, 30)),
        ("en", "2 p.m.", time(14, 0)),
        ("en", "12 pm", time(12, 0)),
        ("en", "12:15 am", time(0, 15)),
        ("en", "13pm", time(13, 0)),  # redundant but consistent, like 14:30 pm
        ("en", "noon", time(12, 0)),
        ("en", "Midnight", time(0, 0)),
        ("en", "at 2pm", time(14, 0)),
        ("en", "9 in the morning", time(9, 0)),
        ("en", "3 in the afternoon", time(15, 0)),
        ("en", "11 at night", time(23, 0)),
        ("fr", "à 14h", time(14, 0)),
        ("fr", "8h du soir", time(20, 0)),
        ("fr", "3h de l'après-midi", time(15, 0)),
        ("fr", "3 h de l’apres midi", time(15, 0)),
        ("fr", "10h du matin", time(10, 0)),
        ("fr", "2h du matin", time(2, 0)),
        ("fr", "midi", time(12, 0)),
        ("fr", "Minuit", time(0, 0)),
        ("es", "a las 14:30", time(14, 30)),
        ("es", "10 de la mañana", time(10, 0)),
        ("es", "4 de la tarde", time(16, 0)),
        ("es", "9 de la noche", time(21, 0)),
        ("es", "3 de la madrugada", time(3, 0)),
        ("es", "2:30 p. m.", time(14, 30)),
        ("es", "mediodía", time(12, 0)),
        ("es", "al mediodía", time(12, 0)),
        ("es", "12 del mediodía", time(12, 0)),
    ],
)
def test_parse_time(language: str, text: str, expected: time) -> None:
    assert parse_time(text, language=language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "", InputProblem.MALFORMED),
        ("en", "2", InputProblem.MALFORMED),
        ("en", "14.30", InputProblem.MALFORMED),
        ("en", "1430", InputProblem.MALFORMED),
        ("en", "14:30 Clinic", InputProblem.MALFORMED),
        ("en", "tomorrow", InputProblem.MALFORMED),
        ("fr", "quatorze heures", InputProblem.MALFORMED),
        ("es", "a las 10", InputProblem.MALFORMED),
        ("es", "medianoche", InputProblem.MALFORMED),
        ("en", "25:00", InputProblem.IMPOSSIBLE),
        ("en", "24:00", InputProblem.IMPOSSIBLE),
        ("en", "14:60", InputProblem.IMPOSSIBLE),
        ("en", "13 am", InputProblem.IMPOSSIBLE),
        ("en", "0 pm", InputProblem.IMPOSSIBLE),
        ("en", "2 at night", InputProblem.IMPOSSIBLE),
        ("fr", "14h du matin", InputProblem.IMPOSSIBLE),
        ("es", "12 de la noche", InputProblem.IMPOSSIBLE),
    ],
)
def test_parse_time_problems(language: str, text: str, expected: InputProblem) -> None:
    assert parse_time(text, language=language) == InputError(expected)


def test_problem_codes_are_stable_strings() -> None:
    assert [problem.value for problem in InputProblem] == [
        "malformed",
        "impossible",
        "past",
        "too_far",
    ]
