"""Observer links: read-only access the owner hands out and takes back. Any node can serve these
(the directory lives in the hub)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from firstword.events.wire import ErrorCode
from firstword.hub.base import ObserverGrant, new_token, token_hash
from firstword.server.auth import Access
from firstword.server.dependencies import BookDep, RegistryDep, owner_only
from firstword.server.errors import ERROR_RESPONSES, ApiError, error_responses
from firstword.server.routes.sessions import session_urls

router = APIRouter(tags=["observers"], responses={k: ERROR_RESPONSES[k] for k in (401, 403, 404)})


class ObserverBody(BaseModel):
    label: str = Field(default="", max_length=80)


@router.post("/sessions/{session_id}/observers", status_code=201, responses=error_responses(400, 415, 422))
async def add_observer(
    session_id: str,
    request: Request,
    registry: RegistryDep,
    _: Annotated[Access, Depends(owner_only("invite observers"))],
    body: ObserverBody | None = None,
) -> dict[str, Any]:
    observer_token = new_token("obs")
    grant = ObserverGrant(
        observer_id=secrets.token_hex(6),
        token_hash=token_hash(observer_token),
        label=(body or ObserverBody()).label,
        created_at=time.time(),
    )
    await registry.hub.add_observer(session_id, grant)
    urls = session_urls(request, session_id)
    return {
        "observer_id": grant.observer_id,
        "label": grant.label,
        "token": observer_token,
        **urls,
        "watch_url": f"{urls['base_url']}/watch/{session_id}#token={observer_token}",
    }


@router.get("/sessions/{session_id}/observers", responses=error_responses(400, 422))
async def list_observers(
    session_id: str,
    registry: RegistryDep,
    book: BookDep,
    _: Annotated[Access, Depends(owner_only("list observers"))],
) -> dict[str, Any]:
    grants = await registry.hub.observers(session_id)
    return {
        "observers": [
            {
                "observer_id": g.observer_id,
                "label": g.label,
                "created_at": g.created_at,
                "revoked_at": g.revoked_at,
                "connected": book.observer_connections(session_id, g.observer_id),
            }
            for g in grants
        ]
    }


@router.delete("/sessions/{session_id}/observers/{observer_id}", responses=error_responses(400, 422))
async def revoke_observer(
    session_id: str,
    observer_id: str,
    registry: RegistryDep,
    book: BookDep,
    _: Annotated[Access, Depends(owner_only("revoke observers"))],
) -> dict[str, Any]:
    if not await registry.hub.revoke_observer(session_id, observer_id, time.time()):
        raise ApiError(404, f"no active observer {observer_id!r} in this session", ErrorCode.NOT_FOUND)
    book.kick_observer(session_id, observer_id)
    return {"ok": True}
