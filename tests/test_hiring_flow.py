"""Hiring over HTTP on a real SQLite file: sign-up, campaigns, candidates' invitations, the
resumable questionnaire, scores, the dashboard's data, CSV export, the audit log, retention, the
cookies' flags, CSRF, the login rate limit and the CLI.

The app under test is the hiring routers with the server's own error handlers and edge guard
(``server.guard``), driven in process through httpx; one test runs the whole server
(``create_app``) on a loopback port. The helpers here (``HiringWorld``, ``Browser``) are shared
with ``test_hiring_access.py``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from typer.testing import CliRunner

from firstword.config import Settings
from firstword.hiring.instruments import get_instrument
from firstword.hiring.reliability import campaign_reliability
from firstword.hiring.scoring import score_responses
from firstword.hiring.service.questionnaire import MAX_ITEM_MS, PAGE_SIZE
from firstword.hiring.service.runtime import Hiring
from firstword.hiring.store import tables
from firstword.hiring.web import routers
from firstword.server.errors import install_error_handlers
from firstword.server.guard import EdgeGuard

IPIP = get_instrument("ipip-50")
PASSWORD = "correct horse battery staple"
JOB = (
    "Support engineer. You will troubleshoot customer issues, communicate clearly with clients in writing, "
    "collaborate with cross-functional teams and prioritise a high-volume queue under pressure. Linux and SQL."
)
# Cheapest argon2id the library accepts: the tests check the flow, not the hash's cost.
FAST_HASH = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}


class Clock:
    """Wall clock and monotonic clock the tests move by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def hiring_settings(data_dir: Path, store_url: str = "", **hiring: Any) -> Settings:
    return Settings(data_dir=str(data_dir), store={"url": store_url}, hiring={**FAST_HASH, **hiring},
                    server={"allowed_hosts": ["lan-box"]})


def hiring_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(EdgeGuard, config=settings.server)
    for router in routers():
        app.include_router(router)
    return app


def link_token(url: str) -> str:
    match = re.search(r"#invite=([A-Za-z0-9_\-]+)$", url)
    assert match, url
    return match.group(1)


