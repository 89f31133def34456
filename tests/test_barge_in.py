"""Barge-in while Nova speaks: real speech interrupts her; her own echo, coughs and "mm-hm" do not.

The recordings come from the shared corpus (speech for the candidate, and a second voice played
as Nova's 22.05 kHz TTS output); backchannels are espeak-ng's ("uh-huh", "mm-hm", "yeah",
"okay"). ``Room`` (``firstword.bench.barge_in``, whose sweep measures the same rooms over the
whole corpus) plays her audio the way the practice page does (sent a little ahead; on
``hold`` nothing more is sent and the page plays on what it holds, then falls silent; ``resume``
sends again; ``barge_in`` drops what the page holds) and builds each 20-ms microphone frame:
her echo as it left the loudspeaker (attenuated, delayed, a little reverberation), the candidate,
and noise. Time is the detector's injected clock, advanced 20 ms a frame.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from firstword.audio.format import SAMPLE_RATE
from firstword.bench.barge_in import FRAME, TTS_RATE, Clock, Room, cough
from firstword.bench.barge_in import db_gain as _db
from firstword.endpointing.barge_in import (
    BargeInConfig,
    BargeInDetector,
    Decision,
    _hop_db,
    is_backchannel,
    spectral_flatness,
)
from tests.conftest import corpus_dir


# ----- material -----------------------------------------------------------------------------


def _recording(name: str) -> np.ndarray:
    from firstword.audio.recording import load_recording

    return load_recording(corpus_dir() / name)


def _onset_s(x: np.ndarray) -> float:
    from firstword.endpointing.silero import score_array

    return float(np.argmax(score_array(x) >= 0.5) * 512 / SAMPLE_RATE)


@pytest.fixture(scope="module")
def nova() -> np.ndarray:
    """Her reply: 11.7 s of a LibriSpeech reader (real speech standing in for her TTS voice)."""
    return _recording("lhotse_2412-153948-0000.wav")


@pytest.fixture(scope="module")
def candidate() -> np.ndarray:
    """The candidate: another LibriSpeech speaker, speech from 0.58 s."""
    return _recording("leopard_test.wav")


def _espeak(text: str, tmp: Path) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): backchannel test skipped")
    from firstword.audio.recording import load_recording

    path = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True, capture_output=True)
    return load_recording(path)


# ----- real audio ---------------------------------------------------------------------------



@pytest.mark.engine
@pytest.mark.parametrize("delay_ms", [40, 80, 120])
def test_her_own_echo_never_stops_her(nova: np.ndarray, delay_ms: int) -> None:
    room = Room(nova, echo_db=-10, delay_ms=delay_ms, noise_db=-60, seed=delay_ms)
    assert room.run(len(nova) / SAMPLE_RATE + 1.0) == []
    assert room.detector.stats.echo_chunks > 100, "her echo was heard as voice, and discounted"


@pytest.mark.engine
def test_her_echo_at_full_level_or_in_noise_does_not_stop_her(nova: np.ndarray) -> None:
    """Harder than the browser's residual: no attenuation at all, or -10 dB under -50 dBFS noise."""
    assert Room(nova, echo_db=0, delay_ms=300, seed=3).run(len(nova) / SAMPLE_RATE + 1.0) == []
    noisy = Room(nova, echo_db=-10, delay_ms=120, noise_db=-50, seed=4)
    assert noisy.run(len(nova) / SAMPLE_RATE + 1.0) == []


@pytest.mark.engine
def test_her_synthetic_voice_echo_does_not_stop_her(tmp_path: Path) -> None:
    reply = _espeak(
        "That's a great example. Now tell me about a time when a project you led did not go to "
        "plan, and what you changed afterwards.",
        tmp_path,
    )
    assert Room(reply, echo_db=-10, delay_ms=100, seed=5).run(len(reply) / SAMPLE_RATE + 1.0) == []


@pytest.mark.engine
@pytest.mark.parametrize(("user_at_s", "echo_db"), [(2.5, -10.0), (5.0, -10.0), (5.0, -100.0)])
def test_candidate_speaking_over_her_stops_her(
    nova: np.ndarray, candidate: np.ndarray, user_at_s: float, echo_db: float
) -> None:
    room = Room(nova, user=candidate, user_at_s=user_at_s, echo_db=echo_db, delay_ms=80, seed=7)
    decisions = room.run(user_at_s + 3.0)
    onset = user_at_s + _onset_s(candidate)
    holds = [t for t, d in decisions if d == "hold"]
    barges = [t for t, d in decisions if d == "barge_in"]
    assert holds and barges, decisions
    # ~100 ms of voice, then the decision on the chunk that completes it (32-ms chunks, the
    # VAD's onset): her frames stop 0.1-0.4 s after the onset (measured: 0.10-0.38 s; the later
    # ones where the first chunks read as her echo); the page plays on what it holds
    # and falls silent about 0.3 s after the hold (the ~300 ms of voice the rule asks for).
    assert 0.06 <= holds[0] - onset <= 0.4, decisions
    assert room.dry_at is not None and room.dry_at - onset <= 0.7, (room.dry_at, decisions)
    assert barges[0] - onset <= 1.0, decisions
    assert room.stopped and decisions[-1][1] == "barge_in", "nothing after the barge-in"


