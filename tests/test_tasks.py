"""Stopping background tasks always ends (firstword.tasks), and the Redis loops that use it stop
even when their client turns the cancellation into one of its own errors."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from redis.exceptions import TimeoutError as RedisTimeout

from firstword import tasks
from firstword.capacity.load import NodeLoad
from firstword.capacity.placement import Placement
from firstword.tasks import reraise_if_cancelling, stop


async def test_a_task_that_ends_when_cancelled_is_stopped_at_the_first_ask():
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(forever())
    await started.wait()
    t0 = time.monotonic()
    assert await stop(task, "forever") is True
    assert task.cancelled() and time.monotonic() - t0 < 0.5


async def test_a_task_that_swallows_a_cancellation_is_asked_again(monkeypatch):
    monkeypatch.setattr(tasks, "STOP_RETRY_S", 0.05)
    rounds = 0

    async def swallows_once() -> None:
        nonlocal rounds
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                rounds += 1
                if rounds > 1:
                    raise
                # What a client library does when it turns the cancel into its own timeout.

    task = asyncio.create_task(swallows_once())
    await asyncio.sleep(0)
    assert await stop(task, "swallower") is True
    assert rounds == 2 and task.cancelled()


async def test_a_task_that_never_stops_is_reported_not_waited_for(monkeypatch, caplog):
    monkeypatch.setattr(tasks, "STOP_RETRY_S", 0.02)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="firstword.tasks"):
        assert await stop(task, "the stubborn loop") is False
    assert "the stubborn loop did not stop after 5 cancellations" in caplog.text
    release.set()
    task.cancel()
    await asyncio.wait({task}, timeout=1)
    assert task.done()


async def test_an_error_a_stopping_task_ends_with_is_logged_not_raised(caplog):
    async def fails_on_cancel() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup broke") from None

    task = asyncio.create_task(fails_on_cancel())
    await asyncio.sleep(0)
    with caplog.at_level(logging.WARNING, logger="firstword.tasks"):
        assert await stop(task, "the failing loop") is True
    assert "the failing loop ended with an error as it stopped" in caplog.text
    assert await stop(None, "nothing") is True


async def test_reraise_if_cancelling_puts_back_a_cancellation_that_became_an_error():
    caught: list[str] = []

    async def retrying_loop() -> None:
        while True:
            try:
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    raise RedisTimeout("Timeout reading from 127.0.0.1:6379") from None
            except RedisTimeout:
                caught.append("timeout")
                reraise_if_cancelling()

    task = asyncio.create_task(retrying_loop())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)
    assert caught == ["timeout"]
    # Outside a cancellation the same call lets the loop handle the error as its own.
    reraise_if_cancelling()


async def test_placement_stops_when_its_redis_client_turns_the_cancel_into_a_timeout():
    """The hang seen in CI: the load publisher caught redis-py's TimeoutError (an OSError) that
    was really aclose()'s cancellation, went round again, and aclose() waited for ever."""

    def load() -> NodeLoad:
        return NodeLoad(node_id="a", sessions=0, active_sessions=0, capacity=4, cpu_percent=1.0,
                        decode_busy=0.0, decode_queue=0, accepting=True, reason="",
                        base_url="http://a.test", at=time.time())

    placement = Placement(node_id="a", redis_url="redis://127.0.0.1:1/0", key_prefix="unused",
                          snapshot=load, interval_s=0.01, retry_after_s=30)
    publishing = asyncio.Event()

    async def publish(_load: NodeLoad | None = None) -> None:
        publishing.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise RedisTimeout("Timeout reading from 127.0.0.1:6379") from None

    placement.publish = publish  # type: ignore[method-assign]
    placement._task = asyncio.get_running_loop().create_task(placement._publish_loop())
    await asyncio.wait_for(publishing.wait(), 1)
    t0 = time.monotonic()
    await asyncio.wait_for(placement.aclose(), 5)
    assert placement._task.cancelled() and time.monotonic() - t0 < 2.0
