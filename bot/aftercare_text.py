"""How aftercare contacts and plans read in a message, wherever the bot shows them.

The aftercare screens, the crisis reply, the coordinators' alert, the after-exam check-in
and the reminders all call these, so a name is escaped and a number formatted the same way
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.aftercare import (
    CALL,
    CASE_MANAGER,
    EAT,
    ENJOY,
    FRIEND,
    MEETING,
    OTHER,
    PEER_GROUP,
    PHYSICIAN,
    REST,
    SPONSOR,
    WALK,
    AftercareBook,
    format_phone,
)
from bot.i18n import N_, Translate
from bot.messaging import escape
from bot.models import AftercareContact, AftercarePlanStep

# A button elsewhere (a reminder, the check-in) that opens the aftercare overview anew.
OPEN_AFTERCARE = "aftercare:open"

RELATIONSHIP_NAMES: dict[str, str] = {
    FRIEND: N_("Friend"),
    SPONSOR: N_("Sponsor"),
    CASE_MANAGER: N_("Case manager"),
    PHYSICIAN: N_("Doctor"),
    PEER_GROUP: N_("Peer-support group"),
    OTHER: N_("Someone else"),
}

SUGGESTION_NAMES: dict[str, str] = {
    REST: N_("Rest"),
    WALK: N_("Go for a walk"),
    CALL: N_("Call my contact"),
    MEETING: N_("Go to a meeting"),
    EAT: N_("Eat something"),
    ENJOY: N_("Do something I enjoy"),
}


def relationship_name(relationship: str, _: Translate) -> str:
    return _(RELATIONSHIP_NAMES.get(relationship, RELATIONSHIP_NAMES[OTHER]))


def contact_line(contact: AftercareContact, _: Translate) -> str:
    """``Name (Friend): +1 202-555-0123``, the name escaped, the number tap-to-call."""
    return _("{name} ({relationship}): {phone}").format(
        name=f"<b>{escape(contact.name)}</b>",
        relationship=escape(relationship_name(contact.relationship, _)),
        phone=escape(format_phone(contact.phone)),
    )


def contact_lines(contacts: Iterable[AftercareContact], _: Translate) -> str:
    """One bullet per contact; empty when there are none, so callers choose what to say."""
    return "\n".join(f"• {contact_line(contact, _)}" for contact in contacts)


def step_text(step: AftercarePlanStep, _: Translate) -> str:
    """A plan step in the reader's language (a suggestion) or the examinee's words, escaped."""
    if step.suggestion:
        return escape(_(SUGGESTION_NAMES.get(step.suggestion, step.suggestion)))
    return escape(step.text)


def plan_lines(steps: Iterable[AftercarePlanStep], _: Translate) -> str:
    """One bullet per step, in the examinee's order; empty when there are none."""
    return "\n".join(f"• {step_text(step, _)}" for step in steps)


def describe_contacts(
    book: AftercareBook, user_id: int, _: Translate, shared_only: bool
) -> str | None:
    """A person's contacts for a crisis reply (all) or an alert (only those they shared)."""
    contacts = book.shared_contacts(user_id) if shared_only else book.contacts(user_id)
    return contact_lines(contacts, _) or None


def aftercare_section(book: AftercareBook, user_id: int, _: Translate) -> str | None:
    """The plan and the people to call, as shown the day before and after the exam."""
    parts = []
    plan = plan_lines(book.plan(user_id), _)
    if plan:
        parts.append(_("Your plan for after the exam:") + "\n" + plan)
    contacts = contact_lines(book.contacts(user_id), _)
    if contacts:
        parts.append(_("People you can call:") + "\n" + contacts)
    return "\n\n".join(parts) or None
