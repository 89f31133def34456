"""The FastAPI application: engines, hub and store started and stopped with it, and the route
modules of ``server.routes`` (the wire protocol is in docs/PROTOCOL.md)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import Receive, Scope, Send

from firstword import __version__
from firstword.config import Settings
from firstword.critic.claims import warm as warm_critic
from firstword.engines import Engines, load_engines_async
from firstword.hiring.web import close_hiring, open_hiring
from firstword.hiring.web import routers as hiring_routers
from firstword.hub.base import Hub
from firstword.hub.factory import create_hub
from firstword.server.errors import install_error_handlers
from firstword.server.limits import CreationLimiter
from firstword.server.body_limit import BodyLimit
from firstword.server.guard import EdgeGuard
from firstword.answerer.personas import use_personas
from firstword.answerer.profile import load_profile_dir, sample_profile
from firstword.board.chat import ChatEngine
from firstword.personas import load_personas
from firstword.server.routes import (
    ai_sdk,
    board,
    events,
    history,
    observers,
    openai_api,
    practice,
    profile,
    service,
    sessions,
    web,
)
from firstword.tools.base import ToolRunner
from firstword.tools.client import create_tool_runner
from firstword.tools.http import mount_mcp
from firstword.server.sse import RAW_SEND
from firstword.server.streams import ConnectionBook
from firstword.server.text import check_request_body
from firstword.sessions import SessionRegistry
from firstword.store.base import Store

log = logging.getLogger("firstword.server")


class FirstwordApp(FastAPI):
    """FastAPI that hands the server's own ``send`` down in the scope, for the SSE fan-out path
    (see ``server.sse``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    engines: Engines | None = None,
    *,
    hub: Hub | None = None,
    store: Store | None = None,
    tools: ToolRunner | None = None,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """``engines``, ``hub``, ``store`` and ``tools`` may be injected (tests); otherwise they are
    built from ``settings`` at start-up. ``on_ready`` runs once the server takes requests."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = engines if engines is not None else await load_engines_async(settings)
        if settings.answer.critic:
            # The critic's word lists (~0.5 s, once a process) load now, off the event loop,
            # rather than inside the first answer's first sentence judged.
            await asyncio.to_thread(warm_critic)
        the_hub = hub if hub is not None else create_hub(settings)
        the_store = store if store is not None else _create_store(settings)
        await the_hub.start()
        if the_store is not None:
            await the_store.start()
        app.state.store = the_store
        # Hiring keeps its tables in the store's database (firstword.hiring.web); None when off.
        app.state.hiring = await open_hiring(settings, the_store)
        # Persona files are read once a start; a bad one is logged and skipped (GET /personas
        # lists the errors).
        app.state.personas = load_personas(settings.personas_dir or None)
        use_personas(app.state.personas)
        app.state.tools = tools if tools is not None else create_tool_runner(
            settings, store=the_store, profile_provider=_profile_provider(settings)
        )
        app.state.chat = ChatEngine(loaded.llm, settings, app.state.tools)
        app.state.registry = SessionRegistry(settings, loaded, the_hub, the_store, chat=app.state.chat)
        app.state.registry.start()
        # Nodes sharing Redis publish their load and place new sessions (capacity.placement).
        from firstword.capacity.placement import Placement

        app.state.placement = Placement.for_settings(settings, app.state.registry.admission.snapshot)
        if app.state.placement is not None:
            await app.state.placement.start()
        app.state.creation_limiter = CreationLimiter(settings.limits)
        app.state.book = ConnectionBook(the_hub, settings.server.heartbeat_s, settings.server.send_timeout_s)
        app.state.book.start()
        await app.state.mcp.start(the_store)  # /mcp's session manager (tools.http)
        _tune_gc()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            if app.state.placement is not None:
                await app.state.placement.aclose()  # first: no new session is sent here meanwhile
            await app.state.mcp.stop()
            await app.state.book.aclose()
            await app.state.registry.close_all()
            await app.state.tools.aclose()
            await close_hiring(app.state.hiring)
            if the_store is not None:
                await the_store.aclose()
            await the_hub.aclose()
            if engines is None:
                await loaded.aclose()

    app = FirstwordApp(
        title="firstword", version=__version__, lifespan=lifespan, dependencies=[Depends(check_request_body)]
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_body_bytes)  # server.body_limit
    app.add_middleware(EdgeGuard, config=settings.server)  # Host, Origin, body type (server.guard)
    for module in (service, sessions, profile, observers, events, history, board, practice, openai_api, ai_sdk, web):
        app.include_router(module.router)
    for router in hiring_routers():  # /hiring pages and /hiring/api
        app.include_router(router)
    app.state.mcp = mount_mcp(app, settings)  # /mcp: the tools over MCP, admin token only
    web.mount_static(app)
    return app


def _profile_provider(settings: Settings) -> Callable[[], object]:
    """The profile firstword's own profile_facts tool reads: the configured directory's, else
    the bundled sample (a session's own profile is in its dossier)."""

    def provide() -> object:
        return load_profile_dir(settings.profile_dir) if settings.profile_dir else sample_profile()

    return provide


def _tune_gc() -> None:
    """A full collection stops every stream: with a thousand readers connected it took 150-250 ms
    every ~5 s (firstword bench fanout). Everything made until now (modules, engines, the app)
    lives as long as the process, so it is frozen out of the collector's sight, and young
    collections run every 50 000 allocations instead of 700, so that full ones become rare.
    Reference counting still frees nearly everything at once; only cycles wait longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _create_store(settings: Settings) -> Store | None:
    if not settings.store.enabled:
        return None
    from firstword.store.factory import create_store

    return create_store(settings)
