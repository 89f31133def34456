"""The hiring pages in a real browser (Debian's chromium, headless, through Playwright) against
the real server in its own process.

A recruiter signs up (the server's first organisation), creates a campaign from a job
description (competencies suggested, one added by hand), and invites a candidate. The candidate,
at 360 px wide and with the keyboard only, reads the consent statement, answers two pages,
closes the tab, comes back to the third page, and finishes. Seven more candidates answer through
the API so that the distributions have something to show. The recruiter's dashboard then shows
the funnel, the candidate's percentiles beside the campaign's (marked on each distribution),
her flags, and the printable report (print CSS checked by emulating print media). No page logs
an error (a Content-Security-Policy violation included).

Screenshots go to ``test-artifacts/hiring`` (``$FIRSTWORD_ARTIFACTS/hiring`` when set):
candidate-consent.png, candidate-questionnaire.png, candidate-done.png, dashboard.png,
report.png, report-print.png.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from firstword.bench.server_process import ServerProcess
from firstword.hiring.instruments import get_instrument
from tests.test_browser import ROOT, _launch, _require_chromium, playwright_api  # noqa: F401 (fixture)
from tests.test_hiring_flow import FAST_HASH, PASSWORD, answers_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ARTIFACTS = Path(os.environ["FIRSTWORD_ARTIFACTS"]) / "hiring" if os.environ.get("FIRSTWORD_ARTIFACTS") \
    else ROOT / "test-artifacts" / "hiring"
IPIP = get_instrument("ipip-50")
JOB = (
    "We are hiring a support engineer to troubleshoot customer issues across Linux and SQL systems, "
    "communicate clearly with clients, collaborate with cross-functional teams, and keep a high-volume "
    "queue moving under pressure."
)
# Cara's answers, item by item (1..5): a steady, agreeable, organised profile, not a straight line.
CARA = {item.id: (4 if item.keyed == "+" else 2) if n % 3 else (5 if item.keyed == "+" else 1)
        for n, item in enumerate(IPIP.items)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    _require_chromium()
    env = {
        "FIRSTWORD_DATA_DIR": str(tmp_path_factory.mktemp("hiring-data")),
        # The pages under test use no model: the scripted engine starts in no time.
        "FIRSTWORD_LLM__ENGINE": "scripted",
        **{f"FIRSTWORD_HIRING__{key.upper()}": str(value) for key, value in FAST_HASH.items()},
    }
    with ServerProcess(env) as process:
        yield process


class PageErrors:
    """Console errors (a CSP violation is one), uncaught exceptions, and refused requests of a
    page, but for those ``expected`` ((status, path) pairs)."""

    def __init__(self, page: Any, expected: tuple[tuple[int, str], ...] = ()) -> None:
        self.seen: list[str] = []
        self._expected = set(expected)
        # A refused fetch is also logged as "Failed to load resource": it is judged by its response.
        page.on("console", lambda m: self.seen.append(f"console: {m.text}")
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: self.seen.append(f"page error: {e}"))
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        path = httpx.URL(response.url).path
        if response.status >= 400 and (response.status, path) not in self._expected:
            self.seen.append(f"{response.status} {response.request.method} {path}")


def _answer_by_keyboard(page: Any, value: int) -> None:
    """Tab into the next statement's radio group, then choose ``value`` with the keys alone."""
    page.keyboard.press("Tab")
    if value == 1:
        page.keyboard.press("Space")
    for _ in range(value - 1):
        page.keyboard.press("ArrowDown")


def _tab_to(page: Any, element_id: str, most: int = 5) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with Tab")


def _answer_page(page: Any, number: int, screenshot_after: int | None = None) -> None:
    page.wait_for_function("(n) => document.querySelector('#page-title')?.textContent === `Page ${n} of 5`", arg=number)
    assert page.evaluate("() => document.activeElement?.id") == "page-title"
    items = IPIP.items[(number - 1) * 10 : number * 10]
    for count, item in enumerate(items, 1):
        _answer_by_keyboard(page, CARA[item.id])
        assert page.evaluate("() => document.activeElement.name") == item.id
        if count == screenshot_after:
            page.screenshot(path=str(ARTIFACTS / "candidate-questionnaire.png"), full_page=False)
    checked = page.evaluate("() => [...document.querySelectorAll('#items input:checked')].map((i) => [i.name, Number(i.value)])")
    assert dict(checked) == {item.id: CARA[item.id] for item in items}
    _tab_to(page, "next")
    page.keyboard.press("Enter")


