"""Event streams to clients: Server-Sent Events and the session WebSocket.

Each connection has its own subscription and its own task writing to its socket, so a slow or
frozen reader only ever delays itself (see ``hub.log``). Writers take every queued event at once
and send them in one write: a reader that fell behind catches up in a few writes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from firstword.audio.format import SAMPLE_RATE, SUPPORTED_SAMPLE_RATES, AudioFormatError, validate_pcm16
from firstword.config import Settings
from firstword.events import Event
from firstword.events.wire import PONG_JSON, CloseCode, ControlType, ErrorCode, connection_error_json
from firstword.hub.base import Hub, UnknownSession
from firstword.hub.log import ReplayGap, SubscriberDropped, Subscription
from firstword.server.auth import Access, AccessError, authorize, bearer, not_served_here
from firstword.server.limits import AudioPacer
from firstword.server.sse import SseResponse, SseStream
from firstword.server.text import invalid_text_at, invalid_text_message
from firstword.sessions import Session, SessionRegistry

# ``?source=``: whose audio a connection carries. The interviewer's is answered and the
# connection follows the event log; the user's own microphone is only transcribed (labelled
# "user"), and its connection sends audio up and gets nothing down but its own errors.
SOURCES = ("interviewer", "user")
# PCM16 mono at the one supported rate.
BYTES_PER_SECOND = 2 * SAMPLE_RATE

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
    token = bearer(websocket.headers.get("authorization"), params.get("token"))  # the header wins, as on HTTP
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
    # ?voice=1: this connection plays Nova's voice (practice mode; the owner's only: observers
    # never get audio).
    voice = VoiceLink() if params.get("voice") in ("1", "true") and access.is_owner and session is not None \
        and session.practice is not None else None
    try:
        await _serve(websocket, access, session, subscription, settings, voice)
    finally:
        book.remove(access, subscription)
        if session is not None:
            registry.disconnected(session)


class VoiceLink:
    """Nova's audio for one connection (``pipeline.voice_out.AudioSink``): frames wait here
    until the connection's writer has sent the ``voice.started`` event they follow."""

    def __init__(self) -> None:
        self.frames: collections.deque[tuple[int, bytes]] = collections.deque()
        self.wake = asyncio.Event()
        self.closed = False

    def send_audio(self, pcm: bytes, after_seq: int) -> bool:
        if self.closed:
            return False
        self.frames.append((after_seq, pcm))
        self.wake.set()
        return True

    def drop_audio(self) -> None:
        self.frames.clear()


