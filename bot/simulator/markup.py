"""Validation of ``reply_markup`` the way the Bot API server parses it.

Returns the markup as Telegram stores it: an inline button keeps only the action Telegram
uses, empty rows disappear, and an inline keyboard without buttons means "no keyboard".
"""

from __future__ import annotations

from typing import Any

from bot.simulator.entities import check_link, utf16_len
from bot.simulator.errors import bad_request
from bot.simulator.spec import ApiSpec

MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100

# Inline button actions in the order the server looks for them.
_INLINE_ACTIONS = (
    "url",
    "login_url",
    "callback_data",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_KEYBOARD_BOOLEANS = ("is_persistent", "resize_keyboard", "one_time_keyboard", "selective")
_INLINE_PREFIX = "can't parse inline keyboard button: "
_KEYBOARD_PREFIX = "can't parse keyboard button: "


def parse_reply_markup(
    value: Any, spec: ApiSpec, *, inline_only: bool, bot_username: str
) -> dict[str, Any] | None:
    """Check a decoded ``reply_markup``; ``None`` means the message gets no markup."""
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        return _inline_keyboard(value, spec, bot_username)
    if inline_only and any(
        key in value for key in ("keyboard", "remove_keyboard", "hide_keyboard", "force_reply")
    ):
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        return _reply_keyboard(value, spec)
    if "remove_keyboard" in value or "hide_keyboard" in value:
        flag = value.get("remove_keyboard", value.get("hide_keyboard"))
        name = "remove_keyboard" if "remove_keyboard" in value else "hide_keyboard"
        _require_bool(value, name)
        _require_bool(value, "selective")
        result: dict[str, Any] = {"remove_keyboard": bool(flag)}
        if value.get("selective"):
            result["selective"] = True
        return result
    if "force_reply" in value:
        _require_bool(value, "force_reply")
        _require_bool(value, "selective")
        _require_string(value, "input_field_placeholder")
        result = {"force_reply": bool(value["force_reply"])}
        for key in ("input_field_placeholder", "selective"):
            if value.get(key) not in (None, False):
                result[key] = value[key]
        return result
    return None


def _require_bool(value: dict[str, Any], name: str) -> None:
    if name in value and not isinstance(value[name], bool):
        raise bad_request(f'field "{name}" must be of type Boolean')


def _require_string(value: dict[str, Any], name: str) -> None:
    if name in value and not isinstance(value[name], str):
        raise bad_request(f'field "{name}" must be of type String')


def _rows(value: dict[str, Any], key: str, markup_type: str) -> list[list[Any]]:
    rows = value[key]
    if not isinstance(rows, list):
        raise bad_request(f'field "{key}" must be of type Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(f'field "{key}" of the {markup_type} should be an Array of Arrays')
    return rows


def _inline_keyboard(
    value: dict[str, Any], spec: ApiSpec, bot_username: str
) -> dict[str, Any] | None:
    rows = _rows(value, "inline_keyboard", "InlineKeyboardMarkup")
    button_spec = spec.type("InlineKeyboardButton")
    assert button_spec is not None
    result_rows: list[list[dict[str, Any]]] = []
    total = 0
    for row in rows:
        result_row = []
        for button in row:
            if not isinstance(button, dict):
                raise bad_request(_INLINE_PREFIX + "InlineKeyboardButton should be an Object")
            if "text" not in button:
                raise bad_request(_INLINE_PREFIX + 'Can\'t find field "text"')
            if not isinstance(button["text"], str):
                raise bad_request(_INLINE_PREFIX + 'Field "text" must be of type String')
            checked = spec.check_object(button_spec, button, prefix=_INLINE_PREFIX)
            result_row.append(_inline_button(checked, bot_username))
        total += len(result_row)
        if result_row:
            result_rows.append(result_row)
    if total > MAX_INLINE_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    if not result_rows:
        return None
    return {"inline_keyboard": result_rows}


def _inline_button(button: dict[str, Any], bot_username: str) -> dict[str, Any]:
    """Validate one inline button's action; returns the button as Telegram stores it."""
    action = next(
        (
            name
            for name in _INLINE_ACTIONS
            if name in button
            and button[name] is not None
            and not (name in ("url", "callback_data") and button[name] == "")
        ),
        None,
    )
    if action is None:
        raise bad_request(_INLINE_PREFIX + "Text buttons are unallowed in the inline keyboard")
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    result: dict[str, Any] = {"text": button["text"]}
    for extra in ("icon_custom_emoji_id", "style"):
        if button.get(extra):
            result[extra] = button[extra]
    if result.get("style") not in (None, "danger", "success", "primary"):
        raise bad_request("BUTTON_STYLE_INVALID")
    payload = button[action]
    if action == "url":
        normalised, error = check_link(payload)
        if error:
            raise bad_request(f"inline keyboard button URL '{payload}' is invalid: {error}")
        payload = normalised
    elif action == "callback_data":
        if len(payload.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "web_app":
        url = payload.get("url", "")
        _, error = check_link(url, https_only=True)
        if error:
            raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: {error}")
    elif action == "login_url":
        url = payload.get("url", "")
        _, error = check_link(url, https_only=True)
        if error:
            raise bad_request(f"inline keyboard button login URL '{url}' is invalid: {error}")
        username = payload.get("bot_username")
        if username is not None and username.lstrip("@").lower() != bot_username.lower():
            raise bad_request(f'bot "{username}" not found')
    elif action == "copy_text":
        copied = payload.get("text", "")
        if not 1 <= utf16_len(copied) <= 256:
            raise bad_request("BUTTON_COPY_TEXT_INVALID")
    elif action in ("callback_game", "pay"):
        raise bad_request("BUTTON_TYPE_INVALID")
    result[action] = payload
    return result


def _reply_keyboard(value: dict[str, Any], spec: ApiSpec) -> dict[str, Any]:
    rows = _rows(value, "keyboard", "ReplyKeyboardMarkup")
    for name in _KEYBOARD_BOOLEANS:
        _require_bool(value, name)
    _require_string(value, "input_field_placeholder")
    button_spec = spec.type("KeyboardButton")
    assert button_spec is not None
    result_rows: list[list[dict[str, Any]]] = []
    for row in rows:
        result_row = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict):
                raise bad_request(_KEYBOARD_PREFIX + "KeyboardButton should be an Object")
            if "text" not in button:
                raise bad_request(_KEYBOARD_PREFIX + 'Can\'t find field "text"')
            checked = spec.check_object(button_spec, button, prefix=_KEYBOARD_PREFIX)
            if not checked["text"].strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            web_app = checked.get("web_app")
            if web_app is not None:
                url = web_app.get("url", "")
                _, error = check_link(url, https_only=True)
                if error:
                    raise bad_request(f"keyboard button Web App URL '{url}' is invalid: {error}")
            request_users = checked.get("request_users")
            if request_users is not None and not 1 <= request_users.get("max_quantity", 1) <= 10:
                raise bad_request("BUTTON_QUANTITY_MAX_INVALID")
            result_row.append(checked)
        if result_row:
            result_rows.append(result_row)
    result: dict[str, Any] = {"keyboard": result_rows}
    for key in (*_KEYBOARD_BOOLEANS, "input_field_placeholder"):
        if value.get(key) not in (None, False):
            result[key] = value[key]
    return result
