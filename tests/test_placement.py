"""Placement of new sessions across nodes sharing Redis (firstword.capacity.placement).

Three layers: the choice itself against a real Redis (fake ``NodeLoad``s published under a
random key prefix, the chosen node's POST /sessions answered by an ``httpx.MockTransport``);
two apps in this process behind real loopback sockets; and real server processes sharing Redis
and PostgreSQL, one of them killed with -9 and one losing Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import websockets.sync.client

from firstword.bench.server_process import ServerProcess
from firstword.capacity.admission import NodeFull
from firstword.capacity.load import NodeLoad
from firstword.capacity.placement import (
    NOT_PLACED,
    PLACED_BY,
    PLACEMENT_SIGNATURE,
    Arrival,
    Placement,
    rank,
)
from firstword.config import CapacityConfig, HubConfig, Settings, StoreConfig
from firstword.server.app import create_app
from tests.conftest import InLoopServer, free_port
from tests.test_hub_redis import REDIS_URL, prefix  # noqa: F401 - the fixture
from tests.test_multinode import ANSWER, answer_text, node_env, read_sse, redis_prefix  # noqa: F401 - the fixture
from tests.test_server import fake_engines
from tests.test_store_postgres import _create_database, _drop_database, _url_of, url_string

def load(node: str, active: int = 0, capacity: int = 4, cpu: float = 5.0, *, reason: str = "",
         base_url: str | None = None) -> NodeLoad:
    accepting = not reason and active < capacity
    return NodeLoad(
        node_id=node, sessions=active, active_sessions=active, capacity=capacity, cpu_percent=cpu,
        decode_busy=0.0, decode_queue=0, accepting=accepting,
        reason=reason or ("" if accepting else "this server is full"),
        base_url=base_url or f"http://{node}.test", at=time.time(),
    )


class Node:
    """A placement whose own load and local sessions are the test's to set."""

    def __init__(self, prefix: str, name: str, mine: NodeLoad, *, http: httpx.AsyncClient | None = None,
                 redis_url: str = REDIS_URL, interval_s: float = 1.0) -> None:
        self.mine = mine
        self.made: list[str] = []
        self.placement = Placement(
            node_id=name, redis_url=redis_url, key_prefix=prefix, snapshot=lambda: self.mine,
            interval_s=interval_s, retry_after_s=30, http=http,
        )

    async def here(self) -> dict:
        if not self.mine.accepting:
            raise NodeFull(f"{self.mine.node_id} is full", 20)
        self.made.append("s")
        return {"session_id": f"{self.mine.node_id}-{len(self.made)}", "owner_token": "own_x"}


def forwarding_to(answers: dict[str, httpx.Response | Exception], seen: list[httpx.Request]) -> httpx.AsyncClient:
    """An HTTP client whose POST to http://{node}.test/sessions gets ``answers[node]``."""

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[request.url.host.removesuffix(".test")]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


def created(node: str) -> httpx.Response:
    return httpx.Response(201, json={"session_id": f"{node}-1", "owner_token": "own_y", "node": node,
                                     "base_url": f"http://{node}.test"})


# -- the choice ------------------------------------------------------------------------------


def test_rank_prefers_headroom_then_less_cpu_then_this_node():
    loads = [
        load("a", active=2), load("b", active=1, cpu=70.0), load("c", active=1, cpu=12.0),
        load("d", active=1, cpu=18.0), load("full", active=4), load("busy", reason="this server is busy: CPU"),
    ]
    # b and c/d have the same room; c and d share a CPU band (10-20 %), where "this node" wins.
    assert [n.node_id for n in rank(loads, me="d")] == ["d", "c", "b", "a"]
    assert [n.node_id for n in rank(loads, me="a")] == ["c", "d", "b", "a"]
    # Forwards still on their way to c count against its room.
    assert [n.node_id for n in rank(loads, me="a", pending={"c": 2})][:2] == ["d", "b"]


async def test_published_loads_are_read_back_and_expire_with_their_ttl(prefix):
    node = Node(prefix, "a", load("a"), interval_s=0.5)  # TTL: 3 intervals, 1.5 s
    try:
        await node.placement.publish(load("b", active=1))
        await node.placement.publish(load("c", active=2))
        got = {n.node_id: n for n in await node.placement.loads()}
        assert set(got) == {"b", "c"} and got["c"].active_sessions == 2 and got["b"].headroom == 3
        await asyncio.sleep(1.0)
        await node.placement.publish(load("c", active=2))  # c stays alive, b has died
        await asyncio.sleep(1.0)
        assert [n.node_id for n in await node.placement.loads()] == ["c"]
    finally:
        await node.placement.aclose()


