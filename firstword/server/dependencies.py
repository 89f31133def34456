"""What route handlers declare they need: the node's registry, the caller's access to a session,
the session itself for an owner's change. Access is a dependency, never re-checked by hand in a
handler; refusals become the one error body (``server.errors``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Query
from starlette.requests import HTTPConnection

from firstword.config import Settings
from firstword.server.auth import Access, authorize, bearer, not_served_here, require_owner
from firstword.server.streams import ConnectionBook
from firstword.sessions import Session, SessionRegistry
from firstword.store.base import Store


def get_settings(conn: HTTPConnection) -> Settings:
    return conn.app.state.settings  # type: ignore[no-any-return]


def get_registry(conn: HTTPConnection) -> SessionRegistry:
    return conn.app.state.registry  # type: ignore[no-any-return]


def get_book(conn: HTTPConnection) -> ConnectionBook:
    return conn.app.state.book  # type: ignore[no-any-return]


def get_store(conn: HTTPConnection) -> Store | None:
    return conn.app.state.store  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
RegistryDep = Annotated[SessionRegistry, Depends(get_registry)]
BookDep = Annotated[ConnectionBook, Depends(get_book)]
StoreDep = Annotated[Store | None, Depends(get_store)]


def presented_token(
    token: Annotated[
        str | None, Query(description="the session's owner or observer token (for browsers; prefer the header)")
    ] = None,
    authorization: Annotated[str | None, Header(description="Bearer TOKEN")] = None,
) -> str | None:
    return bearer(authorization, token)


TokenDep = Annotated[str | None, Depends(presented_token)]


async def session_access(session_id: str, registry: RegistryDep, token: TokenDep) -> Access:
    """The caller's role in the session (owner or observer); 401/403/404 otherwise."""
    return await authorize(registry.hub, session_id, token)


SessionAccess = Annotated[Access, Depends(session_access)]


def owned_session(what: str) -> Callable[..., Awaitable[Session]]:
    """A dependency for an owner's request that changes a session: it must be served here.

    ``what`` completes the refusals ("observers cannot {what}", "{what} there").
    """

    async def dependency(access: SessionAccess, registry: RegistryDep) -> Session:
        require_owner(access, what)
        session = registry.local(access.meta.session_id)
        if session is None:
            raise not_served_here(access, what)
        session.touch()
        return session

    return dependency


def owner_only(what: str) -> Callable[..., Awaitable[Access]]:
    """A dependency for an owner-only request that any node can serve (observer links)."""

    async def dependency(access: SessionAccess) -> Access:
        require_owner(access, what)
        return access

    return dependency
