"""Conversation flows, one module per flow; ``install`` wires them into the application.

Handler groups run in order and each group lets one handler act, so cross-cutting steps
(who is writing, crisis screening) sit in groups of their own before the flows.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram.ext import Application
from telegram.warnings import PTBUserWarning

GATE_GROUP = -30
HANDOFF_GROUP = -25
SCREENING_GROUP = -20
FLOWS_GROUP = 0

# Our conversations mix callback and message handlers on purpose (per user, not per message).
warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)


def install(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every flow's handlers in their groups."""
    from flows import (
        aftercare,
        appointments,
        gate,
        guide,
        handoff,
        help,
        invites,
        language,
        menu,
        onboarding,
        prep,
        privacy,
        safety,
    )

    for handler in gate.handlers():
        application.add_handler(handler, GATE_GROUP)
    for handler in handoff.handlers():
        application.add_handler(handler, HANDOFF_GROUP)
    for handler in safety.handlers():
        application.add_handler(handler, SCREENING_GROUP)
    for module in (
        onboarding,
        aftercare,
        appointments,
        invites,
        menu,
        guide,
        prep,
        language,
        privacy,
        help,
    ):
        for handler in module.handlers():
            application.add_handler(handler, FLOWS_GROUP)
    for handler in help.fallback_handlers():
        application.add_handler(handler, FLOWS_GROUP)
