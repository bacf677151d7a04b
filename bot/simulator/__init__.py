"""A strict local Telegram Bot API simulator for tests and try-outs.

The real bot talks to it over HTTP as to Telegram; tests play the users through
BotApiSimulator's control API. See README.md in this package. The Bot API description it
validates against (``api.json``) comes from PaulSonOfLars/telegram-bot-api-spec (MIT,
``LICENSE-api-spec``).
"""

from bot.simulator.entities import FormattedText, format_text, utf16_len
from bot.simulator.errors import ApiError, SimulatorError
from bot.simulator.models import ApiCall, SimEvent, SimulatedChat, SimulatedUser
from bot.simulator.ratelimit import RateLimits
from bot.simulator.server import DEFAULT_TOKEN, BotApiSimulator
from bot.simulator.spec import ApiSpec

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "ApiSpec",
    "BotApiSimulator",
    "FormattedText",
    "RateLimits",
    "SimEvent",
    "SimulatedChat",
    "SimulatedUser",
    "SimulatorError",
    "format_text",
    "utf16_len",
]