def _complete_by_api(base: str, invite_url: str, seed: int) -> None:
    token = invite_url.split("#invite=", 1)[1]
    with httpx.Client(base_url=base) as http:
        csrf = http.get("/hiring/api/csrf").json()["csrf_token"]
        state = http.post("/hiring/api/candidate/session", json={"token": token}, headers={"X-CSRF-Token": csrf})
        assert state.status_code == 200, state.text
        headers = {"X-CSRF-Token": state.json()["csrf_token"]}
        assert http.post("/hiring/api/candidate/consent", headers=headers).status_code == 204
        answers = answers_for(seed)
        for page in range(5):
            ids = [item.id for item in IPIP.items[page * 10 : (page + 1) * 10]]
            saved = http.put(f"/hiring/api/candidate/pages/{page}", headers=headers,
                             json={"answers": {i: answers[i] for i in ids}, "times_ms": {i: 3500 + seed * 10 for i in ids}})
            assert saved.status_code == 200, saved.text
        assert http.post("/hiring/api/candidate/complete", headers=headers).status_code == 200


def sign_up(page: Any, url: str, org: str, email: str) -> None:
    """Create an organisation from the sign-in page (offered while the server has none)."""
    page.goto(f"{url}/hiring")
    page.wait_for_url(re.compile(r"/hiring/login"))
    page.wait_for_selector("#signup-panel:not([hidden])")
    page.fill("#signup-org", org)
    page.fill("#signup-email", email)
    page.fill("#signup-password", PASSWORD)
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(re.compile(r"/hiring$"))


