"""What every hiring API router shares: its prefix, the no-store header, and the documented
refusals (in the app's one error body, ``server.errors.ErrorBody``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from firstword.events.wire import http_error_body
from firstword.hiring.web.deps import no_store
from firstword.server.errors import ErrorBody

API = "/hiring/api"

_DESCRIPTIONS = {
    400: "bad request (text that is not valid Unicode, or a Host this server does not answer to)",
    401: "no session: sign in (members) or open the invitation link (candidates)",
    403: "missing or wrong X-CSRF-Token, a role too low for this, https required, or a page from another origin",
    404: "not found (another organisation's objects are not found either)",
    409: "conflicts with the current state (e.g. consent first, already completed, the last owner)",
    410: "the link has been used or has expired",
    413: "request too large",
    415: "unsupported media type: send application/json",
    422: "invalid request",
    429: "too many sign-in attempts: retry after Retry-After seconds",
    503: "hiring is off on this server",
}
COMMON = (400, 401, 403, 404, 413, 415, 422, 503)


def responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "model": ErrorBody,
            "content": {"application/json": {"example": http_error_body(status, _DESCRIPTIONS[status])}},
        }
        for status in sorted({*COMMON, *extra})
    }


def api_router(tag: str) -> APIRouter:
    return APIRouter(prefix=API, tags=[tag], dependencies=[Depends(no_store)], responses=responses())
