"""The model scheduler: priority order, pausing lower priorities, pre-emption, cancellation.

Model-free except the last test (marker ``engine``), which runs a background generation on the
real local engine while a live answer streams.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from firstword.config import LocalLlmConfig, Sampling
from firstword.llm.base import ChatMessage, FinishChunk, LlmError, TextChunk, text_of
from firstword.llm.llama_local import LocalLlamaEngine
from firstword.llm.scheduler import Lease, ModelScheduler, Preempted, Priority
from firstword.llm.scripted import ScriptedLlm

LIVE, CRITIC, BACKGROUND = Priority.LIVE, Priority.CRITIC, Priority.BACKGROUND


async def settle() -> None:
    """Let every task that can run do so (the scheduler itself never sleeps)."""
    for _ in range(5):
        await asyncio.sleep(0)


class Grants:
    """Acquires in tasks and records the order in which leases are granted."""

    def __init__(self, scheduler: ModelScheduler) -> None:
        self.scheduler = scheduler
        self.order: list[str] = []
        self.leases: dict[str, Lease] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def request(self, name: str, priority: Priority) -> None:
        async def run() -> None:
            lease = await self.scheduler.acquire(priority)
            self.order.append(name)
            self.leases[name] = lease

        self.tasks[name] = asyncio.create_task(run())


async def test_waiters_are_served_by_priority_then_first_come() -> None:
    scheduler = ModelScheduler(1)
    holder = await scheduler.acquire(LIVE)
    grants = Grants(scheduler)
    for name, priority in [
        ("bg-1", BACKGROUND), ("critic-1", CRITIC), ("bg-2", BACKGROUND),
        ("live-1", LIVE), ("critic-2", CRITIC), ("live-2", LIVE),
    ]:  # fmt: skip
        grants.request(name, priority)
        await settle()
    assert scheduler.waiting == [LIVE, LIVE, CRITIC, CRITIC, BACKGROUND, BACKGROUND]
    assert grants.order == []

    scheduler.release(holder)
    for _ in range(6):
        await settle()
        assert len(grants.order) == 6 - len(scheduler.waiting)
        scheduler.release(grants.leases[grants.order[-1]])
    assert grants.order == ["live-1", "live-2", "critic-1", "critic-2", "bg-1", "bg-2"]
    # A live holder is never taken back for anything.
    assert scheduler.preemptions == 0


async def test_release_wakes_only_the_right_waiter() -> None:
    scheduler = ModelScheduler(2)
    a = await scheduler.acquire(CRITIC)
    b = await scheduler.acquire(CRITIC)
    grants = Grants(scheduler)
    grants.request("bg", BACKGROUND)
    await settle()
    grants.request("critic-early", CRITIC)
    await settle()
    grants.request("critic-late", CRITIC)
    await settle()

    scheduler.release(a)
    await settle()
    assert grants.order == ["critic-early"]
    assert scheduler.waiting == [CRITIC, BACKGROUND]
    scheduler.release(a)  # idempotent: a second release frees nothing
    await settle()
    assert grants.order == ["critic-early"]

    scheduler.release(b)
    await settle()
    assert grants.order == ["critic-early", "critic-late"]
    assert not grants.tasks["bg"].done()
    for lease in grants.leases.values():
        scheduler.release(lease)
    await settle()
    assert grants.order[-1] == "bg"


def worker(lease: Lease, cancel: threading.Event, steps: int, done: list[float]) -> None:
    """A fake model loop: one 2-ms step at a time, asking its lease before each."""
    for _ in range(steps):
        if not lease.wait_runnable(cancel):
            return
        time.sleep(0.002)
        done.append(time.perf_counter())


async def test_a_higher_priority_pauses_a_running_lower_one_between_steps() -> None:
    scheduler = ModelScheduler(2)
    background = await scheduler.acquire(BACKGROUND)
    cancel = threading.Event()
    steps: list[float] = []
    thread = threading.Thread(target=worker, args=(background, cancel, 150, steps))
    thread.start()
    try:
        await asyncio.sleep(0.05)
        assert 0 < len(steps) < 150

        live = await scheduler.acquire(LIVE)
        assert not background.runnable.is_set()
        assert scheduler.pauses == 1
        await asyncio.sleep(0.02)  # the step in flight ends
        frozen_at = len(steps)
        paused_since = time.perf_counter()
        await asyncio.sleep(0.15)
        assert len(steps) == frozen_at, "the paused worker went on stepping"

        scheduler.release(live)
        assert background.runnable.is_set()
        await asyncio.to_thread(thread.join, 5)
        assert len(steps) == 150
        assert steps[frozen_at] - paused_since >= 0.15
        assert background.paused_s >= 0.15
        assert not background.revoked.is_set()
        assert scheduler.preemptions == 0
    finally:
        cancel.set()
        thread.join()


async def test_a_running_critic_pauses_background_but_not_live() -> None:
    scheduler = ModelScheduler(3)
    background = await scheduler.acquire(BACKGROUND)
    live = await scheduler.acquire(LIVE)
    critic = await scheduler.acquire(CRITIC)
    assert live.runnable.is_set()
    assert not critic.runnable.is_set() and not background.runnable.is_set()
    scheduler.release(live)
    assert critic.runnable.is_set() and not background.runnable.is_set()
    scheduler.release(critic)
    assert background.runnable.is_set()
    assert scheduler.pauses == 2  # background once (it stayed paused throughout), critic once


async def test_a_waiter_without_a_slot_revokes_the_newest_lowest_lease() -> None:
    scheduler = ModelScheduler(3)
    bg_old = await scheduler.acquire(BACKGROUND)
    bg_new = await scheduler.acquire(BACKGROUND)
    critic = await scheduler.acquire(CRITIC)
    grants = Grants(scheduler)

    grants.request("live-1", LIVE)
    await settle()
    assert bg_new.revoked.is_set() and not bg_old.revoked.is_set()
    # A revoked lease's holder is woken so it notices at once, even if it was paused.
    assert not bg_new.wait_runnable(threading.Event())
    grants.request("live-2", LIVE)
    await settle()
    assert bg_old.revoked.is_set() and not critic.revoked.is_set()
    grants.request("live-3", LIVE)
    await settle()
    assert critic.revoked.is_set()
    assert scheduler.preemptions == 3
    assert grants.order == []  # a slot is given only when its holder has stopped

    scheduler.release(bg_new)
    await settle()
    assert grants.order == ["live-1"]
    scheduler.release(critic)
    scheduler.release(bg_old)
    await settle()
    assert grants.order == ["live-1", "live-2", "live-3"]


async def test_equal_or_higher_holders_are_never_revoked() -> None:
    scheduler = ModelScheduler(1)
    critic = await scheduler.acquire(CRITIC)
    grants = Grants(scheduler)
    grants.request("critic", CRITIC)
    grants.request("bg", BACKGROUND)
    await settle()
    assert not critic.revoked.is_set() and critic.runnable.is_set()
    assert scheduler.preemptions == 0
    scheduler.release(critic)
    await settle()
    assert grants.order == ["critic"]
    scheduler.release(grants.leases["critic"])


async def test_revocation_raises_preempted_in_the_consumer() -> None:
    # Virtual time: every sleep returns at once, so only the scheduler orders the two streams.
    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    llm = ScriptedLlm(reply=[f" w{i}" for i in range(50)], sleep=instant, capacity=1)
    sampling = Sampling()
    got: list[str] = []

    async def background() -> None:
        async for text in text_of(
            llm.stream([ChatMessage("user", "later")], sampling=sampling, priority=BACKGROUND)
        ):
            got.append(text)

    task = asyncio.create_task(background())
    while len(got) < 5:
        await asyncio.sleep(0)
    live = [c async for c in llm.stream([ChatMessage("user", "now")], sampling=sampling)]

    with pytest.raises(Preempted) as info:
        await task
    assert info.value.retryable
    assert isinstance(info.value, LlmError)
    assert 5 <= len(got) < 50
    assert live[-1] == FinishChunk("stop")
    assert [c.text for c in live if isinstance(c, TextChunk)] == [f" w{i}" for i in range(50)]
    assert (llm.preempted, llm.completed, llm.cancelled, llm.active) == (1, 1, 0, 0)
    assert llm.scheduler.preemptions == 1


async def test_a_background_stream_pauses_while_a_live_one_runs() -> None:
    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    llm = ScriptedLlm(
        reply=lambda m: [f" {m[-1].content}{i}" for i in range(40)], sleep=instant, capacity=2
    )
    sampling = Sampling()
    log: list[str] = []

    async def consume(question: str, priority: Priority) -> None:
        async for text in text_of(
            llm.stream([ChatMessage("user", question)], sampling=sampling, priority=priority)
        ):
            log.append(text)

    bg = asyncio.create_task(consume("bg", BACKGROUND))
    while len(log) < 3:
        await asyncio.sleep(0)
    await consume("live", LIVE)
    await bg

    first_live = log.index(" live0")
    last_live = log.index(" live39")
    assert last_live - first_live == 39, "background text came out while the live answer ran"
    assert [t for t in log if t.startswith(" bg")] == [f" bg{i}" for i in range(40)]
    assert llm.scheduler.pauses == 1 and llm.scheduler.preemptions == 0


async def test_async_holders_wait_while_paused_and_stop_when_revoked() -> None:
    scheduler = ModelScheduler(2)
    background = await scheduler.acquire(BACKGROUND)
    assert await background.wait_runnable_async()
    live = await scheduler.acquire(LIVE)
    waiting = asyncio.create_task(background.wait_runnable_async())
    await settle()
    assert not waiting.done()
    scheduler.release(live)
    assert await asyncio.wait_for(waiting, 1) is True

    live = await scheduler.acquire(LIVE)
    waiting = asyncio.create_task(background.wait_runnable_async())
    await settle()
    assert not waiting.done()
    grants = Grants(scheduler)
    grants.request("live-2", LIVE)  # no free slot: takes the background one back
    assert await asyncio.wait_for(waiting, 1) is False
    assert background.paused_s > 0
    scheduler.release(background)
    await settle()
    assert grants.order == ["live-2"]
    scheduler.release(live)
    scheduler.release(grants.leases["live-2"])


async def test_cancelling_a_paused_worker_stops_it_promptly() -> None:
    scheduler = ModelScheduler(2)
    background = await scheduler.acquire(BACKGROUND)
    live = await scheduler.acquire(LIVE)
    cancel = threading.Event()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(background.wait_runnable(cancel)))
    thread.start()
    await asyncio.sleep(0.05)
    assert thread.is_alive(), "a paused worker must wait"
    started = time.perf_counter()
    cancel.set()
    await asyncio.to_thread(thread.join, 1)
    # It looks at its cancel flag every PAUSE_POLL_S (10 ms) while paused.
    assert time.perf_counter() - started < 0.2
    assert result == [False]
    assert not background.revoked.is_set()
    scheduler.release(background)
    scheduler.release(live)


async def test_a_waiter_cancelled_in_the_queue_takes_no_slot() -> None:
    scheduler = ModelScheduler(1)
    holder = await scheduler.acquire(CRITIC)
    grants = Grants(scheduler)
    grants.request("live", LIVE)
    grants.request("bg", BACKGROUND)
    await settle()
    # With no free slot, a live waiter takes the critic's back; its holder is woken to stop.
    assert holder.revoked.is_set() and not holder.wait_runnable(threading.Event())
    grants.tasks["live"].cancel()
    await settle()
    assert scheduler.waiting == [BACKGROUND]
    scheduler.release(holder)
    await settle()
    assert grants.order == ["bg"]
    assert grants.leases["bg"].runnable.is_set()
    scheduler.release(grants.leases["bg"])
    assert scheduler.running == []


async def test_a_grant_that_lands_with_a_cancellation_is_given_back() -> None:
    scheduler = ModelScheduler(1)
    holder = await scheduler.acquire(LIVE)
    task = asyncio.create_task(scheduler.acquire(LIVE))
    await settle()
    scheduler.release(holder)  # grants the waiter's future...
    task.cancel()  # ...and the task is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await task
    assert scheduler.running == []
    again = await asyncio.wait_for(scheduler.acquire(BACKGROUND), 1)
    scheduler.release(again)


async def test_closing_fails_waiters_and_later_requests() -> None:
    scheduler = ModelScheduler(1)
    holder = await scheduler.acquire(LIVE)
    waiter = asyncio.create_task(scheduler.acquire(LIVE))
    await settle()
    scheduler.close("engine closed")
    with pytest.raises(LlmError, match="engine closed"):
        await waiter
    with pytest.raises(LlmError, match="engine closed"):
        await scheduler.acquire(LIVE)
    scheduler.release(holder)


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        ModelScheduler(0)


# ----- the real local engine ------------------------------------------------------------------


@pytest.fixture(scope="module")
def local_engine() -> Iterator[LocalLlamaEngine]:
    # One thread per context, as in test_llm_local.py (OpenMP barriers spin against other load).
    engine = LocalLlamaEngine(LocalLlmConfig(contexts=2, n_ctx=2048, n_threads=1))
    yield engine
    asyncio.run(engine.aclose())


@pytest.mark.engine
async def test_local_background_generation_pauses_for_a_live_answer(
    local_engine: LocalLlamaEngine,
) -> None:
    engine = local_engine
    background_q = [
        ChatMessage("system", "[sched-bg] You write long, detailed essays."),
        ChatMessage("user", "Write a long essay about the history of databases."),
    ]
    live_q = [
        ChatMessage("system", "[sched-live] You are an interview copilot. Be brief."),
        ChatMessage("user", "What is your strongest language?"),
    ]
    greedy = Sampling(max_tokens=60, temperature=0.0)

    async def run_background(log: list[tuple[str, float]] | None = None) -> str:
        parts = []
        async for chunk in engine.stream(background_q, sampling=greedy, priority=BACKGROUND):
            if isinstance(chunk, TextChunk):
                parts.append(chunk.text)
                if log is not None:
                    log.append(("bg", time.perf_counter()))
        return "".join(parts)

    # The same cache state before each of the compared runs: the prompt cached, its last token
    # evaluated again (see test_same_prompt_twice_reevaluates_one_token).
    await run_background()
    alone = await run_background()
    assert alone.strip()

    log: list[tuple[str, float]] = []
    background = asyncio.create_task(run_background(log))
    while len(log) < 5:
        await asyncio.sleep(0.005)
    pauses = engine.scheduler.pauses
    async for chunk in engine.stream(live_q, sampling=Sampling(max_tokens=24, temperature=0.0)):
        if isinstance(chunk, TextChunk):
            log.append(("live", time.perf_counter()))
    together = await background

    assert together == alone
    kinds = [kind for kind, _ in log]
    first_live, last_live = kinds.index("live"), len(kinds) - 1 - kinds[::-1].index("live")
    assert "bg" not in kinds[first_live : last_live + 1], (
        "background tokens while the live answer ran"
    )
    assert kinds[last_live + 1 :], "the background generation went on after the live answer"
    assert engine.scheduler.pauses == pauses + 1
    stats = [s for s in engine.history if s.kind == "stream"]
    live_stats, bg_stats = stats[-2], stats[-1]
    assert live_stats.priority == LIVE and bg_stats.priority == BACKGROUND
    assert live_stats.context != bg_stats.context
    assert bg_stats.outcome in ("stop", "length")
    assert bg_stats.paused_s > 0.5 * live_stats.total_s
