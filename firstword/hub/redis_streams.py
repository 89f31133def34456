"""Redis Streams hub: sessions' event logs shared by several nodes.

The node that serves a session publishes into an in-memory ``EventLog`` as with the in-process
hub, so its own readers never wait for Redis; a writer task copies every event to the session's
stream (``XADD`` with the sequence number as the entry id, so a retried write can never duplicate
or reorder an event, and the stream is trimmed by length with ``MAXLEN ~``). Any other node
follows a session through one reader task per session (``XRANGE`` for what is already there, then
``XREAD BLOCK``) feeding a local mirror log, from which its own readers are served exactly as on
the serving node: same replay, same bounds, same coalescing. The stream outlives the node that
wrote it, so a watcher can resume from any node even after the serving node has died.

Keys (``P`` = ``hub.key_prefix``): ``P:s:{id}:log`` (stream), ``P:s:{id}:meta`` (hash),
``P:s:{id}:obs`` (observer grants), ``P:s:{id}:watchers`` (sorted set: nodes following the
session, scored by when their presence expires), ``P:node:{node}`` (heartbeat). A session's keys
expire ``hub.ttl_s`` after its last event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis.asyncio as redis
from redis.exceptions import RedisError, ResponseError

from firstword.config import HubConfig, ServerConfig
from firstword.events import Event, EventType
from firstword.hub.base import ObserverGrant, SessionMeta, UnknownSession
from firstword.hub.log import EventLog, Subscription
from firstword.tasks import reraise_if_cancelling, stop

log = logging.getLogger("firstword.hub.redis")

HEARTBEAT_S = 3.0
HEARTBEAT_TTL_S = 10
# A node following a session renews its presence this often; it counts for twice as long.
PRESENCE_S = 10.0
# A mirror nobody has read for this long stops following its stream.
MIRROR_LINGER_S = 30.0
XREAD_BLOCK_MS = 5_000
XRANGE_PAGE = 1_000
# Events waiting to be copied to Redis while it is unreachable; beyond this the oldest are
# dropped from the copy (the serving node's own readers still have them).
OUTBOX_BOUND = 100_000


class RedisHub:
    def __init__(self, node_id: str, server: ServerConfig, config: HubConfig) -> None:
        self.node_id = node_id
        self._server = server
        self._config = config
        self._redis: redis.Redis = redis.Redis.from_url(
            config.redis_url.get_secret_value(), decode_responses=False
        )
        self._p = config.key_prefix
        self._logs: dict[str, EventLog] = {}
        self._mirrors: dict[str, _Mirror] = {}
        self._outbox: deque[tuple[str, Event]] = deque()
        self._outbox_ready = asyncio.Event()
        self._outbox_dropped = 0
        self._tasks: list[asyncio.Task[None]] = []
        # The directory entries of sessions served here: read from here first, so that a
        # session made while Redis is unreachable is still served (and its owner let in); the
        # ones Redis has not taken yet are written again by the heartbeat.
        self._local_meta: dict[str, SessionMeta] = {}
        self._unregistered: set[str] = set()

    # -- keys --------------------------------------------------------------------------------

    def _key(self, session_id: str, part: str) -> str:
        return f"{self._p}:s:{session_id}:{part}"

    def _node_key(self, node_id: str) -> str:
        return f"{self._p}:node:{node_id}"

    # -- life --------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._redis.ping()  # fail at start-up, loudly, if Redis is not there
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._heartbeat()), loop.create_task(self._copy_out())]

    async def aclose(self) -> None:
        for mirror in list(self._mirrors.values()):
            await mirror.stop()
        await self._drain_outbox(timeout_s=5.0)
        for task in self._tasks:
            await stop(task, f"hub {task.get_coro().__qualname__}")
        with contextlib.suppress(RedisError):
            await self._redis.delete(self._node_key(self.node_id))
        await self._redis.aclose()

    async def _heartbeat(self) -> None:
        while True:
            try:
                await self._redis.set(self._node_key(self.node_id), str(time.time()), ex=HEARTBEAT_TTL_S)
                for session_id in list(self._unregistered):
                    meta = self._local_meta.get(session_id)
                    if meta is not None:
                        await self._write_meta(meta)
                    self._unregistered.discard(session_id)
            except RedisError:
                reraise_if_cancelling()
                log.warning("hub: Redis unreachable for the node heartbeat", exc_info=True)
            await asyncio.sleep(HEARTBEAT_S)

    # -- the serving side --------------------------------------------------------------------

    def create_log(self, session_id: str) -> EventLog:
        event_log = EventLog(
            session_id,
            replay_capacity=self._server.replay_events,
            subscriber_queue=self._server.subscriber_queue_events,
            subscriber_bytes=self._server.subscriber_queue_bytes,
        )
        event_log.add_listener(lambda event: self._enqueue(session_id, event))
        self._logs[session_id] = event_log
        return event_log

    def _enqueue(self, session_id: str, event: Event) -> None:
        # On the token path: an append and a flag, nothing else.
        if len(self._outbox) >= OUTBOX_BOUND:
            self._outbox.popleft()
            self._outbox_dropped += 1
        self._outbox.append((session_id, event))
        self._outbox_ready.set()

    async def _copy_out(self) -> None:
        backoff = 0.05
        warned_at = 0.0
        while True:
            await self._outbox_ready.wait()
            batch = list(self._outbox)
            try:
                await self._write(batch)
            except RedisError as exc:
                reraise_if_cancelling()
                now = time.monotonic()
                if now - warned_at > 10.0:
                    warned_at = now
                    log.warning(
                        "hub: Redis unreachable (%s); %d events waiting to be copied, retrying in %.1f s",
                        exc, len(self._outbox), backoff,
                    )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            if warned_at:
                log.info("hub: Redis back; copied %d waiting events", len(batch))
                warned_at = 0.0
            backoff = 0.05
            for _ in range(min(len(batch), len(self._outbox))):
                self._outbox.popleft()
            if not self._outbox:
                self._outbox_ready.clear()

    async def _write(self, batch: list[tuple[str, Event]]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        touched: set[str] = set()
        for session_id, event in batch:
            pipe.xadd(
                self._key(session_id, "log"),
                {"e": event.to_json()},
                id=f"{event.seq}-0",
                maxlen=self._config.stream_maxlen,
                approximate=True,
            )
            touched.add(session_id)
        for session_id in touched:
            for part in ("log", "meta", "obs", "watchers"):
                pipe.expire(self._key(session_id, part), self._config.ttl_s)
        results = await pipe.execute(raise_on_error=False)
        for result in results:
            # An entry id at or below the stream's last one was written by an earlier try.
            if isinstance(result, ResponseError) and "equal or smaller" not in str(result):
                raise result
            if isinstance(result, RedisError) and not isinstance(result, ResponseError):
                raise result

    async def _drain_outbox(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self._outbox and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._outbox:
            log.error("hub: %d events could not be copied to Redis before shutdown", len(self._outbox))

    def close_log(self, session_id: str) -> None:
        event_log = self._logs.pop(session_id, None)
        if event_log is not None:
            event_log.close()

    # -- following ---------------------------------------------------------------------------

    async def follow(self, session_id: str, after: int) -> Subscription:
        local = self._logs.get(session_id)
        if local is not None:
            return local.subscribe(after=after)
        mirror = self._mirrors.get(session_id)
        if mirror is None or mirror.stopped:
            if await self.meta(session_id) is None:
                raise UnknownSession(session_id)
            mirror = self._new_mirror(session_id)
            self._mirrors[session_id] = mirror
            mirror.start()
        try:
            await asyncio.wait_for(mirror.loaded.wait(), timeout=10.0)
        except TimeoutError:
            raise RedisError(f"could not read session {session_id}'s stream from Redis") from None
        return mirror.log.subscribe(after=after)

    def _new_mirror(self, session_id: str) -> _Mirror:
        place = _MirrorPlace(
            session_id=session_id,
            node_id=self.node_id,
            stream_key=self._key(session_id, "log"),
            watchers_key=self._key(session_id, "watchers"),
            redis_url=self._config.redis_url.get_secret_value(),
        )
        mirror_log = EventLog(
            session_id,
            replay_capacity=self._config.stream_maxlen,
            subscriber_queue=self._server.subscriber_queue_events,
            subscriber_bytes=self._server.subscriber_queue_bytes,
        )
        return _Mirror(place, mirror_log, on_stopped=self._mirror_stopped)

    def _mirror_stopped(self, mirror: _Mirror) -> None:
        if self._mirrors.get(mirror.session_id) is mirror:
            del self._mirrors[mirror.session_id]

    async def watchers_elsewhere(self, session_id: str) -> int:
        members = await self._redis.zrangebyscore(self._key(session_id, "watchers"), time.time(), "+inf")
        return sum(1 for m in members if m.decode() != self.node_id)

    # -- directory ---------------------------------------------------------------------------

    async def register(self, meta: SessionMeta) -> None:
        """Enter a session served here in the directory. With Redis unreachable the session is
        still served (this node answers for it from memory) and the entry is written once
        Redis is back; other nodes cannot see it meanwhile."""
        self._local_meta[meta.session_id] = meta
        try:
            await self._write_meta(meta)
        except (RedisError, OSError):  # a connection reset mid-command can come out as OSError
            reraise_if_cancelling()
            self._unregistered.add(meta.session_id)
            log.warning("hub: Redis unreachable; session %s is served here and entered in the "
                        "directory once Redis is back", meta.session_id)

    async def _write_meta(self, meta: SessionMeta) -> None:
        key = self._key(meta.session_id, "meta")
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(key, mapping={k: json.dumps(v) for k, v in asdict(meta).items()})
        pipe.expire(key, self._config.ttl_s)
        await pipe.execute()

    @property
    def unregistered(self) -> int:
        """Sessions served here that Redis has not taken into the directory yet."""
        return len(self._unregistered)

    async def meta(self, session_id: str) -> SessionMeta | None:
        local = self._local_meta.get(session_id)
        if local is not None:
            return local
        raw = await self._redis.hgetall(self._key(session_id, "meta"))
        if not raw:
            return None
        return SessionMeta(**{k.decode(): json.loads(v) for k, v in raw.items()})

    async def mark_closed(self, session_id: str) -> None:
        local = self._local_meta.pop(session_id, None)
        self._unregistered.discard(session_id)
        key = self._key(session_id, "meta")
        try:
            if await self._redis.exists(key):
                await self._redis.hset(key, "status", json.dumps("closed"))
        except RedisError:
            reraise_if_cancelling()
            if local is None:
                raise
            log.warning("hub: Redis unreachable; session %s closed here, its directory entry "
                        "expires with hub.ttl_s", session_id)

    async def add_observer(self, session_id: str, grant: ObserverGrant) -> None:
        key = self._key(session_id, "obs")
        await self._redis.hset(key, grant.observer_id, json.dumps(asdict(grant)))
        await self._redis.expire(key, self._config.ttl_s)

    async def observers(self, session_id: str) -> list[ObserverGrant]:
        raw = await self._redis.hgetall(self._key(session_id, "obs"))
        return [ObserverGrant(**json.loads(v)) for v in raw.values()]

    async def revoke_observer(self, session_id: str, observer_id: str, at: float) -> bool:
        key = self._key(session_id, "obs")
        raw = await self._redis.hget(key, observer_id)
        if raw is None:
            return False
        grant = ObserverGrant(**json.loads(raw))
        if not grant.active:
            return False
        await self._redis.hset(key, observer_id, json.dumps({**asdict(grant), "revoked_at": at}))
        return True

    async def node_alive(self, node_id: str) -> bool:
        if node_id == self.node_id:
            return True
        return bool(await self._redis.exists(self._node_key(node_id)))


@dataclass(frozen=True, slots=True)
class _MirrorPlace:
    """Where a mirror reads, and as whom: everything it needs of the hub, and nothing else."""

    session_id: str
    node_id: str
    stream_key: str
    watchers_key: str
    redis_url: str


class _Mirror:
    """This node's copy of a session served elsewhere, fed from its Redis stream."""

    def __init__(
        self,
        place: _MirrorPlace,
        log: EventLog,
        *,
        on_stopped: Callable[[_Mirror], None],
    ) -> None:
        self._place = place
        self.session_id = place.session_id
        self.log = log
        self._on_stopped = on_stopped
        self.loaded = asyncio.Event()
        self.stopped = False
        self._task: asyncio.Task[None] | None = None
        # A connection of its own: XREAD BLOCK holds it for seconds at a time.
        self._redis: redis.Redis = redis.Redis.from_url(place.redis_url, decode_responses=False)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self.stopped = True
        await stop(self._task, f"hub mirror of {self.session_id}")
        await self._leave()

    async def _run(self) -> None:
        key = self._place.stream_key
        last_id = "-"
        idle_since: float | None = None
        presence_at = 0.0
        try:
            while True:
                try:
                    if not self.loaded.is_set():
                        last_id = await self._load(key)
                        self.loaded.set()
                    now = time.monotonic()
                    if now - presence_at >= PRESENCE_S:
                        presence_at = now
                        await self._announce()
                    reply = await self._redis.xread({key: last_id}, block=XREAD_BLOCK_MS, count=XRANGE_PAGE)
                except RedisError:
                    reraise_if_cancelling()
                    if self.stopped:
                        return
                    log.warning("hub: Redis unreachable while following %s; retrying", self.session_id, exc_info=True)
                    await asyncio.sleep(1.0)
                    continue
                for _, entries in reply or ():
                    for entry_id, fields in entries:
                        last_id = entry_id.decode()
                        if self._take(fields) == EventType.SESSION_CLOSED:
                            self.log.close()
                            return
                if self.log.subscriber_count == 0:
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since > MIRROR_LINGER_S:
                        return
                else:
                    idle_since = None
        finally:
            self.stopped = True
            self.loaded.set()
            self._on_stopped(self)
            await self._leave()

    async def _load(self, key: str) -> str:
        """Everything already in the stream; returns the id to read on from."""
        start = "-"
        last_id = "0-0"
        while True:
            entries = await self._redis.xrange(key, min=start, count=XRANGE_PAGE)
            for entry_id, fields in entries:
                last_id = entry_id.decode()
                if self._take(fields) == EventType.SESSION_CLOSED:
                    self.log.close()
            if len(entries) < XRANGE_PAGE:
                return last_id
            start = "(" + last_id

    def _take(self, fields: dict[bytes, bytes]) -> str:
        event = Event.from_dict(json.loads(fields[b"e"]))
        try:
            self.log.append(event)
        except ValueError:
            log.error("hub: %s's stream skips from %d to %d", self.session_id, self.log.last_seq, event.seq)
        return event.type

    async def _announce(self) -> None:
        await self._redis.zadd(self._place.watchers_key, {self._place.node_id: time.time() + 2 * PRESENCE_S})

    async def _leave(self) -> None:
        with contextlib.suppress(RedisError, RuntimeError):
            await self._redis.zrem(self._place.watchers_key, self._place.node_id)
            await self._redis.aclose()