async def test_a_node_publishes_while_it_runs_and_leaves_when_it_stops(prefix):
    node = Node(prefix, "a", load("a", active=1), interval_s=0.1)
    watcher = Node(prefix, "w", load("w"))
    try:
        await node.placement.start()
        await asyncio.sleep(0.15)
        node.mine = load("a", active=3)
        await asyncio.sleep(0.25)  # the next samples carry the new count
        assert [(n.node_id, n.active_sessions) for n in await watcher.placement.loads()] == [("a", 3)]
        await node.placement.aclose()
        assert await watcher.placement.loads() == []  # gone at once, not after its TTL
    finally:
        await watcher.placement.aclose()


async def test_the_least_loaded_node_gets_the_same_request_signed(prefix):
    seen: list[httpx.Request] = []
    a = Node(prefix, "a", load("a", active=2), http=forwarding_to({"b": created("b")}, seen))
    b = Node(prefix, "b", load("b", active=1))
    try:
        await a.placement.publish(load("b", active=1))
        await a.placement.publish(load("c", active=3))
        body = b'{"persona": "technical_advisor"}'
        answer = await a.placement.create(body, {"authorization": "Bearer k", "origin": "http://page"}, a.here,
                                          client="10.0.0.7")
        assert answer["session_id"] == "b-1" and answer["node"] == "b"
        assert answer["placement"] == {"node": "b", "by": "a", "reason": "least loaded (1/4 active)"}
        assert a.made == []
        (request,) = seen
        assert str(request.url) == "http://b.test/sessions" and request.content == body
        assert request.headers[PLACED_BY] == "a" and request.headers["authorization"] == "Bearer k"
        assert "origin" not in request.headers and request.headers["x-forwarded-for"] == "10.0.0.7"
        # The receiving node trusts the signature (it shares the key through Redis) and serves it.
        arrival = await b.placement.arrival(request.headers)
        assert arrival == Arrival("a", trusted=True)
        served = await b.placement.create(body, request.headers, b.here, arrival)
        assert served["node"] == "b" and served["placement"]["by"] == "a" and b.made == ["s"]
        # Signed for b, not for c; a client's own copy of the name, unsigned, is not trusted.
        c = Node(prefix, "c", load("c"))
        assert await c.placement.arrival(request.headers) == Arrival("a", trusted=False)
        assert await b.placement.arrival({PLACED_BY: "a"}) == Arrival("a", trusted=False)
        stale = {PLACED_BY: "a", PLACEMENT_SIGNATURE: "1000:" + request.headers[PLACEMENT_SIGNATURE].split(":")[1]}
        assert await b.placement.arrival(stale) == Arrival("a", trusted=False)
        assert await b.placement.arrival({}) == NOT_PLACED
        await c.placement.aclose()
    finally:
        await a.placement.aclose()
        await b.placement.aclose()


async def test_a_refusing_or_unreachable_node_is_passed_over(prefix):
    seen: list[httpx.Request] = []
    refusal = httpx.Response(503, headers={"Retry-After": "7"},
                             json={"error": {"status": 503, "code": "unavailable", "message": "this server is full"}})
    http = forwarding_to({"b": refusal, "c": httpx.ConnectError("connection refused")}, seen)
    a = Node(prefix, "a", load("a", active=3), http=http)
    try:
        await a.placement.publish(load("b", active=0))
        await a.placement.publish(load("c", active=1))
        answer = await a.placement.create(b"{}", {}, a.here)
        assert answer["node"] == "a" and a.made == ["s"]
        assert [r.url.host for r in seen] == ["b.test", "c.test"]
        assert answer["placement"]["tried"] == [
            {"node": "b", "refused": "refused (503: this server is full)"},
            {"node": "c", "refused": "unreachable (ConnectError)"},
        ]
    finally:
        await a.placement.aclose()


