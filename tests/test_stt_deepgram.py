"""The Deepgram engine against a local stand-in for Deepgram's live endpoint.

The real SDK (deepgram-sdk) talks to ``firstword.stt.deepgram.fake_server`` on a loopback port;
the fake "recognises" tones (one tone per word, see its docstring), so the tests know which word
lies where in the audio and can check the whole path: the handshake, interims and finals,
Finalize, time mapping across skipped gaps, and the faults (401, a drop, a close mid-utterance).
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

pytest.importorskip("deepgram", reason="deepgram-sdk is not installed (pip install 'firstword[deepgram]')")

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE, ms_to_samples
from firstword.config import DeepgramConfig, EndpointingConfig, Settings, SttConfig
from firstword.stt.base import Decoded
from firstword.stt.deepgram.engine import DeepgramEngine, NoLocalDecoder
from firstword.stt.deepgram.fake_server import FakeDeepgram, Fault
from firstword.stt.deepgram.live import DeepgramRefused, query_parameters
from firstword.stt.deepgram.transcriber import DeepgramTranscriber
from firstword.stt.factory import SttLoadError, create_stt
from firstword.stt.streaming import FinalTranscript, InterimTranscript
from firstword.testing import InlineExecutor, LoudnessVad

# A made-up key, searched for in every log line and error message of the tests that use it.
KEY = "dgk-test-7Q2vX9pLmN4sR8tW"


@dataclass
class LocalEcho:
    """The local fallback engine of these tests: says how much audio it was given."""

    name: str = "local-echo"
    max_audio_s: float = 29.0
    decodes: int = 0

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        self.decodes += 1
        seconds = len(audio) / SAMPLE_RATE
        return Decoded(f"local {seconds:.1f} seconds" if len(audio) else "", seconds * 1000, 1.0)

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        return self.decode(audio)

    def close(self) -> None:
        pass


@dataclass
class Rig:
    fake: FakeDeepgram
    buffer: AudioBuffer
    stt: DeepgramTranscriber
    interims: list[InterimTranscript] = field(default_factory=list)
    forced: list[FinalTranscript] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def play(self, audio: np.ndarray, *, poll: bool = True) -> None:
        """Append ``audio`` in 20-ms frames, polling after each as the front end does, and let
        the connection task run between frames (faster than real time)."""
        for i in range(0, len(audio), FRAME_SAMPLES):
            self.buffer.append(audio[i : i + FRAME_SAMPLES])
            if poll:
                self.stt.poll()
            await asyncio.sleep(0.001)

    async def say(self, words: str, **kwargs: int) -> tuple[int, int]:
        """Play ``words`` in the fake's language; returns the absolute range they took."""
        start = self.buffer.end
        await self.play(self.fake.speak(words, **kwargs))
        return start, self.buffer.end

    async def silence(self, ms: int, *, poll: bool = False) -> None:
        await self.play(np.zeros(ms_to_samples(ms), dtype=np.float32), poll=poll)


def stt_config(fake: FakeDeepgram, **deepgram: object) -> SttConfig:
    options: dict[str, object] = {
        "url": fake.url,
        "finalize_timeout_ms": 3000,
        "reconnect_backoff_ms": 20,
        "keepalive_ms": 500,
        **deepgram,
    }
    return SttConfig(engine="deepgram", deepgram=DeepgramConfig.model_validate(options))


def make_rig(
    fake: FakeDeepgram,
    *,
    key: str = KEY,
    fallback: LocalEcho | None = None,
    max_segment_ms: int | None = None,
    **deepgram: object,
) -> Rig:
    config = stt_config(fake, **deepgram)
    if max_segment_ms is not None:
        config = config.model_copy(update={"max_segment_ms": max_segment_ms})
    engine = DeepgramEngine(config, SecretStr(key), fallback=fallback)
    buffer = AudioBuffer(capacity_s=config.max_segment_ms / 1000 + 10)
    rig = Rig(fake, buffer, None)  # type: ignore[arg-type]
    rig.stt = engine.open_transcriber(
        buffer, config, on_interim=rig.interims.append, on_forced_final=rig.forced.append,
        on_error=rig.errors.append, executor=InlineExecutor(),
    )
    return rig


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDeepgram]:
    async with FakeDeepgram(KEY, interim_every_ms=200) as server:
        yield server


