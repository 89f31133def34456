"""What a connection is told outside the session's log: error codes, WebSocket close codes, and
the one error body shared by HTTP, WebSocket and SSE."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

from firstword.events.kinds import EventType
from firstword.events.payloads import ErrorPayload


class ErrorCode(StrEnum):
    """Machine names of errors, as ``data.code`` (connection errors) and ``error.code`` (HTTP)."""

    # Audio frames (dropped; the connection stays open unless said otherwise).
    EMPTY_FRAME = "empty_frame"
    ODD_LENGTH = "odd_length"
    NOT_PCM = "not_pcm"
    FRAME_TOO_LARGE = "frame_too_large"
    UNSUPPORTED_SAMPLE_RATE = "unsupported_sample_rate"
    AUDIO_BUSY = "audio_busy"
    # Audio faster than real time beyond the connection's burst: dropped, never queued.
    AUDIO_TOO_FAST = "audio_too_fast"
    # Control messages.
    MESSAGE_TOO_LARGE = "message_too_large"
    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_MESSAGE = "unknown_message"
    BAD_REQUEST = "bad_request"
    # Text that is not valid Unicode (a lone surrogate, \ud800-\udfff), in a message, a
    # profile or a label: refused at the edge, so that every event can be encoded.
    INVALID_TEXT = "invalid_text"
    # A practice-mode control (practice.*, voice.*) sent to a session that is not one.
    NOT_PRACTICE = "not_practice"
    # The owner opened a newer connection that now carries the audio; this one is closed.
    REPLACED = "replaced"
    # Access.
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    REVOKED = "revoked"
    READ_ONLY = "read_only"
    UNKNOWN_SESSION = "unknown_session"
    SESSION_CLOSED = "session_closed"
    SERVED_ELSEWHERE = "served_elsewhere"
    # Event streams.
    REPLAY_GAP = "replay_gap"
    SUBSCRIBER_DROPPED = "subscriber_dropped"
    # Published in the session's log (with answer_id and retryable).
    LLM_ERROR = "llm_error"
    # HTTP only: a request the server could not take (validation, size, type).
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"


class ControlType(StrEnum):
    """Text frames a client sends up the session WebSocket (``{"type": ...}``), and the answer to
    a ping."""

    START = "start"
    STOP = "stop"
    END = "end"
    MESSAGE = "message"
    PING = "ping"
    PONG = "pong"
    # Practice mode (Nova): begin the interview; the candidate's "done" key; end it now.
    PRACTICE_START = "practice.start"
    PRACTICE_DONE = "practice.done"
    PRACTICE_FINISH = "practice.finish"
    # How much of a spoken utterance the page has played; this page cannot play audio at all.
    VOICE_PLAYED = "voice.played"
    VOICE_UNAVAILABLE = "voice.unavailable"


class CloseCode(IntEnum):
    """WebSocket close codes. 4000-4999 are the application's own: 4000 + the HTTP status."""

    NORMAL = 1000
    TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN = 1013
    BAD_REQUEST = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    CONFLICT = 4409
    GONE = 4410
    UNSUPPORTED_AUDIO = 4415
    # Sent by a page that drops its own connection on purpose (to resume it at once).
    CLIENT_DROP = 4000
    # The owner's newer connection took over the session's audio (another tab, or the same
    # page after a link that froze without closing): this one must not reconnect by itself.
    REPLACED = 4001

    @classmethod
    def for_status(cls, status: int) -> CloseCode:
        return cls(4000 + status)


# Closes after which reconnecting cannot help (the page stops and says why); after any other
# close (a network drop, 1013 "too slow") it resumes from the last event it showed.
FATAL_CLOSE_CODES = frozenset(
    {
        CloseCode.BAD_REQUEST,
        CloseCode.UNAUTHORIZED,
        CloseCode.FORBIDDEN,
        CloseCode.NOT_FOUND,
        CloseCode.GONE,
        CloseCode.UNSUPPORTED_AUDIO,
        CloseCode.TOO_BIG,
        CloseCode.REPLACED,
    }
)

# Status of an HTTP error by its code, where a code always means one status.
ERROR_STATUS: dict[ErrorCode, int] = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.INVALID_REQUEST: 422,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.REVOKED: 403,
    ErrorCode.READ_ONLY: 403,
    ErrorCode.UNKNOWN_SESSION: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.SERVED_ELSEWHERE: 409,
    ErrorCode.SESSION_CLOSED: 410,
    ErrorCode.CONFLICT: 409,
    ErrorCode.REPLAY_GAP: 410,
    ErrorCode.MESSAGE_TOO_LARGE: 413,
    ErrorCode.INVALID_TEXT: 400,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}

# The code an HTTP error gets when the handler named none.
_DEFAULT_CODE_FOR_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    409: ErrorCode.CONFLICT,
    410: ErrorCode.REPLAY_GAP,
    413: ErrorCode.MESSAGE_TOO_LARGE,
    422: ErrorCode.INVALID_REQUEST,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.UNAVAILABLE,
}


def code_for_status(status: int) -> ErrorCode:
    return _DEFAULT_CODE_FOR_STATUS.get(status, ErrorCode.INTERNAL if status >= 500 else ErrorCode.BAD_REQUEST)


def http_error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """The body of every HTTP error: ``{"error": {"status", "code", "message"}}``."""
    return {"error": {"status": status, "code": str(code or code_for_status(status)), "message": message}}


def connection_error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """An error for one connection only: not part of the session's log, so no sequence number."""
    data = ErrorPayload(code=str(code), message=message, **extra).to_data()
    return {"seq": None, "type": EventType.ERROR.value, "turn": None, "data": data}


def connection_error_json(code: str, message: str, **extra: Any) -> str:
    return json.dumps(connection_error(code, message, **extra))


def connection_error_sse(code: str, message: str, **extra: Any) -> bytes:
    """The same error as an SSE frame (no ``id:``: it is not in the log)."""
    return f"event: {EventType.ERROR.value}\ndata: {connection_error_json(code, message, **extra)}\n\n".encode()


PONG_JSON = json.dumps({"seq": None, "type": ControlType.PONG.value, "turn": None, "data": {}})