async def test_when_every_node_is_full_the_refusal_says_how_many(prefix):
    seen: list[httpx.Request] = []
    refusal = httpx.Response(503, headers={"Retry-After": "12"},
                             json={"error": {"status": 503, "code": "unavailable", "message": "full"}})
    a = Node(prefix, "a", load("a", active=1, capacity=1), http=forwarding_to({"c": refusal}, seen))
    try:
        await a.placement.publish(load("b", active=1, capacity=1))
        await a.placement.publish(load("c", active=0, capacity=1))  # says it has room, then refuses
        with pytest.raises(NodeFull) as refused:
            await a.placement.create(b"{}", {}, a.here)
        assert str(refused.value).startswith("all 3 nodes are full (a: 1/1 active; b: 1/1 active; c: refused")
        assert refused.value.retry_after_s == 12  # the soonest any node said
        assert a.made == []
    finally:
        await a.placement.aclose()


async def test_a_placed_request_is_served_here_without_reading_any_load(prefix):
    seen: list[httpx.Request] = []
    a = Node(prefix, "a", load("a", active=3), http=forwarding_to({}, seen))
    try:
        await a.placement.publish(load("b", active=0))
        answer = await a.placement.create(b"{}", {}, a.here, Arrival("b", trusted=False))
        assert answer["node"] == "a" and answer["placement"] == {"node": "a", "by": "b", "reason": "placed by b"}
        assert seen == []  # never forwarded again
    finally:
        await a.placement.aclose()


async def test_redis_unreachable_serves_here_and_says_so(caplog):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    a = Node("fwtest-none", "a", load("a", active=3), redis_url=closed)
    try:
        started = time.monotonic()
        answer = await a.placement.create(b"{}", {}, a.here)
        assert time.monotonic() - started < 3.0
        assert answer["node"] == "a" and a.made == ["s"]
        assert answer["placement"]["node"] == "a"
        assert answer["placement"]["fallback"].startswith("Redis unreachable: ")
        assert "serving the new session here" in caplog.text
    finally:
        await a.placement.aclose()


# -- two apps in this process ----------------------------------------------------------------


def node_app(prefix: str, node: str) -> InLoopServer:
    settings = Settings(
        node_id=node,
        hub=HubConfig(backend="redis", redis_url=REDIS_URL, key_prefix=prefix),
        store=StoreConfig(enabled=False),
        capacity=CapacityConfig(max_active_sessions=1),
    )
    server = InLoopServer(create_app(settings, fake_engines()))
    settings.server.port = server.port  # its base_url, as the other node reaches it (read at start)
    return server


async def test_two_nodes_place_through_post_sessions(prefix):
    a_srv, b_srv = node_app(prefix, "a"), node_app(prefix, "b")
    b_port = b_srv.port
    async with a_srv, b_srv, httpx.AsyncClient() as http:
        # A client's own placement header pins the session to the node it reached (never
        # forwarded), and is not trusted: it is rate-limited like any other.
        pinned = await http.post(f"{a_srv.url}/sessions", json={}, headers={PLACED_BY: "mallory"})
        assert pinned.status_code == 201, pinned.text
        assert pinned.json()["node"] == "a" and pinned.json()["placement"]["by"] == "mallory"
        # a is full now (1 of 1): the next session asked of a runs on b, at b's URLs.
        moved = await http.post(f"{a_srv.url}/sessions", json={"persona": "technical_advisor"})
        assert moved.status_code == 201, moved.text
        body = moved.json()
        assert body["node"] == "b" and body["base_url"] == b_srv.url
        assert body["ws_url"] == f"ws://127.0.0.1:{b_port}/sessions/{body['session_id']}/ws"
        assert body["placement"] == {"node": "b", "by": "a", "reason": "least loaded (0/1 active)"}
        info = await http.get(f"{b_srv.url}/sessions/{body['session_id']}", params={"token": body["owner_token"]})
        assert info.json()["served_here"] is True and info.json()["persona"] == "cipher"  # technical_advisor's id
        # Both full: refused with when to retry and how many nodes were full.
        for node in (a_srv, b_srv):
            full = await http.post(f"{node.url}/sessions", json={})
            assert full.status_code == 503, full.text
            assert full.headers["Retry-After"] == "30"
            assert full.json()["error"]["message"].startswith("all 2 nodes are full (a: ")
        # A wrong persona is the client's 400 on the node it reached, before any node is asked.
        wrong = await http.post(f"{a_srv.url}/sessions", json={"persona": "nobody"})
        assert wrong.status_code == 400


async def test_one_node_with_the_in_process_hub_places_nothing():
    async with InLoopServer(create_app(Settings(node_id="solo"), fake_engines())) as srv, httpx.AsyncClient() as http:
        body = (await http.post(f"{srv.url}/sessions", json={})).json()
        assert body["node"] == "solo"
        assert body["placement"] == {"node": "solo", "by": "solo", "reason": "single node"}


