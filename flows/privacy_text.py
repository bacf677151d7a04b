"""The one description of what the bot keeps, shared by onboarding and /privacy."""

from __future__ import annotations

from bot.i18n import Translate


def what_i_keep(_: Translate) -> str:
    return _(
        "<b>What I keep</b>\n"
        "• Your Telegram id, first name and username, so I can reply to you.\n"
        "• Your language and time zone.\n"
        "• Where you are in a conversation with me, so nothing is lost if I restart.\n"
        "• Whether you said yes to this, and when.\n"
        "• Your appointments and checklist, if you save them.\n"
        "• If you tell me you might be in danger: what you wrote, and what the coordinators "
        "did to help.\n"
        "• If you add them: the people you can call after the exam, their numbers, and your "
        "plan. The coordinators see a person only if you say yes.\n\n"
        "<b>Why</b>\n"
        "Only to guide you. I don't sell it or use it for anything else. "
        "I can't see your other chats.\n\n"
        "<b>How long</b>\n"
        "Until you delete it. /mydata sends you a copy. /delete removes it all at once."
    )
