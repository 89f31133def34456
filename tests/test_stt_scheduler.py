"""The node's shared speech decoder: priorities, batches, withdrawal, thinning, load figures.

A gated fake engine holds each decode until the test lets it go, so the order in which queued
work runs is observed, not raced.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import numpy as np
import pytest

from firstword.audio.buffer import AudioBuffer
from firstword.audio.format import FRAME_SAMPLES, SAMPLE_RATE
from firstword.config import SttConfig
from firstword.stt.base import Decoded
from firstword.stt.scheduler import DecodePriority, DecodeScheduler
from firstword.stt.streaming import StreamingTranscriber
from firstword.testing import ManualClock, settle


@dataclass
class GatedEngine:
    """Decodes "n<samples>" once released; records what ran, alone or in a batch."""

    name: str = "gated"
    max_audio_s: float = 30.0
    batches: bool = False
    calls: list[list[int]] = field(default_factory=list)
    gate: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    started: threading.Event = field(default_factory=threading.Event)
    fail_next: bool = False
    clock: ManualClock | None = None

    def _run(self, lengths: list[int]) -> list[Decoded]:
        self.started.set()
        self.gate.acquire(timeout=5)
        self.calls.append(lengths)
        if self.clock is not None:
            self.clock.advance_ms(500)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model failed")
        return [Decoded(f"n{n}", n / 16.0, 1.0) for n in lengths]

    def decode(self, audio: np.ndarray, *, prompt: str | None = None) -> Decoded:
        return self._run([len(audio)])[0]

    def decode_offline(self, audio: np.ndarray, *, word_timestamps: bool = False) -> Decoded:
        return self.decode(audio)

    def close(self) -> None:
        pass


class BatchingEngine(GatedEngine):
    def decode_batch(self, pieces: list[tuple[np.ndarray, str | None]]) -> list[Decoded]:
        return self._run([len(a) for a, _ in pieces])


def audio(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.float32)


async def wait_started(engine: GatedEngine) -> None:
    for _ in range(500):
        if engine.started.is_set():
            engine.started.clear()
            return
        await asyncio.sleep(0.002)
    raise AssertionError("the decode never started")


async def test_finals_go_before_interims_queued_earlier() -> None:
    engine = GatedEngine()
    decoder = DecodeScheduler(engine)
    running = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.INTERIM))
    await wait_started(engine)  # the worker is busy with the first interim
    interim = asyncio.ensure_future(decoder.decode(audio(2), None, DecodePriority.INTERIM))
    cut = asyncio.ensure_future(decoder.decode(audio(3), None, DecodePriority.CUT))
    final = asyncio.ensure_future(decoder.decode(audio(4), None, DecodePriority.FINAL))
    await settle(5)
    assert decoder.queued == 3
    for _ in range(4):
        engine.gate.release()
    results = await asyncio.gather(running, interim, cut, final)
    assert [r.text for r in results] == ["n1", "n2", "n3", "n4"]
    # After the one already running: the final, then the cut, then the interim.
    assert engine.calls == [[1], [4], [3], [2]]
    decoder.close()


async def test_waiting_interims_of_several_sessions_run_as_one_batch() -> None:
    engine = BatchingEngine()
    decoder = DecodeScheduler(engine, max_batch=3)
    first = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.FINAL))
    await wait_started(engine)
    waiting = [asyncio.ensure_future(decoder.decode(audio(n), "p", DecodePriority.INTERIM)) for n in (2, 3, 4, 5)]
    await settle(5)
    for _ in range(3):
        engine.gate.release()
    results = await asyncio.gather(first, *waiting)
    assert [r.text for r in results] == ["n1", "n2", "n3", "n4", "n5"]
    assert engine.calls == [[1], [2, 3, 4], [5]]
    assert decoder.batches == 1 and decoder.decodes == 5
    decoder.close()


async def test_a_batch_stops_growing_at_its_padded_audio_limit() -> None:
    engine = BatchingEngine()
    # 1 s of padded audio: two pieces of 0.4 s fit (2 x 0.4), a third would pad three to 0.5 s.
    decoder = DecodeScheduler(engine, max_batch=4, max_batch_audio_s=1.0)
    first = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.FINAL))
    await wait_started(engine)
    sizes = (6400, 4000, 8000, 20_000)  # 0.4 s, 0.25 s, 0.5 s, 1.25 s
    waiting = [asyncio.ensure_future(decoder.decode(audio(n), None, DecodePriority.INTERIM)) for n in sizes]
    await settle(5)
    for _ in range(4):
        engine.gate.release()
    await asyncio.gather(first, *waiting)
    # A piece longer than the limit still runs, alone.
    assert engine.calls == [[1], [6400, 4000], [8000], [20_000]]
    decoder.close()


async def test_queue_waits_are_summarised_by_priority() -> None:
    clock = ManualClock()
    engine = GatedEngine(clock=clock)
    decoder = DecodeScheduler(engine, clock=clock)
    running = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.INTERIM))
    await wait_started(engine)
    final = asyncio.ensure_future(decoder.decode(audio(2), None, DecodePriority.FINAL))
    await settle(5)
    engine.gate.release()  # the interim takes 500 ms of the manual clock; the final waited that
    engine.gate.release()
    await asyncio.gather(running, final)
    waits = decoder.stats()["wait_ms_by_priority"]
    assert waits["final"] == {"n": 1, "p50": 500.0, "p95": 500.0, "max": 500.0}
    assert waits["interim"]["n"] == 1 and waits["cut"] == {"n": 0}
    decoder.close()


async def test_finals_are_never_batched() -> None:
    engine = BatchingEngine()
    decoder = DecodeScheduler(engine, max_batch=4)
    first = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.INTERIM))
    await wait_started(engine)
    finals = [asyncio.ensure_future(decoder.decode(audio(n), None, DecodePriority.FINAL)) for n in (2, 3)]
    await settle(5)
    for _ in range(3):
        engine.gate.release()
    await asyncio.gather(first, *finals)
    assert engine.calls == [[1], [2], [3]]
    decoder.close()


async def test_a_withdrawn_job_is_not_decoded_and_a_cancelled_caller_drops_its_job() -> None:
    engine = GatedEngine()
    decoder = DecodeScheduler(engine)
    running = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.FINAL))
    await wait_started(engine)
    job = decoder.submit(audio(2), None, DecodePriority.INTERIM)
    gave_up = asyncio.ensure_future(decoder.decode(audio(3), None, DecodePriority.INTERIM))
    await settle(5)
    assert job.cancel() is True
    gave_up.cancel()
    last = asyncio.ensure_future(decoder.decode(audio(4), None, DecodePriority.INTERIM))
    await settle(5)
    assert decoder.queued == 1
    engine.gate.release()
    engine.gate.release()
    assert (await running).text == "n1" and (await last).text == "n4"
    assert engine.calls == [[1], [4]]
    assert job.future.cancelled()
    decoder.close()


async def test_a_failed_decode_reaches_its_caller_and_the_decoder_goes_on() -> None:
    engine = GatedEngine(fail_next=True)
    decoder = DecodeScheduler(engine)
    engine.gate.release()
    with pytest.raises(RuntimeError, match="model failed"):
        await decoder.decode(audio(1), None, DecodePriority.FINAL)
    engine.gate.release()
    assert (await decoder.decode(audio(2), None, DecodePriority.FINAL)).text == "n2"
    decoder.close()


async def test_interims_thin_out_as_the_queue_grows_and_busy_time_is_measured() -> None:
    clock = ManualClock()
    engine = GatedEngine(clock=clock)
    decoder = DecodeScheduler(engine, interim_backoff_ms=200, max_interim_delay_ms=500, clock=clock)
    assert decoder.interim_delay_ms() == 0
    running = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.FINAL))
    await wait_started(engine)
    queued = [asyncio.ensure_future(decoder.decode(audio(n), None, DecodePriority.INTERIM)) for n in (2, 3, 4)]
    await settle(5)
    assert decoder.queued == 3
    assert decoder.interim_delay_ms() == 500  # 3 x 200, capped
    for _ in range(4):
        engine.gate.release()
    await asyncio.gather(running, *queued)
    # Four decodes of 500 ms each on the injected clock, back to back.
    assert decoder.busy_fraction(2.0) == pytest.approx(1.0)
    clock.advance_ms(2000)
    assert decoder.busy_fraction(4.0) == pytest.approx(0.5)
    assert decoder.stats()["decodes"] == 4
    # The busy time by what was decoded: the final alone, then the three interims (one batch
    # where the engine batches, else one after another).
    split = decoder.stats()["busy_s_by_priority"]
    assert split["final"] == pytest.approx(0.5) and split["interim"] == pytest.approx(1.5) and split["cut"] == 0.0
    decoder.close()


async def test_close_cancels_what_is_queued() -> None:
    engine = GatedEngine()
    decoder = DecodeScheduler(engine)
    running = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.FINAL))
    await wait_started(engine)
    queued = asyncio.ensure_future(decoder.decode(audio(2), None, DecodePriority.INTERIM))
    await settle(5)
    closing = asyncio.ensure_future(asyncio.to_thread(decoder.close))  # empties the queue, then waits
    for _ in range(500):
        if decoder.queued == 0:
            break
        await asyncio.sleep(0.002)
    engine.gate.release()
    await closing
    await running
    await settle(5)
    assert queued.cancelled()
    with pytest.raises(RuntimeError, match="closed"):
        decoder.submit(audio(3), None, DecodePriority.FINAL)


@pytest.mark.parametrize("pause_commits", [False, True])
async def test_a_sessions_final_does_not_wait_behind_its_own_queued_interim(pause_commits: bool) -> None:
    """Two sessions share the decoder. B's interim is queued behind A's running decode when B's
    pause asks for its final: the interim is withdrawn and the final is decoded next."""
    engine = GatedEngine()
    decoder = DecodeScheduler(engine)
    busy = asyncio.ensure_future(decoder.decode(audio(7), None, DecodePriority.FINAL))  # session A
    await wait_started(engine)
    buffer = AudioBuffer(capacity_s=20.0)
    interims = []
    stt = StreamingTranscriber(engine, buffer, SttConfig(interim_step_ms=400, pause_decode_commits=pause_commits),
                               on_interim=interims.append, on_forced_final=lambda f: None, decoder=decoder)
    stt.start_segment(0)
    for _ in range(25):  # 500 ms: one interim due
        buffer.append(np.full(FRAME_SAMPLES, 0.1, dtype=np.float32))
        stt.poll()
    await settle(10)
    assert decoder.queued == 1  # B's interim waits behind A
    final = asyncio.ensure_future(stt.transcribe_until(buffer.end))
    await settle(10)
    assert decoder.queued == 1  # the interim withdrawn, the final queued in its place
    engine.gate.release()
    engine.gate.release()
    await busy
    result = await final
    assert result.text == f"n{buffer.end}"
    assert engine.calls == [[7], [buffer.end]]
    # The withdrawn interim never came. With stt.pause_decode_commits the final, asked for with
    # the segment still open (a pause), is the newest hypothesis and is delivered as one.
    expected = [(result.text, buffer.end)] if pause_commits else []
    assert [(i.text, i.end_sample) for i in interims] == expected
    await stt.aclose()
    decoder.close()


async def test_interim_step_grows_with_the_shared_queue() -> None:
    engine = GatedEngine()
    decoder = DecodeScheduler(engine, interim_backoff_ms=400, max_interim_delay_ms=1600)
    hold = [asyncio.ensure_future(decoder.decode(audio(n), None, DecodePriority.FINAL)) for n in (1, 2, 3)]
    await wait_started(engine)
    await settle(5)
    assert decoder.queued == 2  # two finals of other sessions wait: interims wait 800 ms more
    buffer = AudioBuffer(capacity_s=20.0)
    stt = StreamingTranscriber(engine, buffer, SttConfig(interim_step_ms=400, interim_min_step_ms=0), on_interim=lambda i: None,
                               on_forced_final=lambda f: None, decoder=decoder)
    stt.start_segment(0)
    for _ in range(55):  # 1.1 s: under 400 + 800 ms
        buffer.append(np.full(FRAME_SAMPLES, 0.1, dtype=np.float32))
        stt.poll()
    await settle(5)
    assert decoder.queued == 2
    for _ in range(5):  # 1.2 s
        buffer.append(np.full(FRAME_SAMPLES, 0.1, dtype=np.float32))
        stt.poll()
    await settle(5)
    assert decoder.queued == 3
    assert buffer.end == int(1.2 * SAMPLE_RATE)
    for _ in range(4):
        engine.gate.release()
    await asyncio.gather(*hold)
    await stt.aclose()
    decoder.close()


async def test_urgent_is_set_while_a_final_waits_or_runs_and_not_for_interims() -> None:
    engine = GatedEngine()
    decoder = DecodeScheduler(engine)
    interim = asyncio.ensure_future(decoder.decode(audio(1), None, DecodePriority.INTERIM))
    await wait_started(engine)
    assert not decoder.urgent.is_set()
    final = asyncio.ensure_future(decoder.decode(audio(2), None, DecodePriority.FINAL))
    await settle(5)
    assert decoder.urgent.is_set()  # set as soon as it waits, behind the running interim
    engine.gate.release()
    await interim
    await wait_started(engine)
    assert decoder.urgent.is_set()  # and while it runs
    engine.gate.release()
    await final
    for _ in range(100):
        if not decoder.urgent.is_set():
            break
        await asyncio.sleep(0.005)
    assert not decoder.urgent.is_set()
    decoder.close()


def test_the_local_models_work_waits_for_an_urgent_decode_except_a_live_first_token() -> None:
    import time

    from firstword.llm.base import Priority
    from firstword.llm.llama_local import _Job
    from firstword.llm.scheduler import Lease

    urgent = threading.Event()

    def job(priority: Priority, showing: bool = False) -> _Job:
        made = _Job(asyncio.new_event_loop(), None, Lease(priority, 0), speech_urgent=urgent,  # type: ignore[arg-type]
                    speech_yield_max_s=0.2)
        made.showing = showing
        return made

    def waited(j: _Job) -> float:
        started = time.perf_counter()
        assert j.may_go_on()
        return time.perf_counter() - started

    assert waited(job(Priority.BACKGROUND)) < 0.05  # nothing urgent: no wait
    urgent.set()
    assert waited(job(Priority.LIVE)) < 0.05  # a live answer's first token never waits
    threading.Timer(0.05, urgent.clear).start()
    assert 0.04 <= waited(job(Priority.LIVE, showing=True)) < 0.19  # a continuation: until done
    urgent.set()
    assert waited(job(Priority.BACKGROUND)) >= 0.19  # never longer than the cap
