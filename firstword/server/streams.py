"""Event streams to clients: Server-Sent Events and the session WebSocket.

Each connection has its own subscription and its own task writing to its socket, so a slow or
frozen reader only ever delays itself (see ``hub.log``). Writers take every queued event at once
and send them in one write: a reader that fell behind catches up in a few writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from firstword.audio.format import SUPPORTED_SAMPLE_RATES, AudioFormatError, validate_pcm16
from firstword.config import Settings
from firstword.events.wire import PONG_JSON, CloseCode, ControlType, ErrorCode, connection_error_json
from firstword.hub.base import Hub, UnknownSession
from firstword.hub.log import ReplayGap, SubscriberDropped, Subscription
from firstword.server.auth import Access, AccessError, authorize, bearer, not_served_here
from firstword.server.sse import SseResponse, SseStream
from firstword.sessions import Session, SessionRegistry

# ``?source=``: whose audio a connection carries. The interviewer's is answered and the
# connection follows the event log; the user's own microphone is only transcribed (labelled
# "user"), and its connection sends audio up and gets nothing down but its own errors.
SOURCES = ("interviewer", "user")

log = logging.getLogger("firstword.server")


class ConnectionBook:
    """This node's readers, and the one ticker that looks after all of them.

    Every ``tick_s`` (the heartbeat interval) it sends a heartbeat to idle SSE readers, closes an
    SSE connection whose send has not drained for ``send_timeout_s`` (a frozen reader: its queue
    is bounded anyway, this frees the socket), and re-checks the grants of connected observers:
    a revocation made on this node closes its connections at once, one made on another node (the
    directory is shared) by the next tick.
    """

    def __init__(self, hub: Hub, tick_s: float, send_timeout_s: float = 30.0) -> None:
        self._hub = hub
        self._recheck_s = tick_s
        self._send_timeout_s = send_timeout_s
        self._observers: dict[tuple[str, str], set[Subscription]] = {}
        self._streams: set[SseStream] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._recheck())

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def add(self, access: Access, sub: Subscription) -> None:
        if access.observer_id is not None:
            self._observers.setdefault((access.meta.session_id, access.observer_id), set()).add(sub)

    def remove(self, access: Access, sub: Subscription) -> None:
        if access.observer_id is None:
            return
        key = (access.meta.session_id, access.observer_id)
        subs = self._observers.get(key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._observers[key]

    def add_stream(self, stream: SseStream) -> None:
        self._streams.add(stream)

    def remove_stream(self, stream: SseStream) -> None:
        self._streams.discard(stream)

    def observer_connections(self, session_id: str, observer_id: str) -> int:
        return len(self._observers.get((session_id, observer_id), ()))

    def kick_observer(self, session_id: str, observer_id: str) -> None:
        for sub in tuple(self._observers.pop((session_id, observer_id), ())):
            sub.end("this observer link was revoked by the session's owner")

    def _tend_streams(self) -> None:
        now = asyncio.get_running_loop().time()
        for stream in tuple(self._streams):
            if stream.sending_since is not None and now - stream.sending_since > self._send_timeout_s:
                log.info("closing an SSE reader whose socket has not drained for %.0f s", now - stream.sending_since)
                if stream.task is not None:
                    stream.task.cancel()
            elif stream.subscription.idle:
                stream.subscription.heartbeat()

    async def _recheck(self) -> None:
        while True:
            await asyncio.sleep(self._recheck_s)
            self._tend_streams()
            for session_id in {sid for sid, _ in self._observers}:
                try:
                    grants = {g.observer_id: g for g in await self._hub.observers(session_id)}
                except Exception:  # the directory is unreachable: keep readers, try again later
                    log.warning("could not re-check observer grants of %s", session_id, exc_info=True)
                    continue
                for sid, observer_id in list(self._observers):
                    grant = grants.get(observer_id)
                    if sid == session_id and (grant is None or not grant.active):
                        self.kick_observer(sid, observer_id)


async def _follow(registry: SessionRegistry, session_id: str, after: int) -> Subscription:
    try:
        return await registry.hub.follow(session_id, max(0, after))
    except UnknownSession:
        raise AccessError(404, ErrorCode.UNKNOWN_SESSION, f"session {session_id!r} has no event log any more") from None
    except ReplayGap as exc:
        raise AccessError(410, ErrorCode.REPLAY_GAP, str(exc)) from None


async def serve_sse(
    book: ConnectionBook, registry: SessionRegistry, access: Access, after: int
) -> SseResponse:
    session_id = access.meta.session_id
    subscription = await _follow(registry, session_id, after)
    session = registry.local(session_id)

    def opened(stream: SseStream) -> None:
        book.add(access, subscription)
        book.add_stream(stream)
        if session is not None:
            registry.connected(session)

    def closed(stream: SseStream) -> None:
        book.remove(access, subscription)
        book.remove_stream(stream)
        if session is not None:
            registry.disconnected(session)

    return SseResponse(subscription, on_open=opened, on_close=closed)


async def serve_websocket(
    websocket: WebSocket, session_id: str, book: ConnectionBook, registry: SessionRegistry, settings: Settings
) -> None:
    await websocket.accept()
    params = websocket.query_params
    token = params.get("token") or bearer(websocket.headers.get("authorization"), None)
    try:
        access = await authorize(registry.hub, session_id, token)
    except AccessError as exc:
        await _refuse(websocket, CloseCode.for_status(exc.status), exc.code, exc.message)
        return
    try:
        after = int(params.get("after", "0"))
        rate = int(params.get("sample_rate", str(SUPPORTED_SAMPLE_RATES[0])))
    except ValueError:
        await _refuse(websocket, CloseCode.BAD_REQUEST, ErrorCode.BAD_REQUEST, "after and sample_rate must be integers")
        return
    if rate not in SUPPORTED_SAMPLE_RATES:
        await _refuse(websocket, CloseCode.UNSUPPORTED_AUDIO, ErrorCode.UNSUPPORTED_SAMPLE_RATE, _rate_message(rate))
        return
    source = params.get("source", SOURCES[0])
    if source not in SOURCES:
        await _refuse(websocket, CloseCode.BAD_REQUEST, ErrorCode.BAD_REQUEST,
                      f"unknown source {source[:40]!r}; use one of: {', '.join(SOURCES)}")
        return
    if source == "user":
        await _serve_user_voice(websocket, access, registry.local(session_id), registry, settings)
        return
    try:
        subscription = await _follow(registry, session_id, after)
    except AccessError as exc:
        await _refuse(websocket, CloseCode.for_status(exc.status), exc.code, exc.message)
        return
    session = registry.local(session_id)
    book.add(access, subscription)
    if session is not None:
        registry.connected(session)
    try:
        await _serve(websocket, access, session, subscription, settings)
    finally:
        book.remove(access, subscription)
        if session is not None:
            registry.disconnected(session)


async def _serve(
    websocket: WebSocket, access: Access, session: Session | None, subscription: Subscription, settings: Settings
) -> None:
    max_bytes = settings.server.max_message_bytes

    async def send_events() -> None:
        try:
            while batch := await subscription.get_batch():
                for event in batch:
                    await websocket.send_text(event.to_json())
            if subscription.end_reason is not None:
                await websocket.send_text(connection_error_json(ErrorCode.REVOKED, subscription.end_reason))
                await websocket.close(code=CloseCode.FORBIDDEN, reason="observer link revoked")
        except SubscriberDropped as exc:
            await websocket.send_text(
                connection_error_json(ErrorCode.SUBSCRIBER_DROPPED, exc.reason, resume_after=exc.last_seq)
            )
            await websocket.close(code=CloseCode.TRY_AGAIN, reason="too slow; resume with ?after=")

    sender = asyncio.create_task(send_events())
    try:
        await _receive(
            websocket,
            max_bytes,
            on_audio=lambda data: _audio(websocket, access, session, data, max_bytes),
            on_text=lambda text: _control(websocket, access, session, text, settings),
        )
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        subscription.close()
        if session is not None and session.audio_owner is websocket:
            session.audio_owner = None
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _receive(
    websocket: WebSocket,
    max_bytes: int,
    *,
    on_audio: Callable[[bytes], Awaitable[bool]],
    on_text: Callable[[str], Awaitable[None]],
) -> None:
    """Hand each binary frame to ``on_audio`` (False: close) and each text frame to ``on_text``
    until the client goes away or sends a text frame over ``max_bytes``."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data: bytes | None = message.get("bytes")
            text: str | None = message.get("text")
            if data is not None:
                if not await on_audio(data):
                    return
            elif text is not None:
                if len(text) > max_bytes:
                    await websocket.send_text(
                        connection_error_json(ErrorCode.MESSAGE_TOO_LARGE, f"text message over {max_bytes} bytes")
                    )
                    await websocket.close(code=CloseCode.TOO_BIG, reason="message too large")
                    return
                await on_text(text)
    except WebSocketDisconnect:
        return


