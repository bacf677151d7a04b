"""The escalation service on SQLite and PostgreSQL, without Telegram.

``Escalations`` runs with no dispatcher, so every decision is read back from the rows it
writes: cases, the audit trail, and the outbox messages it queues (alerts with their
buttons, safe replies, the acute question, relays, re-alerts, notices). Delivery is
simulated by marking an outbox row sent and calling ``on_sent`` as the dispatcher does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.alerts import ACK, RESOLVE
from bot.appointments import AppointmentBook, ReminderPlan
from bot.config import Settings
from bot.escalation import (
    ACKNOWLEDGED,
    ACKNOWLEDGED_EVENT,
    CONCERN,
    DELIVERED,
    EXAMINEE_REMINDER_GAP,
    HIGH,
    LEVEL_RAISED,
    OPEN,
    RAISED,
    REALERTED,
    RELAYED_IN,
    RELAYED_OUT,
    RESOLVED,
    RESOLVED_EVENT,
    SUPPORT,
    Coordinator,
    Escalations,
    Outcome,
    Reporter,
)
from bot.examinees import ExamineeDirectory
from bot.models import AlertMessage, Escalation, Examinee, OutgoingMessage, SafetyCheck, utcnow
from bot.outbox import CANCELLED, PENDING, SENT
from bot.safe_messages import ACUTE
from bot.screening import RiskLevel, screen_message
from bot.storage import Database

GROUP = -1001000
ANA = Reporter(user_id=42, chat_id=42, name="Ana", username="ana", language="en")
CORA = Coordinator(user_id=900, name="Cora")
TOLD = "I've asked a coordinator to contact you"
CRISIS = "I have the pills ready tonight"


def _service(database: Database, settings: Settings) -> Escalations:
    book = AppointmentBook(
        database, ReminderPlan(settings.REMINDER_OFFSETS, settings.CHECKIN_AFTER)
    )
    escalations = Escalations(
        database, settings, book, ExamineeDirectory(database, settings.DEFAULT_LANGUAGE)
    )
    assert escalations.dispatcher is None  # nothing is sent
    return escalations


@pytest.fixture
def escalations(database: Database, settings: Settings) -> Escalations:
    return _service(database, settings)


def _rows(database: Database, **where: Any) -> list[OutgoingMessage]:
    with database.session() as session:
        rows = session.exec(select(OutgoingMessage).order_by(OutgoingMessage.id)).all()  # type: ignore[arg-type]
    return [row for row in rows if all(getattr(row, k) == v for k, v in where.items())]


def _purposes(database: Database, **where: Any) -> list[tuple[int, str]]:
    return [(row.chat_id, row.purpose) for row in _rows(database, **where)]


def _case(database: Database, case_id: int) -> Escalation:
    with database.session() as session:
        case = session.get(Escalation, case_id)
        assert case is not None
        return case


def _cases(database: Database) -> list[Escalation]:
    with database.session() as session:
        return list(session.exec(select(Escalation)).all())


def _kinds(escalations: Escalations, case_id: int) -> list[str]:
    return [event.kind for event in escalations.events(case_id)]


def _deliver(
    database: Database, escalations: Escalations, row: OutgoingMessage, message_id: int
) -> None:
    """What the dispatcher does once Telegram accepted a row."""
    with database.session() as session:
        stored = session.get(OutgoingMessage, row.id)
        assert stored is not None
        stored.status = SENT
        stored.sent_at = utcnow()
        stored.message_id = message_id
        escalations.on_sent(session, stored)
        session.commit()


def _deliver_alert(database: Database, escalations: Escalations, message_id: int = 500) -> None:
    (alert,) = _rows(database, purpose="alert")
    _deliver(database, escalations, alert, message_id)


def _crisis(
    escalations: Escalations,
    source: str = "msg:1",
    risk: RiskLevel = RiskLevel.CONCERN,
    text: str = CRISIS,
    reporter: Reporter = ANA,
) -> int:
    case_id = escalations.report_crisis(reporter, risk, text, "rule: plan", source)
    assert case_id is not None
    return case_id


def _callbacks(row: OutgoingMessage) -> list[str]:
    assert row.reply_markup is not None
    return [
        button["callback_data"] for line in row.reply_markup["inline_keyboard"] for button in line
    ]


# ---------------------------------------------------------------------- opening a case


def test_concern_opens_a_case_with_alert_safe_reply_and_acute_question(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations)
    case = _case(database, case_id)
    assert (case.user_id, case.chat_id, case.level, case.status) == (42, 42, CONCERN, OPEN)
    assert case.trigger == CRISIS and case.acute_asked_at is not None
    assert escalations.open_case_id(42) == case_id
    assert _purposes(database) == [
        (GROUP, "alert"),
        (42, "safe_reply"),
        (42, "acute_question"),
    ]
    alert, reply, question = _rows(database)
    assert (alert.priority, alert.escalation_id, alert.status) == (0, case_id, PENDING)
    assert _callbacks(alert) == [f"{ACK}{case_id}", f"{RESOLVE}{case_id}"]
    assert f"Safety alert #{case_id}" in alert.text and CRISIS in alert.text
    assert (reply.priority, reply.escalation_id) == (1, case_id)
    assert TOLD in reply.text
    assert _callbacks(question) == [f"{ACUTE}{case_id}:yes", f"{ACUTE}{case_id}:no"]
    assert _kinds(escalations, case_id) == [RAISED]


def test_the_same_message_twice_adds_nothing(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    case_id = _crisis(escalations, "msg:1")
    before = [(row.id, row.text) for row in _rows(database)]
    assert _crisis(escalations, "msg:1") == case_id
    # After a restart, with the open cases read back from the database, too.
    assert _crisis(_service(database, settings), "msg:1") == case_id
    assert [(row.id, row.text) for row in _rows(database)] == before
    assert len(_cases(database)) == 1
    assert _kinds(escalations, case_id) == [RAISED]


def test_high_risk_gets_no_acute_question(database: Database, escalations: Escalations) -> None:
    case_id = _crisis(escalations, risk=RiskLevel.HIGH)
    assert _case(database, case_id).level == HIGH
    assert _case(database, case_id).acute_asked_at is None
    assert _purposes(database) == [(GROUP, "alert"), (42, "safe_reply")]
    (reply,) = _rows(database, purpose="safe_reply")
    assert "<b>If you might act on these thoughts" in reply.text
    assert f"Safety alert #{case_id}: 🔴 HIGH" in _rows(database, purpose="alert")[0].text


def test_without_a_coordinators_chat_only_the_safe_reply(
    database: Database, settings: Settings
) -> None:
    alone = _service(database, settings.model_copy(update={"COORDINATOR_CHAT_ID": None}))
    assert alone.report_crisis(ANA, RiskLevel.HIGH, CRISIS, "", "msg:1") is None
    assert _cases(database) == []
    (reply,) = _rows(database)
    assert (reply.chat_id, reply.purpose, reply.escalation_id) == (42, "safe_reply", None)
    assert "You are not alone" in reply.text
    assert "coordinator" not in reply.text
    assert alone.report_crisis(ANA, RiskLevel.HIGH, CRISIS, "", "msg:1") is None
    assert len(_rows(database)) == 1
    assert alone.open_case_id(42) is None


def test_examinee_text_in_the_alert_is_escaped(
    database: Database, escalations: Escalations
) -> None:
    sly = Reporter(user_id=43, chat_id=43, name="<i>Bo</i>", username=None, language="en")
    _crisis(escalations, text="<b>end it</b> & more", reporter=sly)
    (alert,) = _rows(database, purpose="alert")
    assert "&lt;b&gt;end it&lt;/b&gt; &amp; more" in alert.text
    assert "&lt;i&gt;Bo&lt;/i&gt;" in alert.text
    assert "<b>end it</b>" not in alert.text and "<i>Bo</i>" not in alert.text


# ---------------------------------------------------------------------- relays


def test_second_crisis_relays_and_raises_concern_to_high(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations, "msg:1")
    first_rows = len(_rows(database))
    assert _crisis(escalations, "msg:2", risk=RiskLevel.HIGH, text="<b>now</b>") == case_id
    assert len(_cases(database)) == 1
    assert _case(database, case_id).level == HIGH
    new = _rows(database)[first_rows:]
    assert [(row.chat_id, row.purpose) for row in new] == [
        (GROUP, "relay"),
        (GROUP, "level_raised"),
        (42, "safe_reply"),
    ]
    relay, raised, reply = new
    assert relay.reply_to_alert is True and relay.priority == 2
    assert "&lt;b&gt;now&lt;/b&gt;" in relay.text and "<b>now</b>" not in relay.text
    assert "(screener: 🔴 HIGH)" in relay.text
    assert raised.priority == 0 and f"Case #{case_id} is now 🔴 HIGH" in raised.text
    assert "<b>If you might act on these thoughts" in reply.text
    assert _kinds(escalations, case_id) == [RAISED, RELAYED_IN, LEVEL_RAISED]
    (event,) = [e for e in escalations.events(case_id) if e.kind == LEVEL_RAISED]
    assert event.detail.startswith("high: ")


def test_later_messages_are_relayed_and_passed_on_once(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations, "msg:1")
    assert escalations.relay_from_examinee(
        ANA, case_id, "a <b>plain</b> note", RiskLevel.NONE, "", "msg:2"
    )
    assert escalations.relay_from_examinee(ANA, case_id, "and another", RiskLevel.NONE, "", "msg:3")
    assert escalations.relay_from_examinee(ANA, case_id, "and another", RiskLevel.NONE, "", "msg:3")
    relays = _rows(database, purpose="relay")
    assert [row.text.split("\n", 1)[1] for row in relays] == [
        "a &lt;b&gt;plain&lt;/b&gt; note",
        "and another",
    ]
    assert relays[0].text.startswith(f"💬 Ana, case #{case_id}:\n")
    assert len(_rows(database, purpose="passed_on")) == 1
    assert _case(database, case_id).level == CONCERN
    assert _kinds(escalations, case_id) == [RAISED, RELAYED_IN, RELAYED_IN]


def test_relay_into_a_resolved_case_is_refused(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations)
    assert escalations.resolve(case_id, CORA) is Outcome.DONE
    assert not escalations.relay_from_examinee(ANA, case_id, "hi", RiskLevel.NONE, "", "msg:9")
    assert _rows(database, purpose="relay") == []


# ---------------------------------------------------------------------- coordinators


def test_acknowledge_then_already(database: Database, escalations: Escalations) -> None:
    case_id = _crisis(escalations)
    assert escalations.acknowledge(case_id, CORA) is Outcome.DONE
    assert escalations.acknowledge(case_id, CORA) is Outcome.ALREADY
    case = _case(database, case_id)
    assert (case.status, case.acknowledged_by, case.acknowledged_by_name) == (
        ACKNOWLEDGED,
        900,
        "Cora",
    )
    assert len(_rows(database, purpose="acknowledged", chat_id=42)) == 1
    # The alert was not delivered yet: a notice that will answer it once it is.
    (notice,) = _rows(database, purpose="notice")
    assert notice.chat_id == GROUP and notice.reply_to_alert is True
    assert f"Case #{case_id}: acknowledged by Cora" in notice.text
    assert _kinds(escalations, case_id) == [RAISED, ACKNOWLEDGED_EVENT]


def test_acknowledging_a_delivered_alert_edits_it(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations)
    _deliver_alert(database, escalations, 500)
    assert escalations.acknowledge(case_id, CORA) is Outcome.DONE
    (alert,) = _rows(database, purpose="alert")
    (edit,) = _rows(database, purpose="alert_edit")
    assert (edit.chat_id, edit.edit_message_id) == (GROUP, 500)
    assert edit.text.startswith(alert.text + "\n\n✅ Acknowledged by Cora at ")
    assert _callbacks(edit) == [f"{RESOLVE}{case_id}"]
    assert _rows(database, purpose="notice") == []


def test_resolve_then_already_and_acknowledge_is_closed(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    case_id = _crisis(escalations)
    assert escalations.resolve(case_id, CORA) is Outcome.DONE
    assert escalations.resolve(case_id, CORA) is Outcome.ALREADY
    assert escalations.acknowledge(case_id, CORA) is Outcome.CLOSED
    case = _case(database, case_id)
    assert (case.status, case.resolved_by, case.resolved_by_name) == (RESOLVED, 900, "Cora")
    assert case.resolved_at is not None
    assert len(_rows(database, purpose="closed", chat_id=42)) == 1
    assert escalations.open_case_id(42) is None
    assert _service(database, settings).open_case_id(42) is None
    assert _kinds(escalations, case_id) == [RAISED, RESOLVED_EVENT]


def test_a_crisis_after_resolution_opens_a_new_case(
    database: Database, escalations: Escalations
) -> None:
    first = _crisis(escalations, "msg:1")
    escalations.resolve(first, CORA)
    second = _crisis(escalations, "msg:2")
    assert second != first
    assert escalations.open_case_id(42) == second
    assert len(_rows(database, purpose="alert")) == 2


def test_unknown_case_is_not_found(escalations: Escalations) -> None:
    assert escalations.acknowledge(999, CORA) is Outcome.NOT_FOUND
    assert escalations.resolve(999, CORA) is Outcome.NOT_FOUND
    assert escalations.reply_to_examinee(999, CORA, "hi", "msg:1") is Outcome.NOT_FOUND
    assert escalations.get(999) is None


def test_resolve_cancels_pending_realerts(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    _coordinator_profiles(database)
    case_id = _crisis(escalations, risk=RiskLevel.HIGH)
    _deliver_alert(database, escalations)
    delivered = _case(database, case_id).last_alerted_at
    assert delivered is not None
    assert escalations.tick(delivered + settings.ESCALATION_ACK_TIMEOUT) == 1
    owed = {"realert", "private_realert", "waiting"}
    assert {row.purpose for row in _rows(database, status=PENDING)} >= owed
    assert escalations.resolve(case_id, CORA) is Outcome.DONE
    for row in _rows(database):
        if row.purpose in owed:
            assert row.status == CANCELLED, row.purpose
    assert {row.purpose for row in _rows(database, status=PENDING)} == {
        "safe_reply",
        "alert_edit",
        "closed",
    }


def test_reply_to_examinee_acknowledges_and_queues_it(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations)
    assert escalations.reply_to_examinee(case_id, CORA, "Hi <Ana>, I'm here", "msg:7") is (
        Outcome.DONE
    )
    assert escalations.reply_to_examinee(case_id, CORA, "Hi <Ana>, I'm here", "msg:7") is (
        Outcome.ALREADY
    )
    case = _case(database, case_id)
    assert (case.status, case.acknowledged_by) == (ACKNOWLEDGED, 900)
    (message,) = _rows(database, purpose="care_team")
    assert (message.chat_id, message.escalation_id, message.priority) == (42, case_id, 1)
    assert message.text == "<b>From the care team:</b>\nHi &lt;Ana&gt;, I'm here"
    # The reply itself tells the person; no separate "a coordinator has seen it".
    assert _rows(database, purpose="acknowledged") == []
    assert _kinds(escalations, case_id) == [RAISED, ACKNOWLEDGED_EVENT, RELAYED_OUT]


def test_reply_to_a_resolved_case_is_closed(database: Database, escalations: Escalations) -> None:
    case_id = _crisis(escalations)
    escalations.resolve(case_id, CORA)
    assert escalations.reply_to_examinee(case_id, CORA, "hello?", "msg:8") is Outcome.CLOSED
    assert _rows(database, purpose="care_team") == []


# ---------------------------------------------------------------------- delivery


def test_on_sent_links_the_alert_and_the_replies_waiting_for_it(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations, "msg:1")
    escalations.relay_from_examinee(ANA, case_id, "still here", RiskLevel.NONE, "", "msg:2")
    (relay,) = _rows(database, purpose="relay")
    assert (relay.reply_to_alert, relay.reply_to_message_id) == (True, None)
    before = utcnow()
    _deliver_alert(database, escalations, 500)
    case = _case(database, case_id)
    assert case.alert_message_id == 500
    assert case.last_alerted_at is not None and before <= case.last_alerted_at <= utcnow()
    assert _kinds(escalations, case_id) == [RAISED, RELAYED_IN, DELIVERED]
    assert escalations.cases_for_message(GROUP, 500) == [case_id]
    (relay,) = _rows(database, purpose="relay")
    assert relay.reply_to_message_id == 500
    # What reached the examinee is not a message in the coordinators' chat.
    (reply,) = _rows(database, purpose="safe_reply")
    _deliver(database, escalations, reply, 77)
    with database.session() as session:
        links = session.exec(select(AlertMessage)).all()
        assert [(link.chat_id, link.message_id, link.escalation_id) for link in links] == [
            (GROUP, 500, case_id)
        ]
    # The relay's own delivery links it too, so a reply to it finds the case.
    _deliver(database, escalations, relay, 501)
    assert escalations.cases_for_message(GROUP, 501) == [case_id]
    assert _case(database, case_id).alert_message_id == 500
    assert _kinds(escalations, case_id).count(DELIVERED) == 1


def test_a_combined_alert_links_every_case(database: Database, escalations: Escalations) -> None:
    bo = Reporter(user_id=43, chat_id=43, name="Bo", username=None, language="en")
    first = _crisis(escalations, "msg:1")
    second = _crisis(escalations, "msg:2", reporter=bo)
    for alert in _rows(database, purpose="alert"):
        _deliver(database, escalations, alert, 600)
    assert sorted(escalations.cases_for_message(GROUP, 600)) == sorted([first, second])
    # Editing a message shared by two cases would change the other case: a notice instead.
    escalations.acknowledge(first, CORA)
    assert _rows(database, purpose="alert_edit") == []
    (notice,) = _rows(database, purpose="notice")
    assert notice.reply_to_message_id == 600


# ---------------------------------------------------------------------- time passing


def _coordinator_profiles(database: Database) -> None:
    """Cora can be written to; Dev blocked the bot; Sam is no coordinator."""
    with database.session() as session:
        session.add(Examinee(user_id=900, chat_id=9000, first_name="Cora"))
        session.add(Examinee(user_id=901, chat_id=9010, first_name="Dev", blocked_at=utcnow()))
        session.add(Examinee(user_id=555, chat_id=5550, first_name="Sam"))
        session.commit()


def test_tick_realerts_only_after_the_timeout(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    _coordinator_profiles(database)
    case_id = _crisis(escalations, risk=RiskLevel.HIGH)
    timeout = settings.ESCALATION_ACK_TIMEOUT
    assert escalations.tick(utcnow() + 2 * timeout) == 0  # not delivered: nothing to re-raise
    _deliver_alert(database, escalations, 500)
    delivered = _case(database, case_id).last_alerted_at
    assert delivered is not None
    assert escalations.tick(delivered + timeout - timedelta(seconds=1)) == 0
    assert _rows(database, purpose="realert") == []

    assert escalations.tick(delivered + timeout) == 1
    assert escalations.tick(delivered + timeout) == 0  # once
    (realert,) = _rows(database, purpose="realert")
    assert (realert.chat_id, realert.priority, realert.reply_to_message_id) == (GROUP, 0, 500)
    assert f"Still not acknowledged: safety alert #{case_id}" in realert.text
    assert _callbacks(realert) == [f"{ACK}{case_id}", f"{RESOLVE}{case_id}"]
    assert [row.chat_id for row in _rows(database, purpose="private_realert")] == [9000]
    assert [row.chat_id for row in _rows(database, purpose="waiting")] == [42]
    case = _case(database, case_id)
    assert (case.realerts, case.last_alerted_at) == (1, delivered + timeout)
    assert _kinds(escalations, case_id) == [RAISED, DELIVERED, REALERTED]


def test_the_examinee_is_reminded_at_most_every_gap(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    timeout = settings.ESCALATION_ACK_TIMEOUT
    assert timeout < EXAMINEE_REMINDER_GAP < 3 * timeout
    case_id = _crisis(escalations, risk=RiskLevel.HIGH)
    _deliver_alert(database, escalations)
    delivered = _case(database, case_id).last_alerted_at
    assert delivered is not None
    for step in (1, 2, 3):
        assert escalations.tick(delivered + step * timeout) == 1
    assert len(_rows(database, purpose="realert")) == 3
    assert _rows(database, purpose="private_realert") == []  # no coordinator wrote to the bot
    waiting = _rows(database, purpose="waiting")
    assert len(waiting) == 2
    assert "I'm still here with you" in waiting[0].text
    assert _case(database, case_id).examinee_reminded_at == delivered + 3 * timeout


def test_acknowledged_and_support_cases_are_not_realerted(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    bo = Reporter(user_id=43, chat_id=43, name="Bo", username=None, language="en")
    acknowledged = _crisis(escalations, "msg:1", risk=RiskLevel.HIGH)
    assert escalations.request_support(bo, "A hard exam", "cb:1")
    for alert in _rows(database, purpose="alert"):
        _deliver(database, escalations, alert, 500 + (alert.id or 0))
    escalations.acknowledge(acknowledged, CORA)
    assert escalations.tick(utcnow() + 10 * settings.ESCALATION_ACK_TIMEOUT) == 0
    assert _rows(database, purpose="realert") == []
    assert _rows(database, purpose="waiting") == []


def test_an_unanswered_acute_question_raises_the_case_once(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    case_id = _crisis(escalations)
    asked = _case(database, case_id).acute_asked_at
    assert asked is not None
    timeout = settings.ESCALATION_ACK_TIMEOUT
    assert escalations.tick(asked + timeout - timedelta(seconds=1)) == 0
    assert _case(database, case_id).level == CONCERN
    assert escalations.tick(asked + timeout) == 1
    case = _case(database, case_id)
    assert (case.level, case.acute_answer) == (HIGH, "none")
    assert escalations.tick(asked + 3 * timeout) == 0
    (raised,) = _rows(database, purpose="level_raised")
    assert "No answer to “Are you having these thoughts right now?”" in raised.text
    assert _kinds(escalations, case_id) == [RAISED, LEVEL_RAISED]


def test_an_answered_acute_question_does_not_raise(
    database: Database, escalations: Escalations, settings: Settings
) -> None:
    case_id = _crisis(escalations)
    assert escalations.answer_acute(42, case_id, "no", "cb:5") is Outcome.DONE
    assert escalations.tick(utcnow() + 2 * settings.ESCALATION_ACK_TIMEOUT) == 0
    assert _case(database, case_id).level == CONCERN
    assert _rows(database, purpose="level_raised") == []


# ---------------------------------------------------------------------- support requests


def test_request_support_opens_a_support_case(database: Database, escalations: Escalations) -> None:
    assert escalations.request_support(ANA, "A hard <exam>", "cb:1") is True
    (case,) = _cases(database)
    assert case.id is not None
    assert (case.level, case.status, case.trigger) == (SUPPORT, OPEN, "A hard <exam>")
    assert escalations.open_case_id(42) == case.id
    assert _purposes(database) == [(GROUP, "alert")]
    (alert,) = _rows(database)
    assert alert.text.startswith(f"<b>Support request #{case.id}</b>")
    assert "A hard &lt;exam&gt;" in alert.text
    assert _callbacks(alert) == [f"{ACK}{case.id}", f"{RESOLVE}{case.id}"]
    (event,) = escalations.events(case.id)
    assert (event.kind, event.detail) == (RAISED, SUPPORT)


def test_request_support_relays_into_an_open_case(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations, "msg:1")
    assert escalations.request_support(ANA, "A hard exam", "cb:1") is True
    assert len(_cases(database)) == 1
    (relay,) = _rows(database, purpose="relay")
    assert relay.text == f"💬 Ana, case #{case_id}:\nA hard exam"
    assert _case(database, case_id).level == CONCERN
    assert _kinds(escalations, case_id) == [RAISED, RELAYED_IN]


def test_request_support_without_a_coordinators_chat(
    database: Database, settings: Settings
) -> None:
    alone = _service(database, settings.model_copy(update={"COORDINATOR_CHAT_ID": None}))
    assert alone.request_support(ANA, "A hard exam", "cb:1") is False
    assert _cases(database) == []
    assert _rows(database) == []


def test_request_support_twice_adds_nothing(database: Database, escalations: Escalations) -> None:
    assert escalations.request_support(ANA, "A hard exam", "cb:1") is True
    before = [(row.id, row.purpose) for row in _rows(database)]
    assert escalations.request_support(ANA, "A hard exam", "cb:1") is True
    assert [(row.id, row.purpose) for row in _rows(database)] == before
    (case,) = _cases(database)
    assert case.id is not None
    assert _kinds(escalations, case.id) == [RAISED]


# ---------------------------------------------------------------------- audit trail


def test_the_audit_trail_holds_every_step_in_order(
    database: Database, escalations: Escalations
) -> None:
    case_id = _crisis(escalations, "msg:1")
    _deliver_alert(database, escalations, 500)
    assert escalations.acknowledge(case_id, CORA) is Outcome.DONE
    escalations.relay_from_examinee(ANA, case_id, "thank you", RiskLevel.NONE, "", "msg:2")
    assert escalations.reply_to_examinee(case_id, CORA, "I'm calling you", "msg:3") is (
        Outcome.DONE
    )
    assert escalations.resolve(case_id, CORA) is Outcome.DONE
    events = escalations.events(case_id)
    assert [event.kind for event in events] == [
        RAISED,
        DELIVERED,
        ACKNOWLEDGED_EVENT,
        RELAYED_IN,
        RELAYED_OUT,
        RESOLVED_EVENT,
    ]
    assert [event.actor_id for event in events] == [None, None, 900, None, 900, 900]
    assert events[0].detail == CONCERN
    assert all(event.user_id == 42 for event in events)
    moments = [event.at for event in events]
    assert moments == sorted(moments)


def test_the_direct_question_is_logged_and_queued_together_once(
    database: Database, escalations: Escalations
) -> None:
    screening = screen_message("can the examiner ask me about suicide?", "en")
    assert screening.level == RiskLevel.CHECK
    text = "can the examiner ask me about suicide?"
    check_id = escalations.ask_directly(ANA, screening, text, "in:42:7")
    assert check_id is not None
    (row,) = _rows(database)
    assert (row.chat_id, row.purpose, row.escalation_id) == (ANA.chat_id, "direct_question", None)
    data = [b["callback_data"] for line in row.reply_markup["inline_keyboard"] for b in line]
    assert data == [f"safety:{check_id}:yes", f"safety:{check_id}:no", f"safety:{check_id}:unsaid"]
    with database.session() as session:
        check = session.get(SafetyCheck, check_id)
        assert check is not None and check.message == text and check.answer is None
    assert escalations.ask_directly(ANA, screening, text, "in:42:7") is None  # a replay
    assert len(_rows(database)) == 1
    assert escalations.answer_check(ANA, check_id, "no", "cb:1") is False
    assert _cases(database) == []
    assert escalations.answer_check(ANA, check_id, "unsaid", "cb:2") is True
    assert [case.level for case in _cases(database)] == ["concern"]
