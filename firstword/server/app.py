"""HTTP, WebSocket and SSE transports (FastAPI). The wire protocol is in docs/PROTOCOL.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, File, Header, HTTPException, Query, Request, UploadFile, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse
from starlette.websockets import WebSocketDisconnect, WebSocketState

from firstword import __version__
from firstword.answerer.personas import UnknownPersona
from firstword.answerer.profile import Profile, ProfileError, read_pdf_text, sample_profile
from firstword.audio.format import SUPPORTED_SAMPLE_RATES, AudioFormatError, validate_pcm16
from firstword.config import Settings
from firstword.engines import Engines, load_engines_async
from firstword.events import CancelReason
from firstword.hub.log import ReplayGap, SubscriberDropped
from firstword.server.index import INDEX_HTML
from firstword.sessions import AccessDenied, Session, SessionNotFound, SessionRegistry

log = logging.getLogger("firstword.server")

# WebSocket close codes (4000–4999 are the application's own).
WS_BAD_REQUEST = 4400
WS_UNAUTHORIZED = 4401
WS_FORBIDDEN = 4403
WS_NOT_FOUND = 4404
WS_UNSUPPORTED_AUDIO = 4415
WS_TOO_BIG = 1009


class CreateSessionBody(BaseModel):
    persona: str | None = None
    profile: dict[str, Any] | None = Field(
        default=None, description="resume, job_description, notes, stories; omit for the sample profile"
    )
    use_sample_profile: bool = True


def create_app(
    settings: Settings,
    engines: Engines | None = None,
    *,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """``engines`` may be injected (tests use fakes); otherwise they load at start-up.
    ``on_ready`` runs once the engines are loaded and the server takes requests."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = engines if engines is not None else await load_engines_async(settings)
        app.state.engines = loaded
        app.state.registry = SessionRegistry(settings, loaded)
        if on_ready is not None:
            on_ready()
        yield
        await app.state.registry.close_all()
        if engines is None:
            await loaded.aclose()

    app = FastAPI(title="firstword", version=__version__, lifespan=lifespan)
    app.state.settings = settings

    def registry() -> SessionRegistry:
        return app.state.registry  # type: ignore[no-any-return]

    def owned_session(session_id: str, token: str | None) -> Session:
        try:
            session = registry().get(session_id)
        except SessionNotFound:
            raise HTTPException(404, f"unknown session {session_id!r}") from None
        try:
            session.check_owner(token)
        except AccessDenied as exc:
            raise HTTPException(401 if exc.missing else 403, str(exc)) from None
        session.touch()
        return session

    def bearer(authorization: str | None, token: str | None) -> str | None:
        if token:
            return token
        if authorization and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return None

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": {"status": exc.status_code, "message": exc.detail}}, exc.status_code)

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return INDEX_HTML

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        loaded: Engines = app.state.engines
        return {
            "status": "ok",
            "version": __version__,
            "engines": loaded.describe(),
            "sessions": len(registry()),
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
            session = await registry().create(profile=profile, persona=body.persona)
        except (ProfileError, UnknownPersona) as exc:
            raise HTTPException(400, str(exc)) from None
        base = str(request.base_url).rstrip("/")
        ws_base = "ws" + base[4:] if base.startswith("http") else base
        return {
            "session_id": session.id,
            "owner_token": session.owner_token,
            "ws_url": f"{ws_base}/sessions/{session.id}/ws",
            "events_url": f"{base}/sessions/{session.id}/events",
        }

    @app.get("/sessions/{session_id}")
    async def get_session(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = owned_session(session_id, bearer(authorization, token))
        stats = session.pipeline.turns.stats
        return {
            "session_id": session.id,
            "persona": session.answerer.persona,
            "ready": session.ready.is_set(),
            "last_seq": session.log.last_seq,
            "profile": session.answerer.profile.to_dict(),
            "stats": {
                "turns": stats.turns,
                "early_kept": stats.early_kept,
                "early_cancelled": stats.early_cancelled,
                "speculation_discarded": stats.speculation_discarded,
            },
        }

    @app.put("/sessions/{session_id}/profile")
    async def put_profile(
        session_id: str,
        body: dict[str, Any],
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = owned_session(session_id, bearer(authorization, token))
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
        session = owned_session(session_id, bearer(authorization, token))
        data = await file.read(2_000_001)
        if len(data) > 2_000_000:
            raise HTTPException(413, "resume file larger than 2 MB")
        try:
            if data.startswith(b"%PDF"):
                text = read_pdf_text(data)
            else:
                text = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise HTTPException(415, "resume must be a PDF or UTF-8 text") from None
        except ProfileError as exc:
            raise HTTPException(400, str(exc)) from None
        profile = Profile(**{**session.answerer.profile.to_dict(), "resume": text})
        await registry().update_profile(session, profile)
        return {"ok": True, "resume_chars": len(text)}

    @app.post("/sessions/{session_id}/stop")
    async def stop_answer(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        session = owned_session(session_id, bearer(authorization, token))
        session.pipeline.stop_answer()
        return {"ok": True}

    @app.delete("/sessions/{session_id}")
    async def delete_session(
        session_id: str,
        token: Annotated[str | None, Query()] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        owned_session(session_id, bearer(authorization, token))
        await registry().close(session_id)
        return {"ok": True}

    @app.get("/sessions/{session_id}/events")
    async def sse_events(
        session_id: str,
        request: Request,
        token: Annotated[str | None, Query()] = None,
        after: Annotated[int | None, Query(ge=0)] = None,
        authorization: Annotated[str | None, Header()] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> EventSourceResponse:
        session = owned_session(session_id, bearer(authorization, token))
        start = after or 0
        if last_event_id:
            try:
                start = int(last_event_id)
            except ValueError:
                raise HTTPException(400, "Last-Event-ID must be an event sequence number") from None
        try:
            subscription = session.log.subscribe(after=start)
        except ReplayGap as exc:
            raise HTTPException(410, str(exc)) from None

        async def stream() -> AsyncIterator[dict[str, str]]:
            try:
                async for event in subscription:
                    yield {"id": str(event.seq), "event": event.type, "data": event.to_json()}
            except SubscriberDropped as exc:
                yield {"event": "error", "data": json.dumps({"type": "error", "data": {
                    "code": "subscriber_dropped", "message": exc.reason, "resume_after": exc.last_seq}})}
            finally:
                subscription.close()

        return EventSourceResponse(stream(), ping=15, headers={"X-Accel-Buffering": "no"})

    @app.websocket("/sessions/{session_id}/ws")
    async def websocket_session(websocket: WebSocket, session_id: str) -> None:
        await websocket.accept()
        params = websocket.query_params
        token = params.get("token") or bearer(websocket.headers.get("authorization"), None)
        try:
            session = registry().get(session_id)
        except SessionNotFound:
            await _refuse(websocket, WS_NOT_FOUND, "unknown_session", f"unknown session {session_id!r}")
            return
        try:
            session.check_owner(token)
        except AccessDenied as exc:
            await _refuse(websocket, WS_UNAUTHORIZED if exc.missing else WS_FORBIDDEN, "unauthorized", str(exc))
            return
        try:
            after = int(params.get("after", "0"))
            rate = int(params.get("sample_rate", str(SUPPORTED_SAMPLE_RATES[0])))
        except ValueError:
            await _refuse(websocket, WS_BAD_REQUEST, "bad_request", "after and sample_rate must be integers")
            return
        if rate not in SUPPORTED_SAMPLE_RATES:
            await _refuse(websocket, WS_UNSUPPORTED_AUDIO, "unsupported_sample_rate", _rate_message(rate))
            return
        try:
            subscription = session.log.subscribe(after=max(0, after))
        except ReplayGap as exc:
            await _refuse(websocket, WS_BAD_REQUEST, "replay_gap", str(exc))
            return
        await _serve_websocket(websocket, session, subscription, settings)

    return app


def _rate_message(rate: int) -> str:
    supported = ", ".join(str(r) for r in SUPPORTED_SAMPLE_RATES)
    return f"sample rate {rate} Hz is not supported; send PCM16 mono at {supported} Hz"


async def _refuse(websocket: WebSocket, code: int, error: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(_error_json(error, message))
        await websocket.close(code=code, reason=message[:120])


def _error_json(code: str, message: str, **extra: Any) -> str:
    # Protocol errors go only to the connection that caused them; they are not part of the
    # session's log, so they carry no sequence number.
    return json.dumps({"seq": None, "type": "error", "turn": None, "data": {"code": code, "message": message, **extra}})


async def _serve_websocket(websocket: WebSocket, session: Session, subscription: Any, settings: Settings) -> None:
    max_bytes = settings.server.max_message_bytes

    async def send_events() -> None:
        try:
            async for event in subscription:
                await websocket.send_text(event.to_json())
        except SubscriberDropped as exc:
            await websocket.send_text(_error_json("subscriber_dropped", exc.reason, resume_after=exc.last_seq))
            await websocket.close(code=1013, reason="too slow; resume with ?after=")

    sender = asyncio.create_task(send_events())
    sent_audio = False
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            session.touch()
            data: bytes | None = message.get("bytes")
            text: str | None = message.get("text")
            if data is not None:
                if session.audio_owner is not None and session.audio_owner is not websocket:
                    await websocket.send_text(_error_json(
                        "audio_busy", "another connection is already streaming audio for this session"))
                    continue
                try:
                    validate_pcm16(data, max_bytes=max_bytes)
                except AudioFormatError as exc:
                    await websocket.send_text(_error_json(exc.code, exc.message))
                    if exc.code == "frame_too_large":
                        await websocket.close(code=WS_TOO_BIG, reason="message too large")
                        break
                    continue
                session.audio_owner = websocket
                sent_audio = True
                session.pipeline.feed_pcm(data)
            elif text is not None:
                if len(text) > max_bytes:
                    await websocket.send_text(_error_json("message_too_large", f"text message over {max_bytes} bytes"))
                    await websocket.close(code=WS_TOO_BIG, reason="message too large")
                    break
                await _control(websocket, session, text)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        subscription.close()
        if session.audio_owner is websocket:
            session.audio_owner = None
            if sent_audio:
                # The speaker's client is gone: nobody is there to read an answer being written.
                session.pipeline.turns.stop_with(CancelReason.DISCONNECTED)
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _control(websocket: WebSocket, session: Session, text: str) -> None:
    try:
        message = json.loads(text)
    except json.JSONDecodeError as exc:
        await websocket.send_text(_error_json("bad_json", f"text frame is not valid JSON: {exc.msg} at {exc.pos}"))
        return
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        await websocket.send_text(_error_json("bad_message", 'control messages are JSON objects with a "type"'))
        return
    kind = message["type"]
    if kind == "start":
        rate = message.get("sample_rate", SUPPORTED_SAMPLE_RATES[0])
        if rate not in SUPPORTED_SAMPLE_RATES:
            await websocket.send_text(_error_json("unsupported_sample_rate", _rate_message(rate)))
            await websocket.close(code=WS_UNSUPPORTED_AUDIO, reason="unsupported sample rate")
    elif kind == "stop":
        session.pipeline.stop_answer()
    elif kind == "end":
        await session.pipeline.end_of_audio()
    elif kind == "ping":
        await websocket.send_text(json.dumps({"seq": None, "type": "pong", "turn": None, "data": {}}))
    else:
        await websocket.send_text(_error_json("unknown_message", f"unknown control message type {kind!r}"))
