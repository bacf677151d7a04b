"""The Bot API specification and strict decoding of request parameters against it.

``api.json`` (next to this module) is the machine-readable Bot API description published by
the MIT-licensed project PaulSonOfLars/telegram-bot-api-spec, scraped from Telegram's
official documentation and copied here unchanged (licence in ``LICENSE-api-spec``). It lists
every method and type with its fields, their types and whether they are required.

Decoding follows what Telegram accepts: form and query values are strings, and non-string
values arrive JSON-encoded (python-telegram-bot sends them that way); JSON bodies carry
native values. Anything Telegram would refuse (a missing required parameter, a value of
the wrong type, a malformed nested object) becomes a 400 with a Telegram-like description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.simulator.errors import ApiError, bad_request, lower_first

SPEC_PATH = Path(__file__).with_name("api.json")

MARKUP_TYPES = frozenset(
    {"InlineKeyboardMarkup", "ReplyKeyboardMarkup", "ReplyKeyboardRemove", "ForceReply"}
)
SCALARS = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_INTEGER = re.compile(r"^-?\d{1,20}$")
_FLOAT = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

# Telegram's own descriptions when these parameters are missing (or empty).
_MISSING_MESSAGES = {
    "chat_id": "chat_id is empty",
    "text": "message text is empty",
    "message_id": "message identifier is not specified",
    "user_id": "invalid user_id specified",
    "callback_query_id": "query is too old and response timeout expired or query ID is invalid",
    "action": "wrong parameter action in request",
}
# Parameters whose empty string is a meaningful value rather than "absent".
_EMPTY_ALLOWED = frozenset({("setwebhook", "url")})
_DISPLAY_NAMES = {
    "InlineKeyboardButton": "inline keyboard button",
    "KeyboardButton": "keyboard button",
}


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str = ""


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API type; abstract types list their ``subtypes``."""

    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...]
    type_value: str | None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method."""

    name: str
    fields: tuple[FieldSpec, ...]
    returns: tuple[str, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    field_name: str
    filename: str | None
    content_type: str | None
    content: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes)"


def _fields(raw: list[dict[str, Any]] | None) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), f.get("description", ""))
        for f in raw or []
    )


def _type_value(fields: tuple[FieldSpec, ...]) -> str | None:
    """The discriminating ``type`` value of a subtype ("Scope type, must be chat")."""
    for field in fields:
        if field.name in ("type", "source", "status"):
            match = re.search(r"(?:must be|always)\s+[“\"]?([a-z0-9_]+)", field.description)
            return match.group(1) if match else None
    return None


class ApiSpec:
    """Methods and types of the Bot API, looked up case-insensitively like Telegram."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.release_date: str = data.get("release_date", "")
        self.methods: dict[str, MethodSpec] = {}
        for name, raw in data["methods"].items():
            self.methods[name.lower()] = MethodSpec(
                name, _fields(raw.get("fields")), tuple(raw.get("returns", ()))
            )
        self.types: dict[str, TypeSpec] = {}
        for name, raw in data["types"].items():
            fields = _fields(raw.get("fields"))
            self.types[name] = TypeSpec(
                name, fields, tuple(raw.get("subtypes", ())), _type_value(fields)
            )

    @classmethod
    def load(cls, path: Path | None = None) -> ApiSpec:
        """Load ``api.json`` (cached for the bundled file)."""
        if path is None:
            return _bundled_spec()
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def type(self, name: str) -> TypeSpec | None:
        return self.types.get(name)

    # ------------------------------------------------------------------ top level

    def decode_params(self, method: MethodSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Check and convert a request's parameters; unknown parameters are ignored."""
        decoded: dict[str, Any] = {}
        for field in method.fields:
            value = raw.get(field.name)
            absent = value is None or (
                isinstance(value, str)
                and value == ""
                and (method.name.lower(), field.name) not in _EMPTY_ALLOWED
            )
            if absent:
                if field.required:
                    raise self.missing(field)
                continue
            decoded[field.name] = self.decode_top_level(field, value)
        return decoded

    @staticmethod
    def missing(field: FieldSpec) -> ApiError:
        """Telegram's description for a missing required parameter."""
        if field.name in _MISSING_MESSAGES:
            return bad_request(_MISSING_MESSAGES[field.name])
        if "InputFile" in field.types:
            return bad_request(f"there is no {field.name} in the request")
        return bad_request(f'parameter "{field.name}" is required')

    def decode_top_level(self, field: FieldSpec, value: Any) -> Any:
        """Decode one parameter: form strings are converted, JSON values checked."""
        types = field.types
        if isinstance(value, UploadedFile):
            if "InputFile" in types:
                return value
            raise bad_request(f'field "{field.name}" must be of type {_type_word(types[0])}')
        if set(types) <= MARKUP_TYPES:
            return _decode_json_text(value, "reply keyboard markup")
        if types == ("Integer", "String"):
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise bad_request(f'field "{field.name}" must be of type Number or String')
            if isinstance(value, str) and _INTEGER.match(value.strip()):
                return int(value.strip())
            return value
        if "InputFile" in types:
            if isinstance(value, str):
                return value
            raise bad_request(f'field "{field.name}" must be of type InputFile or String')
        if len(types) == 1 and types[0] in SCALARS:
            return decode_scalar(types[0], value, field.name)
        what = "entities" if field.name.endswith("entities") else field.name
        parsed = _decode_json_text(value, what)
        return self.check_alternatives(types, parsed, name=field.name, prefix="")

    # ------------------------------------------------------------------ nested values

    def check_alternatives(
        self, types: tuple[str, ...], value: Any, *, name: str, prefix: str
    ) -> Any:
        """Check ``value`` against a union of type expressions; first match wins."""
        first_error: ApiError | None = None
        for type_expr in types:
            try:
                return self.check_value(type_expr, value, name=name, prefix=prefix)
            except ApiError as error:
                first_error = first_error or error
        assert first_error is not None
        raise first_error

    def check_value(self, type_expr: str, value: Any, *, name: str, prefix: str) -> Any:
        """Check one JSON value against a type expression such as ``Array of BotCommand``."""
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                raise _field_error(prefix, f'Field "{name}" must be of type Array')
            inner = type_expr[len("Array of ") :]
            element_prefix = prefix
            if not prefix and self.type(inner) is not None:
                element_prefix = f"can't parse {_DISPLAY_NAMES.get(inner, inner)}: "
            return [
                self.check_value(inner, item, name=name, prefix=element_prefix) for item in value
            ]
        if type_expr in SCALARS:
            return _scalar_nested(type_expr, value, name, prefix)
        type_spec = self.type(type_expr)
        if type_spec is None:
            return value
        return self.check_object(type_spec, value, prefix=prefix)

    def check_object(self, type_spec: TypeSpec, value: Any, *, prefix: str) -> dict[str, Any]:
        """Check a JSON object's required fields and field types, recursively."""
        if not isinstance(value, dict):
            raise _field_error(
                prefix or f"can't parse {type_spec.name}: ",
                f"{type_spec.name} should be an Object",
            )
        if type_spec.subtypes:
            return self._check_abstract(
                type_spec, value, prefix or f"can't parse {type_spec.name}: "
            )
        result = dict(value)
        for field in type_spec.fields:
            if field.name not in value or value[field.name] is None:
                if field.required:
                    raise _field_error(prefix, f'Can\'t find field "{field.name}"')
                continue
            result[field.name] = self.check_alternatives(
                field.types, value[field.name], name=field.name, prefix=prefix
            )
        return result

    def _check_abstract(self, base: TypeSpec, value: dict[str, Any], prefix: str) -> dict[str, Any]:
        """Pick the subtype by its discriminator (``type``, ``source``, ``status``) and check."""
        subtypes = [t for t in (self.type(name) for name in base.subtypes) if t is not None]
        discriminated = [t for t in subtypes if t.type_value is not None]
        if discriminated:
            discriminator = _discriminator(discriminated[0])
            if discriminator not in value:
                raise _field_error(prefix, f'Can\'t find field "{discriminator}"')
            candidates = [t for t in discriminated if value.get(discriminator) == t.type_value]
            if not candidates:
                raise _field_error(prefix, "Unsupported type specified")
        else:
            candidates = subtypes
        first_error: ApiError | None = None
        for candidate in candidates:
            try:
                return self.check_object(candidate, value, prefix=prefix)
            except ApiError as error:
                first_error = first_error or error
        if first_error is None:
            return dict(value)
        raise first_error


def _discriminator(type_spec: TypeSpec) -> str:
    return next(
        (f.name for f in type_spec.fields if f.name in ("type", "source", "status")), "type"
    )


@lru_cache(maxsize=1)
def _bundled_spec() -> ApiSpec:
    return ApiSpec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))