# -- real server processes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_store_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by the nodes of this module's tests."""
    name = asyncio.run(_create_database())
    try:
        yield url_string(_url_of(name))
    finally:
        asyncio.run(_drop_database(name))


def cluster_env(tmp_path: Path, node: str, redis_prefix: str, store_url: str, **extra: str) -> dict[str, str]:
    return node_env(
        tmp_path, node,
        FIRSTWORD_HUB__BACKEND="redis", FIRSTWORD_HUB__REDIS_URL=REDIS_URL, FIRSTWORD_HUB__KEY_PREFIX=redis_prefix,
        FIRSTWORD_STORE__URL=store_url, **extra,
    )


def post_session(url: str, **body: object) -> httpx.Response:
    return httpx.post(f"{url}/sessions", json=body, timeout=30)


def wait_for(predicate, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout_s} s")
        time.sleep(0.2)


@pytest.mark.e2e
@pytest.mark.slow
def test_sessions_go_to_the_least_loaded_process_and_a_full_cluster_answers_503(tmp_path, redis_prefix, pg_store_url):
    full_at_one = {"FIRSTWORD_CAPACITY__MAX_ACTIVE_SESSIONS": "1"}
    a = ServerProcess(cluster_env(tmp_path, "a", redis_prefix, pg_store_url, **full_at_one)).__enter__()
    b = ServerProcess(cluster_env(tmp_path, "b", redis_prefix, pg_store_url, **full_at_one)).__enter__()
    urls = {"a": a.url, "b": b.url}
    try:
        first = post_session(a.url, persona="technical_advisor")
        second = post_session(a.url, persona="technical_advisor")
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        placed = [first.json(), second.json()]
        # Whichever node took the first (CPU decides a tie), the second went to the other one.
        assert {s["node"] for s in placed} == {"a", "b"}
        for s in placed:
            assert s["base_url"] == urls[s["node"]] and s["placement"]["by"] == "a"
        on_b = next(s for s in placed if s["node"] == "b")
        sid, owner = on_b["session_id"], on_b["owner_token"]
        # The session forwarded to b is live there: a question asked at its URLs is answered.
        asked = httpx.post(f"{on_b['base_url']}/sessions/{sid}/messages", params={"token": owner},
                           json={"text": "Tell me about a project."})
        assert asked.status_code == 202, asked.text
        assert answer_text(read_sse(on_b["base_url"], sid, owner)) == ANSWER
        for url in (a.url, b.url):
            full = post_session(url)
            assert full.status_code == 503, full.text
            assert full.headers["Retry-After"].isdigit()
            assert "all 2 nodes are full" in full.json()["error"]["message"]
    finally:
        b.__exit__()
        a.__exit__()


@pytest.mark.e2e
@pytest.mark.slow
def test_a_killed_node_reads_as_interrupted_and_new_sessions_go_to_the_living_one(tmp_path, redis_prefix, pg_store_url):
    envs = {n: cluster_env(tmp_path, n, redis_prefix, pg_store_url) for n in ("a", "b")}
    nodes = {n: ServerProcess(env).__enter__() for n, env in envs.items()}
    client = redis.Redis.from_url(REDIS_URL)
    try:
        created = post_session(nodes["a"].url, persona="technical_advisor").json()
        sid, owner, dead = created["session_id"], created["owner_token"], created["node"]
        living = "b" if dead == "a" else "a"
        there, here = nodes[dead], nodes[living]
        assert httpx.post(f"{there.url}/sessions/{sid}/messages", params={"token": owner},
                          json={"text": "Why us?"}).status_code == 202
        events = read_sse(there.url, sid, owner)
        time.sleep(1.0)  # the store's flush window (store.flush_ms, 500 ms) has passed

        there.kill_hard()
        # Its load entry expires (3 sample intervals); its heartbeat (10 s) says it is gone.
        wait_for(lambda: not client.exists(f"{redis_prefix}:load:{dead}"), 10, "the dead node's load entry expiring")
        after = post_session(here.url)
        assert after.status_code == 201, after.text
        assert after.json()["node"] == living and "tried" not in after.json()["placement"]
        wait_for(lambda: httpx.get(f"{here.url}/sessions/{sid}", params={"token": owner}).json()["node_alive"] is False,
                 15, "the dead node's heartbeat expiring")
        info = httpx.get(f"{here.url}/sessions/{sid}", params={"token": owner}).json()
        assert info["node"] == dead and info["served_here"] is False
        # Everything it said is still readable from the living node.
        replay = read_sse(here.url, sid, owner, last_event_id=0)
        assert answer_text(replay) == answer_text(events) == ANSWER

        # The dead node comes back under its name: the sessions it was serving read as
        # interrupted, from the other node too (one PostgreSQL), and it takes sessions again.
        nodes[dead] = ServerProcess(envs[dead]).__enter__()
        history = httpx.get(f"{here.url}/history/sessions/{sid}", params={"token": owner})
        assert history.status_code == 200, history.text
        assert history.json()["session"]["status"] == "interrupted"
        assert [t["question"] for t in history.json()["turns"]] == ["Why us?"]
        wait_for(lambda: client.exists(f"{redis_prefix}:load:{dead}"), 5, "the restarted node publishing its load")
    finally:
        client.close()
        for node in nodes.values():
            node.__exit__()