async def _rejected_frame(websocket: WebSocket, data: bytes, max_bytes: int) -> bool | None:
    """None when ``data`` is PCM16 to take; otherwise the client has been told why, and the
    result says whether the connection stays open (the frame is dropped) or must close."""
    try:
        validate_pcm16(data, max_bytes=max_bytes)
    except AudioFormatError as exc:
        await websocket.send_text(connection_error_json(exc.code, exc.message))
        if exc.code == ErrorCode.FRAME_TOO_LARGE:
            await websocket.close(code=CloseCode.TOO_BIG, reason="message too large")
            return False
        return True
    return None


async def _check_start_rate(websocket: WebSocket, message: dict[str, Any]) -> None:
    """A ``start`` control message: a sample rate other than the supported ones closes."""
    rate = message.get("sample_rate", SUPPORTED_SAMPLE_RATES[0])
    if rate not in SUPPORTED_SAMPLE_RATES:
        await websocket.send_text(connection_error_json(ErrorCode.UNSUPPORTED_SAMPLE_RATE, _rate_message(rate)))
        await websocket.close(code=CloseCode.UNSUPPORTED_AUDIO, reason="unsupported sample rate")


async def _audio(
    websocket: WebSocket, access: Access, session: Session | None, data: bytes, max_bytes: int
) -> bool:
    """Take one binary frame; False when the connection must close."""
    writable = await _writable(websocket, access, session, "send audio")
    if writable is None:
        return True
    session = writable
    session.touch()
    if session.audio_owner is not None and session.audio_owner is not websocket:
        await websocket.send_text(
            connection_error_json(ErrorCode.AUDIO_BUSY, "another connection is already streaming audio for this session")
        )
        return True
    if (keep_open := await _rejected_frame(websocket, data, max_bytes)) is not None:
        return keep_open
    session.audio_owner = websocket
    session.pipeline.feed_pcm(data)
    return True


