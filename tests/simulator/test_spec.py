"""Parameter decoding against the Bot API specification, and reply_markup validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.simulator.errors import ApiError
from bot.simulator.markup import parse_reply_markup
from bot.simulator.spec import ApiSpec, UploadedFile

SPEC = ApiSpec.load()


def decode(method: str, **raw: Any) -> dict[str, Any]:
    spec = SPEC.method(method)
    assert spec is not None
    return SPEC.decode_params(spec, raw)


def error_of(function: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ApiError) as caught:
        function(*args, **kwargs)
    assert caught.value.error_code == 400
    return caught.value.description


def markup(value: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    return parse_reply_markup(value, SPEC, inline_only=inline_only, bot_username="ime_guide_bot")


def test_spec_is_the_bundled_bot_api_description() -> None:
    assert SPEC.version.startswith("Bot API")
    assert SPEC.method("SENDMESSAGE") is SPEC.method("sendMessage")
    assert SPEC.method("sendNothing") is None


def test_form_strings_are_decoded_by_declared_type() -> None:
    params = decode(
        "sendMessage",
        chat_id="1001",
        text="42",
        disable_notification="true",
        reply_parameters='{"message_id": 3}',
        entities='[{"type": "bold", "offset": 0, "length": 1}]',
    )
    assert params["chat_id"] == 1001
    assert params["text"] == "42"
    assert params["disable_notification"] is True
    assert params["reply_parameters"] == {"message_id": 3}
    assert params["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
    assert decode("sendMessage", chat_id="@channel", text="x")["chat_id"] == "@channel"
    assert decode("getUpdates", allowed_updates='["message"]', timeout="5") == {
        "allowed_updates": ["message"],
        "timeout": 5,
    }


def test_json_values_are_checked_as_they_are() -> None:
    assert decode("sendMessage", chat_id=-100123, text="x")["chat_id"] == -100123
    assert decode("getUpdates", limit=10)["limit"] == 10
    assert (
        error_of(decode, "getUpdates", limit=True)
        == 'Bad Request: field "limit" must be of type Number'
    )
    assert (
        error_of(decode, "getUpdates", limit="ten")
        == 'Bad Request: field "limit" must be of type Number'
    )
    assert error_of(decode, "sendMessage", chat_id=1, text="x", disable_notification="yes") == (
        'Bad Request: field "disable_notification" must be of type Boolean'
    )
    assert error_of(decode, "sendMessage", chat_id=1, text=["x"]) == (
        'Bad Request: field "text" must be of type String'
    )


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        ("sendMessage", {"text": "x"}, "chat_id is empty"),
        ("sendMessage", {"chat_id": "", "text": "x"}, "chat_id is empty"),
        ("sendMessage", {"chat_id": 1}, "message text is empty"),
        ("sendMessage", {"chat_id": 1, "text": ""}, "message text is empty"),
        ("sendDocument", {"chat_id": 1}, "there is no document in the request"),
        ("sendPhoto", {"chat_id": 1}, "there is no photo in the request"),
        (
            "answerCallbackQuery",
            {},
            "query is too old and response timeout expired or query ID is invalid",
        ),
        ("sendChatAction", {"chat_id": 1}, "wrong parameter action in request"),
        ("getChatMember", {"chat_id": 1}, "invalid user_id specified"),
        ("deleteMessage", {"chat_id": 1}, "message identifier is not specified"),
        ("setMyCommands", {}, 'parameter "commands" is required'),
        ("sendPoll", {"chat_id": 1}, 'parameter "question" is required'),
    ],
)
def test_missing_required_parameters(method: str, raw: dict[str, Any], message: str) -> None:
    assert error_of(decode, method, **raw) == f"Bad Request: {message}"


def test_nested_objects_are_checked_with_telegram_wording() -> None:
    assert error_of(
        decode, "sendMessage", chat_id=1, text="x", reply_parameters={"quote": "a"}
    ) == ('Bad Request: can\'t find field "message_id"')
    assert (
        error_of(
            decode, "sendMessage", chat_id=1, text="x", link_preview_options={"is_disabled": "yes"}
        )
        == 'Bad Request: field "is_disabled" must be of type Boolean'
    )
    assert (
        error_of(
            decode, "sendMessage", chat_id=1, text="x", entities=[{"type": "bold", "offset": 0}]
        )
        == "Bad Request: can't parse MessageEntity: Can't find field \"length\""
    )
    assert error_of(decode, "sendMessage", chat_id=1, text="x", entities="[not json") == (
        "Bad Request: can't parse entities JSON object"
    )
    commands = [{"command": "start", "description": "Start"}]
    assert error_of(decode, "setMyCommands", commands=commands, scope={"type": "chat"}) == (
        "Bad Request: can't parse BotCommandScope: Can't find field \"chat_id\""
    )
    assert error_of(decode, "setMyCommands", commands=commands, scope={"type": "everyone"}) == (
        "Bad Request: can't parse BotCommandScope: Unsupported type specified"
    )
    assert error_of(decode, "setMyCommands", commands=[{"command": "x"}]) == (
        "Bad Request: can't parse BotCommand: Can't find field \"description\""
    )


def test_files_must_be_uploaded_where_the_spec_says_input_file() -> None:
    upload = UploadedFile("document", "a.txt", "text/plain", b"x")
    assert decode("sendDocument", chat_id=1, document=upload)["document"] is upload
    assert decode("sendDocument", chat_id=1, document="BQACfileid")["document"] == "BQACfileid"
    assert error_of(decode, "sendMessage", chat_id=1, text=upload) == (
        'Bad Request: field "text" must be of type String'
    )


def test_unknown_parameters_are_ignored_like_telegram() -> None:
    assert decode("getMe", unknown="1") == {}


# ------------------------------------------------------------------ reply markup


def test_inline_keyboard_is_normalised() -> None:
    result = markup(
        {
            "inline_keyboard": [
                [
                    {"text": "A", "callback_data": "a", "url": ""},
                    {"text": "B", "url": "example.com"},
                ],
                [],
            ]
        }
    )
    assert result == {
        "inline_keyboard": [
            [{"text": "A", "callback_data": "a"}, {"text": "B", "url": "http://example.com/"}]
        ]
    }
    assert markup({"inline_keyboard": []}) is None
    assert markup({}) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "can't parse reply keyboard markup JSON object"),
        ([1], "object expected as reply markup"),
        ({"inline_keyboard": "bad"}, 'field "inline_keyboard" must be of type Array'),
        (
            {"inline_keyboard": [{"text": "a"}]},
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
        ),
        (
            {"inline_keyboard": [["a"]]},
            "can't parse inline keyboard button: InlineKeyboardButton should be an Object",
        ),
        (
            {"inline_keyboard": [[{"callback_data": "x"}]]},
            "can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            {"inline_keyboard": [[{"text": 1, "callback_data": "x"}]]},
            'can\'t parse inline keyboard button: Field "text" must be of type String',
        ),
        (
            {"inline_keyboard": [[{"text": "a"}]]},
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": "a", "callback_data": ""}]]},
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        ({"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}, "BUTTON_DATA_INVALID"),
        ({"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}, "BUTTON_TEXT_INVALID"),
        (
            {"inline_keyboard": [[{"text": "a", "url": "not-a-url"}]]},
            "inline keyboard button URL 'not-a-url' is invalid: Wrong HTTP URL",
        ),
        (
            {"inline_keyboard": [[{"text": "a", "url": "ftp://example.com"}]]},
            "inline keyboard button URL 'ftp://example.com' is invalid: Unsupported URL protocol",
        ),
        (
            {"inline_keyboard": [[{"text": "a", "web_app": {"url": "http://example.com"}}]]},
            "inline keyboard button Web App URL 'http://example.com' is invalid: "
            "Only HTTPS links are allowed",
        ),
        ({"inline_keyboard": [[{"text": "a", "pay": True}]]}, "BUTTON_TYPE_INVALID"),
        (
            {"inline_keyboard": [[{"text": "a", "copy_text": {"text": ""}}]]},
            "BUTTON_COPY_TEXT_INVALID",
        ),
        (
            {
                "inline_keyboard": [
                    [{"text": "a", "switch_inline_query_chosen_chat": {"allow_user_chats": "yes"}}]
                ]
            },
            'can\'t parse inline keyboard button: Field "allow_user_chats" must be of type Boolean',
        ),
        (
            {"inline_keyboard": [[{"text": str(i), "callback_data": "x"}] for i in range(101)]},
            "REPLY_MARKUP_TOO_LONG",
        ),
        ({"keyboard": "bad"}, 'field "keyboard" must be of type Array'),
        (
            {"keyboard": [[{"request_contact": True}]]},
            "can't parse keyboard button: Can't find field \"text\"",
        ),
        (
            {"keyboard": [["A"]], "resize_keyboard": "yes"},
            'field "resize_keyboard" must be of type Boolean',
        ),
        (
            {"keyboard": [[{"text": "c", "request_chat": {"chat_is_channel": True}}]]},
            "can't parse keyboard button: Can't find field \"request_id\"",
        ),
        ({"remove_keyboard": "yes"}, 'field "remove_keyboard" must be of type Boolean'),
        ({"force_reply": "yes"}, 'field "force_reply" must be of type Boolean'),
    ],
)
def test_reply_markup_errors(value: Any, message: str) -> None:
    method = SPEC.method("sendMessage")
    assert method is not None
    field = method.field("reply_markup")
    assert field is not None

    def parse_form_value() -> Any:
        raw = value if isinstance(value, str) else json.dumps(value)
        return markup(SPEC.decode_top_level(field, raw))

    assert error_of(parse_form_value) == f"Bad Request: {message}"


def test_callback_data_limit_is_64_utf8_bytes() -> None:
    assert markup({"inline_keyboard": [[{"text": "a", "callback_data": "é" * 32}]]}) is not None
    assert markup({"inline_keyboard": [[{"text": "a", "callback_data": "x" * 64}]]}) is not None


def test_reply_keyboards_remove_and_force_reply() -> None:
    assert markup({"keyboard": [["Yes", {"text": "No"}]], "one_time_keyboard": True}) == {
        "keyboard": [[{"text": "Yes"}, {"text": "No"}]],
        "one_time_keyboard": True,
    }
    assert markup({"remove_keyboard": True}) == {"remove_keyboard": True}
    assert markup({"force_reply": True, "input_field_placeholder": "Name"}) == {
        "force_reply": True,
        "input_field_placeholder": "Name",
    }


def test_edits_accept_only_inline_keyboards() -> None:
    assert error_of(markup, {"keyboard": [["A"]]}, inline_only=True) == (
        "Bad Request: inline keyboard expected"
    )
