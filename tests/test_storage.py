"""Storage on SQLite and PostgreSQL: migrations, time zones, export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from bot import crud, models
from bot.data_rights import erase_person, export_person, personal_tables
from bot.models import ConversationState, Examinee, FlowData, GroupNotice
from bot.persistence import DatabasePersistence
from bot.storage import Database, migrate


def test_migrations_build_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migrating_twice_is_harmless(database: Database) -> None:
    migrate(database.engine)
    with database.session() as session:
        crud.upsert_examinee(
            session, user_id=1, chat_id=1, first_name="A", username=None, language="en"
        )
    migrate(database.engine)
    with database.session() as session:
        assert crud.get_examinee(session, 1) is not None


def test_datetimes_come_back_aware_utc(database: Database) -> None:
    moment = datetime(2026, 12, 1, 14, 30, tzinfo=timezone(timedelta(hours=-5)))
    with database.session() as session:
        session.add(Examinee(user_id=7, chat_id=7, consented_at=moment))
        session.commit()
    with database.session() as session:
        stored = session.get(Examinee, 7)
        assert stored is not None
        assert stored.consented_at == moment
        assert stored.consented_at.tzinfo == UTC


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.session() as session:
        session.add(Examinee(user_id=8, chat_id=8, consented_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive"):
            session.commit()


def test_big_telegram_ids_fit(database: Database) -> None:
    big = 8_000_000_000
    with database.session() as session:
        crud.upsert_examinee(
            session, user_id=big, chat_id=big, first_name="B", username="b", language="fr"
        )
    with database.session() as session:
        assert crud.get_examinee(session, big).language == "fr"  # type: ignore[union-attr]


def test_every_table_says_whether_it_is_personal() -> None:
    for table_class in (
        cls
        for cls in vars(models).values()
        if isinstance(cls, type) and issubclass(cls, SQLModel) and hasattr(cls, "__table__")
    ):
        assert hasattr(table_class, "__owner__"), f"{table_class.__name__} must set __owner__"
        owner = table_class.__owner__
        if owner is not None:
            assert owner in table_class.model_fields
    assert {cls.__tablename__ for cls in personal_tables()} >= {
        "examinee",
        "conversationstate",
        "flowdata",
    }


async def test_export_and_erase_cover_every_personal_table(database: Database) -> None:
    persistence = DatabasePersistence(database)
    with database.session() as session:
        crud.upsert_examinee(
            session, user_id=5, chat_id=5, first_name="Eve <b>", username="eve", language="es"
        )
        crud.upsert_examinee(
            session, user_id=6, chat_id=6, first_name="Other", username=None, language="en"
        )
        crud.mark_group_noticed(session, -100)
    await persistence.update_conversation("onboarding", (5, 5), "asking_consent")
    await persistence.update_conversation("onboarding", (6, 6), "asking_consent")
    await persistence.update_user_data(5, {"draft": "x"})

    with database.session() as session:
        export = export_person(session, 5)
    assert export["tables"]["examinee"][0]["first_name"] == "Eve <b>"
    assert export["tables"]["conversationstate"][0]["state"] == "asking_consent"
    assert export["tables"]["flowdata"][0]["data"] == {"draft": "x"}
    assert set(export["tables"]) == {cls.__tablename__ for cls in personal_tables()}

    with database.session() as session:
        removed = erase_person(session, 5)
    assert removed == 3
    with database.session() as session:
        for cls in personal_tables():
            column = getattr(cls, cls.__owner__)
            assert session.exec(select(cls).where(column == 5)).all() == []
        assert session.get(Examinee, 6) is not None
        assert session.get(GroupNotice, -100) is not None
        assert session.exec(select(ConversationState)).all()[0].user_id == 6


async def test_persistence_round_trip(database: Database) -> None:
    persistence = DatabasePersistence(database)
    await persistence.update_conversation("flow", (10, 10), "step_two")
    await persistence.update_conversation("flow", (11, 11), {"nested": [1, 2]})
    await persistence.update_user_data(10, {"answer": "yes"})

    fresh = DatabasePersistence(database)
    assert await fresh.get_conversations("flow") == {
        (10, 10): "step_two",
        (11, 11): {"nested": [1, 2]},
    }
    assert await fresh.get_user_data() == {10: {"answer": "yes"}}

    await fresh.update_conversation("flow", (10, 10), None)
    await fresh.drop_user_data(10)
    again = DatabasePersistence(database)
    assert await again.get_conversations("flow") == {(11, 11): {"nested": [1, 2]}}
    assert await again.get_user_data() == {}


async def test_unchanged_user_data_is_not_rewritten(database: Database) -> None:
    persistence = DatabasePersistence(database)
    await persistence.get_user_data()
    await persistence.update_user_data(12, {"a": 1})
    with database.session() as session:
        first = session.get(FlowData, 12).updated_at  # type: ignore[union-attr]
    await persistence.update_user_data(12, {"a": 1})
    with database.session() as session:
        assert session.get(FlowData, 12).updated_at == first  # type: ignore[union-attr]
