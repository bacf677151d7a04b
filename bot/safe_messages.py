"""The fixed, reviewed texts a person gets when they may be in crisis; never generated.

Each says the same things in the same order (acknowledge, not alone, help now, a person,
the conversation stays open) and never holds method details, judgement or a promise of
secrecy. Buttons are plain dicts so the outbox can store them with the text.
"""

from __future__ import annotations

from typing import Any

from bot.crisis_lines import crisis_line_for
from bot.i18n import Translate
from bot.messaging import escape
from bot.screening import RiskLevel

DIRECT = "safety:"
ACUTE = "safety:now:"


def crisis_numbers(_: Translate, language: str, country: str) -> tuple[str, str]:
    """The crisis line in ``language`` and the emergency numbers, ready for HTML."""
    line = crisis_line_for(country)
    return escape(line.crisis_line_in(language)), _(" or ").join(line.emergency)


def safe_reply(
    _: Translate,
    language: str,
    country: str,
    level: RiskLevel,
    *,
    coordinators_told: bool,
    contacts: str | None = None,
) -> str:
    """Acknowledge, not alone, help now (emergency first when acute), their people, a person."""
    crisis_line, emergency = crisis_numbers(_, language, country)
    parts = [_("Thank you for telling me. I'm really glad you did. You are not alone.")]
    if level >= RiskLevel.HIGH:
        parts.append(
            _(
                "<b>If you might act on these thoughts or you are in danger now, call "
                "{emergency} now.</b>"
            ).format(emergency=emergency)
        )
    parts.append(_("You can talk to someone right now, any time: {line}.").format(line=crisis_line))
    if contacts:
        parts.append(_("You can also call someone from your list:") + "\n" + contacts)
    if coordinators_told:
        parts.append(_("I've asked a coordinator to contact you as soon as they can."))
    parts.append(_("Would you like to keep talking with me while you wait?"))
    return "\n\n".join(parts)


def _keyboard(rows: list[tuple[str, str]]) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": text, "callback_data": data}] for text, data in rows]}


def direct_question(_: Translate, check_id: int) -> tuple[str, dict[str, Any]]:
    """The ASQ-style direct question asked after an ambiguous message."""
    return (
        _(
            "I want to make sure you're okay. Are you having thoughts of ending your life, "
            "or of hurting yourself or someone else?"
        ),
        _keyboard(
            [
                (_("Yes"), f"{DIRECT}{check_id}:yes"),
                (_("No"), f"{DIRECT}{check_id}:no"),
                (_("I'd rather not say"), f"{DIRECT}{check_id}:unsaid"),
            ]
        ),
    )


def direct_no(_: Translate, language: str, country: str) -> str:
    crisis_line, _emergency = crisis_numbers(_, language, country)
    return _("Thank you for letting me know. If that changes, I'm here, and so is {line}.").format(
        line=crisis_line
    )


def acute_question(_: Translate, case_id: int) -> tuple[str, dict[str, Any]]:
    """The acute question asked after a positive screen: is it happening right now?"""
    return (
        _("Are you having these thoughts right now?"),
        _keyboard(
            [
                (_("Yes, right now"), f"{ACUTE}{case_id}:yes"),
                (_("Not right now"), f"{ACUTE}{case_id}:no"),
            ]
        ),
    )


def acute_no(_: Translate) -> str:
    return _(
        "Thank you for telling me. A coordinator will still reach out. If the thoughts come "
        "back, write to me or call the numbers above."
    )


def still_waiting(_: Translate, language: str, country: str) -> str:
    """Sent while no coordinator has answered yet, so nobody is left in silence."""
    crisis_line, emergency = crisis_numbers(_, language, country)
    return _(
        "I'm still here with you. A coordinator hasn't been able to reply yet, and I'm sorry "
        "for the wait. You can talk to someone right now: {line}. If you are in danger, call "
        "{emergency}."
    ).format(line=crisis_line, emergency=emergency)


def message_passed_on(_: Translate) -> str:
    return _("I've passed your message to the care team. They will answer here.")


def from_care_team(_: Translate, text: str) -> str:
    return _("<b>From the care team:</b>") + "\n" + escape(text)


def case_closed(_: Translate, language: str, country: str) -> str:
    crisis_line, emergency = crisis_numbers(_, language, country)
    return _(
        "The care team has closed this conversation. I'm still here any time. If things "
        "get hard again, you can call {line}, or {emergency} in an emergency."
    ).format(line=crisis_line, emergency=emergency)
