"""Booking, listing and cancelling appointments; every change re-plans their reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from bot.models import Appointment, utcnow
from bot.reminders import cancel_pending, plan_followup, schedule
from bot.storage import Database

MODES = ("in_person", "remote")
REQUESTERS = ("insurer", "employer", "college", "lawyer", "other")
BOOKED = "booked"
CANCELLED = "cancelled"
DEFAULT_LENGTH = timedelta(hours=3)


@dataclass(frozen=True)
class ReminderPlan:
    """The operator's reminder moments, from REMINDER_OFFSETS and CHECKIN_AFTER."""

    offsets: tuple[timedelta, ...]
    checkin_after: timedelta


class AppointmentBook:
    def __init__(self, database: Database, plan: ReminderPlan) -> None:
        self._database = database
        self.plan = plan

    def book(
        self,
        *,
        user_id: int,
        starts_at: datetime,
        zone: str,
        mode: str = "in_person",
        place: str | None = None,
        requested_by: str | None = None,
        specialty: str | None = None,
        now: datetime | None = None,
    ) -> Appointment:
        """Save the appointment and its reminders in one transaction; idempotent."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if requested_by is not None and requested_by not in REQUESTERS:
            raise ValueError(f"unknown requester {requested_by!r}")
        with self._database.session() as session:
            # The same booking twice (a message handled again after a crash, a double
            # send) is one appointment, with one set of reminders.
            existing = session.exec(
                select(Appointment).where(
                    Appointment.user_id == user_id,
                    Appointment.starts_at == starts_at,
                    Appointment.status == BOOKED,
                )
            ).first()
            if existing is not None:
                return existing
            appointment = Appointment(
                user_id=user_id,
                starts_at=starts_at,
                timezone=zone,
                mode=mode,
                place=(place or None) and place[:200],
                requested_by=requested_by,
                specialty=(specialty or None) and specialty[:100],
            )
            session.add(appointment)
            session.flush()
            schedule(session, appointment, self.plan.offsets, self.plan.checkin_after, now)
            session.commit()
            return appointment

    def upcoming(self, user_id: int, now: datetime | None = None) -> list[Appointment]:
        """Booked appointments that have not ended yet, soonest first."""
        since = (now or utcnow()) - DEFAULT_LENGTH
        with self._database.session() as session:
            return list(
                session.exec(
                    select(Appointment)
                    .where(
                        Appointment.user_id == user_id,
                        Appointment.status == BOOKED,
                        Appointment.starts_at >= since,
                    )
                    .order_by(Appointment.starts_at)  # type: ignore[arg-type]
                ).all()
            )

    def get(self, appointment_id: int, user_id: int) -> Appointment | None:
        """The appointment if it belongs to ``user_id``; ids in buttons are never trusted."""
        with self._database.session() as session:
            appointment = session.get(Appointment, appointment_id)
        if appointment is None or appointment.user_id != user_id:
            return None
        return appointment

    def cancel(self, appointment_id: int, user_id: int) -> Appointment | None:
        with self._database.session() as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None or appointment.user_id != user_id:
                return None
            if appointment.status != CANCELLED:
                appointment.status = CANCELLED
                appointment.updated_at = utcnow()
                cancel_pending(session, appointment_id)
                session.commit()
            return appointment

    def move(
        self, appointment_id: int, user_id: int, starts_at: datetime, now: datetime | None = None
    ) -> Appointment | None:
        """Change the time; pending reminders are replaced by a plan for the new time."""
        with self._database.session() as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None or appointment.user_id != user_id:
                return None
            appointment.starts_at = starts_at
            appointment.status = BOOKED
            appointment.updated_at = utcnow()
            schedule(session, appointment, self.plan.offsets, self.plan.checkin_after, now)
            session.commit()
            return appointment

    def follow_up_tomorrow(
        self, appointment_id: int, user_id: int, now: datetime | None = None
    ) -> bool:
        """Ask again the next day how the person is; once per appointment."""
        with self._database.session() as session:
            appointment = session.get(Appointment, appointment_id)
            if appointment is None or appointment.user_id != user_id:
                return False
            planned = plan_followup(session, appointment, now or utcnow())
            session.commit()
            return planned is not None
