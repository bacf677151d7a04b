"""Translations and locale-aware formatting.

Catalogs are the ``.po`` files under ``locales/``; they are compiled in memory at first
use, so a fresh clone needs no build step and a catalog can never be stale.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


@cache
def _translations(language: str) -> gettext.NullTranslations:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str) -> Translate:
    """Return the gettext function for ``language`` (English source text if unknown)."""
    return _translations(language if language in SUPPORTED_LANGUAGES else "en").gettext


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    lang = language if language in SUPPORTED_LANGUAGES else "en"
    return _translations(lang).ngettext(singular, plural, count)


def pick_language(telegram_code: str | None, default: str) -> str:
    """Choose en, fr or es from a Telegram language tag such as ``fr`` or ``es-419``."""
    if telegram_code:
        try:
            code = Locale.parse(telegram_code, sep="-").language
        except (ValueError, UnknownLocaleError):
            code = telegram_code.split("-")[0].lower()
        if code in SUPPORTED_LANGUAGES:
            return code
    return default


def format_when(moment: datetime, language: str, zone: str, fmt: str = "full") -> str:
    """Format an aware datetime in the user's locale and time zone."""
    return format_datetime(moment, fmt, tzinfo=ZoneInfo(zone), locale=language)


# Each language is named in itself, so a person can find their own in any interface language.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español"}
