"""HTTP read access to stored sessions.

* ``GET /history/sessions?limit=&offset=``: every session, newest first. Admin token only (it
  lists other people's sessions); with none configured the listing is off.
* ``GET /history/sessions/{id}`` and ``GET /history/sessions/{id}/export?format=json|md``: the
  admin token or that session's own owner token, as ``Authorization: Bearer`` or ``?token=``.

Only the owner token's sha256 is stored; a presented token is hashed and compared in constant
time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from firstword.config import Settings
from firstword.events.wire import ErrorCode
from firstword.hub.base import Hub
from firstword.server.dependencies import RegistryDep, SettingsDep, StoreDep, TokenDep
from firstword.server.errors import ERROR_RESPONSES, ApiError, error_responses
from firstword.store.base import SessionHistory, Store
from firstword.store.export import history_to_json, history_to_markdown, summary_to_json

log = logging.getLogger("firstword.server")

router = APIRouter(
    prefix="/history",
    tags=["history"],
    responses={**{k: ERROR_RESPONSES[k] for k in (400, 401, 403, 404)}, 503: {"description": "store off or unreachable"}},
)

MAX_LIMIT = 500
EXPORT_FORMATS = {"json", "md"}


def _admin_token(settings: Settings) -> str | None:
    secret = settings.server.admin_token
    value = secret.get_secret_value() if secret is not None else ""
    return value or None


def _is_admin(settings: Settings, token: str) -> bool:
    admin = _admin_token(settings)
    return admin is not None and hmac.compare_digest(token.encode(), admin.encode())


def _require_store(store: Store | None) -> Store:
    if store is None:
        raise ApiError(503, "session history is disabled on this server (store.enabled = false)", ErrorCode.UNAVAILABLE)
    return store


async def _read(
    store: Store | None, settings: Settings, session_id: str, token: str | None, hub: Hub
) -> SessionHistory:
    if not token:
        raise ApiError(401, "missing token: pass 'Authorization: Bearer TOKEN' or ?token=", ErrorCode.UNAUTHORIZED)
    the_store = _require_store(store)
    try:
        history = await the_store.history(session_id)
        if history is None and await hub.meta(session_id) is not None:
            # A live session whose first records are still in the writer's batch (up to
            # store.flush_ms): written now rather than answered 404.
            await the_store.flush()
            history = await the_store.history(session_id)
    except Exception as exc:  # noqa: BLE001 - any failure to read is "history unavailable", not a 500
        raise _unavailable(exc) from None
    if history is None:
        raise ApiError(404, f"unknown session {session_id!r}", ErrorCode.UNKNOWN_SESSION)
    if _is_admin(settings, token):
        return history
    presented = hashlib.sha256(token.encode()).hexdigest()
    if not hmac.compare_digest(presented.encode(), history.owner_token_hash.encode()):
        raise ApiError(403, "invalid token for this session", ErrorCode.FORBIDDEN)
    return history


@router.get("/sessions", responses=error_responses(422))
async def list_sessions(
    store: StoreDep,
    settings: SettingsDep,
    token: TokenDep,
    limit: Annotated[str | None, Query()] = None,
    offset: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    if _admin_token(settings) is None:
        raise ApiError(
            403,
            "listing sessions needs an admin token: set FIRSTWORD_SERVER__ADMIN_TOKEN on the server",
            ErrorCode.FORBIDDEN,
        )
    if not token:
        raise ApiError(401, "missing admin token: pass 'Authorization: Bearer TOKEN'", ErrorCode.UNAUTHORIZED)
    if not _is_admin(settings, token):
        raise ApiError(403, "invalid admin token", ErrorCode.FORBIDDEN)
    n = _int_param("limit", limit, 50, 1, MAX_LIMIT)
    skip = _int_param("offset", offset, 0, 0, None)
    the_store = _require_store(store)
    try:
        sessions = await the_store.list_sessions(limit=n, offset=skip)
    except Exception as exc:  # noqa: BLE001 - as above
        raise _unavailable(exc) from None
    return {"sessions": [summary_to_json(s) for s in sessions], "limit": n, "offset": skip}


@router.get("/sessions/{session_id}", responses=error_responses(422))
async def get_history(
    session_id: str, store: StoreDep, settings: SettingsDep, token: TokenDep, registry: RegistryDep
) -> dict[str, Any]:
    return history_to_json(await _read(store, settings, session_id, token, registry.hub))


@router.get(
    "/sessions/{session_id}/export",
    responses={**error_responses(422), 200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
async def export(
    session_id: str,
    store: StoreDep,
    settings: SettingsDep,
    token: TokenDep,
    registry: RegistryDep,
    format: Annotated[str, Query()] = "json",
) -> Response:
    history = await _read(store, settings, session_id, token, registry.hub)
    if format not in EXPORT_FORMATS:
        raise ApiError(400, f"unknown format {format!r}: use json or md", ErrorCode.BAD_REQUEST)
    filename = f"firstword-{session_id}.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format == "md":
        return Response(
            history_to_markdown(history), media_type="text/markdown; charset=utf-8", headers=disposition
        )
    return JSONResponse(history_to_json(history), headers=disposition)


def _int_param(name: str, raw: str | None, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, got {raw!r}", ErrorCode.BAD_REQUEST) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(400, f"{name} must be {bound}, got {value}", ErrorCode.BAD_REQUEST)
    return value


def _unavailable(exc: Exception) -> ApiError:
    log.warning("history: store read failed: %s", exc)
    return ApiError(
        503, "session history is unavailable right now (database unreachable); try again", ErrorCode.UNAVAILABLE
    )