def _type_word(type_name: str) -> str:
    if type_name in ("Integer", "Float"):
        return "Number"
    if type_name.startswith("Array of "):
        return "Array"
    if type_name in SCALARS:
        return type_name
    return "Object"


def _field_error(prefix: str, message: str) -> ApiError:
    if prefix:
        return bad_request(prefix + message)
    return bad_request(lower_first(message))


def _decode_json_text(value: Any, what: str) -> Any:
    """Form fields carry JSON text; JSON bodies may carry either text or the value itself."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {what} JSON object") from None


def decode_scalar(type_name: str, value: Any, name: str) -> Any:
    """A top-level scalar from a form string or a JSON value (400 when it is not one)."""
    error = bad_request(f'field "{name}" must be of type {_type_word(type_name)}')
    if type_name == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
        raise error
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            return int(value.strip())
        raise error
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and _FLOAT.match(value.strip()):
            return float(value.strip())
        raise error
    if type_name in ("Boolean", "True"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        raise error
    return value


def _scalar_nested(type_name: str, value: Any, name: str, prefix: str) -> Any:
    """A scalar inside a JSON object, checked as tdlib's JSON helpers do."""
    if type_name == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
        raise _field_error(prefix, f'Field "{name}" must be of type String')
    if type_name in ("Integer", "Float"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if type_name == "Integer" and isinstance(value, float):
                if not value.is_integer():
                    raise _field_error(prefix, f'Field "{name}" must be a valid Number')
                return int(value)
            return value
        if isinstance(value, str) and (
            _INTEGER.match(value) if type_name == "Integer" else _FLOAT.match(value)
        ):
            return int(value) if type_name == "Integer" else float(value)
        raise _field_error(prefix, f'Field "{name}" must be a Number')
    if type_name in ("Boolean", "True"):
        if isinstance(value, bool):
            return value
        raise _field_error(prefix, f'Field "{name}" must be of type Boolean')
    return value
