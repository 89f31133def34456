"""The HTTP edge an independent probe found open: Host (DNS rebinding), Origin on the WebSocket and
on changes, text/plain POSTs, connections that never finish their headers (slowloris), and the
connection budget from the descriptor limit."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time

import httpx
import pytest
import uvicorn
import websockets

from firstword.config import Settings
from firstword.server.app import create_app
from tests.conftest import InLoopServer, free_port
from tests.test_server import fake_engines, new_session

EVIL = "https://evil.example"


def make_settings(**server: object) -> Settings:
    settings = Settings()
    for key, value in server.items():
        setattr(settings.server, key, value)
    return settings


@pytest.fixture
async def server():
    async with InLoopServer(create_app(make_settings(), fake_engines())) as srv:
        yield srv


def refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code, error
    return str(error["message"])


async def ws_first(srv: InLoopServer, path: str, *, host: str | None = None, origin: str | None = None,
                   timeout: float = 5.0) -> tuple[dict, int | None]:
    """The first frame a WebSocket gets, and its close code if the server then closes it. The
    socket goes to the test server whatever ``host`` (the Host header) says."""
    sock = socket.create_connection(("127.0.0.1", srv.port))
    uri = f"ws://{host or f'127.0.0.1:{srv.port}'}{path}"
    async with websockets.connect(uri, sock=sock, origin=origin, open_timeout=timeout) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if first["type"] != "error":
            return first, None
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), timeout)
        return first, ws.close_code


# ----- Host ---------------------------------------------------------------------------------------


async def test_only_the_configured_host_names_are_answered(server):
    async with httpx.AsyncClient(base_url=server.url) as http:
        for host in (f"127.0.0.1:{server.port}", "localhost", f"localhost:{server.port}", "[::1]:8765", "LOCALHOST."):
            ok = await http.get("/healthz", headers={"Host": host})
            assert ok.status_code == 200, (host, ok.text)
        # A name an attacker points at 127.0.0.1 (DNS rebinding): the page would be same-origin
        # with this server in the victim's browser.
        for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1.evil.example", "user@localhost", "10.0.0.7"):
            message = refused(await http.get("/healthz", headers={"Host": host}), 400, "bad_request")
            assert "allowed_hosts" in message
        refused(await http.post("/sessions", json={}, headers={"Host": "evil.example"}), 400, "bad_request")


async def test_public_url_and_the_allow_list_add_host_names():
    settings = make_settings(public_url="https://copilot.example.com", allowed_hosts=["lan-box"])
    async with InLoopServer(create_app(settings, fake_engines())) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        for host in ("copilot.example.com", "copilot.example.com:443", "lan-box:8765", "localhost"):
            assert (await http.get("/healthz", headers={"Host": host})).status_code == 200, host
        refused(await http.get("/healthz", headers={"Host": "example.com"}), 400, "bad_request")


async def test_a_server_bound_to_every_interface_answers_ip_literals_but_not_foreign_names():
    settings = make_settings(host="0.0.0.0")
    async with InLoopServer(create_app(settings, fake_engines())) as srv, httpx.AsyncClient(base_url=srv.url) as http:
        assert (await http.get("/healthz", headers={"Host": f"192.168.1.20:{srv.port}"})).status_code == 200
        refused(await http.get("/healthz", headers={"Host": "evil.example"}), 400, "bad_request")


async def test_a_websocket_with_a_foreign_host_is_refused_with_an_error_frame_and_4400(server):
    s = await new_session(server)
    path = f"/sessions/{s['session_id']}/ws?token={s['owner_token']}"
    first, code = await ws_first(server, path, host="evil.example")
    assert first["seq"] is None and first["data"]["code"] == "bad_request", first
    assert code == 4400
    first, code = await ws_first(server, path, host=f"localhost:{server.port}")
    assert first["type"] == "session.ready" and code is None


# ----- Origin -------------------------------------------------------------------------------------


async def test_a_websocket_from_another_sites_page_is_refused_with_4403(server):
    s = await new_session(server)
    path = f"/sessions/{s['session_id']}/ws?token={s['owner_token']}"
    for origin in (EVIL, "null", f"http://127.0.0.1:{server.port + 1}", f"http://localhost.evil.example:{server.port}"):
        first, code = await ws_first(server, path, origin=origin)
        assert first["type"] == "error" and first["data"]["code"] == "forbidden", (origin, first)
        assert code == 4403, origin
    # The page this server served (same host and port), and a client that names no page.
    for origin in (f"http://127.0.0.1:{server.port}", None):
        first, code = await ws_first(server, path, origin=origin)
        assert first["type"] == "session.ready" and code is None, origin


async def test_public_url_and_allowed_origins_may_open_the_websocket():
    settings = make_settings(public_url="https://copilot.example.com", allowed_origins=["http://localhost:5173"])
    async with InLoopServer(create_app(settings, fake_engines())) as srv:
        s = await new_session(srv)
        path = f"/sessions/{s['session_id']}/ws?token={s['owner_token']}"
        # Behind a TLS proxy: the page is https://copilot.example.com, the Host the proxy passes on.
        first, _ = await ws_first(srv, path, host="copilot.example.com", origin="https://copilot.example.com")
        assert first["type"] == "session.ready"
        first, _ = await ws_first(srv, path, origin="http://localhost:5173")
        assert first["type"] == "session.ready"
        first, code = await ws_first(srv, path, origin="https://copilot.example.com.evil.example")
        assert first["data"]["code"] == "forbidden" and code == 4403


async def test_changes_from_another_sites_page_are_refused_and_reads_are_not(server):
    s = await new_session(server)
    evil = {"Origin": EVIL}
    owner = {"Authorization": f"Bearer {s['owner_token']}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert "not allowed" in refused(await http.post("/sessions", json={}, headers=evil), 403, "forbidden")
        url = f"/sessions/{s['session_id']}"
        refused(await http.post(f"{url}/messages", json={"text": "hi"}, headers={**evil, **owner}), 403, "forbidden")
        refused(await http.put(f"{url}/profile", json={"resume": "x"}, headers={**evil, **owner}), 403, "forbidden")
        refused(await http.delete(url, headers={**evil, **owner}), 403, "forbidden")
        # The session is still open: nothing above went through.
        info = await http.get(url, headers={**evil, **owner})
        assert info.status_code == 200 and info.json()["status"] != "closed"
        same = {"Origin": f"http://127.0.0.1:{server.port}"}
        assert (await http.post("/sessions", json={}, headers=same)).status_code == 201
        assert (await http.post(f"{url}/stop", headers={**same, **owner})).status_code == 200


# ----- Content type -------------------------------------------------------------------------------


async def test_a_text_plain_post_creates_no_session(server):
    async with httpx.AsyncClient(base_url=server.url) as http:
        # What a form on any site can send without a CORS preflight.
        plain = await http.post("/sessions", content=b'{"persona": "copilot"}', headers={"Content-Type": "text/plain"})
        assert "application/json" in refused(plain, 415, "invalid_request")
        form = await http.post("/sessions", data={"persona": "copilot"})
        refused(form, 415, "invalid_request")
        refused(await http.post("/sessions", content=b"{}"), 415, "invalid_request")  # no Content-Type
        health = (await http.get("/healthz")).json()
        assert health["sessions"] == 0
        # JSON (with a charset), and no body at all, still go through.
        typed = await http.post("/sessions", content=b"{}", headers={"Content-Type": "application/json; charset=utf-8"})
        assert typed.status_code == 201, typed.text
        assert (await http.post("/sessions")).status_code == 201


async def test_uploads_take_multipart_and_json_routes_take_json(server):
    s = await new_session(server)
    owner = {"Authorization": f"Bearer {s['owner_token']}"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        ok = await http.post("/profile/extract", files={"file": ("cv.txt", b"Staff engineer", "text/plain")})
        assert ok.status_code == 200, ok.text
        refused(await http.post("/profile/extract", json={"file": "x"}), 415, "invalid_request")
        resume = f"/sessions/{s['session_id']}/profile/resume"
        refused(await http.post(resume, content=b"Staff engineer", headers={**owner, "Content-Type": "text/plain"}),
                415, "invalid_request")
        ok = await http.post(resume, headers=owner, files={"file": ("cv.txt", b"Staff engineer", "text/plain")})
        assert ok.status_code == 200, ok.text
        messages = f"/sessions/{s['session_id']}/messages"
        refused(await http.post(messages, headers=owner, data={"text": "hi"}), 415, "invalid_request")
        refused(await http.put(f"/sessions/{s['session_id']}/profile", headers=owner, files={"f": ("a", b"b")}),
                415, "invalid_request")


def test_the_guards_upload_routes_are_the_documents_multipart_operations():
    from firstword.server.guard import MULTIPART_PATHS

    spec = create_app(Settings(), fake_engines()).openapi()
    multipart = {
        path
        for path, operations in spec["paths"].items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    example = {p: re.sub(r"\{[^}]+\}", "abc123", p) for p in spec["paths"]}
    guarded = {p for p in spec["paths"] if any(rx.match(example[p]) for rx in MULTIPART_PATHS)}
    assert guarded == multipart == {"/profile/extract", "/sessions/{session_id}/profile/resume"}


# ----- Header read timeout (slowloris) ------------------------------------------------------------


class TimeoutServer(InLoopServer):
    """InLoopServer with the protocol class and limit `firstword serve` gives uvicorn."""

    def __init__(self, app, header_timeout_s: float, http: str = "auto", **config: object) -> None:  # type: ignore[no-untyped-def]
        from firstword.server.http_timeouts import header_timeout_protocol

        super().__init__(app)
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws_max_size=2**20,
            http=header_timeout_protocol(header_timeout_s, http), **config,  # type: ignore[arg-type]
        ))


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> float | None:
    """Seconds until the server closed the connection (EOF), or None if it did not in time."""
    start = time.monotonic()
    try:
        while await asyncio.wait_for(reader.read(4096), seconds - (time.monotonic() - start)):
            pass
    except (TimeoutError, asyncio.TimeoutError):
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


@pytest.mark.parametrize("http", ["httptools", "h11"])
async def test_connections_that_never_finish_their_headers_are_closed(http):
    timeout = 1.0
    async with TimeoutServer(create_app(make_settings(), fake_engines()), timeout, http) as srv:
        held = []
        for i in range(50):
            reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
            # A third send nothing, a third part of a request line, a third a request line and
            # a header but never the blank line that ends the headers.
            partial = (b"", b"GET /healthz HT", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")[i % 3]
            if partial:
                writer.write(partial)
                await writer.drain()
            held.append((reader, writer))
        opened = time.monotonic()
        # Meanwhile a normal request is served.
        async with httpx.AsyncClient(base_url=srv.url) as client:
            assert (await client.get("/healthz")).status_code == 200
        waits = await asyncio.gather(*(closed_within(r, timeout + 3.0) for r, _ in held))
        assert all(w is not None for w in waits), f"{sum(w is None for w in waits)} of 50 still open"
        assert time.monotonic() - opened >= timeout * 0.9
        for _, writer in held:
            writer.close()


async def test_a_partial_request_after_a_response_is_closed_too_and_streams_outlive_the_timeout():
    timeout = 1.0
    async with TimeoutServer(create_app(make_settings(), fake_engines()), timeout) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        # A byte cancels uvicorn's keep-alive timer; before this change nothing else then ran.
        writer.write(b"GET /healthz HTTP/1.1\r\nHo")
        await writer.drain()
        waited = await closed_within(reader, timeout + 3.0)
        assert waited is not None
        writer.close()
        # Headers complete: a WebSocket lives past the timeout.
        s = await new_session(srv)
        async with websockets.connect(f"{s['ws_url']}?token={s['owner_token']}") as ws:
            await asyncio.sleep(timeout * 1.5)
            await ws.send(json.dumps({"type": "ping"}))
            got = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(2)]
            assert "pong" in {g["type"] for g in got}


# ----- Connection budget --------------------------------------------------------------------------


def test_the_connection_limit_comes_from_the_descriptor_limit(monkeypatch, caplog):
    import resource

    from firstword.config import ServerConfig
    from firstword.server.http_timeouts import connection_limit

    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 4096))
    with caplog.at_level(logging.INFO, logger="firstword.server"):
        assert connection_limit(ServerConfig()) == 1024 - 128
    assert "limit 1024" in caplog.text and "up to 896 connections" in caplog.text
    assert connection_limit(ServerConfig(max_connections=300)) == 300
    assert connection_limit(ServerConfig(max_connections=5000)) == 896  # never past the descriptors


def test_serve_gives_uvicorn_the_timeout_protocol_and_the_limit(monkeypatch):
    import firstword.server.app as app_module
    from firstword import cli

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(app_module, "create_app", lambda settings, **_: object())
    monkeypatch.setenv("FIRSTWORD_SERVER__HEADER_TIMEOUT_S", "7")
    cli.serve(host=None, port=free_port())
    protocol = seen["http"]
    assert isinstance(protocol, type) and protocol.header_timeout_s == 7.0  # type: ignore[attr-defined]
    assert isinstance(seen["limit_concurrency"], int) and seen["limit_concurrency"] > 0
