"""``/aftercare``: the people the examinee can turn to after the exam, and their plan.

A contact is typed step by step (who they are, name, number) or shared as a Telegram
contact card, and always shown for a check before it is saved. Buttons carry
``aftercare:`` callback data; the rules (limits, phone numbers) live in ``bot.aftercare``.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.aftercare import (
    MAX_CONTACTS,
    MAX_STEPS,
    NAME_MAX_LENGTH,
    RELATIONSHIPS,
    STEP_MAX_LENGTH,
    SUGGESTIONS,
    AftercareError,
    AftercareProblem,
    PhoneError,
    PhoneProblem,
    card_name,
    clean_name,
    example_number,
    format_phone,
)
from bot.aftercare_text import (
    SUGGESTION_NAMES,
    contact_line,
    contact_lines,
    plan_lines,
    relationship_name,
)
from bot.context import BotContext
from bot.i18n import Translate
from bot.messaging import escape, show_in_place
from bot.models import AftercareContact
from flows.menu import MENU, back_to_menu_row, present, show_menu

PREFIX = "aftercare:"
CHOOSE_KIND = "choose_kind"
ASK_NAME = "ask_name"
ASK_NUMBER = "ask_number"
CONFIRM = "confirm"
ASK_STEP = "ask_step"
# The contact being added or changed: kind, name, phone, own (their own card), editing (id).
DRAFT = "aftercare_draft"
# Set while the reply keyboard with the 'share' button is on screen, so it is taken away.
KEYBOARD = "aftercare_keyboard"
_BUTTON_LABEL_MAX = 40

Reply = int | str


def _data(action: str, *parts: object) -> str:
    return ":".join([PREFIX + action, *(str(part) for part in parts)])


def _user_id(context: BotContext) -> int:
    assert context.examinee is not None
    return context.examinee.user_id


def _user_data(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data


def _draft(context: BotContext) -> dict[str, Any]:
    return _user_data(context).setdefault(DRAFT, {})


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _needs_consent(context: BotContext) -> bool:
    return context.examinee is None or context.examinee.consented_at is None


async def _ask_for_consent_first(update: Update, context: BotContext) -> int:
    _ = context.gettext
    text = _("To keep your aftercare plan, I need your OK to keep your information. Send /start.")
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_message(_chat_id(update), text)
    return ConversationHandler.END


def _part(data: str | None, index: int) -> str:
    parts = (data or "").split(":")
    return parts[index] if len(parts) > index else ""


def _number_from(update: Update, index: int = 2) -> int | None:
    assert update.callback_query is not None
    raw = _part(update.callback_query.data, index)
    return int(raw) if raw.isdigit() else None


def _label(text: str) -> str:
    return text if len(text) <= _BUTTON_LABEL_MAX else text[: _BUTTON_LABEL_MAX - 1] + "…"


async def _show(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """The next screen: in place of a tapped message, or as a new message after typing.

    While the reply keyboard is up, a screen without buttons takes it away; a screen with
    buttons cannot (a message has one keyboard), so a short line goes first to do it.
    """
    if _user_data(context).pop(KEYBOARD, None):
        if markup is None:
            await context.bot.send_message(
                _chat_id(update), text, reply_markup=ReplyKeyboardRemove()
            )
            return
        await context.bot.send_message(
            _chat_id(update), context.gettext("Okay."), reply_markup=ReplyKeyboardRemove()
        )
    if update.callback_query is not None:
        await show_in_place(update.callback_query, text, markup, context.chat_data)
        return
    await context.bot.send_message(_chat_id(update), text, reply_markup=markup)


async def _put_keyboard_away(update: Update, context: BotContext, text: str) -> None:
    """Say ``text`` and take the reply keyboard away, if it is up; drop the unsaved draft."""
    user_data = _user_data(context)
    user_data.pop(DRAFT, None)
    if user_data.pop(KEYBOARD, None):
        await context.bot.send_message(_chat_id(update), text, reply_markup=ReplyKeyboardRemove())


# ---------------------------------------------------------------------------- overview


def _overview(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    user_id = _user_id(context)
    book = context.services.aftercare
    contacts, steps = book.contacts(user_id), book.plan(user_id)
    text = (
        _("<b>After the exam</b>")
        + "\n"
        + _("An IME can be tiring. It helps to plan who you can call and what you will do after.")
        + "\n\n"
        + _("<b>Your people</b>")
        + "\n"
        + (contact_lines(contacts, _) or _("No one yet."))
        + "\n\n"
        + _("<b>Your plan</b>")
        + "\n"
        + (plan_lines(steps, _) or _("Nothing yet."))
    )
    rows = [[InlineKeyboardButton(_("Add a person"), callback_data=_data("add"))]]
    if contacts:
        rows.append(
            [InlineKeyboardButton(_("Change or remove someone"), callback_data=_data("people"))]
        )
    rows.append([InlineKeyboardButton(_("My plan"), callback_data=_data("plan"))])
    rows.append(back_to_menu_row(_))
    return text, InlineKeyboardMarkup(rows)


async def show_overview(update: Update, context: BotContext) -> Reply:
    """``/aftercare`` or the menu button: what is planned so far, and what can be done."""
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await present(update, context, *_overview(context))
    return ConversationHandler.END


async def open_overview(update: Update, context: BotContext) -> Reply:
    """The button under a reminder or a check-in: the overview as a new message, so the
    message the button was under stays as it was."""
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    text, markup = _overview(context)
    await context.bot.send_message(_chat_id(update), text, reply_markup=markup)
    return ConversationHandler.END


async def _back_to_overview(update: Update, context: BotContext) -> Reply:
    """The overview in place of a tapped message whose button was already answered."""
    assert update.callback_query is not None
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await show_in_place(update.callback_query, *_overview(context), context.chat_data)
    return ConversationHandler.END


# ---------------------------------------------------------------------------- adding


def _cancel_rows(_: Translate) -> list[list[InlineKeyboardButton]]:
    return [
        [InlineKeyboardButton(_("Cancel"), callback_data=_data("cancel"))],
        back_to_menu_row(_),
    ]


def _kind_question(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    name = _draft(context).get("name")
    question = (
        _("<b>Who is {name} to you?</b> Tap one.").format(name=escape(name))
        if name
        else _("<b>Who is this person to you?</b> Tap one.")
    )
    buttons = [
        InlineKeyboardButton(relationship_name(kind, _), callback_data=_data("kind", kind))
        for kind in RELATIONSHIPS
    ]
    rows = [buttons[start : start + 2] for start in range(0, len(buttons), 2)]
    return question, InlineKeyboardMarkup(rows + _cancel_rows(_))


def _share_keyboard(_: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("Share my own number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def start_adding(update: Update, context: BotContext) -> Reply:
    """Ask who the person is, and offer the ways to share a contact card instead of typing."""
    _ = context.gettext
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    if len(context.services.aftercare.contacts(_user_id(context))) >= MAX_CONTACTS:
        await _refuse(update, context, _problem_text(AftercareProblem.TOO_MANY_CONTACTS, _))
        return ConversationHandler.END
    user_data = _user_data(context)
    user_data[DRAFT] = {}
    await present(update, context, *_kind_question(context))
    await context.bot.send_message(
        _chat_id(update),
        _(
            "You can also send a contact card from your phone: tap 📎, then Contact. "
            "I'll show it to you before I save it."
        ),
        reply_markup=_share_keyboard(_),
    )
    user_data[KEYBOARD] = True
    return CHOOSE_KIND


async def _next_step(update: Update, context: BotContext) -> Reply:
    """Ask for whatever the draft still lacks; once it has all, show it for a check."""
    _ = context.gettext
    draft = _draft(context)
    if "kind" not in draft:
        await _show(update, context, *_kind_question(context))
        return CHOOSE_KIND
    if "name" not in draft:
        await _show(update, context, *_typed_question(context, _("<b>What is their name?</b>")))
        return ASK_NAME
    if "phone" not in draft:
        await _show(update, context, *_typed_question(context, _number_question(context)))
        return ASK_NUMBER
    await _show(update, context, *_confirmation(context))
    return CONFIRM


def _typed_question(context: BotContext, question: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """A question answered by typing. With the reply keyboard up it goes without buttons
    (it is the message that takes that keyboard away), so it says how to stop."""
    _ = context.gettext
    if _user_data(context).get(KEYBOARD):
        return question + "\n" + _("Type it below, or send /cancel to stop."), None
    return question + "\n" + _("Type it below."), InlineKeyboardMarkup(_cancel_rows(_))


def _number_question(context: BotContext) -> str:
    _ = context.gettext
    return (
        _("<b>What is the phone number for {name}?</b>").format(
            name=escape(_draft(context).get("name"))
        )
        + "\n"
        + _number_hint(context)
    )


def _number_hint(context: BotContext) -> str:
    _ = context.gettext
    return _(
        "Include the area code, like {example}. "
        "For a number in another country, start with + and the country code."
    ).format(example=escape(example_number(context.services.aftercare.default_country)))


async def picked_kind(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    kind = _part(query.data, 2)
    if kind not in RELATIONSHIPS or DRAFT not in _user_data(context):
        await query.answer(_("This button is no longer active."))
        return await _back_to_overview(update, context)
    await query.answer()
    _draft(context)["kind"] = kind
    if _user_data(context).get(KEYBOARD):
        # Keep the answer on screen; the next question, a new message, takes the reply
        # keyboard away (see _show).
        await show_in_place(
            query,
            _("Adding: {kind}").format(kind=f"<b>{escape(relationship_name(kind, _))}</b>"),
            InlineKeyboardMarkup(_cancel_rows(_)),
            context.chat_data,
        )
    return await _next_step(update, context)


async def got_name(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        _draft(context)["name"] = clean_name(message.text)
    except AftercareError as exc:
        await message.reply_text(_problem_text(exc.problem, _))
        return ASK_NAME
    return await _next_step(update, context)


def _phone_reason(error: PhoneError, context: BotContext) -> str:
    _ = context.gettext
    region = error.region or context.services.aftercare.default_country
    country = Locale.parse(context.language).territories.get(region, region)
    return {
        PhoneProblem.EMPTY: _("Please send a phone number."),
        PhoneProblem.NOT_A_NUMBER: _("That doesn't look like a phone number."),
        PhoneProblem.TOO_SHORT: _("That number is too short. Some digits may be missing."),
        PhoneProblem.TOO_LONG: _("That number is too long. Please check the digits."),
        PhoneProblem.NEEDS_AREA_CODE: _("That number needs its area code."),
        PhoneProblem.UNKNOWN_COUNTRY_CODE: _(
            "I don't know that country code. Please check the digits after the +."
        ),
        PhoneProblem.INVALID_FOR_REGION: _("That isn't a valid number in {country}.").format(
            country=escape(country)
        ),
        PhoneProblem.INVALID: _("That isn't a valid phone number. Please check the digits."),
        PhoneProblem.HAS_EXTENSION: _(
            "I can't save an extension. Please send the main number. "
            "You can add the extension to the name."
        ),
    }[error.problem]


async def got_number(update: Update, context: BotContext) -> Reply:
    """A typed number: saved to the draft if valid, else the reason and the same question."""
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        phone = context.services.aftercare.parse_phone(message.text)
    except PhoneError as error:
        await message.reply_text(
            _phone_reason(error, context)
            + "\n\n"
            + _("Please send the number again.")
            + "\n"
            + _number_hint(context)
        )
        return ASK_NUMBER
    draft = _draft(context)
    draft["phone"] = phone
    draft.pop("own", None)
    return await _next_step(update, context)


async def got_card(update: Update, context: BotContext) -> Reply:
    """A contact card: the person's own (the share button) or one from the address book."""
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.contact is not None
    card = message.contact
    own = update.effective_user is not None and card.user_id == update.effective_user.id
    draft = _draft(context)
    name = card_name(card.first_name, card.last_name)
    if name:
        draft["name"] = name
    draft["own"] = own
    problem = None
    try:
        draft["phone"] = context.services.aftercare.parse_shared_phone(card.phone_number, own=own)
    except PhoneError as error:
        draft.pop("phone", None)
        problem = error
    if problem is not None:
        text = _("I can't use the number on this card.") + " " + _phone_reason(problem, context)
    elif own:
        text = _("Thanks. I have your own number.")
    else:
        text = _("Thanks. I have the card for {name}.").format(name=escape(name))
    if _user_data(context).pop(KEYBOARD, None):
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    else:
        await message.reply_text(text)
    return await _next_step(update, context)


