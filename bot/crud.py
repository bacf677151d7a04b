"""Thin data access for the people the bot talks to."""

from __future__ import annotations

from sqlmodel import Session

from bot.models import Examinee, GroupNotice, utcnow


def get_examinee(session: Session, user_id: int) -> Examinee | None:
    return session.get(Examinee, user_id)


def upsert_examinee(
    session: Session,
    *,
    user_id: int,
    chat_id: int,
    first_name: str,
    username: str | None,
    language: str,
) -> Examinee:
    """Create the row on first contact; refresh name and username when Telegram's differ."""
    examinee = session.get(Examinee, user_id)
    if examinee is None:
        examinee = Examinee(
            user_id=user_id,
            chat_id=chat_id,
            first_name=first_name[:256],
            username=username,
            language=language,
        )
        session.add(examinee)
    elif (examinee.first_name, examinee.username, examinee.chat_id, examinee.blocked_at) != (
        first_name[:256],
        username,
        chat_id,
        None,
    ):
        examinee.first_name = first_name[:256]
        examinee.username = username
        examinee.chat_id = chat_id
        examinee.blocked_at = None
        examinee.updated_at = utcnow()
    else:
        return examinee
    session.commit()
    return examinee


def save_examinee(session: Session, examinee: Examinee) -> Examinee:
    examinee.updated_at = utcnow()
    session.add(examinee)
    session.commit()
    return examinee


def mark_group_noticed(session: Session, chat_id: int) -> bool:
    """Record that a group was told; return False when it had been told already."""
    if session.get(GroupNotice, chat_id) is not None:
        return False
    session.add(GroupNotice(chat_id=chat_id))
    session.commit()
    return True
