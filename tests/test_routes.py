"""Route modules and access as a dependency: the same refusal, in the same body, from every route."""

from __future__ import annotations

import httpx
import pytest

from firstword.config import Settings
from firstword.llm.scripted import ScriptedLlm
from firstword.server.app import create_app
from tests.conftest import InLoopServer
from tests.test_server import fake_engines, new_session


@pytest.fixture
async def server():
    llm = ScriptedLlm(reply=["I", " led", " it", "."], interval_s=0.01)
    async with InLoopServer(create_app(Settings(), fake_engines(llm))) as srv:
        yield srv


async def observer_token(http: httpx.AsyncClient, s: dict) -> str:
    grant = await http.post(f"/sessions/{s['session_id']}/observers", params={"token": s["owner_token"]}, json={})
    assert grant.status_code == 201, grant.text
    return str(grant.json()["token"])


def refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code, error
    return str(error["message"])


# (method, path template, body): every route that changes a session or its links.
OWNER_ROUTES = [
    ("POST", "/sessions/{id}/messages", {"text": "Why us?"}),
    ("POST", "/sessions/{id}/stop", None),
    ("POST", "/sessions/{id}/board", {"text": "Why us?", "to": "atlas"}),
    ("PUT", "/sessions/{id}/profile", {"resume": "x"}),
    ("POST", "/sessions/{id}/observers", {}),
    ("GET", "/sessions/{id}/observers", None),
    ("DELETE", "/sessions/{id}/observers/nope", None),
    ("DELETE", "/sessions/{id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OWNER_ROUTES)
async def test_owner_routes_refuse_observers_missing_tokens_and_unknown_sessions(server, method, path, body):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        observer = await observer_token(http, s)
        url = path.format(id=s["session_id"])
        as_observer = await http.request(method, url, json=body, headers={"Authorization": f"Bearer {observer}"})
        assert "read-only" in refused(as_observer, 403, "read_only")
        refused(await http.request(method, url, json=body), 401, "unauthorized")
        unknown = await http.request(method, path.format(id="nope"), json=body, params={"token": s["owner_token"]})
        refused(unknown, 404, "unknown_session")
        wrong = await http.request(method, url, json=body, params={"token": "own_guess"})
        refused(wrong, 403, "forbidden")


async def test_the_header_wins_over_the_query_token(server):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        observer = await observer_token(http, s)
        # Owner in the header, observer in the query: the owner's request goes through.
        ok = await http.post(
            f"/sessions/{s['session_id']}/stop",
            params={"token": observer},
            headers={"Authorization": f"Bearer {s['owner_token']}"},
        )
        assert ok.status_code == 200, ok.text
        # And the other way round: the observer in the header is read-only.
        no = await http.post(
            f"/sessions/{s['session_id']}/stop",
            params={"token": s["owner_token"]},
            headers={"Authorization": f"Bearer {observer}"},
        )
        refused(no, 403, "read_only")


async def test_request_validation_errors_use_the_error_body_not_detail(server):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        bad = await http.post(
            f"/sessions/{s['session_id']}/messages", params={"token": s["owner_token"]}, json={"text": 5}
        )
        message = refused(bad, 422, "invalid_request")
        assert "text" in message and "detail" not in bad.json()
        refused(await http.post("/sessions", content=b"{not json", headers={"Content-Type": "application/json"}),
                422, "invalid_request")
        refused(await http.get(f"/sessions/{s['session_id']}/events", params={"token": s["owner_token"], "after": -1}),
                422, "invalid_request")


async def test_openapi_lists_the_refusals_of_each_route(server):
    async with httpx.AsyncClient(base_url=server.url) as http:
        spec = (await http.get("/openapi.json")).json()
    paths = spec["paths"]
    assert {"401", "403", "404", "409"} <= set(paths["/sessions/{session_id}/messages"]["post"]["responses"])
    assert {"401", "403", "404"} <= set(paths["/sessions/{session_id}/events"]["get"]["responses"])
    assert "400" in paths["/sessions"]["post"]["responses"]
    # The pages are not API.
    assert "/" not in paths and "/watch/{session_id}" not in paths


async def test_a_closed_sessions_owner_routes_say_it_is_closed(server):
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url) as http:
        closed = await http.delete(f"/sessions/{s['session_id']}", params={"token": s["owner_token"]})
        assert closed.status_code == 200
        again = await http.post(
            f"/sessions/{s['session_id']}/messages", params={"token": s["owner_token"]}, json={"text": "hi"}
        )
        assert "is closed" in refused(again, 410, "session_closed")


async def test_a_two_megabyte_resume_is_refused_with_the_limit_named(server):
    s = await new_session(server)
    resume = ("- Led the migration of 40 services to Kubernetes. " * 40_000)[: 2_000_000]
    async with httpx.AsyncClient(base_url=server.url) as http:
        put = await http.put(f"/sessions/{s['session_id']}/profile", params={"token": s["owner_token"]},
                             json={"resume": resume})
        assert "50000 characters" in refused(put, 400, "bad_request")
        upload = await http.post(f"/sessions/{s['session_id']}/profile/resume", params={"token": s["owner_token"]},
                                 files={"file": ("cv.txt", resume.encode() + b"x", "text/plain")})
        assert "2 MB" in refused(upload, 413, "message_too_large")
        # The session's profile is what it was: the sample one still answers.
        info = (await http.get(f"/sessions/{s['session_id']}", params={"token": s["owner_token"]})).json()
        assert "Alex Morgan" in info["profile"]["resume"]
