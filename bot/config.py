"""Operator configuration: one settings class read from the environment (and ``.env``).

The variable names are the operator contract: deployments and outside test rigs use them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration
from bot.i18n import SUPPORTED_LANGUAGES

KNOWN_COUNTRIES_FILE = "crisis_lines.json"


class ConfigError(Exception):
    """A configuration value that stops the bot from starting, with the variable's name."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    TELEGRAM_BOT_TOKEN: str = Field(min_length=1)
    TELEGRAM_API_BASE_URL: str = "https://api.telegram.org/bot"
    DATABASE_URL: str = "sqlite:///ime_bot.db"
    COORDINATOR_CHAT_ID: int | None = None
    COORDINATOR_IDS: Annotated[frozenset[int], NoDecode] = frozenset()
    DEFAULT_LANGUAGE: str = "en"
    DEFAULT_TIMEZONE: str = "UTC"
    DEFAULT_COUNTRY: str = "US"
    REMINDER_OFFSETS: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(days=7),
        timedelta(days=2),
        timedelta(days=1),
        timedelta(hours=2),
    )
    CHECKIN_AFTER: Annotated[timedelta, NoDecode] = timedelta(hours=6)
    ESCALATION_ACK_TIMEOUT: Annotated[timedelta, NoDecode] = timedelta(minutes=5)
    WEBHOOK_URL: str | None = None
    WEBHOOK_SECRET: str | None = None
    PORT: int = Field(default=8443, ge=1, le=65535)

    @field_validator("TELEGRAM_BOT_TOKEN")
    @classmethod
    def _token_has_no_spaces(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch.isspace() for ch in value) or "/" in value:
            raise ValueError("must be the token BotFather gave you, like 123456:ABC-DEF")
        return value

    @field_validator("TELEGRAM_API_BASE_URL", "WEBHOOK_URL")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise ValueError(f"{value!r} has an invalid port") from exc
        return value

    @field_validator("WEBHOOK_SECRET")
    @classmethod
    def _secret_telegram_accepts(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("must be 1 to 256 characters: letters, digits, _ and - only")
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        value = value.strip()
        # Hosting platforms hand out postgres:// URLs, which SQLAlchemy rejects.
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value[len("postgres://") :]
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"{value!r} is not a database URL") from exc
        return value

    @field_validator("COORDINATOR_IDS", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> frozenset[int]:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            try:
                return frozenset(int(item) for item in items)
            except ValueError as exc:
                raise ValueError("must be Telegram user ids separated by commas") from exc
        return value  # type: ignore[return-value]

    @field_validator("DEFAULT_LANGUAGE")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("DEFAULT_TIMEZONE")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Paris") from exc
        return value.strip()

    @field_validator("DEFAULT_COUNTRY")
    @classmethod
    def _known_country(cls, value: str) -> str:
        from bot.crisis_lines import known_countries

        code = value.strip().upper()
        if code not in known_countries():
            raise ValueError(f"must be one of {', '.join(sorted(known_countries()))}")
        return code

    @field_validator("REMINDER_OFFSETS", mode="before")
    @classmethod
    def _parse_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            offsets = {parse_duration(item) for item in value.split(",") if item.strip()}
            if not offsets:
                raise ValueError("needs at least one duration, like 7d,2d,1d,2h")
            return tuple(sorted(offsets, reverse=True))
        return value

    @field_validator("CHECKIN_AFTER", "ESCALATION_ACK_TIMEOUT", mode="before")
    @classmethod
    def _parse_single_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @property
    def webhook_mode(self) -> bool:
        return bool(self.WEBHOOK_URL)


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ``ConfigError`` naming the first bad variable in one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "configuration"
        if error["type"] == "missing":
            raise ConfigError(f"{name} is required but not set") from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
