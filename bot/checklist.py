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

    def toggle(self, user_id: int, item_id: str) -> bool:
        """Tick or untick an item; return whether it is now ticked. Unknown ids are refused."""
        if checklist_item(item_id) is None:
            raise KeyError(item_id)
        with self._database.session() as session:
            row = session.get(PrepTick, (user_id, item_id))
            if row is None:
                session.add(PrepTick(user_id=user_id, item_id=item_id))
                session.commit()
                return True
            session.delete(row)
            session.commit()
            return False
