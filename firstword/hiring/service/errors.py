"""Refusals of the hiring domain, as HTTP errors with a machine-readable code.

They are Starlette ``HTTPException``s carrying ``code``, so the app's one error handler
(``server.errors``) renders them as ``{"error": {"status", "code", "message"}}``; the CLI prints
their message.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException


class HiringError(HTTPException):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers=headers)
        self.code = code
        self.message = message


def not_found(what: str) -> HiringError:
    # Another organisation's object reads as unknown, never as forbidden: its existence is theirs.
    return HiringError(404, "not_found", f"no such {what}")


def invalid(message: str) -> HiringError:
    return HiringError(422, "invalid_request", message)


def conflict(code: str, message: str) -> HiringError:
    return HiringError(409, code, message)