def _confirmation(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    draft = _draft(context)
    lines = [
        _("<b>Please check:</b>"),
        _("Name: {name}").format(name=escape(draft.get("name"))),
        _("Who they are: {kind}").format(kind=escape(relationship_name(draft["kind"], _))),
        _("Number: {phone}").format(phone=escape(format_phone(draft["phone"]))),
    ]
    if draft.get("own"):
        lines.append(_("This is your own number."))
    return "\n".join(lines), InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Save"), callback_data=_data("save"))],
            [InlineKeyboardButton(_("Change something"), callback_data=_data("fix"))],
            *_cancel_rows(_),
        ]
    )


def _problem_text(problem: AftercareProblem, _: Translate) -> str:
    return {
        AftercareProblem.TOO_MANY_CONTACTS: _(
            "You have {limit} people on your list. Please remove one to add another."
        ).format(limit=MAX_CONTACTS),
        AftercareProblem.TOO_MANY_STEPS: _(
            "Your plan has {limit} steps. Please take one off to add another."
        ).format(limit=MAX_STEPS),
        AftercareProblem.NAME_EMPTY: _("Please type a name."),
        AftercareProblem.NAME_TOO_LONG: _(
            "That name is a bit long. Please use {limit} characters or fewer."
        ).format(limit=NAME_MAX_LENGTH),
        AftercareProblem.STEP_EMPTY: _("Please type one thing you will do."),
        AftercareProblem.STEP_TOO_LONG: _(
            "That is a bit long. Please use {limit} characters or fewer."
        ).format(limit=STEP_MAX_LENGTH),
        AftercareProblem.UNKNOWN_RELATIONSHIP: _("Please tap one of the buttons."),
        AftercareProblem.UNKNOWN_SUGGESTION: _("This button is no longer active."),
    }[problem]