async def _write_events(websocket: WebSocket, subscription: Subscription, voice: VoiceLink | None) -> None:
    """Every event of the subscription, and (with ``voice``) the audio frames, each between the
    events it was made between (after its ``voice.started``, before its ``voice.ended``), until
    the subscription ends. A frame tagged ``k`` was made after event ``k`` was published."""
    if voice is None:
        while batch := await subscription.get_batch():
            for event in batch:
                await websocket.send_text(event.to_json())
        return
    last_seq = 0
    batch_task: asyncio.Task[list[Event]] | None = None
    try:
        while True:
            voice.wake.clear()
            while voice.frames and voice.frames[0][0] <= last_seq:
                await websocket.send_bytes(voice.frames.popleft()[1])
            if batch_task is None:
                batch_task = asyncio.ensure_future(subscription.get_batch())
            woken = asyncio.ensure_future(voice.wake.wait())
            try:
                await asyncio.wait((batch_task, woken), return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()
            if batch_task.done():
                batch = batch_task.result()
                batch_task = None
                if not batch:
                    return
                for event in batch:
                    # Frames made before this event was published go before it.
                    while voice.frames and voice.frames[0][0] < event.seq:
                        await websocket.send_bytes(voice.frames.popleft()[1])
                    await websocket.send_text(event.to_json())
                    last_seq = event.seq
    finally:
        voice.closed = True
        if batch_task is not None:
            batch_task.cancel()


async def _serve(
    websocket: WebSocket,
    access: Access,
    session: Session | None,
    subscription: Subscription,
    settings: Settings,
    voice: VoiceLink | None = None,
) -> None:
    max_bytes = settings.server.max_message_bytes

    async def send_events() -> None:
        try:
            await _write_events(websocket, subscription, voice)
            if subscription.end_reason is not None:
                await websocket.send_text(connection_error_json(ErrorCode.REVOKED, subscription.end_reason))
                await websocket.close(code=CloseCode.FORBIDDEN, reason="observer link revoked")
        except SubscriberDropped as exc:
            await websocket.send_text(
                connection_error_json(ErrorCode.SUBSCRIBER_DROPPED, exc.reason, resume_after=exc.last_seq)
            )
            await websocket.close(code=CloseCode.TRY_AGAIN, reason="too slow; resume with ?after=")
        except (WebSocketDisconnect, asyncio.CancelledError):
            raise
        except Exception as exc:
            # Never a silent stop: the client is told, and resumes from its last event.
            if websocket.client_state is not WebSocketState.CONNECTED:
                return
            log.exception("could not send session %s's events to a WebSocket reader", access.meta.session_id)
            with contextlib.suppress(Exception):
                await websocket.send_text(connection_error_json(
                    ErrorCode.INTERNAL, f"the server could not send an event ({type(exc).__name__}); resume with ?after="))
                await websocket.close(code=CloseCode.INTERNAL_ERROR, reason="event could not be sent")

    sender = asyncio.create_task(send_events())
    link = AudioLink(websocket, settings)
    practice = session.practice if session is not None else None
    if voice is not None and practice is not None:
        practice.attach_voice(voice)
    try:
        await _receive(
            websocket,
            max_bytes,
            on_audio=lambda data: _audio(link, access, session, data, max_bytes),
            on_text=lambda text: _control(websocket, access, session, text, settings),
        )
    finally:
        if voice is not None:
            voice.closed = True
            if practice is not None:
                practice.detach_voice(voice)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        subscription.close()
        if session is not None and session.audio_owner is link:
            session.audio_owner = None
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _receive(
    websocket: WebSocket,
    max_bytes: int,
    *,
    on_audio: Callable[[bytes], Awaitable[bool]],
    on_text: Callable[[str], Awaitable[bool]],
) -> None:
    """Hand each binary frame to ``on_audio`` and each text frame to ``on_text`` (either
    returning False: the connection has been closed) until the client goes away or sends a text
    frame over ``max_bytes``."""
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
                if not await on_text(text):
                    return
    except WebSocketDisconnect:
        return
    except RuntimeError:
        # Starlette's receive after the socket was closed from this side (a takeover, a send
        # that failed): the connection is over, nothing more to read.
        if websocket.client_state is WebSocketState.CONNECTED and websocket.application_state is WebSocketState.CONNECTED:
            raise


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


async def _check_start_rate(websocket: WebSocket, message: dict[str, Any]) -> bool:
    """A ``start`` control message: a sample rate other than the supported ones closes (False)."""
    rate = message.get("sample_rate", SUPPORTED_SAMPLE_RATES[0])
    if isinstance(rate, int) and not isinstance(rate, bool) and rate in SUPPORTED_SAMPLE_RATES:
        return True
    shown = rate if isinstance(rate, int | float) and not isinstance(rate, bool) else repr(rate)[:40]
    await _refuse(websocket, CloseCode.UNSUPPORTED_AUDIO, ErrorCode.UNSUPPORTED_SAMPLE_RATE, _rate_message(shown))
    return False


class AudioLink:
    """One connection that may carry a session's audio: the order it was opened in (the newest
    of the owner's connections carries the audio) and its pace (``server.limits``)."""

    _opened = itertools.count()

    def __init__(self, websocket: WebSocket, settings: Settings) -> None:
        self.websocket = websocket
        self.opened = next(AudioLink._opened)
        self.pacer = AudioPacer(settings.limits)


# Closing a replaced connection runs beside the new one's audio, never before it.
_replacing: set[asyncio.Task[None]] = set()


async def _close_replaced(link: AudioLink) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(5):  # a frozen link may never take the close frame
            await link.websocket.send_text(connection_error_json(
                ErrorCode.REPLACED, "a newer connection of the session's owner now carries its audio"))
            await link.websocket.close(code=CloseCode.REPLACED, reason="replaced by a newer connection")


async def _claim_audio(session: Session, attr: str, link: AudioLink) -> bool:
    """Whether ``link`` carries the audio now. The newer of two owner connections wins at once:
    after a link that froze without closing, the owner's new connection is heard from its
    first frame rather than once the server notices the old one is dead (~40 s of pings)."""
    current: AudioLink | None = getattr(session, attr)
    if current is None or current is link:
        setattr(session, attr, link)
        return True
    if current.opened > link.opened:
        await link.websocket.send_text(connection_error_json(
            ErrorCode.AUDIO_BUSY, "a newer connection of the session's owner carries its audio"))
        return False
    setattr(session, attr, link)
    log.info("session %s: the owner's newer connection takes over the audio", session.id)
    task = asyncio.get_running_loop().create_task(_close_replaced(current))
    _replacing.add(task)
    task.add_done_callback(_replacing.discard)
    return True


async def _paced(link: AudioLink, data: bytes) -> bool:
    """Whether the frame is within the connection's pace; excess is dropped, never queued."""
    if link.pacer.admit(len(data) / BYTES_PER_SECOND):
        return True
    if link.pacer.should_warn():
        await link.websocket.send_text(connection_error_json(
            ErrorCode.AUDIO_TOO_FAST,
            f"audio is arriving faster than real time; {link.pacer.refused_s:.1f} s of it dropped so far. "
            "Send audio at the pace it is captured."))
    return False


async def _audio(link: AudioLink, access: Access, session: Session | None, data: bytes, max_bytes: int) -> bool:
    """Take one binary frame; False when the connection must close."""
    websocket = link.websocket
    writable = await _writable(websocket, access, session, "send audio")
    if writable is None:
        return True
    session = writable
    session.touch()
    if (keep_open := await _rejected_frame(websocket, data, max_bytes)) is not None:
        return keep_open
    if await _claim_audio(session, "audio_owner", link) and await _paced(link, data):
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
    except RecursionError:
        await websocket.send_text(connection_error_json(ErrorCode.BAD_JSON, "text frame is nested too deeply"))
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
) -> bool:
    """One control message; False when the connection has been closed."""
    message = await _parse_control(websocket, text)
    if message is None:
        return True
    kind = message["type"]
    if kind in _PRACTICE_CONTROLS:
        return await _practice_control(websocket, access, session, message)
    if kind not in (ControlType.START, ControlType.STOP, ControlType.END, ControlType.MESSAGE):
        await websocket.send_text(connection_error_json(ErrorCode.UNKNOWN_MESSAGE, f"unknown control message type {kind[:40]!r}"))
        return True
    what = "send messages" if kind == ControlType.MESSAGE else "control audio or answers"
    writable = await _writable(websocket, access, session, what)
    if writable is None:
        return True
    writable.touch()
    if kind == ControlType.START:
        return await _check_start_rate(websocket, message)
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
        elif invalid_text_at(content) is not None:
            await websocket.send_text(connection_error_json(ErrorCode.INVALID_TEXT, invalid_text_message("the message's text")))
        else:
            writable.pipeline.ask(content.strip())
    return True


