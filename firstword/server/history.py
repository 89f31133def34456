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
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from firstword.config import Settings
from firstword.store.base import SessionHistory, Store
from firstword.store.export import history_to_json, history_to_markdown, summary_to_json

log = logging.getLogger("firstword.server")

MAX_LIMIT = 500
EXPORT_FORMATS = {"json", "md"}


def history_router(get_store: Callable[[], Store | None], settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/history", tags=["history"])

    def admin_token() -> str | None:
        secret = settings.server.admin_token
        value = secret.get_secret_value() if secret is not None else ""
        return value or None

    def is_admin(token: str) -> bool:
        admin = admin_token()
        return admin is not None and hmac.compare_digest(token.encode(), admin.encode())

    def store() -> Store:
        current = get_store()
        if current is None:
            raise HTTPException(503, "session history is disabled on this server (store.enabled = false)")
        return current

    async def read(session_id: str, token: str | None) -> SessionHistory:
        if not token:
            raise HTTPException(401, "missing token: pass 'Authorization: Bearer TOKEN' or ?token=")
        try:
            history = await store().history(session_id)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to read is "history unavailable", not a 500
            raise _unavailable(exc) from None
        if history is None:
            raise HTTPException(404, f"unknown session {session_id!r}")
        if is_admin(token):
            return history
        presented = hashlib.sha256(token.encode()).hexdigest()
        if not hmac.compare_digest(presented.encode(), history.owner_token_hash.encode()):
            raise HTTPException(403, "invalid token for this session")
        return history

    @router.get("/sessions")
    async def list_sessions(
        limit: Annotated[str | None, Query()] = None,
        offset: Annotated[str | None, Query()] = None,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        if admin_token() is None:
            raise HTTPException(
                403, "listing sessions needs an admin token: set FIRSTWORD_SERVER__ADMIN_TOKEN on the server"
            )
        presented = bearer(authorization, token)
        if not presented:
            raise HTTPException(401, "missing admin token: pass 'Authorization: Bearer TOKEN'")
        if not is_admin(presented):
            raise HTTPException(403, "invalid admin token")
        n = _int_param("limit", limit, 50, 1, MAX_LIMIT)
        skip = _int_param("offset", offset, 0, 0, None)
        try:
            sessions = await store().list_sessions(limit=n, offset=skip)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - as above
            raise _unavailable(exc) from None
        return {"sessions": [summary_to_json(s) for s in sessions], "limit": n, "offset": skip}

    @router.get("/sessions/{session_id}")
    async def get_history(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        return history_to_json(await read(session_id, bearer(authorization, token)))

    @router.get("/sessions/{session_id}/export")
    async def export(
        session_id: str,
        format: Annotated[str, Query()] = "json",
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        history = await read(session_id, bearer(authorization, token))
        if format not in EXPORT_FORMATS:
            raise HTTPException(400, f"unknown format {format!r}: use json or md")
        filename = f"firstword-{session_id}.{format}"
        disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
        if format == "md":
            return Response(
                history_to_markdown(history), media_type="text/markdown; charset=utf-8", headers=disposition
            )
        return JSONResponse(history_to_json(history), headers=disposition)

    return router


def bearer(authorization: str | None, token: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        value = authorization[7:].strip()
        if value:
            return value
    return token or None


def _int_param(name: str, raw: str | None, default: int, low: int, high: int | None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be an integer, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise HTTPException(400, f"{name} must be {bound}, got {value}")
    return value


def _unavailable(exc: Exception) -> HTTPException:
    log.warning("history: store read failed: %s", exc)
    return HTTPException(503, "session history is unavailable right now (database unreachable); try again")
