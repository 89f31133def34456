"""Who is asking: the session's owner, one of its observers, or nobody allowed.

Tokens arrive as ``Authorization: Bearer TOKEN`` or ``?token=TOKEN`` (a browser's EventSource and
WebSocket cannot set headers). They are checked against the hashes in the hub's directory, so any
node can check them; the tokens themselves are never stored or echoed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from firstword.hub.base import Hub, SessionMeta, hash_matches


class AccessError(Exception):
    """``status`` is the HTTP status (401, 403, 404); WebSockets map it to 44xx close codes."""

    def __init__(self, status: int, code: str, message: str) -> None:
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
    if token:
        return token
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


async def authorize(hub: Hub, session_id: str, token: str | None) -> Access:
    meta = await hub.meta(session_id)
    if meta is None:
        raise AccessError(404, "unknown_session", f"unknown session {session_id!r}")
    if not token:
        raise AccessError(
            401, "unauthorized", "missing session token: pass ?token= or 'Authorization: Bearer'"
        )
    if hash_matches(token, meta.owner_token_hash):
        return Access("owner", meta)
    for grant in await hub.observers(session_id):
        if hash_matches(token, grant.token_hash):
            if not grant.active:
                raise AccessError(403, "revoked", "this observer link was revoked by the session's owner")
            return Access("observer", meta, grant.observer_id)
    raise AccessError(403, "forbidden", "invalid token for this session")


def require_owner(access: Access, what: str) -> None:
    if not access.is_owner:
        raise AccessError(403, "read_only", f"observers cannot {what}: this link is read-only")
