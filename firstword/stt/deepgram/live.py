"""One live connection to Deepgram's ``/v1/listen``, through the official SDK (``deepgram-sdk``).

Everything the rest of firstword needs from the SDK is here, so that the SDK is imported only
when ``stt.engine = "deepgram"`` opens a connection, and so that its messages and failures come
out as firstword's own types: the transcriber and the endpoint benchmark never see an SDK class.

Failures are told apart because they call for different actions: ``DeepgramRefused`` (the
handshake was answered with an HTTP status: a bad key, bad parameters) will not get better by
retrying; ``DeepgramClosed`` (Deepgram sent a close frame: it ended the stream on purpose) is
reported to the session; ``DeepgramDropped`` (no close frame, a reset, a timeout) is the network
and is retried. None of their messages ever holds the API key: the SDK's own exceptions (which
carry the request headers, masked) are not chained or quoted, only their status or close code.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from firstword.audio.format import CHANNELS, SAMPLE_RATE

if TYPE_CHECKING:
    from firstword.config import DeepgramConfig

log = logging.getLogger(__name__)


class DeepgramError(RuntimeError):
    """A live connection failed; ``str()`` is safe to show to a session (never the key)."""


class DeepgramUnavailable(DeepgramError):
    """The ``deepgram-sdk`` package is not installed."""


class DeepgramRefused(DeepgramError):
    """The handshake was answered with an HTTP error ``status`` (401: the key was refused)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


class DeepgramClosed(DeepgramError):
    """Deepgram closed the stream itself, with a close frame (``code``, ``reason``)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Deepgram closed the stream (code {code}{': ' + reason if reason else ''})")
        self.code = code
        self.reason = reason


class DeepgramDropped(DeepgramError):
    """The connection was lost or could not be made (no close frame, a reset, a timeout)."""


# ----- what Deepgram sends, as firstword's own types ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # punctuated_word when Deepgram punctuates, else word
    start_s: float  # seconds of the stream (0 = the first sample sent on this connection)
    end_s: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Results:
    start_s: float
    duration_s: float
    is_final: bool
    speech_final: bool
    from_finalize: bool
    transcript: str
    confidence: float
    words: tuple[Word, ...]

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True)
class UtteranceEnd:
    last_word_end_s: float


@dataclass(frozen=True, slots=True)
class SpeechHeard:
    """Deepgram's ``SpeechStarted`` (vad_events=true)."""

    timestamp_s: float


@dataclass(frozen=True, slots=True)
class StreamMetadata:
    request_id: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class ServerError:
    variant: str
    description: str


LiveMessage = Results | UtteranceEnd | SpeechHeard | StreamMetadata | ServerError


# ----- the connection ---------------------------------------------------------------------------


def load_sdk() -> Any:
    """The ``deepgram`` module, or ``DeepgramUnavailable`` saying how to install it."""
    try:
        with warnings.catch_warnings():
            # The SDK's live client is built on websockets' legacy API, which warns on import;
            # the warning is the SDK's to act on, not this project's users'.
            warnings.simplefilter("ignore", DeprecationWarning)
            # The submodules used here, the live client included (the SDK imports it lazily).
            import deepgram
            import deepgram.core.api_error
            import deepgram.environment
            import deepgram.listen.v1.client
    except ImportError as exc:
        raise DeepgramUnavailable(
            "stt.engine = 'deepgram' needs the Deepgram SDK: pip install 'firstword[deepgram]' "
            f"(or pip install deepgram-sdk); it could not be imported ({exc.name or 'deepgram'})"
        ) from None
    return deepgram


def query_parameters(config: DeepgramConfig) -> dict[str, str]:
    """The /v1/listen query for 16 kHz mono PCM16 with the configured options."""
    params = {
        "model": config.model,
        "language": config.language,
        "encoding": "linear16",
        "sample_rate": str(SAMPLE_RATE),
        "channels": str(CHANNELS),
        "interim_results": _flag(config.interim_results),
        "punctuate": _flag(config.punctuate),
        "endpointing": str(config.endpointing_ms),
        # SpeechStarted events: only reported (the local VAD opens turns), cheap to receive.
        "vad_events": "true",
    }
    if config.interim_results:
        # Deepgram rejects utterance_end_ms without interim results.
        params["utterance_end_ms"] = str(config.utterance_end_ms)
    return params


def _flag(value: bool) -> str:
    return "true" if value else "false"


