"""Escalation: from a crisis message to a coordinator who has it in hand, and back.

Every decision (a case opened, a level raised, a reply relayed) is written together with
its audit event and the messages it owes, in one transaction, before anything is sent;
the outbox then delivers them. So a crash, an outage or a full group never loses an alert,
and a message handled twice (Telegram sends it again after a crash) changes nothing the
second time: each outgoing row carries a key made from the message that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot import alerts, safe_messages
from bot.i18n import N_, Translate, format_when, translator
from bot.messaging import escape
from bot.models import (
    AlertMessage,
    Escalation,
    EscalationEvent,
    Examinee,
    OutgoingMessage,
    SafetyCheck,
    utcnow,
)
from bot.outbox import CANCELLED, PENDING, Envelope, already_enqueued, enqueue, purge_delivered
from bot.screening import RiskLevel, Screening
from bot.typed_answers import TypedAnswer, read_typed_answer

if TYPE_CHECKING:
    from bot.appointments import AppointmentBook
    from bot.config import Settings
    from bot.examinees import ExamineeDirectory
    from bot.outbox import OutboxDispatcher
    from bot.storage import Database

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"

SUPPORT = alerts.SUPPORT
CONCERN = "concern"
HIGH = "high"
_RANK = {SUPPORT: 1, CONCERN: 2, HIGH: 3}

# Audit event kinds.
RAISED = "raised"
DELIVERED = "delivered"
ACKNOWLEDGED_EVENT = "acknowledged"
RELAYED_IN = "relayed_to_coordinators"
RELAYED_OUT = "relayed_to_examinee"
REALERTED = "realerted"
LEVEL_RAISED = "level_raised"
RESOLVED_EVENT = "resolved"
UNDELIVERABLE = "undeliverable"

# Priorities in the outbox: alerts first, then what the examinee reads, then the rest.
_URGENT, _EXAMINEE, _RELAY, _EDIT = 0, 1, 2, 3
# How often the examinee is reminded of the crisis line while nobody has answered.
EXAMINEE_REMINDER_GAP = timedelta(minutes=10)
# How long a sent message's text stays in the outbox (the edit of an alert needs it).
OUTBOX_RETENTION = timedelta(days=7)
# How long after a safety question a typed 'yes' or 'no' is read as its answer.
TYPED_ANSWER_WINDOW = timedelta(minutes=30)

DIRECT_ANSWER = N_("Answered “{answer}” to the direct question.")
TYPED_ANSWER = N_("Typed “{text}” in answer to the direct question.")
ACUTE_YES = N_("Said yes to “Are you having these thoughts right now?”")
ACUTE_SILENT = N_("No answer to “Are you having these thoughts right now?”")
UNREACHABLE = N_(
    "Case #{case}: my messages no longer reach {name}. They may have blocked the bot. "
    "Please use another way to reach them."
)
ANSWER_NAMES = {"yes": N_("Yes"), "unsaid": N_("I'd rather not say")}


def level_of(risk: RiskLevel) -> str:
    return HIGH if risk >= RiskLevel.HIGH else CONCERN


def rank(level: str) -> int:
    return _RANK.get(level, 0)


@dataclass(frozen=True)
class Reporter:
    """The examinee an escalation is about, as Telegram showed them."""

    user_id: int
    chat_id: int
    name: str
    username: str | None
    language: str


@dataclass(frozen=True)
class Coordinator:
    user_id: int
    name: str


class Outcome(Enum):
    DONE = "done"
    ALREADY = "already"
    CLOSED = "closed"
    NOT_FOUND = "not_found"


# Describes a person's aftercare contacts for a reader; None when there are none to show.
ContactsText = Callable[[int, Translate, bool], str | None]


def _to_reporter(
    reporter: Reporter,
    purpose: str,
    text: str,
    dedupe_key: str | None,
    reply_markup: dict[str, Any] | None = None,
    escalation_id: int | None = None,
) -> Envelope:
    """A message to the person an escalation is (or would be) about."""
    return Envelope(
        chat_id=reporter.chat_id,
        user_id=reporter.user_id,
        escalation_id=escalation_id,
        purpose=purpose,
        priority=_EXAMINEE,
        dedupe_key=dedupe_key,
        text=text,
        reply_markup=reply_markup,
    )


class Escalations:
    """Opens, relays, acknowledges, re-raises and resolves cases; all writes go through here."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        appointments: AppointmentBook,
        examinees: ExamineeDirectory,
        contacts: ContactsText | None = None,
    ) -> None:
        self._database = database
        self._settings = settings
        self._appointments = appointments
        self._examinees = examinees
        self._contacts = contacts
        self._open: dict[int, int] | None = None
        self.dispatcher: OutboxDispatcher | None = None

    # ------------------------------------------------------------------ reading

    @property
    def coordinators_chat(self) -> int | None:
        return self._settings.COORDINATOR_CHAT_ID

    def is_coordinator(self, user_id: int) -> bool:
        return user_id in self._settings.COORDINATOR_IDS

    def _operator(self) -> Translate:
        return translator(self._settings.DEFAULT_LANGUAGE)

    def open_case_id(self, user_id: int) -> int | None:
        """The person's open case, from memory: screening every message must stay cheap."""
        if self._open is None:
            with self._database.session() as session:
                rows = session.exec(
                    select(Escalation.user_id, Escalation.id).where(Escalation.status != RESOLVED)
                ).all()
            self._open = {user_id: case_id for user_id, case_id in rows if case_id is not None}
        return self._open.get(user_id)

    def forget(self, user_id: int) -> None:
        """The person's data was erased."""
        if self._open is not None:
            self._open.pop(user_id, None)

    def get(self, case_id: int) -> Escalation | None:
        with self._database.session() as session:
            return session.get(Escalation, case_id)

    def open_cases(self) -> list[Escalation]:
        with self._database.session() as session:
            return list(
                session.exec(
                    select(Escalation)
                    .where(Escalation.status != RESOLVED)
                    .order_by(col(Escalation.opened_at))
                ).all()
            )

    def cases_for_message(self, chat_id: int, message_id: int) -> list[int]:
        with self._database.session() as session:
            return list(
                session.exec(
                    select(AlertMessage.escalation_id).where(
                        AlertMessage.chat_id == chat_id, AlertMessage.message_id == message_id
                    )
                ).all()
            )

    def events(self, case_id: int) -> list[EscalationEvent]:
        with self._database.session() as session:
            return list(
                session.exec(
                    select(EscalationEvent)
                    .where(EscalationEvent.escalation_id == case_id)
                    .order_by(col(EscalationEvent.id))
                ).all()
            )

    def cases_text(self, now: datetime | None = None) -> str:
        return alerts.cases_text(
            self._operator(), self.open_cases(), now or utcnow(), self._settings.DEFAULT_LANGUAGE
        )

    # ------------------------------------------------------------------ examinee side

    def ask_directly(
        self, reporter: Reporter, screening: Screening, text: str, source: str
    ) -> int | None:
        """Log an ambiguous message and queue the direct question about it, together, so
        neither an outage nor a crash loses it; None when this message was handled before."""
        with self._database.session() as session:
            if already_enqueued(session, f"{source}:0"):
                return None
            check = SafetyCheck(
                user_id=reporter.user_id,
                level=screening.level.name.lower(),
                rules=",".join(f.rule for f in screening.findings)[:300],
                message=alerts.trimmed(text, 590),
            )
            session.add(check)
            session.flush()
            assert check.id is not None
            question, markup = safe_messages.direct_question(
                translator(reporter.language), check.id
            )
            enqueue(
                session,
                _to_reporter(reporter, "direct_question", question, f"{source}:0", markup),
            )
            session.commit()
            check_id = check.id
        self._kick()
        return check_id

    def answer_check(
        self,
        reporter: Reporter,
        check_id: int,
        answer: str,
        source: str,
        *,
        typed: str | None = None,
    ) -> bool:
        """Record the answer; 'yes' or a refusal opens a case at concern. True if it did."""
        with self._database.session() as session:
            check = session.get(SafetyCheck, check_id)
            if check is None or check.user_id != reporter.user_id:
                return False
            if check.answer is None:
                check.answer = answer
                check.answered_at = utcnow()
                session.commit()
            trigger, rules = check.message, check.rules
        if answer == "no":
            return False
        operator = self._operator()
        said = operator(DIRECT_ANSWER).format(answer=operator(ANSWER_NAMES[answer]))
        if typed is not None:
            said = operator(TYPED_ANSWER).format(text=alerts.trimmed(typed, 80))
        self.report_crisis(
            reporter, RiskLevel.CONCERN, trigger, rules, source, answers=[said], safe_reply=True
        )
        return True

    def answer_typed(self, reporter: Reporter, text: str, source: str) -> bool:
        """A typed 'yes', 'no' or 'I don't know' under a safety question the person has not
        answered yet counts as its button; True if ``text`` was taken as such an answer.

        Under the direct question 'no' gets the same kind word as the button; under the
        acute question only a clear yes or no counts, and anything else is left for the
        coordinators to read (the question's own timeout still raises the case).
        """
        answer = read_typed_answer(text, reporter.language)
        if answer is None:
            return False
        since = utcnow() - TYPED_ANSWER_WINDOW
        with self._database.session() as session:
            case = session.exec(
                select(Escalation).where(
                    Escalation.user_id == reporter.user_id,
                    Escalation.status != RESOLVED,
                    col(Escalation.acute_answer).is_(None),
                    col(Escalation.acute_asked_at) >= since,
                )
            ).first()
            check = session.exec(
                select(SafetyCheck)
                .where(
                    SafetyCheck.user_id == reporter.user_id,
                    col(SafetyCheck.answer).is_(None),
                    SafetyCheck.asked_at >= since,
                )
                .order_by(col(SafetyCheck.id).desc())
            ).first()
            case_id = case.id if case is not None else None
            check_id = check.id if check is not None else None
        typed_source = f"{source}:typed"
        if case_id is not None:
            if answer is TypedAnswer.UNSURE:
                return False
            self.answer_acute(reporter.user_id, case_id, answer.value, typed_source)
            return True
        if check_id is None or self.open_case_id(reporter.user_id) is not None:
            return False
        self.answer_check(reporter, check_id, answer.value, typed_source, typed=text)
        if answer is TypedAnswer.NO:
            with self._database.session() as session:
                kind_word = safe_messages.direct_no(
                    translator(reporter.language),
                    reporter.language,
                    self._settings.DEFAULT_COUNTRY,
                )
                enqueue(
                    session,
                    _to_reporter(reporter, "direct_answer", kind_word, f"{typed_source}:0"),
                )
                session.commit()
            self._kick()
        return True

    def report_crisis(
        self,
        reporter: Reporter,
        risk: RiskLevel,
        trigger: str,
        explanation: str,
        source: str,
        *,
        answers: Sequence[str] = (),
        safe_reply: bool = True,
    ) -> int | None:
        """Open a case (or raise the open one), alert, and queue the safe reply; return the case."""
        case_id = self.open_case_id(reporter.user_id)
        if case_id is not None:
            self.relay_from_examinee(reporter, case_id, trigger, risk, explanation, source)
            return case_id
        level = level_of(risk)
        _ = translator(reporter.language)
        with self._database.session() as session:
            if already_enqueued(session, f"{source}:0"):
                return None
            case = None
            if self.coordinators_chat is not None:
                case = Escalation(
                    user_id=reporter.user_id,
                    chat_id=reporter.chat_id,
                    name=reporter.name[:256],
                    username=reporter.username,
                    language=reporter.language,
                    level=level,
                    trigger=alerts.trimmed(trigger, 590),
                    explanation=explanation[:590],
                )
                session.add(case)
                session.flush()
                self._event(session, case, RAISED, detail=level)
                self._queue_alert(session, case, answers, source)
            reply = safe_messages.safe_reply(
                _,
                reporter.language,
                self._settings.DEFAULT_COUNTRY,
                risk,
                coordinators_told=case is not None,
                contacts=self._describe_contacts(reporter.user_id, _, shared_only=False),
            )
            enqueue(
                session,
                _to_reporter(
                    reporter, "safe_reply", reply, f"{source}:0", None, case.id if case else None
                ),
            )
            if case is not None and level == CONCERN:
                assert case.id is not None
                question, markup = safe_messages.acute_question(_, case.id)
                case.acute_asked_at = utcnow()
                self._to_examinee(
                    session,
                    case,
                    "acute_question",
                    question,
                    dedupe_key=f"{source}:2",
                    reply_markup=markup,
                )
            session.commit()
            opened = case.id if case else None
        if opened is not None:
            self._remember_open(reporter.user_id, opened)
        self._kick()
        return opened

    def request_support(self, reporter: Reporter, reason: str, source: str) -> bool:
        """Bring in a coordinator at a level below a crisis (e.g. a hard exam); False when
        no coordinators' chat is configured, so the person is never told otherwise."""
        if self.coordinators_chat is None:
            return False
        with self._database.session() as session:
            if already_enqueued(session, f"{source}:1"):  # handled before (a replay)
                return True
        case_id = self.open_case_id(reporter.user_id)
        if case_id is not None:
            return self.relay_from_examinee(reporter, case_id, reason, RiskLevel.NONE, "", source)
        with self._database.session() as session:
            case = Escalation(
                user_id=reporter.user_id,
                chat_id=reporter.chat_id,
                name=reporter.name[:256],
                username=reporter.username,
                language=reporter.language,
                level=SUPPORT,
                trigger=alerts.trimmed(reason, 590),
            )
            session.add(case)
            session.flush()
            self._event(session, case, RAISED, detail=SUPPORT)
            self._queue_alert(session, case, (), source)
            session.commit()
            assert case.id is not None
            self._remember_open(reporter.user_id, case.id)
        self._kick()
        return True

    def notify_coordinators(self, user_id: int, text: str, source: str) -> bool:
        """A notice outside any case (e.g. a reschedule), through the same outbox and group
        limit as alerts; False when no coordinators' chat is configured."""
        if self.coordinators_chat is None:
            return False
        with self._database.session() as session:
            enqueue(
                session,
                Envelope(
                    chat_id=self.coordinators_chat,
                    user_id=user_id,
                    purpose="notice",
                    priority=_RELAY,
                    dedupe_key=f"{source}:0",
                    text=text,
                ),
            )
            session.commit()
        self._kick()
        return True

    def relay_from_examinee(
        self,
        reporter: Reporter,
        case_id: int,
        text: str,
        risk: RiskLevel,
        explanation: str,
        source: str,
        *,
        tell_examinee: bool = True,
    ) -> bool:
        """Pass what the person wrote to the coordinators, under the alert; raise if worse.

        The first relay tells the person a human reads along, unless ``tell_examinee`` is
        off because they are answered otherwise (a typed answer to the acute question)."""
        operator = self._operator()
        with self._database.session() as session:
            case = session.get(Escalation, case_id)
            if case is None or case.status == RESOLVED:
                return False
            if already_enqueued(session, f"{source}:0"):
                return True
            screened = risk.name.lower() if risk > RiskLevel.NONE else None
            self._to_coordinators(
                session,
                case,
                "relay",
                alerts.relay_text(operator, case, text, screened),
                priority=_RELAY,
                reply_to_alert=True,
                reply_to_message_id=case.alert_message_id,
                dedupe_key=f"{source}:0",
            )
            first = not self._has_event(session, case, RELAYED_IN)
            self._event(session, case, RELAYED_IN)
            _ = translator(reporter.language)
            if risk >= RiskLevel.CONCERN and rank(level_of(risk)) > rank(case.level):
                self._raise_level(session, case, level_of(risk), explanation, source)
                self._to_examinee(
                    session,
                    case,
                    "safe_reply",
                    safe_messages.safe_reply(
                        _,
                        reporter.language,
                        self._settings.DEFAULT_COUNTRY,
                        risk,
                        coordinators_told=True,
                        contacts=self._describe_contacts(case.user_id, _, shared_only=False),
                    ),
                    dedupe_key=f"{source}:1",
                )
            elif first and tell_examinee:
                self._to_examinee(
                    session,
                    case,
                    "passed_on",
                    safe_messages.message_passed_on(_),
                    dedupe_key=f"{source}:1",
                )
            session.commit()
        self._kick()
        return True

    def answer_acute(self, user_id: int, case_id: int, answer: str, source: str) -> Outcome:
        """'Yes, right now' makes the case high; 'not right now' is noted and thanked."""
        with self._database.session() as session:
            case = session.get(Escalation, case_id)
            if case is None or case.user_id != user_id:
                return Outcome.NOT_FOUND
            if case.acute_answer is not None:
                return Outcome.ALREADY
            case.acute_answer = answer
            _ = translator(case.language)
            operator = self._operator()
            if answer == "yes":
                if case.status != RESOLVED:
                    self._raise_level(session, case, HIGH, operator(ACUTE_YES), source)
                text = safe_messages.safe_reply(
                    _,
                    case.language,
                    self._settings.DEFAULT_COUNTRY,
                    RiskLevel.HIGH,
                    coordinators_told=case.status != RESOLVED,
                    contacts=self._describe_contacts(case.user_id, _, shared_only=False),
                )
            else:
                self._event(session, case, "acute_answered", detail="no")
                text = safe_messages.acute_no(_)
            self._to_examinee(
                session,
                case,
                "safe_reply",
                text,
                dedupe_key=f"{source}:0",
            )
            session.commit()
        self._kick()
        return Outcome.DONE

    # ------------------------------------------------------------------ coordinator side

    def acknowledge(self, case_id: int, coordinator: Coordinator) -> Outcome:
        with self._database.session() as session:
            case = session.get(Escalation, case_id)
            if case is None:
                return Outcome.NOT_FOUND
            if case.status == RESOLVED:
                return Outcome.CLOSED
            if case.status == ACKNOWLEDGED:
                return Outcome.ALREADY
            self._acknowledge(session, case, coordinator)
            session.commit()
        self._kick()
        return Outcome.DONE

    def resolve(self, case_id: int, coordinator: Coordinator) -> Outcome:
        with self._database.session() as session:
            case = session.get(Escalation, case_id)
            if case is None:
                return Outcome.NOT_FOUND
            if case.status == RESOLVED:
                return Outcome.ALREADY
            now = utcnow()
            case.status = RESOLVED
            case.resolved_at = now
            case.resolved_by = coordinator.user_id
            case.resolved_by_name = coordinator.name[:256]
            self._event(session, case, RESOLVED_EVENT, actor=coordinator.user_id)
            session.exec(  # type: ignore[call-overload]
                update(OutgoingMessage)
                .where(
                    col(OutgoingMessage.escalation_id) == case.id,
                    col(OutgoingMessage.status) == PENDING,
                    col(OutgoingMessage.purpose).in_(("realert", "private_realert", "waiting")),
                )
                .values(status=CANCELLED)
            )
            operator = self._operator()
            when = self._clock_time(now)
            self._update_alert(
                session,
                case,
                alerts.resolved_line(operator, coordinator.name, when),
                alerts.resolved_notice(operator, case_id, coordinator.name, when),
                keyboard=None,
            )
            _ = translator(case.language)
            self._to_examinee(
                session,
                case,
                "closed",
                safe_messages.case_closed(_, case.language, self._settings.DEFAULT_COUNTRY),
            )
            session.commit()
            user_id = case.user_id
        if self._open is not None and self._open.get(user_id) == case_id:
            del self._open[user_id]
        self._kick()
        return Outcome.DONE

    def reply_to_examinee(
        self, case_id: int, coordinator: Coordinator, text: str, source: str
    ) -> Outcome:
        """A coordinator's words go to the person as from the care team; that acknowledges."""
        with self._database.session() as session:
            case = session.get(Escalation, case_id)
            if case is None:
                return Outcome.NOT_FOUND
            if case.status == RESOLVED:
                return Outcome.CLOSED
            if already_enqueued(session, f"{source}:0"):
                return Outcome.ALREADY
            if case.status == OPEN:
                self._acknowledge(session, case, coordinator, tell_examinee=False)
            self._to_examinee(
                session,
                case,
                "care_team",
                safe_messages.from_care_team(translator(case.language), text),
                dedupe_key=f"{source}:0",
            )
            self._event(session, case, RELAYED_OUT, actor=coordinator.user_id)
            session.commit()
        self._kick()
        return Outcome.DONE

    # ------------------------------------------------------------------ time passing

    def tick(self, now: datetime | None = None) -> int:
        """Re-raise unacknowledged alerts and give up waiting on the acute question."""
        now = now or utcnow()
        timeout = self._settings.ESCALATION_ACK_TIMEOUT
        changed = 0
        with self._database.session() as session:
            stale = session.exec(
                select(Escalation).where(
                    Escalation.status == OPEN,
                    col(Escalation.level).in_((CONCERN, HIGH)),
                    col(Escalation.last_alerted_at).is_not(None),
                    col(Escalation.last_alerted_at) <= now - timeout,
                )
            ).all()
            for case in stale:
                self._realert(session, case, now)
                changed += 1
            silent = session.exec(
                select(Escalation).where(
                    Escalation.status != RESOLVED,
                    Escalation.level == CONCERN,
                    col(Escalation.acute_answer).is_(None),
                    col(Escalation.acute_asked_at).is_not(None),
                    col(Escalation.acute_asked_at) <= now - timeout,
                )
            ).all()
            for case in silent:
                case.acute_answer = "none"
                self._raise_level(
                    session, case, HIGH, self._operator()(ACUTE_SILENT), f"acute:{case.id}"
                )
                changed += 1
            session.commit()
        if changed:
            self._kick()
        return changed

    def forget_delivered(self, now: datetime | None = None) -> int:
        """Drop sent messages after OUTBOX_RETENTION; the case and its audit trail stay."""
        with self._database.session() as session:
            return purge_delivered(session, (now or utcnow()) - OUTBOX_RETENTION)

    # ------------------------------------------------------------------ outbox callbacks

    def on_sent(self, session: Session, row: OutgoingMessage) -> None:
        """Link what reached the coordinators to its case; note when the alert arrived."""
        if row.escalation_id is None or row.message_id is None:
            return
        case = session.get(Escalation, row.escalation_id)
        if case is None:
            return
        if row.chat_id != case.chat_id:
            key = (row.chat_id, row.message_id, case.id)
            if session.get(AlertMessage, key) is None:
                session.add(
                    AlertMessage(
                        chat_id=row.chat_id,
                        message_id=row.message_id,
                        escalation_id=case.id,
                        user_id=case.user_id,
                    )
                )
                session.flush()
        if row.purpose == "alert" and case.alert_message_id is None:
            case.alert_message_id = row.message_id
            if case.status == OPEN:
                case.last_alerted_at = utcnow()
            self._event(session, case, DELIVERED)
            session.exec(  # type: ignore[call-overload]
                update(OutgoingMessage)
                .where(
                    col(OutgoingMessage.escalation_id) == case.id,
                    col(OutgoingMessage.chat_id) == row.chat_id,
                    col(OutgoingMessage.reply_to_alert).is_(True),
                    col(OutgoingMessage.reply_to_message_id).is_(None),
                )
                .values(reply_to_message_id=row.message_id)
            )

    def on_undeliverable(self, session: Session, row: OutgoingMessage, error: str) -> None:
        """The person blocked the bot or left: the coordinators must know."""
        if row.escalation_id is None:
            return
        case = session.get(Escalation, row.escalation_id)
        if case is None or row.chat_id != case.chat_id:
            return
        self._event(session, case, UNDELIVERABLE, detail=error)
        operator = self._operator()
        self._to_coordinators(
            session,
            case,
            "notice",
            operator(UNREACHABLE).format(case=case.id, name=escape(case.name)),
            priority=_URGENT,
            reply_to_alert=True,
            reply_to_message_id=case.alert_message_id,
            dedupe_key=f"undeliverable:{case.id}",
        )

    # ------------------------------------------------------------------ internals

    def _group(self) -> int:
        chat = self.coordinators_chat
        assert chat is not None, "cases exist only when a coordinators' chat is configured"
        return chat

    def _kick(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.kick()

    def _remember_open(self, user_id: int, case_id: int) -> None:
        self.open_case_id(user_id)  # loads the map the first time
        assert self._open is not None
        self._open[user_id] = case_id

    def _describe_contacts(self, user_id: int, _: Translate, *, shared_only: bool) -> str | None:
        if self._contacts is None:
            return None
        return self._contacts(user_id, _, shared_only)

    def _next_appointment(self, user_id: int) -> str | None:
        upcoming = self._appointments.upcoming(user_id)
        if not upcoming:
            return None
        first = upcoming[0]
        return format_when(
            first.starts_at, self._settings.DEFAULT_LANGUAGE, first.timezone, "medium"
        )

    def _queue_alert(
        self, session: Session, case: Escalation, answers: Sequence[str], source: str
    ) -> None:
        operator = self._operator()
        assert case.id is not None
        self._to_coordinators(
            session,
            case,
            "alert",
            alerts.alert_text(
                operator,
                case,
                answers=answers,
                next_appointment=self._next_appointment(case.user_id),
                contacts=self._describe_contacts(case.user_id, operator, shared_only=True),
            ),
            priority=_URGENT,
            dedupe_key=f"{source}:1",
            reply_markup=alerts.case_keyboard(operator, case.id),
        )

    def _to_examinee(
        self,
        session: Session,
        case: Escalation,
        purpose: str,
        text: str,
        *,
        dedupe_key: str | None = None,
        reply_markup: dict[str, Any] | None = None,
    ) -> None:
        """Queue a message to the person a case is about."""
        reporter = Reporter(case.user_id, case.chat_id, case.name, case.username, case.language)
        enqueue(session, _to_reporter(reporter, purpose, text, dedupe_key, reply_markup, case.id))

    def _to_coordinators(
        self,
        session: Session,
        case: Escalation,
        purpose: str,
        text: str,
        *,
        priority: int,
        dedupe_key: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        reply_to_alert: bool = False,
        reply_to_message_id: int | None = None,
        edit_message_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Queue a message about a case to the coordinators' chat (or one coordinator)."""
        enqueue(
            session,
            Envelope(
                chat_id=self._group() if chat_id is None else chat_id,
                user_id=case.user_id,
                escalation_id=case.id,
                purpose=purpose,
                priority=priority,
                dedupe_key=dedupe_key,
                text=text,
                reply_markup=reply_markup,
                reply_to_alert=reply_to_alert,
                reply_to_message_id=reply_to_message_id,
                edit_message_id=edit_message_id,
            ),
        )

    def _event(
        self,
        session: Session,
        case: Escalation,
        kind: str,
        *,
        actor: int | None = None,
        detail: str = "",
    ) -> None:
        assert case.id is not None
        session.add(
            EscalationEvent(
                escalation_id=case.id,
                user_id=case.user_id,
                kind=kind,
                actor_id=actor,
                detail=detail[:300],
            )
        )

    @staticmethod
    def _has_event(session: Session, case: Escalation, kind: str) -> bool:
        count = session.exec(
            select(func.count())
            .select_from(EscalationEvent)
            .where(EscalationEvent.escalation_id == case.id, EscalationEvent.kind == kind)
        ).one()
        return bool(count)

    def _clock_time(self, moment: datetime) -> str:
        return format_when(
            moment, self._settings.DEFAULT_LANGUAGE, self._settings.DEFAULT_TIMEZONE, "short"
        )

    def _acknowledge(
        self,
        session: Session,
        case: Escalation,
        coordinator: Coordinator,
        *,
        tell_examinee: bool = True,
    ) -> None:
        now = utcnow()
        case.status = ACKNOWLEDGED
        case.acknowledged_at = now
        case.acknowledged_by = coordinator.user_id
        case.acknowledged_by_name = coordinator.name[:256]
        self._event(session, case, ACKNOWLEDGED_EVENT, actor=coordinator.user_id)
        operator = self._operator()
        when = self._clock_time(now)
        assert case.id is not None
        self._update_alert(
            session,
            case,
            alerts.acknowledged_line(operator, coordinator.name, when),
            alerts.acknowledged_notice(operator, case.id, coordinator.name, when),
            keyboard=alerts.case_keyboard(operator, case.id, acknowledged=True),
        )
        if tell_examinee:
            _ = translator(case.language)
            self._to_examinee(
                session,
                case,
                "acknowledged",
                _("A coordinator has seen your message and will be in touch with you here soon."),
            )

    def _update_alert(
        self,
        session: Session,
        case: Escalation,
        line: str,
        notice: str,
        *,
        keyboard: dict[str, object] | None,
    ) -> None:
        """Edit the alert to show who acted; if it was combined or not sent yet, reply."""
        alert = session.exec(
            select(OutgoingMessage).where(
                OutgoingMessage.escalation_id == case.id, OutgoingMessage.purpose == "alert"
            )
        ).first()
        shared = 0
        if case.alert_message_id is not None:
            shared = session.exec(
                select(func.count())
                .select_from(AlertMessage)
                .where(
                    AlertMessage.chat_id == self._group(),
                    AlertMessage.message_id == case.alert_message_id,
                )
            ).one()
        if alert is not None and case.alert_message_id is not None and shared == 1:
            self._to_coordinators(
                session,
                case,
                "alert_edit",
                f"{alert.text}\n\n{line}",
                priority=_EDIT,
                edit_message_id=case.alert_message_id,
                reply_markup=keyboard,
            )
            return
        self._to_coordinators(
            session,
            case,
            "notice",
            notice,
            priority=_RELAY,
            reply_to_alert=True,
            reply_to_message_id=case.alert_message_id,
        )

    def _raise_level(
        self, session: Session, case: Escalation, level: str, reason: str, source: str
    ) -> None:
        if rank(level) <= rank(case.level):
            return
        case.level = level
        self._event(session, case, LEVEL_RAISED, detail=f"{level}: {reason}")
        operator = self._operator()
        assert case.id is not None
        self._to_coordinators(
            session,
            case,
            "level_raised",
            alerts.level_raised_text(operator, case, reason),
            priority=_URGENT,
            reply_to_alert=True,
            reply_to_message_id=case.alert_message_id,
            dedupe_key=f"{source}:raise",
            reply_markup=alerts.case_keyboard(
                operator, case.id, acknowledged=case.status == ACKNOWLEDGED
            ),
        )

    def _realert(self, session: Session, case: Escalation, now: datetime) -> None:
        operator = self._operator()
        language = self._settings.DEFAULT_LANGUAGE
        waited = now - case.opened_at
        case.realerts += 1
        case.last_alerted_at = now
        assert case.id is not None
        key = f"realert:{case.id}:{case.realerts}"
        self._event(session, case, REALERTED, detail=f"after {int(waited.total_seconds())} s")
        self._to_coordinators(
            session,
            case,
            "realert",
            alerts.realert_text(operator, case, waited, language),
            priority=_URGENT,
            reply_to_alert=True,
            reply_to_message_id=case.alert_message_id,
            dedupe_key=key,
            reply_markup=alerts.case_keyboard(operator, case.id),
        )
        coordinators = session.exec(
            select(Examinee).where(
                col(Examinee.user_id).in_(sorted(self._settings.COORDINATOR_IDS)),
                col(Examinee.blocked_at).is_(None),
            )
        ).all()
        for coordinator in coordinators:
            self._to_coordinators(
                session,
                case,
                "private_realert",
                alerts.private_realert_text(operator, case, waited, language),
                priority=_URGENT,
                dedupe_key=f"{key}:{coordinator.user_id}",
                reply_markup=alerts.case_keyboard(operator, case.id),
                chat_id=coordinator.chat_id,
            )
        reminded = case.examinee_reminded_at
        if reminded is None or now - reminded >= EXAMINEE_REMINDER_GAP:
            case.examinee_reminded_at = now
            _ = translator(case.language)
            self._to_examinee(
                session,
                case,
                "waiting",
                safe_messages.still_waiting(_, case.language, self._settings.DEFAULT_COUNTRY),
                dedupe_key=f"{key}:examinee",
            )
