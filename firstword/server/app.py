"""HTTP, WebSocket and SSE transports (FastAPI). The wire protocol is in docs/PROTOCOL.md."""

from __future__ import annotations

import gc
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Header, HTTPException, Query, Request, UploadFile, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.types import Receive, Scope, Send

from firstword import __version__
from firstword.answerer.personas import UnknownPersona
from firstword.answerer.profile import Profile, ProfileError, sample_profile
from firstword.config import Settings
from firstword.engines import Engines, load_engines_async
from firstword.hub.base import Hub, ObserverGrant, new_token, token_hash
from firstword.hub.factory import create_hub
from firstword.server.auth import Access, AccessError, authorize, bearer, require_owner
from firstword.server.index import INDEX_HTML
from firstword.server.sse import RAW_SEND
from firstword.server.streams import ConnectionBook, serve_sse, serve_websocket
from firstword.sessions import Session, SessionRegistry
from firstword.web.routes import MAX_UPLOAD_BYTES, extract_resume_text, mount_web
from firstword.store.base import Store

log = logging.getLogger("firstword.server")


class FirstwordApp(FastAPI):
    """FastAPI that hands the server's own ``send`` down in the scope, for the SSE fan-out path
    (see ``server.sse``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


class CreateSessionBody(BaseModel):
    persona: str | None = None
    profile: dict[str, Any] | None = Field(
        default=None, description="resume, job description, notes, stories; omit for the sample profile"
    )
    use_sample_profile: bool = True


class MessageBody(BaseModel):
    text: str


class ObserverBody(BaseModel):
    label: str = Field(default="", max_length=80)


def create_app(
    settings: Settings,
    engines: Engines | None = None,
    *,
    hub: Hub | None = None,
    store: Store | None = None,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """``engines``, ``hub`` and ``store`` may be injected (tests); otherwise they are built from
    ``settings`` at start-up. ``on_ready`` runs once the server takes requests."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = engines if engines is not None else await load_engines_async(settings)
        the_hub = hub if hub is not None else create_hub(settings)
        the_store = store if store is not None else _create_store(settings)
        await the_hub.start()
        if the_store is not None:
            await the_store.start()
        app.state.engines = loaded
        app.state.hub = the_hub
        app.state.store = the_store
        app.state.registry = SessionRegistry(settings, loaded, the_hub, the_store)
        app.state.book = ConnectionBook(the_hub, settings.server.heartbeat_s, settings.server.send_timeout_s)
        app.state.book.start()
        _tune_gc()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await app.state.book.aclose()
            await app.state.registry.close_all()
            if the_store is not None:
                await the_store.aclose()
            await the_hub.aclose()
            if engines is None:
                await loaded.aclose()

    app = FirstwordApp(title="firstword", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    def registry() -> SessionRegistry:
        return app.state.registry  # type: ignore[no-any-return]

    async def access(session_id: str, authorization: str | None, token: str | None) -> Access:
        try:
            return await authorize(registry().hub, session_id, bearer(authorization, token))
        except AccessError as exc:
            raise HTTPException(exc.status, exc.message) from None

    async def owned(session_id: str, authorization: str | None, token: str | None, what: str) -> Session:
        """The session served here, for an owner's request that changes it."""
        granted = await access(session_id, authorization, token)
        try:
            require_owner(granted, what)
        except AccessError as exc:
            raise HTTPException(exc.status, exc.message) from None
        session = registry().local(session_id)
        if session is None:
            raise HTTPException(
                409,
                f"session {session_id} is served by node {granted.meta.node_id!r}; "
                f"send audio, messages and changes there",
            )
        session.touch()
        return session

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": {"status": exc.status_code, "message": exc.detail}}, exc.status_code)

    @app.get("/api", response_class=HTMLResponse)
    async def api_help() -> str:
        return INDEX_HTML

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        loaded: Engines = app.state.engines
        the_store: Store | None = app.state.store
        return {
            "status": "ok",
            "version": __version__,
            "node": registry().hub.node_id,
            "hub": settings.hub.backend,
            "engines": loaded.describe(),
            "sessions": len(registry()),
            "store": None if the_store is None else _stats(the_store),
            "endpointing": settings.endpointing.model_dump(),
        }

    @app.post("/sessions", status_code=201)
    async def create_session(request: Request, body: CreateSessionBody | None = None) -> dict[str, Any]:
        body = body or CreateSessionBody()
        try:
            if body.profile is not None:
                profile = Profile.from_dict(body.profile)
            elif body.use_sample_profile:
                profile = sample_profile()
            else:
                profile = Profile()
            session, owner_token = await registry().create(profile=profile, persona=body.persona)
        except (ProfileError, UnknownPersona) as exc:
            raise HTTPException(400, str(exc)) from None
        return {"session_id": session.id, "owner_token": owner_token, **_urls(request, session.id)}

    @app.get("/sessions/{session_id}")
    async def get_session(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        granted = await access(session_id, authorization, token)
        meta = granted.meta
        info: dict[str, Any] = {
            "session_id": session_id,
            "role": granted.role,
            "persona": meta.persona,
            "node": meta.node_id,
            "status": meta.status,
            "created_at": meta.created_at,
        }
        session = registry().local(session_id)
        if session is None:
            info["served_here"] = False
            info["node_alive"] = await registry().hub.node_alive(meta.node_id)
            return info
        info["served_here"] = True
        info["ready"] = session.ready.is_set()
        info["last_seq"] = session.log.last_seq
        if granted.is_owner:
            stats = session.pipeline.turns.stats
            info["profile"] = session.answerer.profile.to_dict()
            info["stats"] = {
                "turns": stats.turns,
                "early_kept": stats.early_kept,
                "early_cancelled": stats.early_cancelled,
                "speculation_discarded": stats.speculation_discarded,
            }
        return info

    @app.put("/sessions/{session_id}/profile")
    async def put_profile(
        session_id: str,
        body: dict[str, Any],
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = await owned(session_id, authorization, token, "change the profile")
        try:
            profile = Profile.from_dict(body)
        except ProfileError as exc:
            raise HTTPException(400, str(exc)) from None
        await registry().update_profile(session, profile)
        return {"ok": True, "profile": profile.to_dict()}

    @app.post("/sessions/{session_id}/profile/resume")
    async def upload_resume(
        session_id: str,
        file: Annotated[UploadFile, File()],
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = await owned(session_id, authorization, token, "change the profile")
        text = extract_resume_text(await file.read(MAX_UPLOAD_BYTES + 1))
        profile = Profile(**{**session.answerer.profile.to_dict(), "resume": text})
        await registry().update_profile(session, profile)
        return {"ok": True, "resume_chars": len(text), "resume": text}

    @app.post("/sessions/{session_id}/messages", status_code=202)
    async def post_message(
        session_id: str,
        body: MessageBody,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = await owned(session_id, authorization, token, "send messages")
        text = body.text.strip()
        if not text:
            raise HTTPException(400, "empty message")
        limit = settings.server.max_message_chars
        if len(text) > limit:
            raise HTTPException(413, f"message longer than {limit} characters")
        turn = session.pipeline.ask(text)
        return {"ok": True, "turn": turn}

    @app.post("/sessions/{session_id}/stop")
    async def stop_answer(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = await owned(session_id, authorization, token, "stop answers")
        session.pipeline.stop_answer()
        return {"ok": True}

    @app.delete("/sessions/{session_id}")
    async def delete_session(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        await owned(session_id, authorization, token, "close the session")
        await registry().close(session_id)
        return {"ok": True}

    # -- observers ---------------------------------------------------------------------------

    @app.post("/sessions/{session_id}/observers", status_code=201)
    async def add_observer(
        session_id: str,
        request: Request,
        body: ObserverBody | None = None,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        granted = await access(session_id, authorization, token)
        _owner_only(granted, "invite observers")
        observer_token = new_token("obs")
        grant = ObserverGrant(
            observer_id=secrets.token_hex(6),
            token_hash=token_hash(observer_token),
            label=(body or ObserverBody()).label,
            created_at=time.time(),
        )
        await registry().hub.add_observer(session_id, grant)
        urls = _urls(request, session_id)
        return {
            "observer_id": grant.observer_id,
            "label": grant.label,
            "token": observer_token,
            **urls,
            "watch_url": f"{urls['base_url']}/watch/{session_id}#token={observer_token}",
        }

    @app.get("/sessions/{session_id}/observers")
    async def list_observers(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        granted = await access(session_id, authorization, token)
        _owner_only(granted, "list observers")
        grants = await registry().hub.observers(session_id)
        return {
            "observers": [
                {
                    "observer_id": g.observer_id,
                    "label": g.label,
                    "created_at": g.created_at,
                    "revoked_at": g.revoked_at,
                    "connected": app.state.book.observer_connections(session_id, g.observer_id),
                }
                for g in grants
            ]
        }

    @app.delete("/sessions/{session_id}/observers/{observer_id}")
    async def revoke_observer(
        session_id: str,
        observer_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        granted = await access(session_id, authorization, token)
        _owner_only(granted, "revoke observers")
        if not await registry().hub.revoke_observer(session_id, observer_id, time.time()):
            raise HTTPException(404, f"no active observer {observer_id!r} in this session")
        app.state.book.kick_observer(session_id, observer_id)
        return {"ok": True}

    # -- event streams -----------------------------------------------------------------------

    @app.get("/sessions/{session_id}/events")
    async def sse_events(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        after: Annotated[int | None, Query(ge=0)] = None,
        authorization: Annotated[str | None, Header()] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> Any:
        granted = await access(session_id, authorization, token)
        start = after or 0
        if last_event_id:
            try:
                start = int(last_event_id)
            except ValueError:
                raise HTTPException(400, "Last-Event-ID must be an event sequence number") from None
        return await serve_sse(app.state.book, registry(), granted, start)

    @app.websocket("/sessions/{session_id}/ws")
    async def websocket_session(websocket: WebSocket, session_id: str) -> None:
        await serve_websocket(websocket, session_id, app.state.book, registry(), settings)

    _mount_history(app, settings)
    mount_web(app)
    return app


def _tune_gc() -> None:
    """A full collection stops every stream: with a thousand readers connected it took 150-250 ms
    every ~5 s (firstword bench fanout). Everything made until now (modules, engines, the app)
    lives as long as the process, so it is frozen out of the collector's sight, and young
    collections run every 50 000 allocations instead of 700, so that full ones become rare.
    Reference counting still frees nearly everything at once; only cycles wait longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _owner_only(granted: Access, what: str) -> None:
    try:
        require_owner(granted, what)
    except AccessError as exc:
        raise HTTPException(exc.status, exc.message) from None


def _urls(request: Request, session_id: str) -> dict[str, str]:
    base = str(request.base_url).rstrip("/")
    ws_base = "ws" + base[4:] if base.startswith("http") else base
    return {
        "base_url": base,
        "ws_url": f"{ws_base}/sessions/{session_id}/ws",
        "events_url": f"{base}/sessions/{session_id}/events",
    }


def _stats(store: Store) -> dict[str, Any]:
    stats = store.stats()
    return {
        "buffered": stats.buffered,
        "written": stats.written,
        "dropped": stats.dropped,
        "failed_flushes": stats.failed_flushes,
        "last_error": stats.last_error,
    }


def _create_store(settings: Settings) -> Store | None:
    if not settings.store.enabled:
        return None
    from firstword.store.factory import create_store

    return create_store(settings)


def _mount_history(app: FastAPI, settings: Settings) -> None:
    from firstword.server.history import history_router

    def current_store() -> Store:
        the_store: Store | None = app.state.store
        if the_store is None:
            raise HTTPException(503, "session history is off (store.enabled = false)")
        return the_store

    app.include_router(history_router(current_store, settings))
