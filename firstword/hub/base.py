"""The session hub's interface: where sessions' event logs live, who may read them, and how any
node follows a session served by another.

One node serves a session from start to end (its audio and model calls): it owns the session's
``EventLog`` and publishes into it. Readers (the owner's own connections, observers) may connect
to any node; ``follow`` gives them a subscription from any sequence number, backed by the local
log where the session is served here and by the backend's copy of the log elsewhere.

The hub also keeps the session *directory*: which node serves a session, the hash of its owner
token, and its observer grants, so that any node can check a token. Tokens themselves are never
stored, only their sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

from firstword.hub.log import EventLog, Subscription


class UnknownSession(KeyError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> str:
    # The prefix tells a person which kind of link they hold; it grants nothing by itself.
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def hash_matches(token: str, expected_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), expected_hash)


@dataclass(frozen=True, slots=True)
class SessionMeta:
    session_id: str
    node_id: str
    owner_token_hash: str
    persona: str
    created_at: float
    status: Literal["active", "closed"] = "active"


@dataclass(frozen=True, slots=True)
class ObserverGrant:
    observer_id: str
    token_hash: str
    label: str
    created_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Hub(Protocol):
    node_id: str

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...

    # -- logs --------------------------------------------------------------------------------
    def create_log(self, session_id: str) -> EventLog:
        """The log of a session served by this node (the backend gets a copy of every event)."""
        ...

    def close_log(self, session_id: str) -> None:
        """The session ended here: its log takes no more events; readers drain and end."""
        ...

    async def follow(self, session_id: str, after: int) -> Subscription:
        """Events with seq > ``after``, then live ones, wherever the session is served.

        Raises ``UnknownSession`` and ``hub.log.ReplayGap``.
        """
        ...

    # -- directory ---------------------------------------------------------------------------
    async def register(self, meta: SessionMeta) -> None: ...

    async def meta(self, session_id: str) -> SessionMeta | None: ...

    async def mark_closed(self, session_id: str) -> None: ...

    async def add_observer(self, session_id: str, grant: ObserverGrant) -> None: ...

    async def observers(self, session_id: str) -> list[ObserverGrant]: ...

    async def revoke_observer(self, session_id: str, observer_id: str, at: float) -> bool:
        """Whether a grant was revoked (False: unknown or already revoked)."""
        ...

    async def node_alive(self, node_id: str) -> bool:
        """Whether the node serving a session is still running (for status, not for access)."""
        ...

    async def watchers_elsewhere(self, session_id: str) -> int:
        """How many other nodes have readers following the session (0 with one process).

        The serving node cancels an answer nobody is watching only when this is 0 too.
        """
        ...