async def _writable(websocket: WebSocket, access: Access, session: Session | None, what: str) -> Session | None:
    """The session if this connection may change it; otherwise tell the client why not."""
    if not access.is_owner:
        await websocket.send_text(connection_error_json(ErrorCode.READ_ONLY, f"observers cannot {what}: this link is read-only"))
        return None
    if session is None:
        refusal = not_served_here(access, what)
        await websocket.send_text(connection_error_json(refusal.code, refusal.message))
        return None
    return session


async def _refuse(websocket: WebSocket, code: CloseCode, error: ErrorCode, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(connection_error_json(error, message))
        await websocket.close(code=code, reason=message[:120])


def _rate_message(rate: object) -> str:
    supported = ", ".join(str(r) for r in SUPPORTED_SAMPLE_RATES)
    return f"sample rate {rate} Hz is not supported; send PCM16 mono at {supported} Hz"


async def _parse_control(websocket: WebSocket, text: str) -> dict[str, Any] | None:
    """The control message in a text frame; None when there is nothing more to do with it (it
    was malformed and the client has been told, or it was a ping and has been answered)."""
    try:
        message = json.loads(text)
    except json.JSONDecodeError as exc:
        await websocket.send_text(connection_error_json(ErrorCode.BAD_JSON, f"text frame is not valid JSON: {exc.msg} at {exc.pos}"))
        return None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        await websocket.send_text(connection_error_json(ErrorCode.BAD_MESSAGE, 'control messages are JSON objects with a "type"'))
        return None
    if message["type"] == ControlType.PING:
        await websocket.send_text(PONG_JSON)
        return None
    return message


async def _control(
    websocket: WebSocket, access: Access, session: Session | None, text: str, settings: Settings
) -> None:
    message = await _parse_control(websocket, text)
    if message is None:
        return
    kind = message["type"]
    if kind not in (ControlType.START, ControlType.STOP, ControlType.END, ControlType.MESSAGE):
        await websocket.send_text(connection_error_json(ErrorCode.UNKNOWN_MESSAGE, f"unknown control message type {kind!r}"))
        return
    what = "send messages" if kind == ControlType.MESSAGE else "control audio or answers"
    writable = await _writable(websocket, access, session, what)
    if writable is None:
        return
    writable.touch()
    if kind == ControlType.START:
        await _check_start_rate(websocket, message)
    elif kind == ControlType.STOP:
        writable.pipeline.stop_answer()
    elif kind == ControlType.END:
        await writable.pipeline.end_of_audio()
    else:
        content = message.get("text")
        if not isinstance(content, str) or not content.strip():
            await websocket.send_text(connection_error_json(ErrorCode.BAD_MESSAGE, 'a message needs a non-empty "text"'))
        elif len(content) > settings.server.max_message_chars:
            await websocket.send_text(connection_error_json(
                ErrorCode.MESSAGE_TOO_LARGE, f"message longer than {settings.server.max_message_chars} characters"))
        else:
            writable.pipeline.ask(content.strip())


# ----- the user's own microphone (?source=user) -----------------------------------------------


async def _serve_user_voice(
    websocket: WebSocket, access: Access, session: Session | None, registry: SessionRegistry, settings: Settings
) -> None:
    """Audio up, no events down: the page follows the log on its main connection already.

    Owner-only and only on the serving node, refused at connect rather than frame by frame:
    such a connection has nothing else to do. It is not counted as a watcher of the session
    (it reads nothing), so it does not hold an orphaned answer open either.
    """
    if not access.is_owner:
        await _refuse(websocket, CloseCode.FORBIDDEN, ErrorCode.READ_ONLY,
                      "observers cannot send audio: this link is read-only")
        return
    if session is None:
        refusal = not_served_here(access, "send audio")
        await _refuse(websocket, CloseCode.for_status(refusal.status), refusal.code, refusal.message)
        return
    max_bytes = settings.server.max_message_bytes
    try:
        await _receive(
            websocket,
            max_bytes,
            on_audio=lambda data: _user_audio(websocket, session, registry, data, max_bytes),
            on_text=lambda text: _user_control(websocket, session, text),
        )
    finally:
        if session.user_audio_owner is websocket:
            session.user_audio_owner = None
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _user_audio(
    websocket: WebSocket, session: Session, registry: SessionRegistry, data: bytes, max_bytes: int
) -> bool:
    """Take one binary frame of the user's microphone; False when the connection must close."""
    session.touch()
    if session.user_audio_owner is not None and session.user_audio_owner is not websocket:
        await websocket.send_text(connection_error_json(
            ErrorCode.AUDIO_BUSY, "another connection is already streaming the user's audio for this session"))
        return True
    if (keep_open := await _rejected_frame(websocket, data, max_bytes)) is not None:
        return keep_open
    pipeline = registry.user_voice(session)
    if pipeline is None:
        await _refuse(websocket, CloseCode.NOT_FOUND, ErrorCode.UNKNOWN_SESSION, "the session has been closed")
        return False
    session.user_audio_owner = websocket
    pipeline.feed_pcm(data)
    return True


async def _user_control(websocket: WebSocket, session: Session, text: str) -> None:
    message = await _parse_control(websocket, text)
    if message is None:
        return
    kind = message["type"]
    session.touch()
    if kind == ControlType.START:
        await _check_start_rate(websocket, message)
    elif kind == ControlType.END:
        if session.user_voice is not None:
            await session.user_voice.end_of_audio()
    elif kind in (ControlType.STOP, ControlType.MESSAGE):
        await websocket.send_text(connection_error_json(
            ErrorCode.UNKNOWN_MESSAGE,
            f"{kind!r} is not taken on a source=user connection; send it on the session's main connection"))
    else:
        await websocket.send_text(connection_error_json(ErrorCode.UNKNOWN_MESSAGE, f"unknown control message type {kind!r}"))
