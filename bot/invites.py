"""Coordinator invitations: an appointment booked for someone who has not met the bot yet.

The coordinator gets a ``t.me`` deep link; opening it (after consent) links the appointment
to that person and plans its reminders. Tokens are random (192 bits), single use and
expire; the database keeps only their SHA-256, so a copy of it opens no appointment.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from bot.appointments import AppointmentBook
from bot.models import Appointment, Invite, utcnow
from bot.reminders import schedule
from bot.storage import Database

PAYLOAD_PREFIX = "inv_"
LIFETIME = timedelta(days=14)


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_invite_payload(payload: str | None) -> bool:
    return bool(payload) and payload.startswith(PAYLOAD_PREFIX)  # type: ignore[union-attr]


def invite_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


class Invitations:
    def __init__(self, database: Database, book: AppointmentBook) -> None:
        self._database = database
        self._book = book

    def create(
        self,
        *,
        coordinator_id: int,
        starts_at: datetime,
        zone: str,
        place: str | None,
        now: datetime | None = None,
    ) -> tuple[Appointment, str]:
        """Book an appointment for nobody yet and return it with its deep-link payload."""
        now = now or utcnow()
        token = secrets.token_urlsafe(24)
        with self._database.session() as session:
            appointment = Appointment(
                user_id=None,
                starts_at=starts_at,
                timezone=zone,
                place=place,
                created_by=coordinator_id,
            )
            session.add(appointment)
            session.flush()
            assert appointment.id is not None
            session.add(
                Invite(
                    token_hash=_hash(token),
                    appointment_id=appointment.id,
                    created_by=coordinator_id,
                    created_at=now,
                    expires_at=now + LIFETIME,
                )
            )
            session.commit()
            return appointment, PAYLOAD_PREFIX + token

    def redeem(
        self, payload: str, user_id: int, now: datetime | None = None
    ) -> Appointment | InviteProblem:
        """Link the invited appointment to ``user_id`` (once) and plan its reminders."""
        now = now or utcnow()
        token = payload.removeprefix(PAYLOAD_PREFIX)
        with self._database.session() as session:
            invite = session.get(Invite, _hash(token), with_for_update=True)
            if invite is None:
                return InviteProblem.UNKNOWN
            if invite.used_at is not None:
                return InviteProblem.USED
            if invite.expires_at <= now:
                return InviteProblem.EXPIRED
            appointment = session.get(Appointment, invite.appointment_id)
            if appointment is None or appointment.status != "booked":
                return InviteProblem.EXPIRED
            invite.used_at = now
            invite.used_by = user_id
            appointment.user_id = user_id
            appointment.updated_at = now
            schedule(
                session, appointment, self._book.plan.offsets, self._book.plan.checkin_after, now
            )
            session.commit()
            return appointment
