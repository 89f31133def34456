"""The Redis Streams hub against a real Redis on localhost (CI starts it; tests fail if absent)."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from firstword.events import AnswerDelta, AnswerDone, AnswerTrigger, SessionClosed
from firstword.config import HubConfig, ServerConfig
from firstword.hub.base import ObserverGrant, SessionMeta, UnknownSession
from firstword.hub.log import ReplayGap
from firstword.hub.redis_streams import RedisHub

REDIS_URL = os.environ.get("FIRSTWORD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    # Bounded calls: a Redis that stops answering fails the test, never hangs the run.
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=10, socket_connect_timeout=5)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("FIRSTWORD_TEST_SKIP_SERVICES") == "1":
            pytest.skip(f"SKIPPED: Redis not reachable at {REDIS_URL} ({exc})")
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); .ci/run starts it", pytrace=False)
    name = f"fwtest-{secrets.token_hex(4)}"
    yield name
    keys = [k async for k in client.scan_iter(f"{name}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def hub(prefix: str, node: str, **config: object) -> RedisHub:
    return RedisHub(node, ServerConfig(), HubConfig(redis_url=REDIS_URL, key_prefix=prefix, **config))


async def serving(node: RedisHub, session_id: str = "s1"):  # type: ignore[no-untyped-def]
    await node.register(SessionMeta(session_id, node.node_id, "hash", "copilot", time.time()))
    return node.create_log(session_id)


async def copied(node: RedisHub) -> None:
    for _ in range(200):
        if not node._outbox:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("events were not copied to Redis")


async def test_a_watcher_on_another_node_gets_replay_then_live_with_nothing_missed_or_doubled(prefix):
    one, two = hub(prefix, "n1"), hub(prefix, "n2")
    await one.start()
    await two.start()
    try:
        log = await serving(one)
        for i in range(10):
            log.publish(AnswerDelta(answer_id=1, text=f" w{i}"), turn=1)
        await copied(one)
        sub = await two.follow("s1", after=4)
        # Live events published while the replay is being read are not lost at the seam.
        for i in range(10, 15):
            log.publish(AnswerDelta(answer_id=1, text=f" w{i}"), turn=1)
        seqs = []
        while len(seqs) < 11:
            event = await asyncio.wait_for(sub.get(), 5)
            span = event.data.get("coalesced") or [event.seq, event.seq]
            seqs.extend(range(span[0], span[1] + 1))
        assert seqs == list(range(5, 16))
        assert await one.watchers_elsewhere("s1") == 1
        assert await two.watchers_elsewhere("s1") == 0
    finally:
        await one.aclose()
        await two.aclose()


async def test_resume_from_any_id_after_the_serving_node_died(prefix):
    one, two = hub(prefix, "n1"), hub(prefix, "n2")
    await one.start()
    await two.start()
    log = await serving(one)
    for i in range(20):
        log.publish(AnswerDelta(answer_id=1, text=f" w{i}"), turn=1)
    await copied(one)
    # The serving node dies without closing the session (its tasks stop, nothing is cleaned up).
    for task in one._tasks:
        task.cancel()
    await one._redis.delete(one._node_key("n1"))
    try:
        assert not await two.node_alive("n1")
        for after in (0, 7, 19, 20):
            sub = await two.follow("s1", after=after)
            got = []
            while len(got) < 20 - after:
                got.append((await asyncio.wait_for(sub.get(), 5)).seq)
            assert got == list(range(after + 1, 21))
            sub.close()
    finally:
        await two.aclose()
        await one._redis.aclose()


async def test_a_retried_write_never_duplicates_and_the_stream_is_trimmed_by_length(prefix):
    one = hub(prefix, "n1", stream_maxlen=100)
    await one.start()
    try:
        log = await serving(one)
        events = [log.publish(AnswerDelta(answer_id=1, text="x")) for _ in range(500)]
        await copied(one)
        await one._write([("s1", e) for e in events[-5:]])  # a retry of an already written batch
        length = await one._redis.xlen(one._key("s1", "log"))
        assert 100 <= length < 500
        two = hub(prefix, "n2")
        await two.start()
        try:
            with pytest.raises(ReplayGap):
                await two.follow("s1", after=1)
            sub = await two.follow("s1", after=495)
            assert [(await sub.get()).seq for _ in range(5)] == [496, 497, 498, 499, 500]
        finally:
            await two.aclose()
    finally:
        await one.aclose()


async def test_session_end_ends_remote_readers_and_unknown_sessions_are_refused(prefix):
    one, two = hub(prefix, "n1"), hub(prefix, "n2")
    await one.start()
    await two.start()
    try:
        log = await serving(one)
        log.publish(AnswerDone(answer_id=1, text="done", trigger=AnswerTrigger.FINAL))
        sub = await two.follow("s1", after=0)
        log.publish(SessionClosed(session_id="s1"))
        one.close_log("s1")
        await one.mark_closed("s1")
        assert (await asyncio.wait_for(sub.get(), 5)).type == "answer.done"
        assert (await asyncio.wait_for(sub.get(), 5)).type == "session.closed"
        assert await asyncio.wait_for(sub.get(), 5) is None
        assert (await two.meta("s1")).status == "closed"
        with pytest.raises(UnknownSession):
            await two.follow("nope", after=0)
    finally:
        await one.aclose()
        await two.aclose()


async def test_observer_grants_are_shared_between_nodes(prefix):
    one, two = hub(prefix, "n1"), hub(prefix, "n2")
    await one.start()
    await two.start()
    try:
        await serving(one)
        await one.add_observer("s1", ObserverGrant("o1", "h1", "coach", time.time()))
        assert [g.observer_id for g in await two.observers("s1")] == ["o1"]
        assert await two.revoke_observer("s1", "o1", time.time())
        assert not await one.revoke_observer("s1", "o1", time.time())  # already revoked
        assert not (await one.observers("s1"))[0].active
    finally:
        await one.aclose()
        await two.aclose()