async def _refuse(update: Update, context: BotContext, text: str) -> None:
    """Say why not: on the button as a notice, or as a reply to a typed message."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
        return
    assert update.effective_message is not None
    await update.effective_message.reply_text(text)


async def save(update: Update, context: BotContext) -> Reply:
    """Save the checked draft; for someone new, then ask whether coordinators may see it."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    draft = _user_data(context).get(DRAFT)
    if not draft or not {"kind", "name", "phone"} <= set(draft):
        await query.answer(_("This button is no longer active."))
        return await _back_to_overview(update, context)
    book, user_id = context.services.aftercare, _user_id(context)
    try:
        if draft.get("editing") is not None:
            contact = book.update_contact(
                user_id,
                draft["editing"],
                name=draft["name"],
                relationship=draft["kind"],
                phone=draft["phone"],
            )
        else:
            contact = book.add_contact(
                user_id, name=draft["name"], relationship=draft["kind"], phone=draft["phone"]
            )
    except AftercareError as exc:
        await _refuse(update, context, _problem_text(exc.problem, _))
        return ConversationHandler.END
    editing = draft.get("editing") is not None
    _user_data(context).pop(DRAFT, None)
    if contact is None:
        await query.answer(_("I can't find this person any more."))
        return await _back_to_overview(update, context)
    await query.answer(_("Saved."))
    if editing:
        await show_in_place(query, *_contact_screen(contact, context), context.chat_data)
        return ConversationHandler.END
    await show_in_place(query, *_sharing_question(contact, context), context.chat_data)
    return ConversationHandler.END


