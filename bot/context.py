"""The callback context every handler receives: services, the person, their language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translate, translator

if TYPE_CHECKING:
    from bot.aftercare import AftercareBook
    from bot.appointments import AppointmentBook
    from bot.checklist import PrepChecklist
    from bot.config import Settings
    from bot.escalation import Escalations
    from bot.examinees import ExamineeDirectory
    from bot.invites import Invitations
    from bot.models import Examinee
    from bot.storage import Database


@dataclass
class Services:
    """Everything handlers may call; built once at start-up, passed in, never global."""

    settings: Settings
    database: Database
    examinees: ExamineeDirectory
    appointments: AppointmentBook
    checklist: PrepChecklist
    invites: Invitations
    aftercare: AftercareBook
    escalations: Escalations


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Adds the services, the examinee of this update and their translator."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.examinee: Examinee | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    @property
    def language(self) -> str:
        if self.examinee is not None:
            return self.examinee.language
        return self.services.settings.DEFAULT_LANGUAGE

    @property
    def gettext(self) -> Translate:
        return translator(self.language)