@pytest.fixture(autouse=True)
def _all_logs(caplog: pytest.LogCaptureFixture) -> None:
    # Every record, the websockets handshake's DEBUG lines included, for the key checks.
    caplog.set_level(logging.DEBUG)


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY not in text


# ----- interims and finals ----------------------------------------------------------------------


async def test_handshake_interims_and_final(fake: FakeDeepgram, caplog: pytest.LogCaptureFixture) -> None:
    rig = make_rig(fake)
    rig.stt.start_segment(0)
    await rig.say("Hello world,")
    await rig.silence(400, poll=True)  # past endpointing (300 ms): a speech_final result
    await rig.say("how are you")
    await eventually(lambda: any(i.unstable.startswith("how") for i in rig.interims))

    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "Hello world, how are you"
    assert (final.start_sample, final.end_sample, final.forced_cut) == (0, rig.buffer.end, False)

    # Interims: finalized results are the stable part, the current interim result the rest.
    mid = next(i for i in rig.interims if i.unstable.startswith("how"))
    assert mid.stable == "Hello world,"
    assert mid.text == f"{mid.stable} {mid.unstable}"
    assert mid.start_sample == 0 and 0 < mid.end_sample <= rig.buffer.end
    assert rig.interims[0].stable == "" and rig.interims[0].unstable.startswith("Hello")

    connection = fake.connections[0]
    assert connection.query == {
        "model": "nova-3", "language": "en-US", "encoding": "linear16", "sample_rate": "16000",
        "channels": "1", "interim_results": "true", "punctuate": "true", "endpointing": "300",
        "vad_events": "true", "utterance_end_ms": "1000",
    }
    assert "Finalize" in connection.controls
    assert any(m.get("speech_final") for m in connection.sent)
    assert any(m.get("from_finalize") for m in connection.sent)

    await rig.stt.aclose()
    assert connection.ended == "closed" and connection.controls[-1] == "CloseStream"
    assert rig.errors == []
    assert_no_key(caplog.text)


async def test_finals_by_range_across_a_skipped_gap(fake: FakeDeepgram) -> None:
    rig = make_rig(fake)
    rig.stt.start_segment(0)
    first = await rig.say("one two")
    assert (await rig.stt.transcribe_until(rig.buffer.end)).text == "one two"
    rig.stt.end_segment()
    # Two seconds between turns: not sent (not billed), so stream time runs behind the buffer's.
    await rig.silence(2000)
    second_start = rig.buffer.end
    rig.stt.start_segment(second_start)
    three = await rig.say("three")
    await rig.say("four")
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "three four"
    assert final.start_sample == second_start

    # Words are placed in the session's audio, not the stream's: the gap is accounted for.
    assert (await rig.stt.transcribe_window(*three, None)).text == "three"
    assert (await rig.stt.transcribe_window(first[0], first[1], None)).text == "one two"
    assert (await rig.stt.transcribe_window(first[0], rig.buffer.end, None)).text == "one two three four"
    sent = fake.connections[0].audio_s
    assert sent < rig.buffer.end / SAMPLE_RATE - 1.9
    # The audio Deepgram got is the buffer's, in order, less the gap.
    received = fake.connections[0].samples()
    expected = np.concatenate([rig.buffer.slice(0, first[1]), rig.buffer.slice(second_start, rig.buffer.end)])
    assert len(received) == len(expected)
    assert np.allclose(received, expected, atol=1 / 16384)
    await rig.stt.aclose()


async def test_an_unanswered_finalize_gives_the_interim_within_the_timeout(fake: FakeDeepgram) -> None:
    fake.finalize_replies = False
    rig = make_rig(fake, finalize_timeout_ms=300)
    rig.stt.start_segment(0)
    await rig.say("alpha beta")
    await eventually(lambda: bool(rig.interims) and rig.interims[-1].unstable == "alpha beta")
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "alpha beta"
    assert 250 <= final.compute_ms < 1500
    assert fake.connections[0].controls.count("Finalize") == 1
    await rig.stt.aclose()


