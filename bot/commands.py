"""The command menu Telegram shows, published at start-up in every supported language."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import N_, SUPPORTED_LANGUAGES, translator

PUBLIC_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start, or see the main menu")),
    ("guide", N_("What an IME is and what to expect")),
    ("appointment", N_("Save your IME appointment")),
    ("appointments", N_("See, change or cancel your appointments")),
    ("prep", N_("Your preparation checklist")),
    ("aftercare", N_("Your people and plan for after the exam")),
    ("language", N_("Change the language")),
    ("privacy", N_("What I keep about you, and why")),
    ("mydata", N_("Download everything I keep about you")),
    ("delete", N_("Delete everything I keep about you")),
    ("help", N_("How to use this bot")),
)


def commands_in(language: str) -> list[BotCommand]:
    _ = translator(language)
    return [BotCommand(name, _(description)) for name, description in PUBLIC_COMMANDS]


async def publish_commands(bot: Bot, default_language: str) -> None:
    """Set the menu for each language, and the default for any other client language."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands_in(default_language), scope=scope)
    for language in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(commands_in(language), scope=scope, language_code=language)
