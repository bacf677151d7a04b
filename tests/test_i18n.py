"""The catalogs are complete, current and safe to send in every language."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LANGUAGES, format_when, pick_language, translator

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z-]+>")


def _catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_catalogs_hold_every_message_in_the_code(tmp_path: Path) -> None:
    in_code = _extracted_ids(tmp_path)
    for language in SUPPORTED_LANGUAGES:
        in_catalog = {message.id for message in _catalog(language) if message.id}
        missing = in_code - in_catalog
        assert not missing, f"run ./scripts/update-catalogs; {language} lacks {sorted(missing)[:3]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    untranslated = [
        message.id
        for message in _catalog(language)
        if message.id and (not message.string or message.fuzzy)
    ]
    assert not untranslated, (
        f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:2]}"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_tags_survive_translation(language: str) -> None:
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), f"{language}: placeholders differ in {message.id[:50]!r}"
        assert TAG.findall(message.string) == TAG.findall(message.id), (
            f"{language}: tags differ in {message.id[:50]!r}"
        )


def test_translator_uses_the_catalog_and_falls_back_to_english() -> None:
    assert translator("fr")("Main menu") != "Main menu"
    assert translator("es")("Main menu") != "Main menu"
    assert translator("de")("Main menu") == "Main menu"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("en-GB", "en"),
        ("pt-br", "es"),
        (None, "es"),
        ("zz-invalid-tag", "es"),
    ],
)
def test_pick_language(tag: str | None, expected: str) -> None:
    assert pick_language(tag, default="es") == expected


def test_dates_are_formatted_in_the_users_locale_and_zone() -> None:
    moment = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)
    assert "14:30" in format_when(moment, "fr", "America/Toronto")
    assert "décembre" in format_when(moment, "fr", "America/Toronto")
    assert "diciembre" in format_when(moment, "es", "Europe/Madrid")
    assert "8:30" in format_when(moment, "en", "Europe/Paris")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_message_is_html_telegram_accepts(language: str) -> None:
    from bot.simulator.entities import ParseError, parse_html, utf16_len

    for message in _catalog(language):
        if not message.id:
            continue
        text = message.string or message.id
        sample = PLACEHOLDER.sub("x", text)
        try:
            plain, _entities = parse_html(sample)
        except ParseError as exc:
            pytest.fail(f"{language}: {message.id[:50]!r} is not valid HTML: {exc}")
        assert 0 < utf16_len(plain.strip()) <= 4096


def test_english_texts_read_at_grade_seven_or_lower() -> None:
    """CONTENT-GUIDE: patient materials at a 6th to 8th grade level; we aim for 7 or lower."""
    import textstat

    too_hard = []
    for message in _catalog("en"):
        text = TAG.sub("", PLACEHOLDER.sub("Ana", message.id or ""))
        if len(text.split()) < 8:
            continue
        grade = textstat.flesch_kincaid_grade(text)
        if grade > 7:
            too_hard.append((grade, text[:60]))
    assert not too_hard, f"simplify: {too_hard}"