async def test_long_speech_is_cut_into_forced_finals(fake: FakeDeepgram) -> None:
    rig = make_rig(fake, max_segment_ms=1000)
    rig.stt.start_segment(0)
    await rig.say("one two three")
    await rig.silence(400, poll=True)  # Deepgram finalizes "one two three" (1.2 s of speech)
    await eventually(lambda: bool(rig.forced))
    piece = rig.forced[0]
    assert piece.text == "one two three" and piece.forced_cut and piece.start_sample == 0
    await rig.say("four five")
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "four five"
    assert final.start_sample == piece.end_sample
    await rig.stt.aclose()


async def test_keepalive_holds_the_stream_between_turns(fake: FakeDeepgram) -> None:
    fake.idle_timeout_s = 1.0
    rig = make_rig(fake, keepalive_ms=500)
    rig.stt.start_segment(0)
    await rig.say("one")
    assert (await rig.stt.transcribe_until(rig.buffer.end)).text == "one"
    rig.stt.end_segment()
    await asyncio.sleep(1.3)  # longer than the fake's idle timeout: only KeepAlive holds it
    assert fake.connections[0].controls.count("KeepAlive") >= 2
    assert fake.connections[0].ended == ""
    assert len(fake.connections) == 1 and rig.errors == []
    await rig.stt.aclose()


async def test_a_close_between_turns_reopens_with_the_next_segment(fake: FakeDeepgram) -> None:
    rig = make_rig(fake, fallback=LocalEcho())
    rig.stt.start_segment(0)
    await rig.say("one")
    assert (await rig.stt.transcribe_until(rig.buffer.end)).text == "one"
    rig.stt.end_segment()
    # Deepgram ends the stream between turns (as it does after 10 s without audio or KeepAlive).
    await fake_close_all(fake, 1011, "NET-0001")
    await eventually(lambda: rig.stt._task is not None and rig.stt._task.done())
    start = rig.buffer.end
    rig.stt.start_segment(start)
    await rig.say("two")
    assert (await rig.stt.transcribe_until(rig.buffer.end)).text == "two"
    assert len(fake.connections) == 2 and rig.errors == [] and not rig.stt.fallen_back
    await rig.stt.aclose()


async def fake_close_all(fake: FakeDeepgram, code: int, reason: str) -> None:
    assert fake._server is not None
    for connection in list(fake._server.connections):
        await connection.close(code, reason)


# ----- faults -----------------------------------------------------------------------------------


async def test_a_refused_key_is_reported_and_the_local_engine_takes_over(
    fake: FakeDeepgram, caplog: pytest.LogCaptureFixture
) -> None:
    local = LocalEcho()
    rig = make_rig(fake, key="not-the-key", fallback=local)
    rig.stt.start_segment(0)
    await rig.say("one two")
    await eventually(lambda: rig.stt.fallen_back)
    assert fake.refused == 1 and fake.connections == []
    assert len(rig.errors) == 1
    assert "refused the API key (HTTP 401)" in rig.errors[0]
    assert "local engine" in rig.errors[0]
    assert "not-the-key" not in rig.errors[0] and "not-the-key" not in caplog.text
    assert any(r.levelno == logging.WARNING and "HTTP 401" in r.getMessage() for r in caplog.records)

    # The turn still gets its transcript: the fallback decodes the segment from its start.
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "local 0.8 seconds" and final.start_sample == 0
    await rig.stt.aclose()


async def test_a_refused_key_without_fallback_reports_and_gives_empty_finals(fake: FakeDeepgram) -> None:
    rig = make_rig(fake, key="not-the-key", fallback=None)
    rig.stt.start_segment(0)
    await rig.say("one")
    await eventually(lambda: bool(rig.errors))
    assert "HTTP 401" in rig.errors[0] and "local engine" not in rig.errors[0]
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "" and final.compute_ms < 100
    await rig.stt.aclose()


