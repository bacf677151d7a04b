"""Aftercare: the people an examinee can turn to after the exam, and their plan for the day.

The rules live here, away from Telegram, so the flow, the crisis reply, the coordinators'
alert and the reminders all read the same validated data.
"""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneNumberFormat,
    PhoneNumberType,
    ValidationResult,
)
from sqlmodel import select

from bot.models import AftercareContact, AftercarePlanStep, utcnow
from bot.storage import Database

FRIEND = "friend"
SPONSOR = "sponsor"
CASE_MANAGER = "case_manager"
PHYSICIAN = "physician"
PEER_GROUP = "peer_group"
OTHER = "other"
RELATIONSHIPS: tuple[str, ...] = (FRIEND, SPONSOR, CASE_MANAGER, PHYSICIAN, PEER_GROUP, OTHER)

REST = "rest"
WALK = "walk"
CALL = "call"
MEETING = "meeting"
EAT = "eat"
ENJOY = "enjoy"
SUGGESTIONS: tuple[str, ...] = (REST, WALK, CALL, MEETING, EAT, ENJOY)

MAX_CONTACTS = 10
MAX_STEPS = 8
NAME_MAX_LENGTH = 100
STEP_MAX_LENGTH = 200
# Longer than any phone number written with spaces, dashes and a country code.
_PHONE_INPUT_MAX_LENGTH = 40
_SPACES = re.compile(r"\s+")


class PhoneProblem(StrEnum):
    """Why a phone number was refused, so the person gets a reason they can act on."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NEEDS_AREA_CODE = "needs_area_code"
    UNKNOWN_COUNTRY_CODE = "unknown_country_code"
    INVALID_FOR_REGION = "invalid_for_region"
    INVALID = "invalid"
    HAS_EXTENSION = "has_extension"


class PhoneError(ValueError):
    """A number that cannot be saved; ``problem`` says why, ``region`` where it was read."""

    def __init__(self, problem: PhoneProblem, region: str | None = None) -> None:
        super().__init__(f"phone number refused: {problem.value}")
        self.problem = problem
        self.region = region


class AftercareProblem(StrEnum):
    """Why a contact or a plan step was refused."""

    TOO_MANY_CONTACTS = "too_many_contacts"
    TOO_MANY_STEPS = "too_many_steps"
    NAME_EMPTY = "name_empty"
    NAME_TOO_LONG = "name_too_long"
    STEP_EMPTY = "step_empty"
    STEP_TOO_LONG = "step_too_long"
    UNKNOWN_RELATIONSHIP = "unknown_relationship"
    UNKNOWN_SUGGESTION = "unknown_suggestion"


class AftercareError(ValueError):
    def __init__(self, problem: AftercareProblem) -> None:
        super().__init__(f"aftercare change refused: {problem.value}")
        self.problem = problem


def parse_phone(text: str, region: str | None) -> str:
    """The number in E.164 (``+12025550123``), read as in ``region`` unless it starts with +.

    Raises ``PhoneError`` with the reason, so the person can fix exactly that.
    """
    raw = (text or "").strip()
    if not raw:
        raise PhoneError(PhoneProblem.EMPTY, region)
    if len(raw) > _PHONE_INPUT_MAX_LENGTH:
        raise PhoneError(PhoneProblem.TOO_LONG, region)
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        raise PhoneError(_parse_problem(exc), region) from exc
    if number.extension:
        raise PhoneError(PhoneProblem.HAS_EXTENSION, region)
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.TOO_SHORT:
        raise PhoneError(PhoneProblem.TOO_SHORT, region)
    if possible == ValidationResult.TOO_LONG:
        raise PhoneError(PhoneProblem.TOO_LONG, region)
    if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        raise PhoneError(PhoneProblem.NEEDS_AREA_CODE, region)
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        raise PhoneError(PhoneProblem.UNKNOWN_COUNTRY_CODE, region)
    if possible != ValidationResult.IS_POSSIBLE or not phonenumbers.is_valid_number(number):
        international = raw.startswith("+") or region is None
        problem = PhoneProblem.INVALID if international else PhoneProblem.INVALID_FOR_REGION
        raise PhoneError(problem, region)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse_problem(exc: NumberParseException) -> PhoneProblem:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: PhoneProblem.UNKNOWN_COUNTRY_CODE,
        NumberParseException.TOO_SHORT_AFTER_IDD: PhoneProblem.TOO_SHORT,
        NumberParseException.TOO_SHORT_NSN: PhoneProblem.TOO_SHORT,
        NumberParseException.TOO_LONG: PhoneProblem.TOO_LONG,
    }.get(exc.error_type, PhoneProblem.NOT_A_NUMBER)


def parse_shared_phone(text: str, region: str | None, *, own: bool) -> str:
    """A number from a Telegram contact card, which may lack its leading +.

    Telegram sends a person's own number in international form without the +; a card from
    the address book holds whatever was typed there, usually local to ``region``.
    """
    raw = (text or "").strip()
    digits_only = raw.isdigit()
    if own and digits_only:
        try:
            return parse_phone("+" + raw, None)
        except PhoneError:
            return parse_phone(raw, region)
    try:
        return parse_phone(raw, region)
    except PhoneError as local_error:
        if not digits_only:
            raise
        try:
            return parse_phone("+" + raw, None)
        except PhoneError:
            raise local_error from None


def format_phone(e164: str) -> str:
    """International display form (``+1 202-555-0123``), which Telegram makes tap-to-call."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def clean_name(text: str) -> str:
    """A name on one line, spaces collapsed; refused when empty or too long."""
    name = _SPACES.sub(" ", text or "").strip()
    if not name:
        raise AftercareError(AftercareProblem.NAME_EMPTY)
    if len(name) > NAME_MAX_LENGTH:
        raise AftercareError(AftercareProblem.NAME_TOO_LONG)
    return name