class DeepgramLive:
    """Opens live connections to one Deepgram URL with one key; one per engine, shared by the
    sessions (the SDK client only holds the URL and the headers)."""

    def __init__(self, config: DeepgramConfig, api_key: SecretStr) -> None:
        self._config = config
        self._key = api_key
        self._client: Any = None

    @property
    def config(self) -> DeepgramConfig:
        return self._config

    def scrub(self, text: str) -> str:
        """``text`` without the key: for what came from elsewhere (Deepgram's close reasons and
        error descriptions) before it is logged or shown."""
        key = self._key.get_secret_value()
        return text.replace(key, "[redacted]") if key else text

    def _sdk_client(self) -> Any:
        if self._client is None:
            sdk = load_sdk()
            url = self._config.url.rstrip("/").removesuffix("/v1/listen")
            http = url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
            environment = sdk.environment.DeepgramClientEnvironment(
                base=http, production=url, agent=url, agent_rest=http
            )
            # redact_credentials_in_logs (on by default, said here because it matters): the SDK
            # masks the Authorization header in websockets' DEBUG handshake logs.
            self._client = sdk.AsyncDeepgramClient(
                api_key=self._key.get_secret_value(), environment=environment,
                redact_credentials_in_logs=True,
            )
        return self._client

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[LiveConnection]:
        """A connection, open for the ``async with`` body; closed (or abandoned) after it."""
        sdk = load_sdk()
        api_error = sdk.core.api_error.ApiError
        where = self._config.url
        timeout = self._config.connect_timeout_ms / 1000
        try:
            async with AsyncExitStack() as stack:
                opening = self._sdk_client().listen.v1.connect(**query_parameters(self._config))
                try:
                    socket = await asyncio.wait_for(stack.enter_async_context(opening), timeout)
                except TimeoutError:
                    raise DeepgramDropped(
                        f"no answer from Deepgram at {where} within {timeout:g} s"
                    ) from None
                yield LiveConnection(socket)
        except api_error as exc:
            status = getattr(exc, "status_code", None)
            raise DeepgramRefused(status, _refusal(status, where)) from None
        except ConnectionClosed as exc:
            raise closed_error(exc) from None
        except (OSError, InvalidHandshake) as exc:
            log.debug("deepgram connection to %s failed: %s", where, type(exc).__name__)
            raise DeepgramDropped(
                f"cannot reach Deepgram at {where} ({type(exc).__name__})"
            ) from None


def _refusal(status: int | None, where: str) -> str:
    if status in (401, 403):
        return (
            f"Deepgram refused the API key (HTTP {status}) at {where}: check DEEPGRAM_API_KEY "
            "(or FIRSTWORD_STT__DEEPGRAM__API_KEY) and the key's permissions"
        )
    return f"Deepgram refused the connection (HTTP {status}) at {where}: check the stt.deepgram settings"


def closed_error(exc: ConnectionClosed) -> DeepgramError:
    """A closed connection as firstword's error: Deepgram's close frame, or a drop."""
    received = exc.rcvd
    if received is None:
        return DeepgramDropped("the connection to Deepgram was lost (no close frame)")
    return DeepgramClosed(received.code, received.reason)


class LiveConnection:
    """Sends audio and control messages, and yields what Deepgram says, on one open stream."""

    def __init__(self, socket: Any) -> None:
        self._socket = socket

    async def send_audio(self, pcm16: bytes) -> None:
        await self._send(self._socket.send_media(pcm16))

    async def finalize(self) -> None:
        await self._send(self._socket.send_finalize())

    async def keep_alive(self) -> None:
        await self._send(self._socket.send_keep_alive())

    async def close_stream(self) -> None:
        await self._send(self._socket.send_close_stream())

    async def _send(self, sending: Any) -> None:
        try:
            await sending
        except ConnectionClosed as exc:
            raise closed_error(exc) from None
        except OSError as exc:
            raise DeepgramDropped(f"sending to Deepgram failed ({type(exc).__name__})") from None

    async def messages(self) -> AsyncIterator[LiveMessage]:
        """Deepgram's messages until the stream ends; a normal close (1000) just ends it."""
        try:
            async for raw in self._socket:
                message = parse_message(raw)
                if message is not None:
                    yield message
        except ConnectionClosed as exc:
            raise closed_error(exc) from None
        except OSError as exc:
            raise DeepgramDropped(f"reading from Deepgram failed ({type(exc).__name__})") from None


def parse_message(raw: Any) -> LiveMessage | None:
    """An SDK message (or the plain dict the SDK yields for a type it does not know) as one of
    ours; None for what firstword has no use for."""
    kind = _get(raw, "type")
    if kind == "Results":
        alternatives = _get(_get(raw, "channel"), "alternatives") or []
        best = alternatives[0] if alternatives else None
        words = tuple(
            Word(
                text=str(_get(w, "punctuated_word") or _get(w, "word") or ""),
                start_s=float(_get(w, "start") or 0.0),
                end_s=float(_get(w, "end") or 0.0),
                confidence=float(_get(w, "confidence") or 0.0),
            )
            for w in (_get(best, "words") or [])
        )
        return Results(
            start_s=float(_get(raw, "start") or 0.0),
            duration_s=float(_get(raw, "duration") or 0.0),
            is_final=bool(_get(raw, "is_final")),
            speech_final=bool(_get(raw, "speech_final")),
            from_finalize=bool(_get(raw, "from_finalize")),
            transcript=str(_get(best, "transcript") or ""),
            confidence=float(_get(best, "confidence") or 0.0),
            words=words,
        )
    if kind == "UtteranceEnd":
        return UtteranceEnd(float(_get(raw, "last_word_end") or 0.0))
    if kind == "SpeechStarted":
        return SpeechHeard(float(_get(raw, "timestamp") or 0.0))
    if kind == "Metadata":
        return StreamMetadata(str(_get(raw, "request_id") or ""), float(_get(raw, "duration") or 0.0))
    if kind == "Error":
        return ServerError(str(_get(raw, "variant") or ""), str(_get(raw, "description") or ""))
    return None


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