async def test_a_dropped_connection_is_reopened_and_audio_since_the_last_final_sent_again(
    fake: FakeDeepgram,
) -> None:
    rig = make_rig(fake)
    rig.stt.start_segment(0)
    await rig.say("one two")
    await rig.silence(400, poll=True)  # a final result for "one two"
    finalized = rig.stt._finalized
    assert finalized > 0
    fake.faults.append(Fault("drop", at_s=0.0))  # the next connection is cut at once
    fake_drop_all(fake)
    await rig.say("three four")
    await eventually(lambda: len(fake.connections) >= 3)
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "one two three four"
    assert rig.errors == [] and not rig.stt.fallen_back
    assert rig.stt.reconnects == 2
    # The last connection was sent the audio from Deepgram's last final on, nothing earlier.
    last = fake.connections[-1]
    assert last.audio_s == pytest.approx((rig.buffer.end - finalized) / SAMPLE_RATE, abs=0.03)
    assert np.allclose(last.samples(), rig.buffer.slice(finalized, rig.buffer.end), atol=1 / 16384)
    await rig.stt.aclose()


def fake_drop_all(fake: FakeDeepgram) -> None:
    assert fake._server is not None
    for connection in list(fake._server.connections):
        connection.transport.abort()


async def test_reconnects_run_out_then_the_local_engine_takes_over(fake: FakeDeepgram) -> None:
    fake.faults.extend(Fault("drop", at_s=0.0) for _ in range(4))
    rig = make_rig(fake, fallback=LocalEcho(), reconnect_attempts=2)
    rig.stt.start_segment(0)
    await rig.say("one two")
    await eventually(lambda: rig.stt.fallen_back)
    assert len(fake.connections) == 3  # the first and two reconnects
    assert len(rig.errors) == 1 and "2 reconnects failed" in rig.errors[0]
    assert (await rig.stt.transcribe_until(rig.buffer.end)).text == "local 0.8 seconds"
    await rig.stt.aclose()


