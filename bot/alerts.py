"""What coordinators see: alerts, re-alerts, relayed messages and the list of open cases.

Written in the operator's language (DEFAULT_LANGUAGE). Everything that came from an
examinee is escaped. Buttons carry the case number, so an alert combined with others (when
the group's 20-a-minute limit is reached) still says which case each button acts on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_timedelta

from bot.i18n import N_, Translate
from bot.messaging import escape
from bot.models import Escalation

ACK = "case:ack:"
RESOLVE = "case:resolve:"
CASE_BUTTON = re.compile(rf"^({ACK}|{RESOLVE})(\d+)$")
TRIGGER_LIMIT = 500
RELAY_LIMIT = 3000

SUPPORT = "support"
LEVEL_NAMES = {
    SUPPORT: N_("support"),
    "concern": N_("concern"),
    "high": N_("HIGH"),
}
LEVEL_ICONS = {"support": "🟡", "concern": "🟠", "high": "🔴"}


def trimmed(text: str, limit: int = TRIGGER_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def elapsed(delta: timedelta, language: str) -> str:
    return format_timedelta(delta, locale=language, threshold=2)


def level_name(_: Translate, level: str) -> str:
    return f"{LEVEL_ICONS.get(level, '')} {_(LEVEL_NAMES.get(level, level))}".strip()


def who(case: Escalation) -> str:
    username = f"@{escape(case.username)}" if case.username else "-"
    return f"{escape(case.name)} ({username}, id {case.user_id})"


def alert_text(
    _: Translate,
    case: Escalation,
    *,
    answers: Sequence[str] = (),
    next_appointment: str | None = None,
    contacts: str | None = None,
) -> str:
    """The first alert for a case: who, how urgent, what was said, what else we know."""
    if case.level == SUPPORT:
        heading = _("<b>Support request #{case}</b>").format(case=case.id)
    else:
        heading = _("<b>Safety alert #{case}: {level}</b>").format(
            case=case.id, level=level_name(_, case.level)
        )
    lines = [
        heading,
        _("From: {person}, language {language}").format(person=who(case), language=case.language),
        _("Message: “{message}”").format(message=escape(trimmed(case.trigger))),
    ]
    if case.level != SUPPORT:
        lines.append(
            _("Screener: {explanation}").format(explanation=escape(case.explanation or "-"))
        )
    lines.extend(escape(answer) for answer in answers)
    lines.append(
        _("Next appointment: {when}").format(when=escape(next_appointment or _("none saved")))
    )
    if contacts:
        lines.append(_("Aftercare contacts (shared with you):") + "\n" + contacts)
    lines.append(_("Please reach out to this person now. Reply to this message to write to them."))
    return "\n".join(lines)


def cases_in_buttons(callback_data: Iterable[str | None]) -> list[int]:
    """The cases an alert's buttons act on, read from their callback data.

    A coordinator may reply to an alert in the instant between Telegram accepting it and the
    bot storing which case it belongs to; the buttons on the replied message still say so.
    """
    found = {int(m.group(2)) for data in callback_data if data and (m := CASE_BUTTON.match(data))}
    return sorted(found)


def case_keyboard(_: Translate, case_id: int, *, acknowledged: bool = False) -> dict[str, Any]:
    row = []
    if not acknowledged:
        row.append(
            {
                "text": _("Acknowledge #{case}").format(case=case_id),
                "callback_data": f"{ACK}{case_id}",
            }
        )
    row.append(
        {"text": _("Resolve #{case}").format(case=case_id), "callback_data": f"{RESOLVE}{case_id}"}
    )
    return {"inline_keyboard": [row]}


def realert_text(_: Translate, case: Escalation, waited: timedelta, language: str) -> str:
    return _(
        "<b>Still not acknowledged: safety alert #{case} ({level})</b>\n"
        "{person} has been waiting {elapsed}. Please acknowledge and reach out."
    ).format(
        case=case.id,
        level=level_name(_, case.level),
        person=who(case),
        elapsed=elapsed(waited, language),
    )


def private_realert_text(_: Translate, case: Escalation, waited: timedelta, language: str) -> str:
    """The direct message to each coordinator: no message text, just enough to act."""
    return _(
        "<b>Safety alert #{case} ({level}) has had no answer for {elapsed}.</b>\n"
        "Please look at the coordinators' chat, or acknowledge here."
    ).format(case=case.id, level=level_name(_, case.level), elapsed=elapsed(waited, language))


def level_raised_text(_: Translate, case: Escalation, reason: str) -> str:
    return _("<b>Case #{case} is now {level}.</b> {reason}").format(
        case=case.id, level=level_name(_, case.level), reason=escape(reason)
    )


def acknowledged_line(_: Translate, name: str, when: str) -> str:
    return _("✅ Acknowledged by {name} at {when}.").format(name=escape(name), when=when)


def resolved_line(_: Translate, name: str, when: str) -> str:
    return _("☑️ Resolved by {name} at {when}.").format(name=escape(name), when=when)


def acknowledged_notice(_: Translate, case_id: int, name: str, when: str) -> str:
    return _("Case #{case}: acknowledged by {name} at {when}.").format(
        case=case_id, name=escape(name), when=when
    )


def resolved_notice(_: Translate, case_id: int, name: str, when: str) -> str:
    return _("Case #{case}: resolved by {name} at {when}. The person was told.").format(
        case=case_id, name=escape(name), when=when
    )


def relay_text(_: Translate, case: Escalation, text: str, level: str | None = None) -> str:
    heading = _("💬 {name}, case #{case}:").format(name=escape(case.name), case=case.id)
    if level is not None:
        heading += " " + _("(screener: {level})").format(level=level_name(_, level))
    return heading + "\n" + escape(trimmed(text, RELAY_LIMIT))


def cases_text(_: Translate, cases: Sequence[Escalation], now: datetime, language: str) -> str:
    if not cases:
        return _("No open cases.")
    lines = [_("<b>Open cases</b>")]
    for case in cases:
        if case.acknowledged_by_name:
            state = _("acknowledged by {name}").format(name=escape(case.acknowledged_by_name))
        else:
            state = _("not acknowledged")
        lines.append(
            _("#{case} {level}: {person}, opened {elapsed} ago, {state}").format(
                case=case.id,
                level=level_name(_, case.level),
                person=who(case),
                elapsed=elapsed(now - case.opened_at, language),
                state=state,
            )
        )
    return "\n".join(lines)