def _sharing_question(
    contact: AftercareContact, context: BotContext
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    return (
        _("<b>Saved.</b>")
        + "\n"
        + contact_line(contact, _)
        + "\n\n"
        + _(
            "May the coordinators see this name and number? They would see it only in an "
            "alert about you, if they are worried about your safety. You can change this later."
        ),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Yes, they may see it"), callback_data=_data("share", contact.id, "y")
                    )
                ],
                [
                    InlineKeyboardButton(
                        _("No, keep it private"), callback_data=_data("share", contact.id, "n")
                    )
                ],
                back_to_menu_row(_),
            ]
        ),
    )


async def answered_sharing(update: Update, context: BotContext) -> Reply:
    """The answer to the question after saving; then back to the overview."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    contact_id, share = _number_from(update), _part(query.data, 3) == "y"
    contact = (
        context.services.aftercare.set_sharing(_user_id(context), contact_id, share)
        if contact_id is not None
        else None
    )
    if contact is None:
        await query.answer(_("I can't find this person any more."))
    else:
        await query.answer(
            _("Okay. The coordinators may see it.") if share else _("Okay. It stays private.")
        )
    return await _back_to_overview(update, context)


async def cancel(update: Update, context: BotContext) -> Reply:
    """The Cancel button: nothing saved, back to the overview."""
    _ = context.gettext
    assert update.callback_query is not None
    await update.callback_query.answer(_("Okay, nothing was saved."))
    return await _back_to_overview(update, context)


async def stop_flow(update: Update, context: BotContext) -> Reply:
    """/cancel while a question is open."""
    _ = context.gettext
    user_data = _user_data(context)
    user_data.pop(DRAFT, None)
    keyboard = user_data.pop(KEYBOARD, None)
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        _("Okay, I stopped. Nothing was saved."),
        reply_markup=ReplyKeyboardRemove() if keyboard else None,
    )
    return ConversationHandler.END


async def leave_to_menu(update: Update, context: BotContext) -> Reply:
    """'Main menu' during a question: drop the draft and the reply keyboard, show the menu."""
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await show_menu(update, context)
    return ConversationHandler.END


async def reask(update: Update, context: BotContext) -> None:
    """Something other than the expected answer: say what is expected, stay in the step."""
    _ = context.gettext
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        _("Please answer the question above, or send /cancel to stop.")
    )


# ---------------------------------------------------------------------------- changing


def _find_contact(update: Update, context: BotContext) -> AftercareContact | None:
    contact_id = _number_from(update)
    if contact_id is None:
        return None
    return context.services.aftercare.contact(_user_id(context), contact_id)


async def _contact_gone(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    assert update.callback_query is not None
    await update.callback_query.answer(_("I can't find this person any more."))
    return await _back_to_overview(update, context)


def _people(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    contacts = context.services.aftercare.contacts(_user_id(context))
    rows = [
        [InlineKeyboardButton(_label(contact.name), callback_data=_data("c", contact.id))]
        for contact in contacts
    ]
    if len(contacts) < MAX_CONTACTS:
        rows.append([InlineKeyboardButton(_("Add a person"), callback_data=_data("add"))])
    rows.append([InlineKeyboardButton(_("Back"), callback_data=_data("show"))])
    rows.append(back_to_menu_row(_))
    if not contacts:
        return _("No one is on your list yet."), InlineKeyboardMarkup(rows)
    text = (
        _("<b>Your people</b>")
        + "\n"
        + contact_lines(contacts, _)
        + "\n\n"
        + _("Tap a name to change or remove it.")
    )
    return text, InlineKeyboardMarkup(rows)


async def show_people(update: Update, context: BotContext) -> Reply:
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await present(update, context, *_people(context))
    return ConversationHandler.END


def _contact_screen(
    contact: AftercareContact, context: BotContext
) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    shared = contact.share_with_coordinators
    text = (
        contact_line(contact, _)
        + "\n\n"
        + (
            _("The coordinators may see this contact in an alert about you.")
            if shared
            else _("This contact is private. The coordinators don't see it.")
        )
    )
    toggle = (
        InlineKeyboardButton(_("Keep it private"), callback_data=_data("toggle", contact.id, "n"))
        if shared
        else InlineKeyboardButton(
            _("Let the coordinators see it"), callback_data=_data("toggle", contact.id, "y")
        )
    )
    return text, InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Change"), callback_data=_data("edit", contact.id))],
            [toggle],
            [InlineKeyboardButton(_("Remove"), callback_data=_data("rm", contact.id))],
            [InlineKeyboardButton(_("Back"), callback_data=_data("people"))],
            back_to_menu_row(_),
        ]
    )


async def show_contact(update: Update, context: BotContext) -> Reply:
    contact = _find_contact(update, context)
    if contact is None:
        return await _contact_gone(update, context)
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await present(update, context, *_contact_screen(contact, context))
    return ConversationHandler.END


async def toggle_sharing(update: Update, context: BotContext) -> Reply:
    query = update.callback_query
    assert query is not None
    contact_id, share = _number_from(update), _part(query.data, 3) == "y"
    contact = (
        context.services.aftercare.set_sharing(_user_id(context), contact_id, share)
        if contact_id is not None
        else None
    )
    if contact is None:
        return await _contact_gone(update, context)
    await query.answer()
    await show_in_place(query, *_contact_screen(contact, context), context.chat_data)
    return ConversationHandler.END


def _fix_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    return _("<b>What do you want to change?</b>"), InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Name"), callback_data=_data("fix", "name"))],
            [InlineKeyboardButton(_("Who they are"), callback_data=_data("fix", "kind"))],
            [InlineKeyboardButton(_("Number"), callback_data=_data("fix", "phone"))],
            *_cancel_rows(_),
        ]
    )


async def start_editing(update: Update, context: BotContext) -> Reply:
    """'Change' under a contact: a draft from what is saved, then which part to change."""
    contact = _find_contact(update, context)
    if contact is None:
        return await _contact_gone(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    _user_data(context)[DRAFT] = {
        "editing": contact.id,
        "kind": contact.relationship,
        "name": contact.name,
        "phone": contact.phone,
    }
    await show_in_place(update.callback_query, *_fix_screen(context), context.chat_data)
    return CONFIRM


async def fix(update: Update, context: BotContext) -> Reply:
    """'Change something' on the check screen, then the part: ask for just that again."""
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    draft = _user_data(context).get(DRAFT)
    if not draft:
        await query.answer(_("This button is no longer active."))
        return await _back_to_overview(update, context)
    await query.answer()
    part = _part(query.data, 2)
    if part not in ("name", "kind", "phone"):
        await _show(update, context, *_fix_screen(context))
        return CONFIRM
    draft.pop(part, None)
    if part == "phone":
        draft.pop("own", None)
    return await _next_step(update, context)


async def ask_removal(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    contact = _find_contact(update, context)
    if contact is None:
        return await _contact_gone(update, context)
    assert update.callback_query is not None
    await update.callback_query.answer()
    await show_in_place(
        update.callback_query,
        _("Remove {name} from your list?").format(name=f"<b>{escape(contact.name)}</b>"),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Yes, remove"), callback_data=_data("rmy", contact.id))],
                [InlineKeyboardButton(_("No, keep"), callback_data=_data("c", contact.id))],
                back_to_menu_row(_),
            ]
        ),
        context.chat_data,
    )
    return ConversationHandler.END


async def remove(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    contact_id = _number_from(update)
    removed = contact_id is not None and context.services.aftercare.remove_contact(
        _user_id(context), contact_id
    )
    await query.answer(_("Removed.") if removed else _("I can't find this person any more."))
    await show_in_place(query, *_people(context), context.chat_data)
    return ConversationHandler.END


# ---------------------------------------------------------------------------- the plan


def _plan_screen(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = context.gettext
    steps = context.services.aftercare.plan(_user_id(context))
    chosen = {step.suggestion for step in steps if step.suggestion}
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if key in chosen else "⬜ ") + _(SUGGESTION_NAMES[key]),
                callback_data=_data("sg", "off" if key in chosen else "on", key),
            )
        ]
        for key in SUGGESTIONS
    ]
    rows += [
        [InlineKeyboardButton("✖ " + _label(step.text or ""), callback_data=_data("rs", step.id))]
        for step in steps
        if step.text
    ]
    rows.append([InlineKeyboardButton(_("Write my own"), callback_data=_data("own"))])
    rows.append([InlineKeyboardButton(_("Back"), callback_data=_data("show"))])
    rows.append(back_to_menu_row(_))
    text = (
        _("<b>Your plan for after the exam</b>")
        + "\n"
        + _("Pick a few things you will do. Tap again to take one off. You can write your own.")
    )
    if steps:
        text += "\n\n" + plan_lines(steps, _)
    return text, InlineKeyboardMarkup(rows)


async def show_plan(update: Update, context: BotContext) -> Reply:
    if _needs_consent(context):
        return await _ask_for_consent_first(update, context)
    await _put_keyboard_away(update, context, context.gettext("Okay, nothing was saved."))
    await present(update, context, *_plan_screen(context))
    return ConversationHandler.END


async def pick_suggestion(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    key = _part(query.data, 3)
    try:
        context.services.aftercare.set_suggestion(
            _user_id(context), key, chosen=_part(query.data, 2) == "on"
        )
    except AftercareError as exc:
        await _refuse(update, context, _problem_text(exc.problem, _))
    else:
        await query.answer()
    await show_in_place(query, *_plan_screen(context), context.chat_data)
    return ConversationHandler.END


async def remove_step(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    step_id = _number_from(update)
    removed = step_id is not None and context.services.aftercare.remove_step(
        _user_id(context), step_id
    )
    await query.answer(_("Removed.") if removed else _("This is already done."))
    await show_in_place(query, *_plan_screen(context), context.chat_data)
    return ConversationHandler.END


async def ask_own_step(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    query = update.callback_query
    assert query is not None
    if len(context.services.aftercare.plan(_user_id(context))) >= MAX_STEPS:
        await _refuse(update, context, _problem_text(AftercareProblem.TOO_MANY_STEPS, _))
        return ConversationHandler.END
    await query.answer()
    await show_in_place(
        query,
        _("<b>What is one thing you will do after the exam?</b>")
        + "\n"
        + _("Type it below, in a few words. For example: make tea and watch a film."),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Back"), callback_data=_data("plan"))], back_to_menu_row(_)]
        ),
        context.chat_data,
    )
    return ASK_STEP


async def got_step(update: Update, context: BotContext) -> Reply:
    _ = context.gettext
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        context.services.aftercare.add_step(_user_id(context), message.text)
    except AftercareError as exc:
        await message.reply_text(_problem_text(exc.problem, _))
        if exc.problem == AftercareProblem.TOO_MANY_STEPS:
            return ConversationHandler.END
        return ASK_STEP
    plan_text, markup = _plan_screen(context)
    await message.reply_text(plan_text, reply_markup=markup)
    return ConversationHandler.END


# ---------------------------------------------------------------------------- wiring


class _AftercareConversation(ConversationHandler):  # type: ignore[type-arg]
    """Ends itself when the person goes elsewhere (another command, another flow's button),
    so a question left open here never takes text meant for another flow."""

    def check_update(self, update: object) -> Any:
        result = super().check_update(update)
        if result is None and isinstance(update, Update) and _goes_elsewhere(update):
            key = self._get_key(update)
            if key in self._conversations:
                self._update_state(self.END, key)
        return result


def _goes_elsewhere(update: Update) -> bool:
    if update.effective_chat is None or update.effective_user is None:
        return False
    if update.callback_query is not None:
        return not (update.callback_query.data or "").startswith(PREFIX)
    text = update.message.text if update.message is not None else None
    return bool(text and text.startswith("/"))


def _pattern(action: str) -> str:
    """``add`` matches ``aftercare:add`` exactly; ``c:`` matches ``aftercare:c:<anything>``."""
    return f"^{PREFIX}{action}" + ("" if action.endswith(":") else "(:|$)")


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    private = filters.ChatType.PRIVATE
    text = private & filters.TEXT & ~filters.COMMAND
    card = private & filters.CONTACT
    buttons = [
        (show_overview, "show"),
        (open_overview, "open"),
        (start_adding, "add"),
        (picked_kind, "kind:"),
        (save, "save"),
        (fix, "fix"),
        (cancel, "cancel"),
        (answered_sharing, "share:"),
        (show_people, "people"),
        (show_contact, "c:"),
        (toggle_sharing, "toggle:"),
        (start_editing, "edit:"),
        (ask_removal, "rm:"),
        (remove, "rmy:"),
        (show_plan, "plan"),
        (pick_suggestion, "sg:"),
        (remove_step, "rs:"),
        (ask_own_step, "own"),
    ]
    entry_points: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler("aftercare", show_overview, filters=private),
    ]
    entry_points += [
        CallbackQueryHandler(callback, pattern=_pattern(action)) for callback, action in buttons
    ]
    return [
        _AftercareConversation(
            name="aftercare",
            persistent=True,
            allow_reentry=True,
            entry_points=entry_points,
            states={
                CHOOSE_KIND: [MessageHandler(card, got_card)],
                ASK_NAME: [MessageHandler(text, got_name), MessageHandler(card, got_card)],
                ASK_NUMBER: [MessageHandler(text, got_number), MessageHandler(card, got_card)],
                CONFIRM: [MessageHandler(card, got_card)],
                ASK_STEP: [MessageHandler(text, got_step)],
            },
            fallbacks=[
                CommandHandler("cancel", stop_flow, filters=private),
                CallbackQueryHandler(leave_to_menu, pattern=f"^{MENU}$"),
                MessageHandler(private & ~filters.COMMAND, reask),
            ],
        )
    ]
