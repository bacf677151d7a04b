from datetime import timedelta

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.durations import format_duration, parse_duration


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abc")
    return monkeypatch


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 2H ", timedelta(hours=2)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "5", "h", "2x", "1h-30m", "0m", "abc", "1.5h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longer than zero"):
        parse_duration(text)


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.TELEGRAM_API_BASE_URL == "https://api.telegram.org/bot"
    assert settings.DATABASE_URL == "sqlite:///ime_bot.db"
    assert settings.COORDINATOR_CHAT_ID is None
    assert frozenset() == settings.COORDINATOR_IDS
    assert (settings.DEFAULT_LANGUAGE, settings.DEFAULT_TIMEZONE, settings.DEFAULT_COUNTRY) == (
        "en",
        "UTC",
        "US",
    )
    assert (
        timedelta(days=7),
        timedelta(days=2),
        timedelta(days=1),
        timedelta(hours=2),
    ) == settings.REMINDER_OFFSETS
    assert timedelta(hours=6) == settings.CHECKIN_AFTER
    assert timedelta(minutes=5) == settings.ESCALATION_ACK_TIMEOUT
    assert settings.WEBHOOK_URL is None and settings.PORT == 8443


def test_environment_values(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("COORDINATOR_IDS", " 12, 34 ,")
    clean_env.setenv("COORDINATOR_CHAT_ID", "-100200")
    clean_env.setenv("REMINDER_OFFSETS", "2h,7d,1d")
    clean_env.setenv("DEFAULT_COUNTRY", "fr")
    clean_env.setenv("DATABASE_URL", "postgres://u:p@db/x")
    settings = load_settings()
    assert frozenset({12, 34}) == settings.COORDINATOR_IDS
    assert settings.COORDINATOR_CHAT_ID == -100200
    assert (timedelta(days=7), timedelta(days=1), timedelta(hours=2)) == settings.REMINDER_OFFSETS
    assert settings.DEFAULT_COUNTRY == "FR"
    assert settings.DATABASE_URL == "postgresql+psycopg://u:p@db/x"


def test_dotenv_file_is_read(clean_env: pytest.MonkeyPatch, tmp_path) -> None:
    clean_env.delenv("TELEGRAM_BOT_TOKEN")
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=42:from-dotenv\nDEFAULT_LANGUAGE=es\n")
    settings = load_settings()
    assert settings.TELEGRAM_BOT_TOKEN == "42:from-dotenv"
    assert settings.DEFAULT_LANGUAGE == "es"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("REMINDER_OFFSETS", "7d,soon"),
        ("CHECKIN_AFTER", "6 hours"),
        ("ESCALATION_ACK_TIMEOUT", "0s"),
        ("TELEGRAM_API_BASE_URL", "not a url"),
        ("WEBHOOK_URL", "ftp://example.org/hook"),
        ("DATABASE_URL", "::::"),
        ("DEFAULT_LANGUAGE", "de"),
        ("DEFAULT_COUNTRY", "ZZ"),
        ("COORDINATOR_IDS", "12,abc"),
        ("COORDINATOR_CHAT_ID", "the group"),
        ("PORT", "99999"),
        ("TELEGRAM_BOT_TOKEN", "   "),
    ],
)
def test_bad_values_name_the_variable(clean_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(name)
    assert "\n" not in message


def test_missing_token(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.delenv("TELEGRAM_BOT_TOKEN")
    with pytest.raises(ConfigError, match=r"^TELEGRAM_BOT_TOKEN is required"):
        load_settings()