@pytest.mark.engine
def test_candidate_speaking_during_her_first_second_still_stops_her(
    nova: np.ndarray, candidate: np.ndarray
) -> None:
    """Before the echo path is learnt, voice that follows her envelope is taken for echo: the
    barge-in comes, a little later than it would once the path is known."""
    room = Room(nova, user=candidate, user_at_s=0.3, echo_db=-10, delay_ms=80, seed=8)
    decisions = room.run(4.0)
    barges = [t for t, d in decisions if d == "barge_in"]
    assert barges and barges[0] - (0.3 + _onset_s(candidate)) <= 2.0, decisions


@pytest.mark.engine
@pytest.mark.parametrize("ms", [150, 200, 250])
@pytest.mark.parametrize("level_db", [-18.0, -10.0])
def test_a_cough_does_not_stop_her(nova: np.ndarray, ms: int, level_db: float) -> None:
    room = Room(nova, user=cough(ms, ms, level_db), user_at_s=3.0, echo_db=-10, seed=ms)
    assert room.run(4.5) == []


@pytest.mark.engine
def test_a_quarter_second_of_voice_does_not_stop_her(nova: np.ndarray, candidate: np.ndarray) -> None:
    """The hardest cough: 250 ms that the VAD does call voice (a slice of real speech). It holds
    her frames (96 ms of voice) and resumes them 192 ms after it ends, while the page still
    plays what it holds: a gap of 60 ms at most is heard (measured: 60 ms, with the page's lead
    at 200 ms; the server's is 250)."""
    snippet = candidate[16_000:20_000]
    room = Room(nova, user=snippet, user_at_s=3.0, echo_db=-10, seed=9)
    assert [d for _, d in room.run(4.5)] == ["hold", "resume"]
    assert room.gaps * FRAME / SAMPLE_RATE <= 0.1 and not room.paused


