from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE, ms_to_samples
from firstword.config import SttConfig
from firstword.stt.base import Decoded
from firstword.stt.streaming import (
    FinalTranscript,
    InterimTranscript,
    StreamingTranscriber,
    quietest_point,
)
from firstword.testing import InlineExecutor, settle


@dataclass
class FakeEngine:
    """Says one word per 250 ms of audio: "w0 w1 …", so hypotheses of a growing range agree."""

    name: str = "fake"
    max_audio_s: float = 30.0
    calls: list[tuple[int, str | None]] = field(default_factory=list)
    running: int = 0
    most_running: int = 0

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            self.calls.append((len(audio), prompt))
            words = len(audio) * 4 // SAMPLE_RATE
            return Decoded(" ".join(f"w{i}" for i in range(words)), len(audio) / 16.0, 1.0)
        finally:
            self.running -= 1

    def decode_offline(self, audio: np.ndarray) -> Decoded:
        return self.decode(audio)


class ManualExecutor(concurrent.futures.Executor):
    """Holds submitted calls until the test runs them: decodes finish exactly when told."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], object], concurrent.futures.Future[object]]] = []
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        future: concurrent.futures.Future[object] = concurrent.futures.Future()
        self.pending.append((lambda: fn(*args, **kwargs), future))
        self.submitted += 1
        return future

    def run_next(self) -> None:
        fn, future = self.pending.pop(0)
        future.set_result(fn())


@dataclass
class Rig:
    engine: FakeEngine
    buffer: AudioBuffer
    executor: concurrent.futures.Executor
    stt: StreamingTranscriber
    interims: list[InterimTranscript]
    forced: list[FinalTranscript]

    def feed(self, ms: int, level: float = 0.1) -> None:
        for _ in range(ms // 20):
            self.buffer.append(np.full(FRAME_SAMPLES, level, dtype=np.float32))
            self.stt.poll()


def make_rig(executor: concurrent.futures.Executor | None = None, **config: int) -> Rig:
    engine = FakeEngine()
    buffer = AudioBuffer(capacity_s=40.0)
    interims: list[InterimTranscript] = []
    forced: list[FinalTranscript] = []
    executor = executor or ManualExecutor()
    stt = StreamingTranscriber(
        engine,
        buffer,
        # A fixed step unless a test asks for quicker interims (test_a_quick_interim_...).
        SttConfig(**{"interim_min_step_ms": 0, **config}),
        on_interim=interims.append,
        on_forced_final=forced.append,
        executor=executor,
    )
    return Rig(engine, buffer, executor, stt, interims, forced)


async def test_interim_after_each_step_and_skipped_while_busy() -> None:
    rig = make_rig(interim_step_ms=400)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    rig.feed(380)
    await settle(20)
    assert ex.submitted == 0
    rig.feed(20)
    await settle(20)
    assert ex.submitted == 1
    # Two more seconds arrive while the decode runs: nothing is queued behind it.
    rig.feed(2000)
    await settle(20)
    assert ex.submitted == 1 and len(ex.pending) == 1
    ex.run_next()
    await settle(20)
    assert [(i.start_sample, i.end_sample) for i in rig.interims] == [(0, 6400)]
    # The next frame starts one decode of everything that arrived meanwhile.
    rig.feed(20)
    await settle(20)
    assert ex.submitted == 2
    ex.run_next()
    await settle(20)
    assert rig.interims[-1].end_sample == rig.buffer.end
    assert rig.interims[-1].stable.startswith("w0")
    await rig.stt.aclose()


async def test_interims_stabilise_and_never_shrink() -> None:
    rig = make_rig(InlineExecutor(), interim_step_ms=200)
    rig.stt.start_segment(0)
    for _ in range(20):
        rig.feed(200)
        await settle(20)
    stables = [i.stable.split() for i in rig.interims]
    assert len(stables) >= 10
    for before, after in zip(stables, stables[1:]):
        assert after[: len(before)] == before
    assert rig.interims[-1].stable
    await rig.stt.aclose()


async def test_transcribe_until_waits_for_the_running_interim() -> None:
    rig = make_rig(interim_step_ms=400)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0, prompt="before")
    rig.feed(1000)
    await settle(20)
    assert ex.submitted == 1
    final = asyncio.create_task(rig.stt.transcribe_until(rig.buffer.end))
    await settle(20)
    assert ex.submitted == 1  # the final waits: never two decodes of a session at once
    ex.run_next()
    await settle(20)
    assert ex.submitted == 2
    assert not final.done()
    ex.run_next()
    result = await final
    assert result.start_sample == 0 and result.end_sample == rig.buffer.end
    assert result.text == "w0 w1 w2 w3" and not result.forced_cut
    assert [prompt for _, prompt in rig.engine.calls] == ["before", "before"]
    assert rig.engine.most_running == 1
    await rig.stt.aclose()


async def test_final_is_cached_by_range() -> None:
    rig = make_rig(interim_step_ms=10_000)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    rig.feed(1500)
    end = rig.buffer.end
    first = asyncio.create_task(rig.stt.transcribe_until(end))
    second = asyncio.create_task(rig.stt.transcribe_until(end))
    await settle(20)
    assert ex.submitted == 1  # two askers, one decode
    ex.run_next()
    a, b = await asyncio.gather(first, second)
    assert a == b
    rig.stt.end_segment()  # closing the segment keeps its finals
    again = await asyncio.wait_for(rig.stt.transcribe_until(end), timeout=1)
    assert again == a and ex.submitted == 1
    await rig.stt.aclose()


async def test_an_interim_of_the_same_range_is_the_final() -> None:
    rig = make_rig(interim_step_ms=400)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    rig.feed(400)
    await settle(20)
    ex.run_next()
    await settle(20)
    final = await asyncio.wait_for(rig.stt.transcribe_until(6400), timeout=1)
    assert final.text == rig.interims[-1].text
    assert ex.submitted == 1
    await rig.stt.aclose()


async def test_cancelled_caller_leaves_the_decode_to_the_cache() -> None:
    rig = make_rig(interim_step_ms=10_000)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    rig.feed(1000)
    waiter = asyncio.create_task(rig.stt.transcribe_until(rig.buffer.end))
    await settle(20)
    waiter.cancel()
    await settle(20)
    ex.run_next()
    await settle(20)
    result = await asyncio.wait_for(rig.stt.transcribe_until(rig.buffer.end), timeout=1)
    assert result.text and ex.submitted == 1
    await rig.stt.aclose()


async def test_end_segment_stops_interims_and_drops_a_late_one() -> None:
    rig = make_rig(interim_step_ms=400)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    rig.feed(400)
    await settle(20)
    rig.stt.end_segment()
    ex.run_next()
    await settle(20)
    assert rig.interims == []
    rig.feed(2000)
    await settle(20)
    assert ex.submitted == 1
    await rig.stt.aclose()


async def test_long_speech_is_cut_at_its_quietest_point() -> None:
    rig = make_rig(interim_step_ms=10_000, max_segment_ms=3000)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0, prompt="earlier")
    rig.feed(2000)
    rig.feed(200, level=0.001)  # a breath between 2.0 and 2.2 s
    rig.feed(1000)
    await settle(20)
    assert ex.submitted == 1
    ex.run_next()
    await settle(20)
    assert len(rig.forced) == 1
    piece = rig.forced[0]
    assert piece.forced_cut and piece.start_sample == 0
    assert 2.0 * SAMPLE_RATE <= piece.end_sample <= 2.2 * SAMPLE_RATE
    assert rig.engine.calls[0] == (piece.end_sample, "earlier")
    # The segment goes on from the cut, with the piece's text as the decoder's prompt.
    final = asyncio.create_task(rig.stt.transcribe_until(rig.buffer.end))
    await settle(20)
    ex.run_next()
    rest = await final
    assert rest.start_sample == piece.end_sample and not rest.forced_cut
    assert rig.engine.calls[1] == (rig.buffer.end - piece.end_sample, piece.text)
    await rig.stt.aclose()


async def test_transcribe_until_cuts_an_over_long_range_first() -> None:
    rig = make_rig(InlineExecutor(), interim_step_ms=100_000, max_segment_ms=2000)
    rig.stt.start_segment(0)
    rig.buffer.append(np.full(5 * SAMPLE_RATE, 0.1, dtype=np.float32))  # no poll: nothing cut yet
    final = await rig.stt.transcribe_until(rig.buffer.end)
    assert len(rig.forced) >= 2
    pieces = [(f.start_sample, f.end_sample) for f in rig.forced] + [
        (final.start_sample, final.end_sample)
    ]
    assert pieces[0][0] == 0 and pieces[-1][1] == rig.buffer.end
    for (_, end), (start, _) in zip(pieces, pieces[1:]):
        assert end == start
    assert all(end - start <= 2 * SAMPLE_RATE for start, end in pieces)
    await rig.stt.aclose()


async def test_work_and_memory_stay_bounded_over_a_long_session() -> None:
    rig = make_rig(interim_step_ms=400, max_segment_ms=2000)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0)
    for second in range(120):
        rig.feed(1000)
        await settle(20)
        final = None
        if second % 3 == 0:
            final = asyncio.create_task(rig.stt.transcribe_until(rig.buffer.end))
            await settle(20)
        while ex.pending:
            assert len(ex.pending) == 1
            ex.run_next()
            await settle(20)
        if final is not None:
            assert (await final).end_sample == rig.buffer.end
    assert rig.engine.most_running == 1
    assert len(rig.forced) >= 50
    assert len(rig.stt._finals) <= 8 and len(rig.stt._decoded) <= 8
    assert ex.submitted < 120 * 3  # at most a few decodes a second, never one per frame
    await rig.stt.aclose()


async def test_aclose_cancels_waiting_finals() -> None:
    rig = make_rig(interim_step_ms=400)
    rig.stt.start_segment(0)
    rig.feed(400)
    await settle(20)
    final = asyncio.create_task(rig.stt.transcribe_until(rig.buffer.end))
    await settle(20)
    await rig.stt.aclose()
    with pytest.raises(asyncio.CancelledError):
        await final
    with pytest.raises(RuntimeError):
        rig.stt.start_segment(0)


async def test_own_executor_runs_decodes_off_the_loop() -> None:
    engine = FakeEngine()
    buffer = AudioBuffer()
    stt = StreamingTranscriber(
        engine, buffer, SttConfig(), on_interim=lambda _: None, on_forced_final=lambda _: None
    )
    stt.start_segment(0)
    buffer.append(np.full(SAMPLE_RATE, 0.1, dtype=np.float32))
    final = await asyncio.wait_for(stt.transcribe_until(buffer.end), timeout=5)
    assert final.text == "w0 w1 w2 w3"
    await stt.aclose()


def test_quietest_point() -> None:
    audio = np.full(SAMPLE_RATE, 0.5, dtype=np.float32)
    audio[8000:9600] = 0.0
    point = quietest_point(audio, 1600)
    assert 8000 <= point <= 9600
    assert quietest_point(np.zeros(100, dtype=np.float32), 1600) == 50


async def test_final_of_a_previous_segment_keeps_its_range_and_prompt() -> None:
    rig = make_rig(interim_step_ms=10_000)
    ex = rig.executor
    assert isinstance(ex, ManualExecutor)
    rig.stt.start_segment(0, prompt="first")
    rig.feed(2000)
    old = asyncio.create_task(rig.stt.transcribe_until(2 * SAMPLE_RATE))
    await settle(20)
    # Speech resumes before that final is decoded; the new segment's pre-roll overlaps it.
    rig.stt.start_segment(int(1.8 * SAMPLE_RATE), prompt="first and more")
    ex.run_next()
    final = await old
    assert (final.start_sample, final.end_sample) == (0, 2 * SAMPLE_RATE)
    assert rig.engine.calls == [(2 * SAMPLE_RATE, "first")]
    await rig.stt.aclose()


@dataclass
class SentenceEngine(FakeEngine):
    """FakeEngine that also closes a timed segment every 2 s (8 words), as Whisper closes one
    at each sentence."""

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        said = super().decode(audio, prompt=prompt)
        words = said.text.split()
        audio_s = len(audio) / SAMPLE_RATE
        closed = tuple((2.0 * k, " ".join(words[: 8 * k])) for k in range(1, int(audio_s // 2) + 1)
                       if 2.0 * k <= audio_s - 0.1)
        return Decoded(said.text, said.audio_ms, said.compute_ms, closed=closed)


async def test_long_speech_commits_the_stable_segments_whisper_closed_and_decodes_on_from_there() -> None:
    engine = SentenceEngine()
    buffer = AudioBuffer(capacity_s=40.0)
    interims: list[InterimTranscript] = []
    forced: list[FinalTranscript] = []
    stt = StreamingTranscriber(
        engine, buffer, SttConfig(interim_step_ms=400, interim_min_step_ms=0, commit_segments_after_ms=3000, commit_keep_ms=1000),
        on_interim=interims.append, on_forced_final=forced.append, executor=InlineExecutor(),
    )
    rig = Rig(engine, buffer, InlineExecutor(), stt, interims, forced)
    stt.start_segment(0, prompt="earlier")
    for _ in range(8):  # 3.2 s, a step at a time, each interim decoded before the next
        rig.feed(400)
        await settle(20)
    assert len(forced) == 1
    piece = forced[0]
    assert piece.forced_cut and piece.start_sample == 0 and piece.text == " ".join(f"w{i}" for i in range(8))
    # Cut at the quiet point near the segment's end, never inside the audio it leaves open.
    assert 1.9 * SAMPLE_RATE <= piece.end_sample <= 2.2 * SAMPLE_RATE
    # The next interim decodes only what follows the cut, with the committed text as its prompt.
    rig.feed(400)
    await settle(20)
    last = interims[-1]
    assert last.start_sample == piece.end_sample
    assert engine.calls[-1] == (last.end_sample - piece.end_sample, piece.text)
    # The final of the segment is the rest.
    rest = await stt.transcribe_until(buffer.end)
    assert rest.start_sample == piece.end_sample
    await stt.aclose()


async def test_nothing_is_committed_that_two_interims_have_not_agreed_on_or_when_off() -> None:
    off = make_rig(InlineExecutor(), interim_step_ms=400)
    off.engine.__class__ = SentenceEngine
    off.stt.start_segment(0)
    for _ in range(20):
        off.feed(400)
        await settle(20)
    assert off.forced == []  # commit_segments_after_ms = 0: only max_segment_ms cuts
    await off.stt.aclose()

    # One long interim (no earlier one to agree with) commits nothing.
    engine = SentenceEngine()
    buffer = AudioBuffer(capacity_s=40.0)
    forced: list[FinalTranscript] = []
    stt = StreamingTranscriber(
        engine, buffer, SttConfig(interim_step_ms=5000, interim_min_step_ms=0, commit_segments_after_ms=3000, commit_keep_ms=1000),
        on_interim=lambda _: None, on_forced_final=forced.append, executor=InlineExecutor(),
    )
    stt.start_segment(0)
    for _ in range(250):
        buffer.append(np.full(FRAME_SAMPLES, 0.1, dtype=np.float32))
        stt.poll()
    await settle(20)
    assert engine.calls and forced == []
    await stt.aclose()


@dataclass
class TimedFakeEngine(FakeEngine):
    """FakeEngine that reports each decode as taking ``compute_ms``."""

    compute_ms: float = 1.0

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        decoded = super().decode(audio, prompt=prompt)
        return Decoded(decoded.text, decoded.audio_ms, self.compute_ms)


@pytest.mark.parametrize(("compute_ms", "next_step_ms"), [(40.0, 200), (150.0, 300), (900.0, 400)])
async def test_a_quick_interim_is_followed_sooner(compute_ms: float, next_step_ms: int) -> None:
    engine = TimedFakeEngine(compute_ms=compute_ms)
    buffer = AudioBuffer(capacity_s=40.0)
    interims: list[InterimTranscript] = []
    stt = StreamingTranscriber(
        engine, buffer, SttConfig(interim_step_ms=400, interim_min_step_ms=200, interim_max_duty=0.5),
        on_interim=interims.append, on_forced_final=lambda f: None, executor=InlineExecutor(),
    )
    rig = Rig(engine, buffer, InlineExecutor(), stt, interims, [])
    stt.start_segment(0)
    rig.feed(200)  # the first interim comes after the shortest step
    await settle(20)
    assert [i.end_sample for i in interims] == [ms_to_samples(200)]
    # Its decode time sets the next step: decode / duty, between the shortest and the full step.
    rig.feed(next_step_ms - 20)
    await settle(20)
    assert len(interims) == 1
    rig.feed(20)
    await settle(20)
    assert [i.end_sample for i in interims] == [ms_to_samples(200), ms_to_samples(200 + next_step_ms)]
    await stt.aclose()


class _BusyDecoder:
    """Stands for the node's shared decoder, as far as pacing reads it."""

    def __init__(self, busy: float) -> None:
        self.busy = busy

    def busy_fraction(self, window_s: float) -> float:
        return self.busy


@pytest.mark.parametrize(("busy", "step_ms"), [(0.3, 200), (0.9, 400)])
def test_quicker_interims_wait_the_full_step_while_the_shared_decoder_is_busy(busy: float, step_ms: int) -> None:
    stt = StreamingTranscriber(
        TimedFakeEngine(), AudioBuffer(capacity_s=5.0),
        SttConfig(interim_step_ms=400, interim_min_step_ms=200, interim_max_duty=0.5, interim_fast_below_busy=0.6),
        on_interim=lambda i: None, on_forced_final=lambda f: None, executor=InlineExecutor(),
        decoder=_BusyDecoder(busy),  # type: ignore[arg-type]
    )
    stt._pace(40.0)  # a quick decode: 80 ms at duty 0.5, so the shortest step unless busy
    assert stt._step == ms_to_samples(step_ms)
