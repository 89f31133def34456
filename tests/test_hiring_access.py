"""Who may call which hiring route: every route of ``/hiring/api`` x every kind of caller, from a
table that must list them all (a route added without an entry fails here).

Callers: nobody (no cookie), organisation A's owner, recruiter and viewer, organisation B's
owner (the other organisation), a candidate of A and a candidate of B. Organisation-scoped routes
are called with A's ids (and once by A's owner with B's ids): A's members get what their role
allows (403 below it), B's owner gets 404 (A's objects do not exist for them), candidates and
nobody get 401. Candidate routes take no id: each candidate reaches only their own data. Every
answer given to one organisation's people is searched for the other's names.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_hiring_flow import JOB, PASSWORD, Browser, HiringWorld, Org, hiring_settings, open_world

_unique = itertools.count()

# Names that belong to one organisation only: none may appear in what the other one is shown.
MARKERS = {"A": ("Acme", "Ada Acme", "@acme."), "B": ("Beta Corp", "Bea Beta", "@beta-corp.")}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: str  # "public" | "member" | "viewer" | "recruiter" | "owner" | "candidate"
    body: dict[str, Any] | Callable[[], dict[str, Any]] | None = None
    # The path's id (or the calling candidate) is made anew for each call, because the call
    # destroys it: "member" (a member to remove), "candidate" (one to delete or re-link),
    # "caller" (the calling candidate deletes themselves).
    fresh: str | None = None
    # The call ends the caller's session: sign in again afterwards.
    ends_session: bool = False


def _email() -> dict[str, Any]:
    return {"email": f"someone{next(_unique)}@example.com", "password": "wrong password here"}


ROUTES = (
    Route("GET", "/hiring/api/csrf", "public"),
    Route("POST", "/hiring/api/signup", "public", lambda: {"organisation": "Gamma", **_email()}),
    Route("POST", "/hiring/api/login", "public", _email),
    Route("POST", "/hiring/api/join", "public", lambda: {"token": f"not-a-token-{next(_unique)}", "password": PASSWORD}),
    Route("POST", "/hiring/api/candidate/session", "public", {"token": "not-a-token"}),
    Route("GET", "/hiring/api/me", "member"),
    Route("POST", "/hiring/api/logout", "member", ends_session=True),
    Route("GET", "/hiring/api/orgs/{org_id}", "viewer"),
    Route("PATCH", "/hiring/api/orgs/{org_id}", "owner", {"retention_days": 180}),
    Route("GET", "/hiring/api/orgs/{org_id}/members", "viewer"),
    Route("DELETE", "/hiring/api/orgs/{org_id}/members/{user_id}", "owner", fresh="member"),
    Route("POST", "/hiring/api/orgs/{org_id}/invites", "owner", lambda: {"email": f"x{next(_unique)}@example.com", "role": "viewer"}),
    Route("GET", "/hiring/api/orgs/{org_id}/invites", "owner"),
    Route("GET", "/hiring/api/orgs/{org_id}/audit", "owner"),
    Route("GET", "/hiring/api/orgs/{org_id}/campaigns", "viewer"),
    Route("POST", "/hiring/api/orgs/{org_id}/campaigns", "recruiter", {"name": "Extra", "role": "Tester"}),
    Route("POST", "/hiring/api/orgs/{org_id}/competencies/suggest", "recruiter", {"job_description": JOB}),
    Route("GET", "/hiring/api/campaigns/{campaign_id}", "viewer"),
    Route("PATCH", "/hiring/api/campaigns/{campaign_id}", "recruiter", {"interview_plan": [{"question": "Why?"}]}),
    Route("POST", "/hiring/api/campaigns/{campaign_id}/candidates", "recruiter", {"name": "Extra Person"}),
    Route("GET", "/hiring/api/campaigns/{campaign_id}/dashboard", "viewer"),
    Route("GET", "/hiring/api/campaigns/{campaign_id}/export.csv", "recruiter"),
    Route("GET", "/hiring/api/candidates/{candidate_id}", "viewer"),
    Route("GET", "/hiring/api/candidates/{candidate_id}/report", "viewer"),
    Route("POST", "/hiring/api/candidates/{candidate_id}/link", "recruiter", fresh="candidate"),
    Route("DELETE", "/hiring/api/candidates/{candidate_id}", "owner", fresh="candidate"),
    Route("GET", "/hiring/api/candidate", "candidate"),
    Route("POST", "/hiring/api/candidate/consent", "candidate"),
    Route("PUT", "/hiring/api/candidate/pages/{page}", "candidate", {"answers": {}}),
    Route("POST", "/hiring/api/candidate/complete", "candidate"),
    Route("GET", "/hiring/api/candidate/export", "candidate"),
    Route("DELETE", "/hiring/api/candidate", "candidate", fresh="caller"),
    Route("POST", "/hiring/api/orgs/{org_id}/assistant", "viewer", {"question": "who finished this week?"}),
    Route("GET", "/hiring/api/campaigns/{campaign_id}/interview-scales", "viewer"),
    Route("PUT", "/hiring/api/campaigns/{campaign_id}/interview-scales", "recruiter", {"scales": []}),
    Route("GET", "/hiring/api/campaigns/{campaign_id}/interview-agreement", "viewer"),
    Route("POST", "/hiring/api/candidates/{candidate_id}/interview", "recruiter",
          {"text": "Interviewer: Why?\nCandidate: Because."}),
    Route("GET", "/hiring/api/candidates/{candidate_id}/interview", "viewer"),
    Route("GET", "/hiring/api/candidates/{candidate_id}/interview/suggestions", "viewer"),
    Route("POST", "/hiring/api/candidates/{candidate_id}/interview/ratings", "recruiter",
          {"competency": "Why?", "rating": 3}),
)
CALLERS = ("nobody", "owner A", "recruiter A", "viewer A", "owner B", "candidate A", "candidate B")
RANK = {"viewer": 0, "recruiter": 1, "owner": 2}


@dataclass
class Cast:
    world: HiringWorld
    a: Org
    b: Org
    callers: dict[str, Browser]

    def org(self, caller: str) -> str | None:
        return caller[-1] if caller != "nobody" else None

    async def fresh_candidate(self, org: Org, *, session: bool) -> tuple[str, Browser | None]:
        name = f"Temp {next(_unique)} {'Ada Acme' if org is self.a else 'Bea Beta'}"
        if not session:
            candidate_id, _ = await self.world.invite(org, name)
            return candidate_id, None
        browser = await self.world.candidate(org, name, complete=False)
        return org.candidates[name], browser

    async def fresh_member(self, org: Org) -> str:
        invite = await org.owner.ok("POST", f"/hiring/api/orgs/{org.org_id}/invites", 201,
                                    json={"email": f"temp{next(_unique)}@example.com", "role": "viewer"})
        me = await self.world.browser().join(invite["invite_url"])
        return str(me["user_id"])


@pytest.fixture
async def cast(tmp_path: Path) -> AsyncIterator[Cast]:
    # A generous address limit: this test signs in dozens of times from one address.
    async with open_world(hiring_settings(tmp_path, login_burst_per_address=1000)) as world:
        a = await world.org("Acme", first=True)
        b = await world.org("Beta Corp")
        callers: dict[str, Browser] = {
            "nobody": world.browser(), "owner A": a.owner, "recruiter A": a.recruiter, "viewer A": a.viewer, "owner B": b.owner,
        }
        callers["candidate A"] = await world.candidate(a, "Ada Acme", seed=1)
        callers["candidate B"] = await world.candidate(b, "Bea Beta", seed=2)
        yield Cast(world, a, b, callers)


def expected(route: Route, caller: str, target_org: str) -> str:
    """"allowed", or the status the caller must get."""
    if route.access == "public":
        return "same for everyone"
    if route.access == "candidate":
        return "allowed" if caller.startswith("candidate") else "401"
    if caller == "nobody" or caller.startswith("candidate"):
        return "401"
    if route.access == "member":
        return "allowed"
    if caller[-1] != target_org:
        return "404"
    role = caller.split()[0]
    return "allowed" if RANK[role] >= RANK[route.access] else "403"


async def call(cast: Cast, route: Route, caller: str, target: Org) -> httpx.Response:
    browser = cast.callers[caller]
    params: dict[str, str] = {"org_id": target.org_id, "campaign_id": target.campaign_id, "page": "0",
                              "candidate_id": next(iter(target.candidates.values())), "user_id": "0" * 32}
    if route.fresh == "candidate":
        params["candidate_id"], _ = await cast.fresh_candidate(target, session=False)
    elif route.fresh == "member":
        params["user_id"] = await cast.fresh_member(target)
    elif route.fresh == "caller" and caller.startswith("candidate"):
        _, fresh = await cast.fresh_candidate(cast.a if caller.endswith("A") else cast.b, session=True)
        assert fresh is not None
        browser = fresh
    body = route.body() if callable(route.body) else route.body
    saved_csrf = browser.csrf
    if route.access == "public" and route.method != "GET":
        await browser.pre_session()
    response = await browser.request(route.method, route.path.format(**params), json=body)
    browser.csrf = saved_csrf
    if route.ends_session and response.status_code < 300:
        await browser.login(_login_email(caller))
    return response


def _login_email(caller: str) -> str:
    # As HiringWorld.org names them: role@<organisation's name as a slug>.example
    role, org = caller.split()
    return f"{role}@{'acme' if org == 'A' else 'beta-corp'}.example"


def test_the_table_lists_every_hiring_route() -> None:
    from tests.test_hiring_flow import hiring_app

    spec = hiring_app(hiring_settings(Path("/nonexistent"))).openapi()
    served = {
        (method.upper(), path) for path, methods in spec["paths"].items() if path.startswith("/hiring/api") for method in methods
    }
    listed = {(r.method, r.path) for r in ROUTES}
    assert served == listed, f"missing from the table: {served - listed}; not served: {listed - served}"


async def test_every_route_for_every_caller(cast: Cast) -> None:
    failures: list[str] = []
    for route in ROUTES:
        outcomes: dict[str, int] = {}
        for caller in CALLERS:
            response = await call(cast, route, caller, cast.a)
            status = response.status_code
            outcomes[caller] = status
            want = expected(route, caller, "A")
            where = f"{route.method} {route.path} as {caller}: {status} {response.text[:160]}"
            if status >= 500:
                failures.append(f"server error: {where}")
            elif want == "allowed" and status in (401, 403, 404):
                failures.append(f"refused, should be allowed: {where}")
            elif want not in ("allowed", "same for everyone") and str(status) != want:
                failures.append(f"expected {want}: {where}")
            if status < 300 and caller != "nobody":
                # Nothing of the other organisation in anything shown.
                other = "B" if caller.endswith("A") else "A"
                text = response.text
                leaked = [m for m in MARKERS[other] if m in text]
                if leaked:
                    failures.append(f"{caller} saw {leaked}: {where}")
        if route.access == "public" and len(set(outcomes.values())) != 1:
            failures.append(f"public route answers differently by caller: {route.method} {route.path} {outcomes}")
        if route.access in RANK:
            # And the other way round: A's owner with B's ids.
            response = await call(cast, route, "owner A", cast.b)
            if response.status_code != 404:
                failures.append(f"owner A reached B: {route.method} {route.path}: {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_each_candidate_sees_only_their_own_data(cast: Cast) -> None:
    a = await cast.callers["candidate A"].ok("GET", "/hiring/api/candidate")
    b = await cast.callers["candidate B"].ok("GET", "/hiring/api/candidate")
    assert a["candidate"]["name"] == "Ada Acme" and a["consent"]["organisation"] == "Acme"
    assert b["candidate"]["name"] == "Bea Beta" and b["consent"]["organisation"] == "Beta Corp"
    exported = (await cast.callers["candidate B"].request("GET", "/hiring/api/candidate/export")).json()
    assert exported["candidate"]["name"] == "Bea Beta" and "Acme" not in str(exported)
    # A member's cookie is no candidate session, and a candidate's is no member session.
    assert (await cast.a.owner.request("GET", "/hiring/api/candidate")).status_code == 401
    assert (await cast.callers["candidate A"].request("GET", "/hiring/api/me")).status_code == 401
    # The dashboard of A lists A's candidates only.
    board = await cast.a.viewer.ok("GET", f"/hiring/api/campaigns/{cast.a.campaign_id}/dashboard")
    assert {p["name"] for p in board["candidates"]} == {"Ada Acme"}
