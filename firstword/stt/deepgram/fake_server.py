"""A stand-in for Deepgram's live endpoint (``/v1/listen``) on a loopback port, for tests and
for trying the Deepgram path without an account.

It speaks Deepgram's documented protocol (the handshake's query parameters and ``Authorization:
Token <key>``, HTTP 401 for any other key; ``Results`` with ``channel.alternatives[0]``'s
transcript, words and confidence, ``is_final`` / ``speech_final`` / ``from_finalize``;
``SpeechStarted``, ``UtteranceEnd`` and ``Metadata``; the ``KeepAlive``, ``Finalize`` and
``CloseStream`` control messages; code 1011 after 10 s without audio) but does not recognise
speech. Its "language" is tones: a voiced stretch of the audio is one word, and the word is
``vocabulary[k]`` for a tone of ``BASE_HZ + STEP_HZ * k`` (``FakeDeepgram.speak`` writes such
audio). Timings come from the audio it receives, in stream time, as Deepgram's do; its
endpointing is a plain silence timer, so it says nothing about how soon the real service ends a
turn (``firstword.bench.deepgram_endpoint`` measures that against the real one).

Faults: ``FakeDeepgram.faults`` are taken one per new connection, e.g.
``Fault("drop", at_s=1.0)`` (the TCP connection is cut, no close frame) or ``Fault("close",
at_s=1.0)`` (Deepgram ends the stream with a close frame, 1011); ``finalize_replies = False``
leaves ``Finalize`` unanswered (Deepgram may not answer when nothing is buffered).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from firstword.audio.format import SAMPLE_RATE, pcm16_to_float32

# Word k of the vocabulary is a tone of BASE_HZ + STEP_HZ * k: 100 Hz apart, a 240-ms tone's
# frequency (counted from its zero crossings) is off by a few Hz at most.
BASE_HZ = 300.0
STEP_HZ = 100.0
FRAME = SAMPLE_RATE // 100  # 10-ms frames, as the energy measures elsewhere (BurstStt)
VOICED_RMS = 0.02  # firstword.testing.LoudnessVad's threshold
# Silence inside a word shorter than this does not end it.
WORD_GAP_MS = 50
MODEL_INFO = {"name": "fake-nova-3", "version": "2025-01-01.0", "arch": "nova-3"}
# Deepgram's own close reason for a stream that heard nothing (NET-0001).
IDLE_REASON = "Deepgram did not receive audio data or a text message within the timeout window"

# The fake's own websockets logger, quiet below WARNING: the handshake's DEBUG lines carry the
# request headers (the key), and the SDK masks only the library's default loggers.
_ws_log = logging.getLogger("firstword.stt.deepgram.fake_server.ws")
_ws_log.setLevel(logging.WARNING)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fault:
    kind: Literal["drop", "close"]
    at_s: float  # seconds of audio received on the connection
    code: int = 1011
    reason: str = "NET-0000: the service has encountered an internal error"


@dataclass
class FakeConnection:
    """What one connection sent, for the tests to look at."""

    query: dict[str, str]
    audio: bytearray = field(default_factory=bytearray)
    controls: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    ended: str = ""  # "closed" (CloseStream), "dropped", "fault-close", "idle", "client"

    @property
    def audio_s(self) -> float:
        return len(self.audio) / 2 / SAMPLE_RATE

    def samples(self) -> np.ndarray:
        return pcm16_to_float32(bytes(self.audio))


@dataclass
class _Word:
    k: int
    start: int  # stream samples
    end: int


class FakeDeepgram:
    """``async with FakeDeepgram(key) as fake:`` serves ``fake.url`` until the block ends."""

    def __init__(
        self,
        key: str,
        vocabulary: list[str] | None = None,
        *,
        interim_every_ms: int = 500,
        final_every_ms: int = 3000,
        idle_timeout_s: float = 10.0,
    ) -> None:
        self._key = key
        self.vocabulary: list[str] = list(vocabulary or [])
        self.interim_every_ms = interim_every_ms
        self.final_every_ms = final_every_ms
        self.idle_timeout_s = idle_timeout_s
        self.finalize_replies = True
        self.faults: list[Fault] = []
        self.connections: list[FakeConnection] = []
        self.refused = 0
        self._server: Server | None = None
        self.url = ""

    # ----- the words' audio ---------------------------------------------------------------------

    def word_index(self, word: str) -> int:
        if word not in self.vocabulary:
            self.vocabulary.append(word)
        return self.vocabulary.index(word)

    def speak(self, words: str | list[str], *, word_ms: int = 240, gap_ms: int = 160) -> np.ndarray:
        """Audio of ``words`` in the fake's language: a tone per word, ``gap_ms`` after each."""
        parts: list[np.ndarray] = []
        for word in words.split() if isinstance(words, str) else words:
            hz = BASE_HZ + STEP_HZ * self.word_index(word)
            t = np.arange(SAMPLE_RATE * word_ms // 1000) / SAMPLE_RATE
            parts.append((0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32))
            parts.append(np.zeros(SAMPLE_RATE * gap_ms // 1000, dtype=np.float32))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def text_of(self, k: int) -> str:
        return self.vocabulary[k] if 0 <= k < len(self.vocabulary) else f"w{k}"

    # ----- serving ------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDeepgram:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, process_request=self._check_handshake, logger=_ws_log
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    def _check_handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path.rstrip("/") != "/v1/listen":
            return connection.respond(HTTPStatus.NOT_FOUND, "not found\n")
        if request.headers.get("Authorization") != f"Token {self._key}":
            self.refused += 1
            body = {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials.",
                    "request_id": str(uuid.uuid4())}
            return connection.respond(HTTPStatus.UNAUTHORIZED, json.dumps(body))
        query = dict(parse_qsl(url.query))
        if query.get("encoding") not in (None, "linear16") or query.get("sample_rate") not in (None, str(SAMPLE_RATE)):
            body = {"err_code": "Bad Request", "err_msg": "this fake takes linear16 at 16 kHz only"}
            return connection.respond(HTTPStatus.BAD_REQUEST, json.dumps(body))
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else ""
        record = FakeConnection(query=dict(parse_qsl(urlsplit(path).query)))
        self.connections.append(record)
        fault = self.faults.pop(0) if self.faults else None
        stream = _Stream(self, ws, record, fault)
        try:
            await stream.serve()
        except ConnectionClosed:
            record.ended = record.ended or "client"


class _Stream:
    """One connection: audio in, Deepgram's messages out, all in stream time."""

    def __init__(self, fake: FakeDeepgram, ws: ServerConnection, record: FakeConnection, fault: Fault | None) -> None:
        self.fake = fake
        self.ws = ws
        self.record = record
        self.fault = fault
        q = record.query
        self.interim_results = q.get("interim_results") == "true"
        self.vad_events = q.get("vad_events") == "true"
        self.endpointing = _samples_ms(int(q["endpointing"])) if q.get("endpointing", "false") != "false" else None
        self.utterance_end = _samples_ms(int(q["utterance_end_ms"])) if "utterance_end_ms" in q else None
        self.request_id = str(uuid.uuid4())
        self.pos = 0  # stream samples taken in
        self.rest = np.zeros(0, dtype=np.float32)  # less than a frame, waiting for more
        self.final_until = 0  # stream sample the last final result ended at
        self.last_interim = 0
        self.unfinal: list[_Word] = []  # closed words not in a final yet
        self.current: _Word | None = None  # the word being voiced
        self.crossings = 0
        self.last_sign: bool | None = None
        self.silence = 0
        self.last_word_end: int | None = None
        self.speech_final_for: int | None = None
        self.utterance_end_for: int | None = None
        self.in_speech = False
        self.out: list[dict[str, Any]] = []

    async def serve(self) -> None:
        while True:
            try:
                message = await asyncio.wait_for(self.ws.recv(), self.fake.idle_timeout_s)
            except TimeoutError:
                self.record.ended = "idle"
                await self.ws.close(1011, IDLE_REASON)
                return
            if isinstance(message, bytes):
                self.record.audio.extend(message)
                self._audio(pcm16_to_float32(message))
                await self._flush()
                if await self._fault():
                    return
                continue
            try:
                kind = json.loads(message).get("type")
            except (ValueError, AttributeError):
                kind = None
            self.record.controls.append(str(kind))
            if kind == "KeepAlive":
                continue
            if kind == "Finalize":
                self._close_word(self.pos)
                if self.fake.finalize_replies and self.pos > self.final_until:
                    self._final(self.pos, speech_final=False, from_finalize=True)
                await self._flush()
            elif kind == "CloseStream":
                self._close_word(self.pos)
                if self.pos > self.final_until:
                    self._final(self.pos, speech_final=False, from_finalize=False)
                self.out.append(self._metadata())
                await self._flush()
                self.record.ended = "closed"
                await self.ws.close(1000)
                return
            else:
                self.out.append({"type": "Error", "variant": "SchemaError",
                                 "description": "unknown control message", "message": str(message)[:200]})
                await self._flush()

    async def _fault(self) -> bool:
        if self.fault is None or self.pos < self.fault.at_s * SAMPLE_RATE:
            return False
        if self.fault.kind == "drop":
            self.record.ended = "dropped"
            self.ws.transport.abort()
        else:
            self.record.ended = "fault-close"
            await self.ws.close(self.fault.code, self.fault.reason)
        return True

    async def _flush(self) -> None:
        out, self.out = self.out, []
        for message in out:
            self.record.sent.append(message)
            await self.ws.send(json.dumps(message))

    # ----- "recognition" ------------------------------------------------------------------------

    def _audio(self, samples: np.ndarray) -> None:
        audio = np.concatenate([self.rest, samples])
        whole = len(audio) // FRAME * FRAME
        self.rest = audio[whole:]
        for i in range(0, whole, FRAME):
            self._frame(audio[i : i + FRAME])

    def _frame(self, frame: np.ndarray) -> None:
        start, self.pos = self.pos, self.pos + len(frame)
        if float(np.sqrt(np.mean(frame**2))) > VOICED_RMS:
            if self.current is None:
                self.current = _Word(-1, start, self.pos)
                self.crossings = 0
                self.last_sign = None
                if not self.in_speech and self.vad_events:
                    self.out.append({"type": "SpeechStarted", "channel": [0, 1], "timestamp": _s(start)})
                self.in_speech = True
            self.current.end = self.pos
            signs = np.signbit(frame)
            # Crossings inside the frame and at its border with the previous one.
            self.crossings += int(np.count_nonzero(np.diff(signs)))
            if self.last_sign is not None and bool(signs[0]) != self.last_sign:
                self.crossings += 1
            self.last_sign = bool(signs[-1])
            self.silence = 0
        else:
            self.silence += len(frame)
            if self.current is not None and self.silence >= _samples_ms(WORD_GAP_MS):
                self._close_word(self.current.end)
        self._timers()

    def _close_word(self, end: int) -> None:
        word = self.current
        if word is None:
            return
        word.end = min(word.end, end)
        hz = self.crossings / 2 / max((word.end - word.start) / SAMPLE_RATE, 1e-3)
        word.k = max(0, round((hz - BASE_HZ) / STEP_HZ))
        self.unfinal.append(word)
        self.current = None
        self.last_word_end = word.end

    def _timers(self) -> None:
        quiet = self.current is None and self.last_word_end is not None
        since_word = self.pos - self.last_word_end if self.last_word_end is not None else 0
        if (quiet and self.endpointing is not None and self.unfinal and since_word >= self.endpointing
                and self.speech_final_for != self.last_word_end):
            self.speech_final_for = self.last_word_end
            self.in_speech = False
            self._final(self.pos, speech_final=True, from_finalize=False)
        if (quiet and self.utterance_end is not None and since_word >= self.utterance_end
                and self.utterance_end_for != self.last_word_end):
            self.utterance_end_for = self.last_word_end
            self.in_speech = False
            self.out.append({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": _s(self.last_word_end or 0)})
        if self.pos - self.final_until >= _samples_ms(self.fake.final_every_ms) and self.unfinal:
            # Long speech is finalized in pieces, up to where the word being said begins.
            self._final(self.current.start if self.current else self.pos, speech_final=False, from_finalize=False)
        if (self.interim_results and self.pos - self.last_interim >= _samples_ms(self.fake.interim_every_ms)
                and (self.unfinal or self.current is not None)):
            self.last_interim = self.pos
            words = [*self.unfinal, *([self.current] if self.current else [])]
            self.out.append(self._results(self.final_until, self.pos, words, is_final=False))

    def _final(self, upto: int, *, speech_final: bool, from_finalize: bool) -> None:
        words = [w for w in self.unfinal if w.end <= upto]
        self.unfinal = [w for w in self.unfinal if w.end > upto]
        self.out.append(self._results(self.final_until, upto, words, is_final=True,
                                      speech_final=speech_final, from_finalize=from_finalize))
        self.final_until = upto
        self.last_interim = max(self.last_interim, upto)

    def _results(self, start: int, end: int, words: list[_Word], *, is_final: bool,
                 speech_final: bool = False, from_finalize: bool = False) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        for w in words:
            k = w.k if w.k >= 0 else self._partial_k(w)
            text = self.fake.text_of(k)
            items.append({"word": text.lower().strip(".,?!"), "start": _s(w.start), "end": _s(w.end),
                          "confidence": 0.99, "punctuated_word": text})
        message: dict[str, Any] = {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": _s(end - start),
            "start": _s(start),
            "is_final": is_final,
            "speech_final": speech_final,
            "channel": {"alternatives": [{
                "transcript": " ".join(i["punctuated_word"] for i in items),
                "confidence": 0.99 if items else 0.0,
                "words": items,
            }]},
            "metadata": {"request_id": self.request_id, "model_info": MODEL_INFO,
                         "model_uuid": "00000000-0000-0000-0000-000000000000"},
        }
        if is_final:
            message["from_finalize"] = from_finalize
        return message

    def _partial_k(self, word: _Word) -> int:
        hz = self.crossings / 2 / max((word.end - word.start) / SAMPLE_RATE, 1e-3)
        return max(0, round((hz - BASE_HZ) / STEP_HZ))

    def _metadata(self) -> dict[str, Any]:
        return {
            "type": "Metadata",
            "transaction_key": "deprecated",
            "request_id": self.request_id,
            "sha256": "0" * 64,
            "created": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "duration": _s(self.pos),
            "channels": 1,
            "models": [MODEL_INFO["name"]],
            "model_info": {MODEL_INFO["name"]: MODEL_INFO},
        }


def _samples_ms(ms: int) -> int:
    return SAMPLE_RATE * ms // 1000


def _s(samples: int) -> float:
    return round(samples / SAMPLE_RATE, 3)