def test_campaign_invite_keyboard_questionnaire_and_dashboard(playwright_api: Any, server: ServerProcess) -> None:  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = _launch(playwright_api)
    try:
        recruiter = browser.new_context(viewport={"width": 1280, "height": 900})
        page = recruiter.new_page()
        # Before signing up, /hiring asks who is signed in (nobody: 401) and goes to the sign-in page.
        recruiter_errors = PageErrors(page, expected=((401, "/hiring/api/me"),))

        sign_up(page, server.url, "Acme Support", "ann@acme.example")  # the server's first organisation
        page.wait_for_selector("#org-name:text('Acme Support')")

        # A campaign from a job description: suggested competencies, one more by hand.
        page.fill("#c-name", "Support engineers 2027")
        page.fill("#c-role", "Support engineer")
        page.fill("#c-job", JOB)
        page.click("#suggest")
        page.wait_for_selector("#competencies li:has-text('Customer focus')")
        suggested = page.locator("#competencies li span").all_inner_texts()
        assert {"Problem solving", "Communication", "Collaboration", "Resilience"} <= set(suggested)
        page.fill("#add-competency", "Calm on the phone")
        page.keyboard.press("Enter")
        page.wait_for_selector("#competencies li:has-text('Calm on the phone')")
        assert page.locator("#questions textarea").count() == len(suggested) + 1
        page.click("#campaign-form button[type=submit]")
        page.wait_for_url(re.compile(r"/hiring/campaigns/[0-9a-f]{32}$"))
        campaign_url = page.url

        # Invite the candidate; seven more complete through the API.
        page.fill("#cand-name", "Cara Candidate")
        page.click("#invite-form button[type=submit]")
        page.wait_for_selector("#link-result:not([hidden])")
        cara_link = page.input_value("#cand-link")
        assert "/hiring/candidate#invite=" in cara_link
        csrf = page.request.get(f"{server.url}/hiring/api/me").json()["csrf_token"]
        campaign_id = campaign_url.rsplit("/", 1)[1]
        for seed in range(7):
            made = page.request.post(f"{server.url}/hiring/api/campaigns/{campaign_id}/candidates",
                                     headers={"X-CSRF-Token": csrf}, data={"name": f"Candidate {seed + 2}"})
            assert made.status == 201, made.text()
            _complete_by_api(server.url, made.json()["invite_url"], seed)

        # The candidate, 360 px wide, keyboard only.
        candidate = browser.new_context(viewport={"width": 360, "height": 780})
        tab = candidate.new_page()
        candidate_errors = PageErrors(tab)
        tab.goto(cara_link)
        tab.wait_for_selector("#consent-view:not([hidden])")
        assert "#invite=" not in tab.url  # the token left the address bar
        consent = tab.inner_text("#consent-view")
        for needed in ("What is collected", "Why", "For how long", "Who sees it", "180 days", "Acme Support"):
            assert needed in consent, needed
        tab.screenshot(path=str(ARTIFACTS / "candidate-consent.png"), full_page=True)
        assert tab.evaluate("() => document.activeElement?.id") == "consent-title"
        _tab_to(tab, "agree")
        tab.keyboard.press("Enter")
        _answer_page(tab, 1)
        _answer_page(tab, 2)
        tab.wait_for_function("() => document.querySelector('#page-title')?.textContent === 'Page 3 of 5'")

        # The tab is closed and opened again (no link this time): page 3, 20 answers kept.
        tab.close()
        tab = candidate.new_page()
        candidate_errors = PageErrors(tab)
        tab.goto(f"{server.url}/hiring/candidate")
        tab.wait_for_function("() => document.querySelector('#page-title')?.textContent === 'Page 3 of 5'")
        assert tab.inner_text("#progress-label") == "20 of 50 statements answered"
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        legends = tab.locator("fieldset.item legend").all_inner_texts()
        assert len(legends) == 10 and legends[0].endswith(f"21. {IPIP.items[20].text}")
        _answer_page(tab, 3, screenshot_after=2)
        _answer_page(tab, 4)
        _answer_page(tab, 5)
        tab.wait_for_selector("#done-view:not([hidden])")
        assert tab.evaluate("() => document.activeElement?.id") == "done-title"
        tab.screenshot(path=str(ARTIFACTS / "candidate-done.png"), full_page=True)
        # Her own data, downloaded with the keyboard: what she answered, as she answered it.
        with tab.expect_download() as download:
            _tab_to(tab, "download")
            tab.keyboard.press("Enter")
        own = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert own["candidate"]["name"] == "Cara Candidate"
        assert {a["item_id"]: a["answer"] for a in own["answers"]} == CARA
        assert all(a["time_ms"] is not None for a in own["answers"])
        assert not candidate_errors.seen, candidate_errors.seen

        # The recruiter's dashboard: the funnel, Cara beside the campaign.
        page.goto(campaign_url)
        page.wait_for_selector("#people tr:has-text('Cara Candidate')")
        funnel = page.locator("#funnel svg desc").text_content()
        assert funnel == "Invited 8, started 8, completed 8."
        row = page.locator("#people tr", has_text="Cara Candidate")
        row.get_by_role("button", name="Show Cara Candidate on the distributions").click()
        page.wait_for_selector("#selected:not([hidden]) h2:text('Cara Candidate')")
        cara_id = page.evaluate("() => new URL(location.href).searchParams.get('candidate')")
        detail = page.request.get(f"{server.url}/hiring/api/candidates/{cara_id}").json()
        for scale in detail["scores"]["scales"]:
            chart = page.locator(".chart", has_text=scale["label"])
            label = chart.locator("svg text.marker-label").text_content()
            assert label == f"Cara Candidate: {round(scale['percentile'])}", label
            assert chart.locator("svg rect.bin").count() >= 1 and chart.locator("svg rect.band").count() == 1
        flags = page.locator("#selected .flags").inner_text()
        assert "too fast" in flags and "under" in flags  # keyboard answers take milliseconds
        alpha = page.locator("#alpha").inner_text()
        assert "fewer than 30" in alpha
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

        # The printable report.
        page.goto(f"{server.url}/hiring/candidates/{cara_id}/report")
        page.wait_for_selector("#report:not([hidden])")
        assert page.locator("#scales .scale-row").count() == 5
        assert "Calm on the phone" in page.inner_text("#competencies")
        assert "Calm on the phone:" in page.inner_text("#plan")  # its question, started for the recruiter
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        page.emulate_media(media="print")
        assert page.locator("header.bar").is_hidden() and page.locator("#print").is_hidden()
        page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)
        assert not recruiter_errors.seen, recruiter_errors.seen

        org_id = page.request.get(f"{server.url}/hiring/api/me").json()["organisations"][0]["org_id"]
        audit = page.request.get(f"{server.url}/hiring/api/orgs/{org_id}/audit").json()
        actions = {entry["action"] for entry in audit["entries"]}
        assert {"candidate.viewed", "candidate.report_viewed", "campaign.dashboard_viewed"} <= actions
    finally:
        browser.close()
