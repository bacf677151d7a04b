"""The people the bot talks to: their profile, language and consent, cached per process."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from telegram import User

from bot import crud
from bot.i18n import SUPPORTED_LANGUAGES, pick_language
from bot.models import Examinee, utcnow
from bot.storage import Database

# Zone names the system lists but a person should never get: one depends on the server.
_UNUSABLE_ZONES = frozenset({"localtime", "Factory"})


@cache
def _zones() -> tuple[dict[str, str], dict[str, str]]:
    """Every IANA zone by its folded name, and by its folded last part (the city)."""
    names = sorted(available_timezones() - _UNUSABLE_ZONES)
    by_name = {_folded(name): name for name in names}
    by_city: dict[str, str] = {}
    # Fewest parts first, so America/Buenos_Aires wins over its alias in America/Argentina/.
    for name in sorted((n for n in names if "/" in n), key=lambda n: (n.count("/"), n)):
        by_city.setdefault(_folded(name.rsplit("/", 1)[1]), name)
    return by_name, by_city


def _folded(text: str) -> str:
    return "_".join(text.replace("_", " ").split()).casefold()


def find_timezone(typed: str) -> str | None:
    """The IANA zone a person typed, e.g. ``Europe/Paris``, ``europe/paris`` or ``Paris``.

    Case and spaces for underscores don't matter; a city alone is accepted when it names a
    zone. ``None`` when no zone matches.
    """
    by_name, by_city = _zones()
    key = _folded(typed.strip().strip("/"))
    if not key or len(key) > 64:
        return None
    return by_name.get(key) or by_city.get(key)


class ExamineeDirectory:
    """Reads each profile once and keeps it, so an ordinary message costs no query."""

    def __init__(self, database: Database, default_language: str) -> None:
        self._database = database
        self._default_language = default_language
        self._cache: dict[int, Examinee] = {}

    def get(self, user_id: int) -> Examinee | None:
        cached = self._cache.get(user_id)
        if cached is not None:
            return cached
        with self._database.session() as session:
            examinee = crud.get_examinee(session, user_id)
        if examinee is not None:
            self._cache[user_id] = examinee
        return examinee

    def meet(self, user: User, chat_id: int) -> Examinee:
        """The profile of ``user``, created on first contact in their Telegram language."""
        known = self.get(user.id)
        if (
            known is not None
            and known.first_name == user.first_name[:256]
            and known.username == user.username
            and known.chat_id == chat_id
            and known.blocked_at is None
        ):
            return known
        with self._database.session() as session:
            examinee = crud.upsert_examinee(
                session,
                user_id=user.id,
                chat_id=chat_id,
                first_name=user.first_name,
                username=user.username,
                language=pick_language(user.language_code, self._default_language),
            )
        self._cache[user.id] = examinee
        return examinee

    def set_language(self, user_id: int, language: str) -> Examinee:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        return self._update(user_id, language=language)

    def set_timezone(self, user_id: int, zone: str) -> Examinee:
        """Remember the person's IANA time zone; only an exact, known name is accepted."""
        if _zones()[0].get(_folded(zone)) != zone:
            raise ValueError(f"unknown time zone {zone!r}")
        return self._update(user_id, timezone=zone)

    def record_consent(self, user_id: int) -> Examinee:
        return self._update(user_id, consented_at=utcnow())

    def withdraw_consent(self, user_id: int) -> Examinee:
        return self._update(user_id, consented_at=None)

    def mark_blocked(self, user_id: int) -> None:
        """Telegram said 403: stop sending to this person until they write again."""
        if self.get(user_id) is not None:
            self._update(user_id, blocked_at=utcnow())

    def forget(self, user_id: int) -> None:
        self._cache.pop(user_id, None)

    def _update(self, user_id: int, **changes: object) -> Examinee:
        with self._database.session() as session:
            examinee = crud.get_examinee(session, user_id)
            if examinee is None:
                raise LookupError(f"no examinee {user_id}")
            for name, value in changes.items():
                setattr(examinee, name, value)
            examinee = crud.save_examinee(session, examinee)
        self._cache[user_id] = examinee
        return examinee