def card_name(first_name: str, last_name: str | None) -> str:
    """The name on a contact card, cut to fit: the person did not type it, so never refuse."""
    name = _SPACES.sub(" ", f"{first_name} {last_name or ''}").strip()
    return name[:NAME_MAX_LENGTH].strip()


def clean_step(text: str) -> str:
    step = _SPACES.sub(" ", text or "").strip()
    if not step:
        raise AftercareError(AftercareProblem.STEP_EMPTY)
    if len(step) > STEP_MAX_LENGTH:
        raise AftercareError(AftercareProblem.STEP_TOO_LONG)
    return step


def _check_relationship(relationship: str) -> str:
    if relationship not in RELATIONSHIPS:
        raise AftercareError(AftercareProblem.UNKNOWN_RELATIONSHIP)
    return relationship


class AftercareBook:
    """Each examinee's aftercare contacts and plan steps; every call is scoped to its owner."""

    def __init__(self, database: Database, default_country: str) -> None:
        self._database = database
        self.default_country = default_country

    def parse_phone(self, text: str) -> str:
        return parse_phone(text, self.default_country)

    def parse_shared_phone(self, text: str, *, own: bool) -> str:
        return parse_shared_phone(text, self.default_country, own=own)

    # ------------------------------------------------------------------ contacts

    def contacts(self, user_id: int) -> list[AftercareContact]:
        with self._database.session() as session:
            rows = session.exec(
                select(AftercareContact)
                .where(AftercareContact.user_id == user_id)
                .order_by(AftercareContact.id)  # type: ignore[arg-type]
            )
            return list(rows.all())

    def shared_contacts(self, user_id: int) -> list[AftercareContact]:
        """The contacts the examinee agreed the coordinators may see in an alert."""
        return [c for c in self.contacts(user_id) if c.share_with_coordinators]

    def contact(self, user_id: int, contact_id: int) -> AftercareContact | None:
        with self._database.session() as session:
            row = session.get(AftercareContact, contact_id)
            return row if row is not None and row.user_id == user_id else None

    def add_contact(
        self,
        user_id: int,
        *,
        name: str,
        relationship: str,
        phone: str,
        share_with_coordinators: bool = False,
    ) -> AftercareContact:
        """Save a contact; saving the same person twice (a double tap) keeps one."""
        name = clean_name(name)
        relationship = _check_relationship(relationship)
        phone = self.parse_phone(phone)
        with self._database.session() as session:
            existing = session.exec(
                select(AftercareContact).where(AftercareContact.user_id == user_id)
            ).all()
            for row in existing:
                if (row.name, row.relationship, row.phone) == (name, relationship, phone):
                    return row
            if len(existing) >= MAX_CONTACTS:
                raise AftercareError(AftercareProblem.TOO_MANY_CONTACTS)
            contact = AftercareContact(
                user_id=user_id,
                name=name,
                relationship=relationship,
                phone=phone,
                share_with_coordinators=share_with_coordinators,
            )
            session.add(contact)
            session.commit()
            session.refresh(contact)
            return contact

    def update_contact(
        self,
        user_id: int,
        contact_id: int,
        *,
        name: str | None = None,
        relationship: str | None = None,
        phone: str | None = None,
    ) -> AftercareContact | None:
        """Change what was given; None when the contact is not this person's (or is gone)."""
        changes: dict[str, str] = {}
        if name is not None:
            changes["name"] = clean_name(name)
        if relationship is not None:
            changes["relationship"] = _check_relationship(relationship)
        if phone is not None:
            changes["phone"] = self.parse_phone(phone)
        with self._database.session() as session:
            row = session.get(AftercareContact, contact_id)
            if row is None or row.user_id != user_id:
                return None
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    def set_sharing(self, user_id: int, contact_id: int, share: bool) -> AftercareContact | None:
        """Whether coordinators may see this contact in an alert. Set, not toggled, so a
        repeated tap is harmless."""
        with self._database.session() as session:
            row = session.get(AftercareContact, contact_id)
            if row is None or row.user_id != user_id:
                return None
            row.share_with_coordinators = share
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    def remove_contact(self, user_id: int, contact_id: int) -> bool:
        """Remove one of the owner's contacts; another person's id removes nothing."""
        with self._database.session() as session:
            row = session.get(AftercareContact, contact_id)
            if row is None or row.user_id != user_id:
                return False
            session.delete(row)
            session.commit()
            return True

    # ------------------------------------------------------------------ plan

    def plan(self, user_id: int) -> list[AftercarePlanStep]:
        with self._database.session() as session:
            rows = session.exec(
                select(AftercarePlanStep)
                .where(AftercarePlanStep.user_id == user_id)
                .order_by(AftercarePlanStep.position, AftercarePlanStep.id)  # type: ignore[arg-type]
            )
            return list(rows.all())

    def chosen_suggestions(self, user_id: int) -> set[str]:
        return {step.suggestion for step in self.plan(user_id) if step.suggestion}

    def _add(self, user_id: int, *, suggestion: str | None, text: str | None) -> AftercarePlanStep:
        with self._database.session() as session:
            steps = session.exec(
                select(AftercarePlanStep).where(AftercarePlanStep.user_id == user_id)
            ).all()
            for step in steps:
                if (step.suggestion, step.text) == (suggestion, text):
                    return step
            if len(steps) >= MAX_STEPS:
                raise AftercareError(AftercareProblem.TOO_MANY_STEPS)
            position = max((step.position for step in steps), default=-1) + 1
            row = AftercarePlanStep(
                user_id=user_id, position=position, suggestion=suggestion, text=text
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            return row

    def add_step(self, user_id: int, text: str) -> AftercarePlanStep:
        """A step in the examinee's own words; the same words twice are kept once."""
        return self._add(user_id, suggestion=None, text=clean_step(text))

    def set_suggestion(self, user_id: int, suggestion: str, chosen: bool) -> None:
        """Pick or drop a suggested step. Set, not toggled, so a double tap is harmless."""
        if suggestion not in SUGGESTIONS:
            raise AftercareError(AftercareProblem.UNKNOWN_SUGGESTION)
        if chosen:
            self._add(user_id, suggestion=suggestion, text=None)
            return
        with self._database.session() as session:
            for step in session.exec(
                select(AftercarePlanStep).where(
                    AftercarePlanStep.user_id == user_id,
                    AftercarePlanStep.suggestion == suggestion,
                )
            ).all():
                session.delete(step)
            session.commit()

    def remove_step(self, user_id: int, step_id: int) -> bool:
        with self._database.session() as session:
            row = session.get(AftercarePlanStep, step_id)
            if row is None or row.user_id != user_id:
                return False
            session.delete(row)
            session.commit()
            return True

    def is_ready(self, user_id: int) -> bool:
        """Someone to call and something to do: what the after-exam check-in looks for."""
        return bool(self.contacts(user_id)) and bool(self.plan(user_id))


def example_number(region: str) -> str:
    """A mobile number as people write it in ``region``, to show the expected form."""
    number = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if number is None:
        return "+1 202-555-0123"
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
