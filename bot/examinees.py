"""The people the bot talks to: their profile, language and consent, cached per process."""

from __future__ import annotations

from telegram import User

from bot import crud
from bot.i18n import SUPPORTED_LANGUAGES, pick_language
from bot.models import Examinee, utcnow
from bot.storage import Database


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
