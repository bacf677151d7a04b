"""Errors the simulator answers with, shaped exactly like Telegram's error responses."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error: becomes ``{"ok": false, "error_code": ..., "description": ...}``.

    The HTTP status of the response equals ``error_code``, as with Telegram.
    """

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_payload(self) -> dict[str, Any]:
        """The JSON body Telegram would send for this error."""
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        parameters: dict[str, int] = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            payload["parameters"] = parameters
        return payload


class SimulatorError(Exception):
    """A misuse of the simulator's control API by a test (not a Bot API error)."""


def lower_first(message: str) -> str:
    """Telegram's Bot API server lower-cases the first letter of tdlib's messages."""
    return message[:1].lower() + message[1:]


def bad_request(message: str) -> ApiError:
    """400 ``Bad Request: <message>``."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """403 ``Forbidden: <message>``."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``parameters.retry_after``, as Telegram's flood control answers."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def not_supported(what: str) -> ApiError:
    """Something Telegram offers but the simulator does not model: never a fake success."""
    return bad_request(f"{what} is not supported by the simulator")


UNAUTHORIZED = (401, "Unauthorized")
NOT_FOUND = (404, "Not Found")