class Browser:
    """One browser: its own cookie jar, and the CSRF token its page would hold."""

    def __init__(self, app: FastAPI, base_url: str = "http://127.0.0.1") -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.csrf: str | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if csrf and self.csrf is not None:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content and "json" in response.headers.get("content-type", "") else response

    async def pre_session(self) -> dict[str, Any]:
        body = (await self.http.get("/hiring/api/csrf")).json()
        self.csrf = body["csrf_token"]
        return body

    async def signup(self, organisation: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
        await self.pre_session()
        me = await self.ok("POST", "/hiring/api/signup", 201,
                           json={"organisation": organisation, "email": email, "password": password})
        self.csrf = me["csrf_token"]
        return me

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        await self.pre_session()
        me = await self.ok("POST", "/hiring/api/login", json={"email": email, "password": password})
        self.csrf = me["csrf_token"]
        return me

    async def join(self, invite_url: str, password: str = PASSWORD) -> dict[str, Any]:
        await self.pre_session()
        me = await self.ok("POST", "/hiring/api/join", json={"token": link_token(invite_url), "password": password})
        self.csrf = me["csrf_token"]
        return me

    async def open_invitation(self, invite_url: str) -> httpx.Response:
        await self.pre_session()
        response = await self.request("POST", "/hiring/api/candidate/session", json={"token": link_token(invite_url)})
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response


def answers_for(seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    return {item.id: rng.randint(1, 5) for item in IPIP.items}


async def take_questionnaire(candidate: Browser, answers: dict[str, int], ms: int = 4_000, pages: range | None = None) -> None:
    items = [item.id for item in IPIP.items]
    for page in pages if pages is not None else range(len(items) // PAGE_SIZE):
        on_page = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        await candidate.ok("PUT", f"/hiring/api/candidate/pages/{page}", json={
            "answers": {i: answers[i] for i in on_page}, "times_ms": {i: ms for i in on_page}})


@dataclass
class Org:
    org_id: str
    owner: Browser
    recruiter: Browser
    viewer: Browser
    campaign_id: str = ""
    candidates: dict[str, str] = field(default_factory=dict)  # name -> candidate id


@dataclass
class HiringWorld:
    app: FastAPI
    hiring: Hiring
    clock: Clock
    browsers: list[Browser] = field(default_factory=list)

    def browser(self, base_url: str = "http://127.0.0.1") -> Browser:
        browser = Browser(self.app, base_url)
        self.browsers.append(browser)
        return browser

    async def org(self, name: str, *, first: bool = False) -> Org:
        """An organisation with an owner, a recruiter and a viewer signed in, and a campaign."""
        owner = self.browser()
        slug = name.lower().replace(" ", "-")
        email = f"owner@{slug}.example"
        if first:
            me = await owner.signup(name, email)
            org_id = me["organisations"][0]["org_id"]
        else:
            from firstword.hiring.service.accounts import create_org_with_owner

            async with self.hiring.engine.begin() as conn:
                org_id, _ = await create_org_with_owner(self.hiring, conn, name=name, email=email, password=PASSWORD, signup=False)
            await owner.login(email)
        org = Org(org_id, owner, self.browser(), self.browser())
        for role, browser in (("recruiter", org.recruiter), ("viewer", org.viewer)):
            invite = await owner.ok("POST", f"/hiring/api/orgs/{org_id}/invites", 201,
                                    json={"email": f"{role}@{slug}.example", "role": role})
            await browser.join(invite["invite_url"])
        campaign = await org.recruiter.ok("POST", f"/hiring/api/orgs/{org_id}/campaigns", 201, json={
            "name": f"{name} support 2027", "role": "Support engineer", "job_description": JOB})
        org.campaign_id = campaign["campaign_id"]
        return org

    async def invite(self, org: Org, name: str) -> tuple[str, str]:
        invited = await org.recruiter.ok("POST", f"/hiring/api/campaigns/{org.campaign_id}/candidates", 201,
                                         json={"name": name, "email": f"{name.lower().replace(' ', '.')}@mail.example"})
        org.candidates[name] = invited["candidate_id"]
        return invited["candidate_id"], invited["invite_url"]

    async def candidate(self, org: Org, name: str, *, complete: bool = True, seed: int = 1) -> Browser:
        _, url = await self.invite(org, name)
        browser = self.browser()
        assert (await browser.open_invitation(url)).status_code == 200
        await browser.ok("POST", "/hiring/api/candidate/consent", 204)
        if complete:
            await take_questionnaire(browser, answers_for(seed))
            await browser.ok("POST", "/hiring/api/candidate/complete")
        return browser


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[HiringWorld]:
    async with open_world(hiring_settings(tmp_path)) as built:
        yield built


class open_world:  # noqa: N801 - used as a context manager, like open()
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> HiringWorld:
        clock = Clock()
        hiring = await Hiring.open(self.settings, purge=False)
        assert hiring is not None
        hiring.clock = clock
        hiring.monotonic = clock
        hiring.limiter = type(hiring.limiter)(hiring.config, clock)
        app = hiring_app(self.settings)
        app.state.hiring = hiring
        self.world = HiringWorld(app, hiring, clock)
        return self.world

    async def __aexit__(self, *exc: object) -> None:
        for browser in self.world.browsers:
            await browser.aclose()
        await self.world.hiring.aclose()


async def count(hiring: Hiring, table: sa.Table, **where: str) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with hiring.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


# ----- sign-up, sign-in, members -----------------------------------------------------------------


async def test_sign_up_is_open_on_the_first_run_only(world: HiringWorld) -> None:
    first = world.browser()
    assert (await first.pre_session())["signup_open"] is True
    me = await first.signup("Acme", "Ann@Acme.Example")
    assert me["email"] == "ann@acme.example"
    assert [(o["name"], o["role"]) for o in me["organisations"]] == [("Acme", "owner")]

    second = world.browser()
    assert (await second.pre_session())["signup_open"] is False
    refused = await second.request("POST", "/hiring/api/signup",
                                   json={"organisation": "Other", "email": "bob@other.example", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "signup_closed"
    # A short password is refused, and nothing was created by the refusals.
    world.hiring.config.open_signup = True
    short = await second.request("POST", "/hiring/api/signup",
                                 json={"organisation": "Other", "email": "bob@other.example", "password": "short"})
    assert short.status_code == 422 and "12 characters" in short.json()["error"]["message"]
    assert await count(world.hiring, tables.orgs) == 1
    await second.signup("Other", "bob@other.example")
    assert await count(world.hiring, tables.orgs) == 2


async def test_passwords_are_argon2id_and_sessions_are_stored_hashed(world: HiringWorld) -> None:
    browser = world.browser()
    await browser.signup("Acme", "ann@acme.example")
    async with world.hiring.engine.connect() as conn:
        stored = (await conn.execute(sa.select(tables.users.c.password_hash))).scalar_one()
        session_hashes = [row.token_hash for row in await conn.execute(sa.select(tables.web_sessions))]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    cookie = browser.http.cookies.get("fw_hiring")
    assert cookie and cookie not in session_hashes and len(session_hashes) == 1


async def test_wrong_password_and_logout(world: HiringWorld) -> None:
    browser = world.browser()
    await browser.signup("Acme", "ann@acme.example")
    await browser.ok("POST", "/hiring/api/logout", 204)
    assert (await browser.request("GET", "/hiring/api/me")).status_code == 401
    other = world.browser()
    await other.pre_session()
    wrong = await other.request("POST", "/hiring/api/login", json={"email": "ann@acme.example", "password": "not it at all!"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_credentials"
    unknown = await other.request("POST", "/hiring/api/login", json={"email": "nobody@acme.example", "password": PASSWORD})
    assert unknown.status_code == 401 and unknown.json()["error"]["message"] == wrong.json()["error"]["message"]
    assert (await other.login("ANN@acme.example"))["email"] == "ann@acme.example"


async def test_owners_invite_members_with_roles_and_keep_one_owner(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    members = await org.viewer.ok("GET", f"/hiring/api/orgs/{org.org_id}/members")
    assert sorted((m["email"], m["role"]) for m in members) == [
        ("owner@acme.example", "owner"), ("recruiter@acme.example", "recruiter"), ("viewer@acme.example", "viewer")]
    # An invitation works once.
    invite = await org.owner.ok("POST", f"/hiring/api/orgs/{org.org_id}/invites", 201,
                                json={"email": "new@acme.example", "role": "viewer"})
    await world.browser().join(invite["invite_url"])
    again = world.browser()
    await again.pre_session()
    used = await again.request("POST", "/hiring/api/join", json={"token": link_token(invite["invite_url"]), "password": PASSWORD})
    assert used.status_code == 410
    owner_id = next(m["user_id"] for m in members if m["role"] == "owner")
    last = await org.owner.request("DELETE", f"/hiring/api/orgs/{org.org_id}/members/{owner_id}")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_owner"
    viewer_id = next(m["user_id"] for m in members if m["role"] == "viewer")
    await org.owner.ok("DELETE", f"/hiring/api/orgs/{org.org_id}/members/{viewer_id}", 204)
    assert (await org.viewer.request("GET", f"/hiring/api/orgs/{org.org_id}")).status_code == 404


# ----- campaigns -----------------------------------------------------------------------------------


async def test_competencies_are_suggested_from_the_job_description_and_editable(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    suggested = await org.recruiter.ok("POST", f"/hiring/api/orgs/{org.org_id}/competencies/suggest",
                                       json={"job_description": JOB})
    names = [s["name"] for s in suggested["suggestions"]]
    assert {"Problem solving", "Customer focus", "Communication", "Collaboration", "Resilience"} <= set(names)
    problem = next(s for s in suggested["suggestions"] if s["name"] == "Problem solving")
    assert problem["evidence"] == ["troubleshoot"] and problem["question"].startswith("Walk me through")
    assert "ipip-50" in suggested["instruments"]
    assert (await org.recruiter.ok("POST", f"/hiring/api/orgs/{org.org_id}/competencies/suggest",
                                   json={"job_description": "Lorem ipsum."}))["suggestions"] == []

    chosen = [{"name": s["name"], "source": "suggested", "evidence": s["evidence"]} for s in suggested["suggestions"][:3]]
    chosen.append({"name": "Calm on the phone", "source": "added"})
    plan = [{"competency": c["name"], "question": f"Tell me about {c['name'].lower()}."} for c in chosen]
    patched = await org.recruiter.ok("PATCH", f"/hiring/api/campaigns/{org.campaign_id}",
                                     json={"competencies": chosen, "interview_plan": plan})
    assert [c["name"] for c in patched["competencies"]] == [c["name"] for c in chosen]
    assert patched["competencies"][-1] == {"name": "Calm on the phone", "source": "added", "evidence": []}
    assert len(patched["interview_plan"]) == 4 and patched["instrument"] == "ipip-50"
    read = await org.viewer.ok("GET", f"/hiring/api/campaigns/{org.campaign_id}")
    assert read["interview_plan"] == patched["interview_plan"]
    # Viewers read; they do not change.
    assert (await org.viewer.request("PATCH", f"/hiring/api/campaigns/{org.campaign_id}", json={"name": "x"})).status_code == 403
    bad = await org.recruiter.request("POST", f"/hiring/api/orgs/{org.org_id}/campaigns",
                                      json={"name": "x", "role": "y", "instrument": "mbti"})
    assert bad.status_code == 422 and "unknown instrument" in bad.json()["error"]["message"]


# ----- the candidate's flow ----------------------------------------------------------------------------


async def test_candidate_consents_answers_resumes_and_is_scored(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    _, url = await world.invite(org, "Cara Candidate")
    tab = world.browser()
    state = (await tab.open_invitation(url)).json()
    assert state["candidate"]["status"] == "opened" and state["consented_at"] is None
    consent = state["consent"]
    assert consent["retention_days"] == 180 and "Acme" in consent["who_sees"]
    assert any("How long you spent on each statement" in line for line in consent["collected"])
    assert any("structured interview" in line for line in consent["collected"])
    assert [len(page) for page in state["questionnaire"]["pages"]] == [10] * 5
    # No answer before consent.
    early = await tab.request("PUT", "/hiring/api/candidate/pages/0", json={"answers": {}})
    assert early.status_code == 409 and early.json()["error"]["code"] == "consent_required"
    await tab.ok("POST", "/hiring/api/candidate/consent", 204)

    answers = answers_for(7)
    await take_questionnaire(tab, answers, pages=range(2))
    # The tab is closed; the same browser comes back later (its cookie, a fresh page).
    await tab.http.aclose()
    back = world.browser()
    back.http.cookies = tab.http.cookies
    resumed = await back.ok("GET", "/hiring/api/candidate")
    back.csrf = resumed["csrf_token"]
    assert resumed["saved_pages"] == [0, 1] and resumed["next_page"] == 2
    assert resumed["answers"] == {i.id: answers[i.id] for i in IPIP.items[:20]}
    early_end = await back.request("POST", "/hiring/api/candidate/complete")
    assert early_end.status_code == 409 and "3, 4, 5" in early_end.json()["error"]["message"]
    await take_questionnaire(back, answers, pages=range(2, 5))
    await back.ok("POST", "/hiring/api/candidate/complete")
    after = await back.request("PUT", "/hiring/api/candidate/pages/0", json={"answers": {}})
    assert after.status_code == 409 and after.json()["error"]["code"] == "completed"

    candidate_id = org.candidates["Cara Candidate"]
    detail = await org.viewer.ok("GET", f"/hiring/api/candidates/{candidate_id}")
    expected = score_responses(IPIP, answers, {i.id: 4_000 for i in IPIP.items})
    assert detail["status"] == "completed" and detail["items_answered"] == 50
    for scale in detail["scores"]["scales"]:
        want = expected.scales[scale["scale"]]
        assert (scale["raw"], scale["percentile"]) == (want.raw, want.percentile)
        assert scale["range"]["percentile_low"] <= scale["percentile"] <= scale["range"]["percentile_high"]
        assert scale["label"]
    assert detail["scores"]["flags"] == [
        {"code": f.code, "message": f.message, "evidence": json.loads(json.dumps(f.evidence))} for f in expected.flags]


async def test_response_times_are_validated_and_clamped(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    candidate = await world.candidate(org, "Tim Timer", complete=False)
    first, second = IPIP.items[0].id, IPIP.items[1].id
    page = "/hiring/api/candidate/pages/0"
    for body, needle in (
        ({"answers": {first: 3}, "times_ms": {first: -5}}, "non-negative"),
        ({"answers": {first: 3}, "times_ms": {first: "12"}}, "times_ms"),
        ({"answers": {first: 3}, "times_ms": {IPIP.items[10].id: 5}}, "not on page 0"),
        ({"answers": {first: 6}}, "1..5"),
        ({"answers": {first: True}}, "answers"),
        ({"answers": {IPIP.items[10].id: 2}}, "not on page 0"),
    ):
        refused = await candidate.request("PUT", page, json=body)
        assert refused.status_code == 422 and needle in refused.text, (body, refused.text)
    not_finite = await candidate.request("PUT", page, content=f'{{"answers": {{"{first}": 3}}, "times_ms": {{"{first}": NaN}}}}',
                                         headers={"Content-Type": "application/json"})
    assert not_finite.status_code == 422
    saved = await candidate.ok("PUT", page, json={"answers": {first: 4, second: None},
                                                  "times_ms": {first: 3_600_000, second: 1234.6}})
    assert saved["saved_pages"] == [0] and saved["answered"] == 1 and saved["next_page"] == 1
    # Visiting the page again adds its time (still clamped) and keeps blanks as blanks.
    await candidate.ok("PUT", page, json={"answers": {first: 5, second: None}, "times_ms": {second: 1000}})
    async with world.hiring.engine.connect() as conn:
        rows = {r.item_id: r for r in await conn.execute(sa.select(tables.answers))}
    assert len(rows) == PAGE_SIZE
    assert (rows[first].value, rows[first].time_ms) == (5, MAX_ITEM_MS)
    assert (rows[second].value, rows[second].time_ms) == (None, 2235)
    assert rows[IPIP.items[2].id].value is None and rows[IPIP.items[2].id].time_ms is None


async def test_an_invitation_link_is_single_use_and_expires(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    candidate_id, url = await world.invite(org, "Lena Link")
    first = world.browser()
    assert (await first.open_invitation(url)).status_code == 200
    # The browser that opened it may open it again (it holds the session); another may not.
    assert (await first.open_invitation(url)).status_code == 200
    other = world.browser()
    used = await other.open_invitation(url)
    assert used.status_code == 410 and used.json()["error"]["code"] == "invite_used"
    unknown = await other.open_invitation(url[:-4] + "AAAA")
    assert unknown.status_code == 404
    # A new link: the old one and the browser that opened it stop working.
    fresh = await org.recruiter.ok("POST", f"/hiring/api/candidates/{candidate_id}/link")
    assert (await first.request("GET", "/hiring/api/candidate")).status_code == 401
    assert (await other.open_invitation(url)).status_code == 404
    assert (await other.open_invitation(fresh["invite_url"])).status_code == 200
    # Links expire.
    _, late_url = await world.invite(org, "Lou Late")
    world.clock.advance(world.hiring.config.invite_days * 86_400 + 1)
    late = await world.browser().open_invitation(late_url)
    assert late.status_code == 410 and late.json()["error"]["code"] == "invite_expired"
    async with world.hiring.engine.connect() as conn:
        stored = [r.invite_token_hash for r in await conn.execute(sa.select(tables.candidates))]
    assert link_token(late_url) not in stored and all(len(h) == 64 for h in stored)


async def test_candidate_downloads_and_deletes_their_data(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    candidate = await world.candidate(org, "Dana Delete", seed=3)
    keep = await world.candidate(org, "Kim Keep", seed=4)
    candidate_id = org.candidates["Dana Delete"]
    download = await candidate.request("GET", "/hiring/api/candidate/export")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    data = download.json()
    assert data["candidate"]["name"] == "Dana Delete" and data["organisation"] == "Acme"
    assert len(data["answers"]) == 50 and data["answers"][0]["time_ms"] == 4_000
    assert data["answers"][0]["statement"] == IPIP.items[0].text
    assert {s["scale"] for s in data["scores"]["scales"]} == {s.name for s in IPIP.scales}
    assert data["consent_statement"]["retention_days"] == 180

    assert await count(world.hiring, tables.answers, candidate_id=candidate_id) == 50
    gone = await candidate.request("DELETE", "/hiring/api/candidate")
    assert gone.status_code == 204 and "fw_candidate=" in gone.headers["set-cookie"]
    for table in (tables.answers, tables.web_sessions):
        assert await count(world.hiring, table, candidate_id=candidate_id) == 0
    assert await count(world.hiring, tables.candidates, id=candidate_id) == 0
    assert (await candidate.request("GET", "/hiring/api/candidate")).status_code == 401
    assert (await org.owner.request("GET", f"/hiring/api/candidates/{candidate_id}")).status_code == 404
    # The other candidate is untouched.
    assert (await keep.ok("GET", "/hiring/api/candidate"))["completed_at"] is not None
    audit = (await org.owner.ok("GET", f"/hiring/api/orgs/{org.org_id}/audit"))["entries"]
    deleted = next(e for e in audit if e["action"] == "candidate.deleted")
    assert deleted["actor"]["kind"] == "candidate" and deleted["target"]["id"] == candidate_id
    assert "Dana" not in json.dumps(audit)


# ----- scores, dashboard, export, audit ------------------------------------------------------------------


async def test_dashboard_funnel_distributions_and_reliability(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    answer_sets = []
    for n in range(4):
        await world.candidate(org, f"Done {n}", seed=10 + n)
        answer_sets.append(answers_for(10 + n))
    started = await world.candidate(org, "Half Way", complete=False)
    await take_questionnaire(started, answers_for(99), pages=range(1))
    await world.invite(org, "Not Yet")
    board = await org.viewer.ok("GET", f"/hiring/api/campaigns/{org.campaign_id}/dashboard")
    assert board["funnel"] == {"invited": 6, "started": 5, "completed": 4}
    done = [c for c in board["candidates"] if c["status"] == "completed"]
    assert len(done) == 4 and all(set(c["scores"]) == {s.name for s in IPIP.scales} for c in done)
    assert [c["scores"] for c in board["candidates"] if c["status"] != "completed"] == [None, None]
    expected = campaign_reliability(IPIP, answer_sets)
    for row in board["reliability"]["scales"]:
        want = expected[row["scale"]]
        assert row["n"] == 4 and row["alpha"] == pytest.approx(want.alpha) and "fewer than 30" in row["warning"]
    assert board["reliability"]["min_n"] == 30
    assert board["instrument"]["norms"]["population"] == "combined"


async def test_csv_export_is_for_recruiters_escapes_formulas_and_is_audited(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    await world.candidate(org, "=HYPERLINK(\"http://evil\")", seed=5)
    await world.invite(org, "Ned Notyet")
    refused = await org.viewer.request("GET", f"/hiring/api/campaigns/{org.campaign_id}/export.csv")
    assert refused.status_code == 403
    response = await org.recruiter.request("GET", f"/hiring/api/campaigns/{org.campaign_id}/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv") and response.headers["cache-control"] == "no-store"
    lines = response.text.splitlines()
    header = lines[0].split(",")
    assert header[:6] == ["candidate_id", "name", "email", "status", "invited_at", "completed_at"]
    assert "extraversion_percentile" in header and header[-1] == "flags"
    assert len(lines) == 3 and "'=HYPERLINK" in lines[1] and ",completed," in lines[1] and ",invited," in lines[2]
    audit = (await org.owner.ok("GET", f"/hiring/api/orgs/{org.org_id}/audit"))["entries"]
    exported = [e for e in audit if e["action"] == "campaign.exported_csv"]
    assert len(exported) == 1 and exported[0]["actor"]["label"] == "recruiter@acme.example"


async def test_the_audit_log_records_views_reports_exports_and_deletions_for_owners(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    await world.candidate(org, "Vic View", seed=6)
    candidate_id = org.candidates["Vic View"]
    await org.viewer.ok("GET", f"/hiring/api/candidates/{candidate_id}")
    report = await org.viewer.ok("GET", f"/hiring/api/candidates/{candidate_id}/report")
    assert report["campaign"]["role"] == "Support engineer" and "interview_plan" in report["campaign"]
    await org.viewer.ok("GET", f"/hiring/api/campaigns/{org.campaign_id}/dashboard")
    for browser in (org.viewer, org.recruiter):
        refused = await browser.request("GET", f"/hiring/api/orgs/{org.org_id}/audit")
        assert refused.status_code == 403
    assert (await org.recruiter.request("DELETE", f"/hiring/api/candidates/{candidate_id}")).status_code == 403
    await org.owner.ok("DELETE", f"/hiring/api/candidates/{candidate_id}", 204)
    entries = (await org.owner.ok("GET", f"/hiring/api/orgs/{org.org_id}/audit"))["entries"]
    seen = [(e["action"], e["actor"]["label"]) for e in entries]
    for wanted in (
        ("candidate.viewed", "viewer@acme.example"),
        ("candidate.report_viewed", "viewer@acme.example"),
        ("campaign.dashboard_viewed", "viewer@acme.example"),
        ("candidate.deleted", "owner@acme.example"),
        ("candidate.invited", "recruiter@acme.example"),
        ("member.joined", "viewer@acme.example"),
    ):
        assert wanted in seen, wanted
    assert entries == sorted(entries, key=lambda e: -e["id"])
    assert "Vic" not in json.dumps(entries)


async def test_retention_deletes_candidates_when_their_time_is_up(world: HiringWorld) -> None:
    from firstword.hiring.service.retention import purge_expired

    org = await world.org("Acme", first=True)
    await org.owner.ok("PATCH", f"/hiring/api/orgs/{org.org_id}", json={"retention_days": 30})
    assert (await org.recruiter.request("PATCH", f"/hiring/api/orgs/{org.org_id}", json={"retention_days": 1})).status_code == 403
    await world.candidate(org, "Old One", seed=1)
    world.clock.advance(20 * 86_400)
    await org.recruiter.login("recruiter@acme.example")  # a day's session has long ended
    await world.candidate(org, "New One", seed=2)
    world.clock.advance(11 * 86_400)
    purged = await purge_expired(world.hiring)
    assert purged.candidates == 1
    assert await count(world.hiring, tables.candidates, id=org.candidates["Old One"]) == 0
    assert await count(world.hiring, tables.answers, candidate_id=org.candidates["Old One"]) == 0
    assert await count(world.hiring, tables.candidates, id=org.candidates["New One"]) == 1
    # The members' sessions (12 h) have long expired: purged too.
    assert purged.sessions >= 3
    assert (await purge_expired(world.hiring)).candidates == 0


# ----- cookies, CSRF, rate limits ------------------------------------------------------------------


async def test_cookies_are_httponly_samesite_strict_and_secure_over_https(tmp_path: Path) -> None:
    async with open_world(hiring_settings(tmp_path)) as world:
        plain = world.browser()
        await plain.pre_session()
        me = await plain.request("POST", "/hiring/api/signup",
                                 json={"organisation": "Acme", "email": "ann@acme.example", "password": PASSWORD})
        cookie = next(c for c in me.headers.get_list("set-cookie") if c.startswith("fw_hiring="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie and "Secure" not in cookie
        assert "Max-Age=43200" in cookie
        tls = world.browser("https://127.0.0.1")
        issued = await tls.http.get("/hiring/api/csrf")
        secure = issued.headers["set-cookie"]
        assert secure.startswith("__Host-fw_hiring_csrf=") and "Secure" in secure and "HttpOnly" in secure
        tls.csrf = issued.json()["csrf_token"]
        login = await tls.request("POST", "/hiring/api/login", json={"email": "ann@acme.example", "password": PASSWORD})
        assert login.status_code == 200
        assert any(c.startswith("__Host-fw_hiring=") and "Secure" in c for c in login.headers.get_list("set-cookie"))
        # Plain http from a host that is not loopback: no session is handed out in clear.
        lan = world.browser("http://lan-box")
        await lan.pre_session()
        refused = await lan.request("POST", "/hiring/api/login", json={"email": "ann@acme.example", "password": PASSWORD})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "https_required"
    async with open_world(hiring_settings(tmp_path / "always", secure_cookies="always")) as world:
        response = await world.browser().http.get("/hiring/api/csrf")
        assert "Secure" in response.headers["set-cookie"]


async def test_every_state_change_needs_the_csrf_token(world: HiringWorld) -> None:
    org = await world.org("Acme", first=True)
    candidate = await world.candidate(org, "Cleo Csrf", complete=False)
    for browser, method, path, body in (
        (org.owner, "POST", f"/hiring/api/orgs/{org.org_id}/invites", {"email": "x@acme.example", "role": "viewer"}),
        (org.recruiter, "POST", f"/hiring/api/orgs/{org.org_id}/campaigns", {"name": "n", "role": "r"}),
        (org.recruiter, "PATCH", f"/hiring/api/campaigns/{org.campaign_id}", {"name": "n"}),
        (org.owner, "DELETE", f"/hiring/api/candidates/{org.candidates['Cleo Csrf']}", None),
        (org.owner, "POST", "/hiring/api/logout", None),
        (candidate, "PUT", "/hiring/api/candidate/pages/0", {"answers": {}}),
        (candidate, "DELETE", "/hiring/api/candidate", None),
    ):
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            refused = await browser.request(method, path, csrf=False, json=body, headers=headers)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf", (method, path, refused.text)
    # One session's token is no good for another's.
    other_owner = world.browser()
    await other_owner.login("owner@acme.example")
    crossed = await org.owner.request("POST", "/hiring/api/logout", csrf=False, headers={"X-CSRF-Token": other_owner.csrf})
    assert crossed.status_code == 403
    # Before a session: the pre-session cookie and header must match.
    fresh = world.browser()
    missing = await fresh.request("POST", "/hiring/api/login", json={"email": "owner@acme.example", "password": PASSWORD})
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf"
    await fresh.pre_session()
    forged = await fresh.request("POST", "/hiring/api/login", csrf=False, headers={"X-CSRF-Token": "x" * 43},
                                 json={"email": "owner@acme.example", "password": PASSWORD})
    assert forged.status_code == 403
    assert await count(world.hiring, tables.candidates) == 1 and await count(world.hiring, tables.answers) == 0


async def test_login_is_rate_limited_per_account_and_per_address(world: HiringWorld) -> None:
    await world.browser().signup("Acme", "ann@acme.example")
    guesser = world.browser()
    await guesser.pre_session()

    async def attempt(email: str, password: str = "wrong password!") -> httpx.Response:
        return await guesser.request("POST", "/hiring/api/login", json={"email": email, "password": password})

    # Sign-up took one of the account's tries (it checks an existing account's password).
    burst = world.hiring.config.login_burst_per_account - 1
    assert [(await attempt("ann@acme.example")).status_code for _ in range(burst)] == [401] * burst
    limited = await attempt("ann@acme.example", PASSWORD)  # even the right password waits
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) == 60
    # Other accounts from this address still get their tries, up to the address's burst.
    statuses = [(await attempt(f"user{n}@acme.example")).status_code for n in range(world.hiring.config.login_burst_per_address)]
    assert statuses.count(401) == world.hiring.config.login_burst_per_address - burst - 1 and statuses[-1] == 429
    world.clock.advance(60)
    assert (await attempt("ann@acme.example", PASSWORD)).status_code == 200


# ----- the whole server, the CLI ------------------------------------------------------------------


async def test_the_server_serves_hiring_on_the_stores_database(tmp_path: Path) -> None:
    from firstword.server.app import create_app
    from tests.conftest import InLoopServer
    from tests.test_server import fake_engines

    settings = hiring_settings(tmp_path)
    app = create_app(settings, fake_engines())
    async with InLoopServer(app) as server:
        assert app.state.hiring is not None and app.state.hiring.engine is app.state.store.engine
        async with httpx.AsyncClient(base_url=server.url) as http:
            page = await http.get("/hiring/candidate")
            assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
            assert '<fieldset' not in page.text  # the questionnaire is built from the API, not templated
            token = (await http.get("/hiring/api/csrf")).json()["csrf_token"]
            me = await http.post("/hiring/api/signup", headers={"X-CSRF-Token": token},
                                 json={"organisation": "Acme", "email": "ann@acme.example", "password": PASSWORD})
            assert me.status_code == 201, me.text
            assert (await http.get("/hiring/api/me")).json()["email"] == "ann@acme.example"
            spec = (await http.get("/openapi.json")).json()
            assert "/hiring/api/candidate/pages/{page}" in spec["paths"] and "/hiring/candidate" not in spec["paths"]


def test_create_org_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from firstword.cli import app as cli

    monkeypatch.setenv("FIRSTWORD_DATA_DIR", str(tmp_path))
    for key, value in FAST_HASH.items():
        monkeypatch.setenv(f"FIRSTWORD_HIRING__{key.upper()}", str(value))
    runner = CliRunner()
    monkeypatch.setenv("FIRSTWORD_HIRING_PASSWORD", PASSWORD)
    made = runner.invoke(cli, ["hiring", "create-org", "--name", "Acme", "--owner-email", "Ann@Acme.example"])
    assert made.exit_code == 0, made.output
    assert "owner ann@acme.example" in made.output
    monkeypatch.delenv("FIRSTWORD_HIRING_PASSWORD")
    # A second organisation for the same owner needs the same password (here on stdin).
    wrong = runner.invoke(cli, ["hiring", "create-org", "--name", "Beta", "--owner-email", "ann@acme.example",
                                "--password-stdin"], input="another password entirely\n")
    assert wrong.exit_code == 2 and "does not match" in wrong.output
    second = runner.invoke(cli, ["hiring", "create-org", "--name", "Beta", "--owner-email", "ann@acme.example",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert second.exit_code == 0, second.output
    short = runner.invoke(cli, ["hiring", "create-org", "--name", "C", "--owner-email", "c@c.example", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output
    purge = runner.invoke(cli, ["hiring", "purge"])
    assert purge.exit_code == 0 and "deleted 0 candidates" in purge.output