@pytest.mark.engine
@pytest.mark.parametrize("word", ["uh-huh", "[[m@m'h@m]]", "yeah", "okay", "right"])
def test_a_backchannel_holds_her_at_most_briefly(nova: np.ndarray, word: str, tmp_path: Path) -> None:
    """espeak-ng's "uh-huh", "mm-hm" (as phonemes: it spells the word), "yeah", "okay", "right"
    (384-544 ms of voice): never a barge-in; a hold is resumed once the voice has stopped.

    Her voice pauses for what the hold outlasts the page's lead: 160-420 ms (the whole word
    is ~0.65-0.8 s). At -10 dB a second short hold can follow the resume (her own voice,
    coming back after the gap, before the echo path has caught up): it resumes too. Holding at
    300 ms instead let the page play its lead into the word and read that echo as the
    candidate: all five words barged in at -10 dB."""
    said = _espeak(word, tmp_path)
    for echo_db in (-10.0, -100.0):
        room = Room(nova, user=said, user_at_s=4.0, echo_db=echo_db, seed=11)
        decisions = room.run(6.0)
        kinds = [d for _, d in decisions]
        assert "barge_in" not in kinds, (echo_db, decisions)
        assert kinds == ["hold", "resume"] * (len(kinds) // 2) and len(kinds) <= 4, decisions
        if decisions:
            end_of_voice = 4.0 + len(said) / SAMPLE_RATE
            assert decisions[1][0] - end_of_voice <= 0.4, decisions
        assert room.gaps * FRAME / SAMPLE_RATE <= 0.45, room.gaps
        assert not room.paused


@pytest.mark.engine
def test_a_backchannel_transcript_resumes_at_once_and_words_barge_in(
    nova: np.ndarray, candidate: np.ndarray, tmp_path: Path
) -> None:
    said = _espeak("uh-huh", tmp_path)
    room = Room(nova, user=said, user_at_s=4.0, echo_db=-10, seed=12, transcript="Mm-hmm.")
    decisions = room.run(6.0)
    assert [d for _, d in decisions] == ["hold", "resume"]
    assert decisions[0][0] == decisions[1][0], "resumed on the transcript, not on the silence"
    # A long "mmmm-hmmm" with its transcript: no barge-in even past backchannel_max_ms.
    room = Room(nova, user=_espeak("[[m@m'h@m]]", tmp_path), user_at_s=4.0, transcript="mhm", seed=13)
    assert "barge_in" not in [d for _, d in room.run(6.0)]
    # Words: a barge-in as soon as the transcript says so.
    room = Room(nova, user=candidate, user_at_s=3.0, echo_db=-10, seed=14, transcript="Sorry, can I")
    decisions = room.run(5.0)
    assert [d for _, d in decisions] == ["hold", "barge_in"]
    assert decisions[0][0] == decisions[1][0]


@pytest.mark.engine
def test_speech_when_she_is_silent_is_not_a_barge_in(candidate: np.ndarray) -> None:
    clock = Clock()
    detector = BargeInDetector(clock=clock)
    pcm = (np.clip(candidate, -1, 1) * 32767).astype("<i2").tobytes()
    out = []
    for i in range(0, len(pcm) - 2 * FRAME, 2 * FRAME):
        clock.t += 0.02
        out += detector.feed_pcm(pcm[i : i + 2 * FRAME])
    assert out == [] and not detector.nova_audible


@pytest.mark.engine
def test_the_detector_keeps_up_with_real_time(nova: np.ndarray, candidate: np.ndarray) -> None:
    room = Room(nova, user=candidate, user_at_s=3.0, echo_db=-10, seed=15)
    room.step()  # the first call loads the VAD
    started = time.perf_counter()
    frames = 150  # 3 s of audio: the echo path, double talk, the decisions
    for _ in range(frames):
        room.step()
    per_chunk_ms = (time.perf_counter() - started) * 1000 / (frames * FRAME / 512)
    # A bound on keeping up, not a speed target: half of the 32-ms chunk's own duration, so a
    # busy CI machine passes and a detector that falls behind the audio does not. What a chunk
    # costs (~1-6 ms with Silero on 2 shared cores, by machine and load) is measured by
    # `firstword bench barge-in` (``cost_ms_per_chunk``), where speed targets live.
    assert per_chunk_ms < 16.0, per_chunk_ms


# ----- no model: scripted VAD scores --------------------------------------------------------


def _voice(n: int, level_db: float = -20.0, f0: float = 140.0, seed: int = 0) -> np.ndarray:
    """A voiced-sounding signal: harmonics of f0 (low spectral flatness)."""
    t = np.arange(n) / SAMPLE_RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t + k) / k for k in range(1, 25))
    x = x / np.sqrt(np.mean(x**2)) * _db(level_db)
    x += np.random.default_rng(seed).standard_normal(n) * _db(-70)
    return x.astype(np.float32)


class Scripted:
    """The detector with VAD scores given per 512-sample chunk; Nova 'speaks' digital silence (she
    is audible, no echo can come of it), so only the voice logic is under test."""

    def __init__(self, config: BargeInConfig | None = None, *, nova: bool = True) -> None:
        self.clock = Clock()
        self.detector = BargeInDetector(config, clock=self.clock)
        if nova:
            self.detector.note_playback(np.zeros(TTS_RATE * 30, np.float32), TTS_RATE)
        self.t = 0

    def feed(self, probability: float, chunks: int = 1) -> list[tuple[int, str]]:
        out = []
        for _ in range(chunks):
            if probability >= 0.35:
                samples = _voice(512, seed=self.t)
            else:
                samples = np.random.default_rng(self.t).standard_normal(512).astype(np.float32) * _db(-70)
            self.clock.t += 512 / SAMPLE_RATE
            self.t += 1
            out += [(self.t, d.value) for d in self.detector.feed(samples, [probability])]
        return out


def test_a_hundred_ms_of_voice_holds_and_a_long_stretch_barges_in() -> None:
    s = Scripted()
    assert s.feed(0.0, 5) == []
    # 96 ms = 3 chunks: the hold comes on the 3rd voiced chunk.
    assert s.feed(0.9, 3) == [(8, "hold")]
    # Still talking past 600 ms from the first voiced chunk (18.75 chunks: the 19th): barge-in.
    assert s.feed(0.9, 17) == [(24, "barge_in")]
    assert s.feed(0.9, 30) == [], "nothing more once she was cut off"


def test_short_voice_is_nothing_and_a_backchannel_resumes_after_the_gap() -> None:
    s = Scripted()
    assert s.feed(0.9, 2) == []  # 64 ms: under hold_ms
    assert s.feed(0.0, 10) == []
    # 16 chunks (512 ms) with a 2-chunk dip, like "mm - hm": hold, then resume 192 ms after.
    out = s.feed(0.9, 7) + s.feed(0.1, 2) + s.feed(0.9, 7) + s.feed(0.0, 8)
    assert [d for _, d in out] == ["hold", "resume"]
    hold_at, resume_at = out[0][0], out[1][0]
    assert resume_at - hold_at == 13 + 6  # voice goes on 13 chunks more, then 6 silent (192 ms)
    assert not s.detector.held


