"""The examinee's /prep checklist: which items are ticked, kept across sessions."""

from __future__ import annotations

from sqlmodel import select

from bot.models import PrepTick
from bot.prep import checklist_item
from bot.storage import Database


class PrepChecklist:
    def __init__(self, database: Database) -> None:
        self._database = database

    def ticked(self, user_id: int) -> set[str]:
        with self._database.session() as session:
            rows = session.exec(select(PrepTick.item_id).where(PrepTick.user_id == user_id))
            return set(rows.all())

    def set(self, user_id: int, item_id: str, done: bool) -> None:
        """Tick or untick an item. Setting (not toggling) keeps a repeated tap harmless."""
        if checklist_item(item_id) is None:
            raise KeyError(item_id)
        with self._database.session() as session:
            row = session.get(PrepTick, (user_id, item_id))
            if done and row is None:
                session.add(PrepTick(user_id=user_id, item_id=item_id))
            elif not done and row is not None:
                session.delete(row)
            session.commit()
