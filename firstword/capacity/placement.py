"""Where a new session runs when several nodes share Redis.

Every node publishes its ``NodeLoad`` to Redis each ``capacity.sample_interval_s``, with a TTL
of a few intervals: a node that dies stops being chosen as soon as its entry expires. Any node
takes ``POST /sessions``. It reads every node's load, ranks the accepting ones (most headroom,
then least CPU, then itself) and either serves the session itself or forwards the same request
to the chosen node's ``POST /sessions``. The forwarded request carries ``X-Firstword-Placed-By``:
a node that receives it serves the session itself and never forwards again, so a request is
forwarded at most once. A chosen node that refuses (503) or cannot be reached is passed over for
the next; when none takes it, this node tries itself; when every node is full the client gets a
503 with Retry-After that says how many nodes were full.

The placement header is signed with a key all nodes read from Redis (HMAC of who placed it, for
whom, and when): a signed request was already rate-limited per client (``limits.create_*``) by
the node the client reached, so the receiving node does not count it again against that node's
address. An unsigned or badly signed header still stops forwarding, and the request is limited
as any other: a client cannot use the header to skip the limit.

Redis unreachable while placing: this node serves the session itself and says so in the answer
(``"placement": {"node": ..., "fallback": "Redis unreachable: ..."}``) and in its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis.asyncio as redis
from redis.exceptions import RedisError

from firstword.capacity.admission import NodeFull
from firstword.capacity.load import NodeLoad
from firstword.config import Settings
from firstword.tasks import reraise_if_cancelling, stop

# What a Redis that went away raises here: redis-py's own errors; OSError, as which it lets a
# connection reset mid-command out; and RuntimeError, as which asyncio refuses a write on a
# transport it has already closed ("unable to perform operation on <TCPTransport closed=True>;
# the handler is closed", seen once in CI as a 500 where a fallback was due). The try blocks
# that catch these hold Redis calls only.
REDIS_UNREACHABLE: tuple[type[BaseException], ...] = (RedisError, OSError, RuntimeError)

log = logging.getLogger("firstword.capacity.placement")

PLACED_BY = "X-Firstword-Placed-By"
PLACEMENT_SIGNATURE = "X-Firstword-Placement-Signature"

# A node's load entry lives this many sample intervals: one late publish (a GC pause, a slow
# Redis round trip) does not hide a live node, and a dead one stops being chosen within ~3 s at
# the default 1 s interval. A chosen node that died within its TTL is passed over anyway (its
# port refuses the forward at once).
LOAD_TTL_INTERVALS = 3
# Each Redis call made while a client waits gives up after this: a healthy Redis answers within
# a millisecond on a LAN, and a stalled one must not hold POST /sessions (it falls back to local).
REDIS_TIMEOUT_S = 1.0
# Connecting to the chosen node: a dead node's port refuses at once; a host that vanished from
# the network is given up on after this and the next node is tried.
FORWARD_CONNECT_S = 2.0
# The chosen node's whole answer: a create builds the session's answerer and pipeline in tens of
# milliseconds (a large profile, some hundreds); this bounds a node that accepted the connection
# and then stalled. A session it made after all is never used and frees its slot by
# capacity.active_window_s.
FORWARD_TIMEOUT_S = 15.0
# CPU readings are compared in bands of this many points: the meter's 10 s window moves by more
# than that between two samples of equally loaded nodes, so a finer order would only be noise
# (and "then this node", the tie-break that saves a forward, would never apply).
CPU_BAND_PERCENT = 10.0
# A signed placement is honoured this long after it was made: NTP keeps nodes' clocks within
# well under a second of each other, and a copied header is worth nothing after this.
SIGNATURE_WINDOW_S = 120.0
# Entries in the node index (a sorted set scored by expiry) are pruned once this stale: far
# beyond any clock skew between nodes, so a live node is never pruned by a peer's clock.
INDEX_PRUNE_S = 300.0
# Repeated warnings (Redis down: one per publish, one per create) are logged at most this often.
WARN_EVERY_S = 10.0
# A placer's name longer than this is cut: node ids are host names (63 characters a label),
# and the name is echoed in the answer.
MAX_NODE_NAME = 64
# Hosts a peer cannot reach this node at (a bind address, not an address).
UNROUTABLE_HOSTS = frozenset({"0.0.0.0", "::", ""})


class DirectoryUnreachable(NodeFull):
    """The session could not be registered in the hub's directory (Redis): a session made now
    would be unreachable by every later request, so none is made. A 503 like a full node's."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """How a ``POST /sessions`` reached this node."""

    # The node that chose this one (from ``X-Firstword-Placed-By``); None: a client's own request.
    placed_by: str | None = None
    # Its signature checked out: the client was already rate-limited where it connected.
    trusted: bool = False