def test_transcript_wait_delays_resume_until_the_transcript_or_the_timeout() -> None:
    s = Scripted(BargeInConfig(transcript_wait_ms=320))
    out = s.feed(0.9, 12) + s.feed(0.0, 6)
    assert [d for _, d in out] == ["hold"], "the stretch ended but no transcript yet"
    assert s.detector.note_transcript("wait, I meant") is Decision.BARGE_IN
    s = Scripted(BargeInConfig(transcript_wait_ms=320))
    out = s.feed(0.9, 12) + s.feed(0.0, 6 + 10)
    assert [d for _, d in out] == ["hold", "resume"], "no transcript came: resumed after 320 ms"


def test_noise_flat_spectrum_and_silent_nova_are_not_voice() -> None:
    s = Scripted()
    rng = np.random.default_rng(1)
    # White noise scored as voice by a confused VAD: its flat spectrum says otherwise.
    out = []
    for _ in range(30):
        s.clock.t += 0.032
        out += s.detector.feed(rng.standard_normal(512).astype(np.float32) * 0.05, [0.95])
    assert out == []
    # Nova not playing: voice is not a barge-in.
    quiet = Scripted(nova=False)
    assert quiet.feed(0.9, 40) == []


def test_playback_is_placed_on_the_clock_resampled_paused_and_resumed() -> None:
    clock = Clock()
    d = BargeInDetector(clock=clock)
    assert not d.nova_audible
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(TTS_RATE) / TTS_RATE)).astype(np.float32)
    d.note_playback((tone * 32767).astype("<i2").tobytes(), TTS_RATE)  # 1 s from now
    d.note_playback((tone[: TTS_RATE // 2] * 32767).astype("<i2").tobytes(), TTS_RATE)  # queued behind
    assert d.nova_audible
    hop0 = d._hop_of(clock.t)
    env = d._ref_env.read(np.arange(hop0, hop0 + 100))
    loud = np.nonzero(env.max(axis=1) > -20)[0]
    assert loud[0] <= 1 and 90 <= loud[-1] <= 94, "1.5 s of tone from now, in 16-ms hops"
    clock.t += 0.5
    d.pause_playback()
    assert d._ref_env.read(np.array([d._hop_of(clock.t) + 5])).max() < -90, "nothing plays while held"
    clock.t += 2.0
    d.resume_playback()
    hop = d._hop_of(clock.t)
    env = d._ref_env.read(np.arange(hop, hop + 80))
    loud = np.nonzero(env.max(axis=1) > -20)[0]
    assert loud[0] <= 1 and 58 <= loud[-1] <= 64, "the last second plays from the resume"
    d.stop_playback()
    assert d._ref_env.read(np.arange(hop, hop + 80)).max() < -90
    clock.t += 1.0
    assert not d.nova_audible


def test_validation() -> None:
    with pytest.raises(ValueError):
        BargeInDetector(BargeInConfig(threshold=0.3, neg_threshold=0.5))
    d = BargeInDetector(clock=Clock())
    with pytest.raises(ValueError):
        d.feed(np.zeros(1024, np.float32), [0.5])  # two chunks, one score
    with pytest.raises(ValueError):
        d.note_playback(b"\x00\x00" * 10, 0)


@pytest.mark.parametrize(
    ("text", "backchannel"),
    [
        ("Mm-hmm.", True),
        ("mhm", True),
        ("Uh-huh", True),
        ("Yeah, right.", True),
        ("Okay.", True),
        ("I see.", True),
        ("Got it", True),
        ("", True),
        ("Wait", False),
        ("Sorry, can I ask", False),
        ("Yeah, but that's not what I did", False),
        ("no", False),
    ],
)
def test_backchannel_words(text: str, backchannel: bool) -> None:
    assert is_backchannel(text) is backchannel


def test_features() -> None:
    rng = np.random.default_rng(0)
    assert spectral_flatness(rng.standard_normal(512).astype(np.float32)) > 0.45
    assert spectral_flatness(_voice(512)) < 0.2
    tone = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(2560) / SAMPLE_RATE)).astype(np.float32)
    bands = _hop_db(tone)
    assert bands.shape == (10, 4)
    assert np.allclose(10 * np.log10(np.sum(10 ** (bands / 10), axis=1)), -9.0, atol=0.2)