async def test_deepgram_closing_mid_utterance_is_reported_and_the_local_engine_takes_over(
    fake: FakeDeepgram, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults.append(Fault("close", at_s=0.5, code=1011, reason="NET-0000: internal error"))
    local = LocalEcho()
    rig = make_rig(fake, fallback=local)
    rig.stt.start_segment(0)
    await rig.say("one two three")
    await eventually(lambda: rig.stt.fallen_back)
    assert len(fake.connections) == 1  # not reopened: Deepgram ended the stream on purpose
    assert len(rig.errors) == 1
    assert "closed the stream (code 1011: NET-0000: internal error) in the middle of an utterance" in rig.errors[0]
    await rig.say("four")
    rig.interims.clear()
    await rig.say("five")
    assert rig.interims and rig.interims[-1].text.startswith("local")  # interims go on, locally
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert final.text == "local 2.0 seconds"
    assert local.decodes > 0
    assert_no_key(caplog.text, *rig.errors)
    await rig.stt.aclose()


async def test_a_final_waiting_when_deepgram_fails_is_answered_by_the_fallback(fake: FakeDeepgram) -> None:
    fake.finalize_replies = False
    rig = make_rig(fake, fallback=LocalEcho(), finalize_timeout_ms=5000)
    rig.stt.start_segment(0)
    await rig.say("one two")
    waiting = asyncio.ensure_future(rig.stt.transcribe_until(rig.buffer.end))
    await eventually(lambda: "Finalize" in fake.connections[0].controls)
    await fake_close_all(fake, 1011, "NET-0000")
    final = await asyncio.wait_for(waiting, 2)
    assert final.text == "local 0.8 seconds"
    await rig.stt.aclose()


# ----- the key never leaks ----------------------------------------------------------------------


async def test_the_key_is_never_logged_shown_or_raised(
    fake: FakeDeepgram, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    shown: list[str] = []

    # A working session, a dropped one, one Deepgram closes, and a refused one.
    rig = make_rig(fake, fallback=LocalEcho())
    rig.stt.start_segment(0)
    await rig.say("one two")
    fake_drop_all(fake)
    await rig.say("three")
    final = await rig.stt.transcribe_until(rig.buffer.end)
    fake.faults.append(Fault("close", at_s=0.1, reason="NET-0000"))
    fake_drop_all(fake)
    await rig.say("four five")
    await eventually(lambda: rig.stt.fallen_back)
    shown += [final.text, *rig.errors, *(i.text for i in rig.interims)]
    await rig.stt.aclose()

    refused = make_rig(fake, key=KEY + "-revoked")
    refused.stt.start_segment(0)
    await refused.say("one")
    await eventually(lambda: bool(refused.errors))
    shown += refused.errors
    await refused.stt.aclose()

    # What a caller can print: the settings, the engine, the connection errors.
    settings = Settings()
    assert settings.stt.deepgram.api_key is not None
    shown += [repr(settings), str(settings.model_dump()), repr(settings.stt.deepgram.api_key)]
    engine = DeepgramEngine(stt_config(fake), SecretStr(KEY))
    shown += [repr(engine), repr(vars(engine))]
    live = engine._live
    with pytest.raises(DeepgramRefused) as refusal:
        async with DeepgramEngine(stt_config(fake), SecretStr(KEY + "x"))._live.connect():
            pass
    shown += [str(refusal.value), repr(refusal.value)]
    assert live.scrub(f"a {KEY} b") == "a [redacted] b"

    # The check means something: the handshake's DEBUG lines were captured, masked.
    assert "Authorization: Token [REDACTED]" in caplog.text
    assert rig.errors and "code 1011: NET-0000" in rig.errors[0]
    assert_no_key(caplog.text, *shown)


async def test_what_deepgram_says_is_scrubbed_of_the_key_before_it_is_shown(
    fake: FakeDeepgram, caplog: pytest.LogCaptureFixture
) -> None:
    # Deepgram never echoes a key, but its close reasons reach the session: they are scrubbed.
    fake.faults.append(Fault("close", at_s=0.1, reason=f"echoing {KEY}"))
    rig = make_rig(fake, fallback=LocalEcho())
    rig.stt.start_segment(0)
    await rig.say("one two")
    await eventually(lambda: rig.stt.fallen_back)
    assert "echoing [redacted]" in rig.errors[0]
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("firstword")]
    assert any("echoing [redacted]" in m for m in ours)
    assert_no_key(*rig.errors, *ours)
    await rig.stt.aclose()


# ----- configuration, factory, the front end ----------------------------------------------------


def test_the_key_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    monkeypatch.delenv("FIRSTWORD_STT__DEEPGRAM__API_KEY", raising=False)
    config_file = tmp_path / "firstword.toml"
    config_file.write_text('[stt]\nengine = "deepgram"\n[stt.deepgram]\napi_key = "from-the-file"\nmodel = "nova-2"\n')
    monkeypatch.setenv("FIRSTWORD_CONFIG", str(config_file))
    settings = Settings()
    assert settings.stt.engine == "deepgram" and settings.stt.deepgram.model == "nova-2"
    assert settings.stt.deepgram.api_key is None  # a key in a file is not read

    monkeypatch.setenv("DEEPGRAM_API_KEY", "generic")
    assert Settings().stt.deepgram.api_key == SecretStr("generic")
    monkeypatch.setenv("FIRSTWORD_STT__DEEPGRAM__API_KEY", "specific")
    assert Settings().stt.deepgram.api_key == SecretStr("specific")
    assert "specific" not in repr(Settings())


def test_the_factory_builds_deepgram_with_a_local_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import firstword.stt.factory as factory

    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    monkeypatch.delenv("FIRSTWORD_STT__DEEPGRAM__API_KEY", raising=False)
    config = SttConfig(engine="deepgram")
    with pytest.raises(SttLoadError, match="DEEPGRAM_API_KEY"):
        create_stt(config)

    monkeypatch.setenv("DEEPGRAM_API_KEY", KEY)
    local = LocalEcho()
    monkeypatch.setattr(factory, "_whisper", lambda config, role="": local)
    engine = create_stt(config)
    assert isinstance(engine, DeepgramEngine) and engine.name == "deepgram"
    assert engine.fallback is local
    assert engine.decode(np.zeros(SAMPLE_RATE, dtype=np.float32)).text == "local 1.0 seconds"

    alone = create_stt(SttConfig(engine="deepgram", deepgram=DeepgramConfig(fallback="none")))
    with pytest.raises(NoLocalDecoder, match="fallback = 'whisper'"):
        alone.decode(np.zeros(160, dtype=np.float32))

    from firstword.stt.deepgram import live

    def missing() -> None:
        raise live.DeepgramUnavailable("stt.engine = 'deepgram' needs the Deepgram SDK: pip install ...")

    monkeypatch.setattr(live, "load_sdk", missing)
    with pytest.raises(SttLoadError, match="needs the Deepgram SDK"):
        create_stt(config)


def test_the_sdk_is_imported_only_when_deepgram_is_used() -> None:
    code = (
        "import sys\n"
        "import firstword.stt.factory, firstword.stt.deepgram, firstword.bench.deepgram_endpoint\n"
        "from firstword.config import SttConfig\n"
        "assert 'deepgram' not in sys.modules, 'imported early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_query_parameters_follow_the_config() -> None:
    params = query_parameters(DeepgramConfig(model="nova-2", language="multi", endpointing_ms=500,
                                             interim_results=False, punctuate=False))
    assert params["model"] == "nova-2" and params["language"] == "multi"
    assert params["endpointing"] == "500" and params["interim_results"] == "false"
    assert "utterance_end_ms" not in params  # Deepgram refuses it without interim results


async def test_the_speech_front_end_streams_through_deepgram(fake: FakeDeepgram) -> None:
    from firstword.speech.front_end import SpeechFrontEnd

    @dataclass
    class Listener:
        events: list[object] = field(default_factory=list)
        interims: list[InterimTranscript] = field(default_factory=list)

        def speech_started(self, event: object) -> None:
            self.events.append(event)
            front.start_segment(event.speech_start_sample)  # type: ignore[attr-defined]

        def pause_candidate(self, event: object) -> None:
            self.events.append(event)

        def speech_resumed(self, event: object) -> None:
            self.events.append(event)

        def speech_ended(self, event: object) -> None:
            self.events.append(event)

        def interim(self, interim: InterimTranscript) -> None:
            self.interims.append(interim)

        def forced_final(self, final: FinalTranscript) -> None:
            pass

    listener = Listener()
    config = stt_config(fake)
    front = SpeechFrontEnd(
        listener, vad=LoudnessVad(), stt=DeepgramEngine(config, SecretStr(KEY)),
        endpointing=EndpointingConfig(), stt_config=config,
    )
    audio = np.concatenate([np.zeros(ms_to_samples(200), dtype=np.float32), fake.speak("tell me more")])
    for i in range(0, len(audio), FRAME_SAMPLES):
        front.feed(audio[i : i + FRAME_SAMPLES])
        await asyncio.sleep(0.001)
    await eventually(lambda: any(i.text == "tell me more" for i in listener.interims))
    final = await front.transcribe_until(front.audio_end)
    assert final.text == "tell me more"
    await front.aclose()


# ----- the endpoint benchmark -------------------------------------------------------------------


async def test_the_endpoint_benchmark_reports_both_ends_per_turn(fake: FakeDeepgram, tmp_path: Path) -> None:
    import soundfile

    from firstword.bench.deepgram_endpoint import measure

    audio = np.concatenate([
        np.zeros(ms_to_samples(300), dtype=np.float32), fake.speak("what is your name"),
        np.zeros(ms_to_samples(1500), dtype=np.float32), fake.speak("and where are you from"),
    ])
    soundfile.write(tmp_path / "two_turns.wav", audio, SAMPLE_RATE, subtype="PCM_16")
    report = await measure(tmp_path, fake.url, KEY, vad_factory=LoudnessVad, speed=8.0,
                           deepgram=DeepgramConfig(endpointing_ms=300, utterance_end_ms=1000))
    text = json.dumps(report)
    assert KEY not in text
    (only,) = report["files"]
    assert only["file"] == "two_turns.wav"
    turns = only["turns"]
    assert len(turns) == 2
    for turn in turns:
        assert turn["speech_end_s"] <= turn["local_end_s"]
        assert turn["deepgram_speech_final_s"] is not None and turn["deepgram_utterance_end_s"] is not None
        # The fake says speech_final 300 ms after the last word, UtteranceEnd 1 s after it.
        assert turn["deepgram_speech_final_s"] < turn["deepgram_utterance_end_s"]
        assert turn["deepgram_speech_final_s"] - turn["deepgram_last_word_end_s"] >= 0.29
        assert turn["sooner"] in ("deepgram", "local")
    assert turns[0]["deepgram_text"] == "what is your name"
    assert turns[1]["deepgram_text"] == "and where are you from"
    assert report["summary"]["turns"] == 2 and report["summary"]["turns_deepgram_ended"] == 2
