"""Who is asking: the session's owner, one of its observers, or nobody allowed.

Tokens arrive as ``Authorization: Bearer TOKEN`` or ``?token=TOKEN`` (a browser's EventSource and
WebSocket cannot set headers); the header wins when both are given. They are checked against the
hashes in the hub's directory, so any node can check them; the tokens themselves are never
stored or echoed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from firstword.events.wire import ErrorCode
from firstword.hub.base import Hub, SessionMeta, hash_matches


class AccessError(Exception):
    """``status`` is the HTTP status (401, 403, 404, 409); WebSockets close with 4000 + it."""

    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Access:
    role: Literal["owner", "observer"]
    meta: SessionMeta
    observer_id: str | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


def bearer(authorization: str | None, token: str | None) -> str | None:
    """The token a request presents: the ``Authorization: Bearer`` header, else ``?token=``."""
    if authorization and authorization.lower().startswith("bearer "):
        value = authorization[7:].strip()
        if value:
            return value
    return token or None


async def authorize(hub: Hub, session_id: str, token: str | None) -> Access:
    meta = await hub.meta(session_id)
    if meta is None:
        raise AccessError(404, ErrorCode.UNKNOWN_SESSION, f"unknown session {session_id!r}")
    if not token:
        raise AccessError(
            401, ErrorCode.UNAUTHORIZED, "missing session token: pass ?token= or 'Authorization: Bearer'"
        )
    if hash_matches(token, meta.owner_token_hash):
        return Access("owner", meta)
    for grant in await hub.observers(session_id):
        if hash_matches(token, grant.token_hash):
            if not grant.active:
                raise AccessError(403, ErrorCode.REVOKED, "this observer link was revoked by the session's owner")
            return Access("observer", meta, grant.observer_id)
    raise AccessError(403, ErrorCode.FORBIDDEN, "invalid token for this session")


def require_owner(access: Access, what: str) -> None:
    if not access.is_owner:
        raise AccessError(403, ErrorCode.READ_ONLY, f"observers cannot {what}: this link is read-only")


def not_served_here(access: Access, what: str) -> AccessError:
    """Why an owner's change cannot be made on this node: the session is over, or it lives on
    another node."""
    if access.meta.status == "closed":
        return AccessError(410, ErrorCode.SESSION_CLOSED, f"session {access.meta.session_id} is closed")
    return AccessError(
        409,
        ErrorCode.SERVED_ELSEWHERE,
        f"session {access.meta.session_id} is served by node {access.meta.node_id!r}; connect there to {what}",
    )