class CuttableProxy:
    """127.0.0.1:port → a TCP service, in threads; ``cut()`` closes the port and resets every
    connection through it, ``restore()`` listens on the same port again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() above
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    # Linger 0: the close sends a reset, as a vanished server's host would.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.close()
            self._open.clear()


@pytest.mark.e2e
@pytest.mark.slow
def test_a_node_that_loses_redis_serves_new_sessions_itself_and_recovers(tmp_path, redis_prefix):
    host, _, port = REDIS_URL.removeprefix("redis://").partition("/")[0].partition(":")
    proxy = CuttableProxy((host, int(port or 6379)))
    proxy.restore()
    through = f"redis://127.0.0.1:{proxy.port}/0"
    env = node_env(tmp_path, "solo", FIRSTWORD_HUB__BACKEND="redis", FIRSTWORD_HUB__REDIS_URL=through,
                   FIRSTWORD_HUB__KEY_PREFIX=redis_prefix)
    node = ServerProcess(env).__enter__()
    try:
        before = post_session(node.url)
        assert before.status_code == 201 and before.json()["placement"]["by"] == "solo"
        proxy.cut()  # the node's Redis is now a closed port
        during = post_session(node.url)
        # Placement falls back to this node and says so; the hub keeps the session's directory
        # entry in memory until Redis is back, so its owner can use it meanwhile.
        if during.status_code != 201:
            time.sleep(1.0)  # an unhandled error's traceback is logged after the 500 is sent
            pytest.fail(f"{during.status_code} {during.text}\n--- the node's log:\n{node.log_tail(12_000)}")
        made = during.json()
        assert made["placement"]["fallback"].startswith("Redis unreachable")
        state = httpx.get(f"{node.url}/sessions/{made['session_id']}", params={"token": made["owner_token"]})
        assert state.status_code == 200 and state.json()["served_here"] is True
        assert "placement: Redis unreachable" in node.log_tail(20_000)
        assert httpx.get(f"{node.url}/healthz").status_code == 200
        proxy.restore()
        wait_for(lambda: post_session(node.url).status_code == 201, 15, "sessions after Redis came back")
    finally:
        proxy.cut()
        node.__exit__()


# -- the proxy examples of docs/DEPLOY.md ----------------------------------------------------

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "DEPLOY.md"
# Loopback addresses stand in for the names: the whole of 127/8 reaches this machine, and a
# node bound to 127.0.0.1 refuses a Host it does not answer to, so a request routed to the
# wrong node fails loudly (400) instead of passing by chance.
NAMES = {"a": "127.0.0.2", "b": "127.0.0.3"}


def doc_block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S)
    assert found, f"no {language} block in {DEPLOY}"
    return found.group(1)


def on_loopback(conf: str, ports: dict[str, int]) -> str:
    for node, address in NAMES.items():
        conf = conf.replace(f"{node}.copilot.example.com", address)
    return conf.replace("10.0.0.11:8765", f"127.0.0.1:{ports['a']}").replace("10.0.0.12:8765", f"127.0.0.1:{ports['b']}")


def nginx_command(tmp: Path, port: int, ports: dict[str, int]) -> list[str]:
    conf = re.sub(r"server_name [^;]*;", "server_name _;", doc_block("nginx"))
    conf = re.sub(r"\n\s*ssl_certificate\S*\s[^\n]*", "", on_loopback(conf, ports))
    listen = "\n    ".join(f"listen {ip}:{port};" for ip in ("127.0.0.1", *NAMES.values()))
    conf = conf.replace("listen 443 ssl;", listen)
    (tmp / "firstword.conf").write_text(conf)
    temp = " ".join(f"{kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers must read this test's folders
        + f"worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\n"
        f"events {{ worker_connections 256; }}\nhttp {{ access_log off; {temp} include {tmp}/firstword.conf; }}\n"
    )
    return ["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"]


def haproxy_command(tmp: Path, port: int, ports: dict[str, int]) -> list[str]:
    binds = "\n    ".join(f"bind {ip}:{port}" for ip in ("127.0.0.1", *NAMES.values()))
    conf = re.sub(r"bind :443 ssl crt \S+", binds, on_loopback(doc_block("haproxy"), ports))
    (tmp / "haproxy.cfg").write_text(conf.replace("X-Forwarded-Proto https", "X-Forwarded-Proto http"))
    return ["haproxy", "-db", "-f", str(tmp / "haproxy.cfg")]


@contextlib.contextmanager
def running(command: list[str], port: int) -> Iterator[None]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{command[0]} exited: {proc.stdout.read().decode(errors='replace')}")  # type: ignore[union-attr]
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{command[0]} did not listen on {port}")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.e2e
@pytest.mark.slow
def test_the_proxy_examples_route_each_session_to_its_node(tmp_path, redis_prefix):
    proxies = {"nginx": nginx_command, "haproxy": haproxy_command}
    available = {name: make for name, make in proxies.items() if shutil.which(name)}
    if not available:
        pytest.skip("SKIPPED: neither nginx nor haproxy is installed; docs/DEPLOY.md's examples are not run")
    port = free_port()
    entry = f"http://127.0.0.1:{port}"
    public = {node: f"http://{address}:{port}" for node, address in NAMES.items()}
    nodes = {
        node: ServerProcess(node_env(
            tmp_path, node, FIRSTWORD_HUB__BACKEND="redis", FIRSTWORD_HUB__REDIS_URL=REDIS_URL,
            FIRSTWORD_HUB__KEY_PREFIX=redis_prefix, FIRSTWORD_SERVER__PUBLIC_URL=public[node],
            FIRSTWORD_CAPACITY__MAX_ACTIVE_SESSIONS="1",
        )).__enter__()
        for node in NAMES
    }
    try:
        ports = {node: server.port for node, server in nodes.items()}
        for name, make in available.items():
            folder = tmp_path / name
            folder.mkdir()
            with running(make(folder, port, ports), port):
                sessions = [post_session(entry, persona="technical_advisor") for _ in range(2)]
                assert [r.status_code for r in sessions] == [201, 201], [r.text for r in sessions]
                placed = [r.json() for r in sessions]
                assert {s["node"] for s in placed} == {"a", "b"}, name
                for s in placed:
                    sid, owner, base = s["session_id"], s["owner_token"], public[s["node"]]
                    assert s["base_url"] == base and s["ws_url"] == f"ws://{NAMES[s['node']]}:{port}/sessions/{sid}/ws"
                    # By the node's own name, and on the entry name by the header: the serving node.
                    assert httpx.get(f"{base}/sessions/{sid}", params={"token": owner}).json()["served_here"] is True
                    by_header = httpx.get(f"{entry}/sessions/{sid}", params={"token": owner},
                                          headers={"X-Firstword-Node": s["node"]})
                    assert by_header.json()["served_here"] is True, (name, by_header.text)
                    with websockets.sync.client.connect(f"{s['ws_url']}?token={owner}", open_timeout=10) as ws:
                        assert "type" in json.loads(ws.recv(timeout=10))
                    # A question and its answer, streamed through the proxy unbuffered.
                    asked = httpx.post(f"{base}/sessions/{sid}/messages", params={"token": owner},
                                       json={"text": "Tell me about a project."})
                    assert asked.status_code == 202, asked.text
                    assert answer_text(read_sse(base, sid, owner)) == ANSWER
                full = post_session(entry)
                assert full.status_code == 503 and "all 2 nodes are full" in full.json()["error"]["message"]
                for s in placed:
                    gone = httpx.delete(f"{public[s['node']]}/sessions/{s['session_id']}", params={"token": s["owner_token"]})
                    assert gone.status_code == 200, gone.text
                time.sleep(1.5)  # both nodes have published their empty loads
    finally:
        for server in nodes.values():
            server.__exit__()
