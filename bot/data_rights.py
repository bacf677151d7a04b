"""Export and erasure of everything held about one person (``/mydata`` and ``/delete``).

Both walk every table that declares an ``__owner__`` column, so a table added later is
covered the day it is declared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, SQLModel

from bot import models
from bot.models import utcnow


def personal_tables() -> list[type[SQLModel]]:
    """Every table class with an owner column, rows that point at others first."""
    classes = {
        cls.__tablename__: cls
        for cls in vars(models).values()
        if isinstance(cls, type)
        and issubclass(cls, SQLModel)
        and getattr(cls, "__table__", None) is not None
        and getattr(cls, "__owner__", None)
    }
    ordered = reversed(SQLModel.metadata.sorted_tables)
    return [classes[table.name] for table in ordered if table.name in classes]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def export_person(session: Session, user_id: int) -> dict[str, Any]:
    """Everything stored about ``user_id``, table by table, as JSON-ready data."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for cls in personal_tables():
        column = getattr(cls, cls.__owner__)
        rows = session.exec(select(cls).where(column == user_id)).scalars().all()
        tables[cls.__tablename__] = [
            {key: _jsonable(value) for key, value in row.model_dump().items()} for row in rows
        ]
    return {"user_id": user_id, "exported_at": utcnow().isoformat(), "tables": tables}


def erase_person(session: Session, user_id: int) -> int:
    """Delete every row about ``user_id``; return how many rows went."""
    removed = 0
    for cls in personal_tables():
        column = getattr(cls, cls.__owner__)
        result = session.exec(delete(cls).where(column == user_id))  # type: ignore[call-overload]
        removed += result.rowcount or 0
    session.commit()
    return removed