_PRACTICE_CONTROLS = frozenset({
    ControlType.PRACTICE_START, ControlType.PRACTICE_DONE, ControlType.PRACTICE_FINISH,
    ControlType.VOICE_PLAYED, ControlType.VOICE_UNAVAILABLE,
})


async def _practice_control(websocket: WebSocket, access: Access, session: Session | None, message: dict[str, Any]) -> bool:
    """A practice-mode control message (docs/PROTOCOL.md, "Practice mode")."""
    kind = message["type"]
    writable = await _writable(websocket, access, session, "control the interview")
    if writable is None:
        return True
    practice = writable.practice
    if practice is None:
        await websocket.send_text(connection_error_json(
            ErrorCode.NOT_PRACTICE, f"{kind} is for practice sessions: create the session with persona \"nova\""))
        return True
    writable.touch()
    if kind == ControlType.PRACTICE_START:
        practice.start()
    elif kind == ControlType.PRACTICE_DONE:
        practice.done_key()
    elif kind == ControlType.PRACTICE_FINISH:
        practice.finish()
    elif kind == ControlType.VOICE_UNAVAILABLE:
        practice.voice_unavailable(str(message.get("reason") or "")[:200])
    else:
        utterance, played = message.get("utterance_id"), message.get("played_ms")
        if not isinstance(utterance, int) or isinstance(utterance, bool) or not isinstance(played, int | float) \
                or isinstance(played, bool) or played < 0:
            await websocket.send_text(connection_error_json(
                ErrorCode.BAD_MESSAGE, 'voice.played needs an integer "utterance_id" and a "played_ms" >= 0'))
            return True
        practice.played(utterance, float(played))
    return True


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
    link = AudioLink(websocket, settings)
    try:
        await _receive(
            websocket,
            max_bytes,
            on_audio=lambda data: _user_audio(link, session, registry, data, max_bytes),
            on_text=lambda text: _user_control(websocket, session, text),
        )
    finally:
        if session.user_audio_owner is link:
            session.user_audio_owner = None
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _user_audio(
    link: AudioLink, session: Session, registry: SessionRegistry, data: bytes, max_bytes: int
) -> bool:
    """Take one binary frame of the user's microphone; False when the connection must close."""
    websocket = link.websocket
    session.touch()
    if (keep_open := await _rejected_frame(websocket, data, max_bytes)) is not None:
        return keep_open
    pipeline = registry.user_voice(session)
    if pipeline is None:
        await _refuse(websocket, CloseCode.GONE, ErrorCode.SESSION_CLOSED, "the session has been closed")
        return False
    if await _claim_audio(session, "user_audio_owner", link) and await _paced(link, data):
        pipeline.feed_pcm(data)
    return True


async def _user_control(websocket: WebSocket, session: Session, text: str) -> bool:
    """One control message on a source=user connection; False when it has been closed."""
    message = await _parse_control(websocket, text)
    if message is None:
        return True
    kind = message["type"]
    session.touch()
    if kind == ControlType.START:
        return await _check_start_rate(websocket, message)
    elif kind == ControlType.END:
        if session.user_voice is not None:
            await session.user_voice.end_of_audio()
    elif kind in (ControlType.STOP, ControlType.MESSAGE):
        await websocket.send_text(connection_error_json(
            ErrorCode.UNKNOWN_MESSAGE,
            f"{kind!r} is not taken on a source=user connection; send it on the session's main connection"))
    else:
        await websocket.send_text(connection_error_json(ErrorCode.UNKNOWN_MESSAGE, f"unknown control message type {kind[:40]!r}"))
    return True