NOT_PLACED = Arrival()


def rank(loads: Iterable[NodeLoad], me: str, pending: Mapping[str, int] | None = None) -> list[NodeLoad]:
    """The nodes that take a session, best first: most headroom (less ``pending`` forwards still
    on their way there), then least CPU by band, then this node (no forward), then by name."""
    pending = pending or {}

    def room(load: NodeLoad) -> int:
        return load.headroom - pending.get(load.node_id, 0)

    taking = [load for load in loads if load.accepting and room(load) > 0]
    return sorted(
        taking,
        key=lambda load: (-room(load), int(load.cpu_percent // CPU_BAND_PERCENT), load.node_id != me, load.node_id),
    )


def _short_state(load: NodeLoad) -> str:
    if load.active_sessions >= load.capacity:
        return f"{load.active_sessions}/{load.capacity} active"
    return f"busy ({load.cpu_percent:.0f}% CPU, decoder {load.decode_busy:.0%})"


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


class Placement:
    """Publishes this node's load and places the sessions created here (see the module's doc)."""

    def __init__(
        self,
        *,
        node_id: str,
        redis_url: str,
        key_prefix: str,
        snapshot: Callable[[], NodeLoad],
        interval_s: float,
        retry_after_s: int,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.node_id = node_id
        self._snapshot = snapshot
        self._interval_s = interval_s
        self._ttl_ms = max(1, round(LOAD_TTL_INTERVALS * interval_s * 1000))
        self._retry_after_s = retry_after_s
        self._redis: redis.Redis = redis.Redis.from_url(
            redis_url,
            decode_responses=True,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        self._p = key_prefix
        self._http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(FORWARD_TIMEOUT_S, connect=FORWARD_CONNECT_S),
            # A node's base_url is reached directly, never through a proxy from the environment.
            trust_env=False,
        )
        self._key: bytes | None = None
        self._pending: Counter[str] = Counter()
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._warned: dict[str, float] = {}

    @classmethod
    def for_settings(cls, settings: Settings, snapshot: Callable[[], NodeLoad]) -> Placement | None:
        """The node's placement, or None where sessions are never placed (the in-process hub)."""
        if settings.hub.backend != "redis":
            return None
        return cls(
            node_id=snapshot().node_id,  # the hub's: the name sessions are registered under
            redis_url=settings.hub.redis_url.get_secret_value(),
            key_prefix=settings.hub.key_prefix,
            snapshot=snapshot,
            interval_s=settings.capacity.sample_interval_s,
            retry_after_s=settings.capacity.retry_after_s,
        )

    # -- keys --------------------------------------------------------------------------------

    def _load_key(self, node_id: str) -> str:
        return f"{self._p}:load:{node_id}"

    @property
    def _index_key(self) -> str:
        return f"{self._p}:loads"

    @property
    def _signing_key(self) -> str:
        return f"{self._p}:placement:key"

    # -- life --------------------------------------------------------------------------------

    async def start(self) -> None:
        base = self._snapshot().base_url
        if (urlsplit(base).hostname or "") in UNROUTABLE_HOSTS:
            log.warning(
                "placement: other nodes would reach this one at %s, which is no address; set "
                "server.public_url to how they (and clients) reach it", base,
            )
        try:
            await self._cluster_key()
        except RedisError as exc:
            self._warn("key", "placement: Redis unreachable at start (%s); will retry", exc)
        self._task = asyncio.get_running_loop().create_task(self._publish_loop())

    async def aclose(self) -> None:
        await stop(self._task, "placement's load publisher")
        # A node that stops cleanly leaves at once rather than be chosen until its entry expires.
        with contextlib.suppress(*REDIS_UNREACHABLE):
            pipe = self._redis.pipeline(transaction=False)
            pipe.delete(self._load_key(self.node_id))
            pipe.zrem(self._index_key, self.node_id)
            await pipe.execute()
        await self._redis.aclose()
        await self._http.aclose()

    def kick(self) -> None:
        """Publish now rather than at the next interval (a session was just made here)."""
        self._kick.set()

    async def _publish_loop(self) -> None:
        while True:
            self._kick.clear()
            try:
                await self.publish()
            except REDIS_UNREACHABLE as exc:
                reraise_if_cancelling()
                self._warn("publish", "placement: cannot publish this node's load, Redis unreachable (%s)", exc)
            # asyncio.timeout, not wait_for: 3.11's wait_for can drop a cancellation (firstword.tasks).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._kick.wait()

    async def publish(self, load: NodeLoad | None = None) -> None:
        """Write ``load`` (default: this node's now) with its TTL, and index its node."""
        load = load or self._snapshot()
        now = time.time()
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(self._load_key(load.node_id), load.to_json(), px=self._ttl_ms)
        pipe.zadd(self._index_key, {load.node_id: now + self._ttl_ms / 1000})
        pipe.zremrangebyscore(self._index_key, "-inf", now - INDEX_PRUNE_S)
        await pipe.execute()

    async def loads(self) -> list[NodeLoad]:
        """Every node's last published load whose entry has not expired (this node's included)."""
        nodes: list[str] = await self._redis.zrange(self._index_key, 0, -1)
        if not nodes:
            return []
        raw = await self._redis.mget([self._load_key(n) for n in nodes])
        found: list[NodeLoad] = []
        for node, text in zip(nodes, raw, strict=True):
            if text is None:
                continue  # expired: the node stopped publishing
            try:
                found.append(NodeLoad.from_json(text))
            except (ValueError, TypeError):
                log.warning("placement: unreadable load entry for node %r", node)
        return found

    # -- signing -----------------------------------------------------------------------------

    async def _cluster_key(self, *, refresh: bool = False) -> bytes:
        """The key every node signs placements with: made once by whichever node comes first."""
        if self._key is None or refresh:
            await self._redis.set(self._signing_key, secrets.token_hex(32), nx=True)
            value = await self._redis.get(self._signing_key)
            if value is None:  # deleted between the two calls: the next try makes it again
                raise RedisError("placement key vanished")
            self._key = value.encode()
        return self._key

    @staticmethod
    def _mac(key: bytes, by: str, to: str, at: int) -> str:
        return hmac.new(key, f"{by}\n{to}\n{at}".encode(), hashlib.sha256).hexdigest()

    def _sign(self, key: bytes, to: str) -> str:
        at = int(time.time())
        return f"{at}:{self._mac(key, self.node_id, to, at)}"

    async def arrival(self, headers: Mapping[str, str]) -> Arrival:
        """Whether another node placed this request here, and whether it is signed."""
        by = headers.get(PLACED_BY, "")[:MAX_NODE_NAME]
        if not by:
            return NOT_PLACED
        at_text, _, mac = headers.get(PLACEMENT_SIGNATURE, "").partition(":")
        if not at_text.isdigit() or abs(time.time() - int(at_text)) > SIGNATURE_WINDOW_S:
            return Arrival(by, trusted=False)
        for refresh in (False, True):  # a key made again after Redis lost it: read it once more
            try:
                key = await self._cluster_key(refresh=refresh)
            except RedisError:
                break
            if hmac.compare_digest(mac, self._mac(key, by, self.node_id, int(at_text))):
                return Arrival(by, trusted=True)
        log.info("placement: a request names %r as its placer without a valid signature", by)
        return Arrival(by, trusted=False)

    # -- placing -----------------------------------------------------------------------------

    async def create(
        self,
        body: bytes,
        headers: Mapping[str, str],
        here: Callable[[], Awaitable[dict[str, Any]]],
        arrival: Arrival = NOT_PLACED,
        *,
        client: str | None = None,
    ) -> dict[str, Any]:
        """A new session on the best node: ``here()`` makes it on this one (raising ``NodeFull``
        when full); another node gets ``body`` as its own POST /sessions. Returns the serving
        node's answer with ``node`` and ``placement``; raises ``NodeFull`` when no node takes it."""
        if arrival.placed_by is not None:
            answer = await self._here(here)
            return self._placed(answer, by=arrival.placed_by, reason=f"placed by {arrival.placed_by}")
        mine = self._snapshot()
        try:
            key = await self._cluster_key()
            published = await self.loads()
        except REDIS_UNREACHABLE as exc:
            self._warn("place", "placement: Redis unreachable (%s); serving the new session here", exc)
            answer = await self._here(here)
            return {**answer, "node": self.node_id,
                    "placement": {"node": self.node_id, "fallback": f"Redis unreachable: {exc}"}}
        loads = {load.node_id: load for load in published}
        loads[self.node_id] = mine  # this node's own count is fresher than its published one
        states: dict[str, str] = {n: _short_state(load) for n, load in loads.items() if not load.accepting}
        tried: list[dict[str, str]] = []
        waits = [self._retry_after_s]
        for load in rank(loads.values(), self.node_id, self._pending):
            which = "least loaded that took it" if tried else "least loaded"
            reason = f"{which} ({load.active_sessions}/{load.capacity} active)"
            if load.node_id == self.node_id:
                try:
                    answer = await self._here(here)
                except DirectoryUnreachable:
                    raise
                except NodeFull as exc:
                    states[self.node_id] = self._local_state(exc)
                    tried.append({"node": self.node_id, "refused": str(exc)})
                    waits.append(exc.retry_after_s)
                    continue
                return self._placed(answer, by=self.node_id, reason=reason, tried=tried)
            outcome = await self._forward(load, key, body, headers, client)
            if isinstance(outcome, dict):
                return self._placed(outcome, by=self.node_id, reason=reason, tried=tried,
                                    node=str(outcome.get("node") or load.node_id))
            why, wait = outcome
            states[load.node_id] = why
            tried.append({"node": load.node_id, "refused": why})
            if wait is not None:
                waits.append(wait)
        if not any(t["node"] == self.node_id for t in tried):
            # No node said it had room (or none that did took it): this one tries itself last,
            # with its own fresh count, before the client is refused.
            try:
                answer = await self._here(here)
            except DirectoryUnreachable:
                raise
            except NodeFull as exc:
                states[self.node_id] = self._local_state(exc)
                waits.append(exc.retry_after_s)
            else:
                return self._placed(answer, by=self.node_id, reason="no other node took it", tried=tried)
        raise NodeFull(self._refusal(states), min(waits))

    async def _here(self, here: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        try:
            answer = self._at_own_urls(await here())
        except (RedisError, OSError) as exc:  # redis-py lets a reset connection out as OSError
            # The hub registers every session in Redis before it exists: without Redis nobody
            # could reach it by id. Said as a 503, never a 500; Redis outages are short.
            self._warn("directory", "placement: cannot register a session, Redis unreachable (%s)", exc)
            raise DirectoryUnreachable(f"Redis unreachable: the session could not be registered ({exc})", 5) from None
        self.kick()
        return answer

    def _at_own_urls(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The session's URLs at this node's own address (``server.public_url``), not at the
        name the request came in by: behind a proxy that name may be the entry every node
        shares, and the session must be reached on the node that serves it."""
        base = self._snapshot().base_url.rstrip("/")
        session_id = answer.get("session_id")
        if not session_id or (urlsplit(base).hostname or "") in UNROUTABLE_HOSTS:
            return answer
        ws_base = "ws" + base[4:] if base.startswith("http") else base
        return {**answer, "base_url": base, "ws_url": f"{ws_base}/sessions/{session_id}/ws",
                "events_url": f"{base}/sessions/{session_id}/events"}

    def _local_state(self, refusal: NodeFull) -> str:
        now = self._snapshot()
        return str(refusal) if now.accepting else _short_state(now)

    def _placed(
        self,
        answer: dict[str, Any],
        *,
        by: str,
        reason: str,
        tried: list[dict[str, str]] | None = None,
        node: str | None = None,
    ) -> dict[str, Any]:
        node = node or self.node_id
        placement: dict[str, Any] = {"node": node, "by": by, "reason": reason}
        if tried:
            placement["tried"] = tried
        return {**answer, "node": node, "placement": placement}

    async def _forward(
        self, load: NodeLoad, key: bytes, body: bytes, headers: Mapping[str, str], client: str | None
    ) -> dict[str, Any] | tuple[str, int | None]:
        """The chosen node's answer, or why it did not take the session (and its Retry-After)."""
        sent = {
            "Content-Type": "application/json",
            PLACED_BY: self.node_id,
            PLACEMENT_SIGNATURE: self._sign(key, load.node_id),
        }
        # The client's credentials travel with its request (POST /sessions takes none today).
        # Origin does not: this node's guard already checked it against this node's names, and
        # the chosen node knows only its own.
        if "authorization" in headers:
            sent["Authorization"] = headers["authorization"]
        if client:
            sent["X-Forwarded-For"] = client
        url = load.base_url.rstrip("/") + "/sessions"
        self._pending[load.node_id] += 1
        try:
            response = await self._http.post(url, content=body, headers=sent)
        except httpx.HTTPError as exc:
            log.warning("placement: node %s at %s unreachable (%s: %s)", load.node_id, url, type(exc).__name__, exc)
            return f"unreachable ({type(exc).__name__})", None
        finally:
            self._pending[load.node_id] -= 1
            if self._pending[load.node_id] <= 0:
                del self._pending[load.node_id]
        if response.status_code == 201:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if isinstance(answer, dict) and "session_id" in answer:
                return answer
            log.warning("placement: node %s answered 201 without a session: %.200s", load.node_id, response.text)
            return "answered without a session", None
        message = _error_message(response)
        if response.status_code not in (429, 503):
            # This node checked the body already: another answer means the nodes disagree
            # (versions, persona files). Logged, and the next node tried.
            log.warning("placement: node %s answered %d: %s", load.node_id, response.status_code, message)
        return f"refused ({response.status_code}: {message})", _retry_after(response)

    def _refusal(self, states: Mapping[str, str]) -> str:
        unreachable = sum(1 for s in states.values() if s.startswith("unreachable"))
        n = len(states)
        detail = "; ".join(f"{node}: {state}" for node, state in sorted(states.items()))
        if unreachable == 0:
            return f"all {n} nodes are full ({detail})"
        return f"no node can take a new session: {n - unreachable} of {n} nodes are full, {unreachable} unreachable ({detail})"

    def _warn(self, what: str, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned.get(what, -WARN_EVERY_S) >= WARN_EVERY_S:
            self._warned[what] = now
            log.warning(message, *args)
