"""The interview panel of the campaign dashboard in a real browser (Debian's chromium, headless,
through Playwright) against the real server in its own process.

An owner signs up, makes a campaign with an interview plan (through the API, as the campaign
form would) and two candidates. On the dashboard she pastes Ada's transcript into the panel and
uploads it; the panel shows each competency's anchored scale and the rule's suggestion quoting
the transcript by sequence number, with no rating filled in by it. She rates a competency with
the keyboard only, and her rating, not the suggestion, shows as the score. A recruiter rates the
same competency through the API: both ratings show, and the reliability area's agreement table
counts the pair. At 360 px wide, Bo's poor transcript is shown as not scored, with every reason.
No page logs an error.

Screenshots go to ``test-artifacts/hiring`` (``$FIRSTWORD_ARTIFACTS/hiring`` when set):
interview.png (the panel after rating), interview-dashboard.png (the whole page, the agreement
table in the reliability area) and interview-gate.png (360 px, the refused transcript).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from firstword.bench.server_process import ServerProcess
from tests.test_browser import _launch, playwright_api  # noqa: F401 (fixture)
from tests.test_hiring_flow import PASSWORD, link_token
from tests.test_hiring_interviews import PLAN, TRANSCRIPT
from tests.test_hiring_page import ARTIFACTS, PageErrors, server, sign_up  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _tab_to_name(page: Any, name: str, most: int = 12) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.name") == name:
            return
    raise AssertionError(f"[name={name}] not reached with Tab")


def test_interview_panel_upload_suggest_rate_and_agreement(playwright_api: Any, server: ServerProcess) -> None:  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = _launch(playwright_api)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = PageErrors(page, expected=((401, "/hiring/api/me"),))

        sign_up(page, server.url, "Bright Support", "ivy@bright.example")  # this module server's first organisation
        me = page.request.get(f"{server.url}/hiring/api/me").json()
        csrf, org_id = me["csrf_token"], me["organisations"][0]["org_id"]
        headers = {"X-CSRF-Token": csrf}

        made = page.request.post(f"{server.url}/hiring/api/orgs/{org_id}/campaigns", headers=headers, data={
            "name": "Interview panel 2027", "role": "Support engineer",
            "competencies": [{"name": e["competency"]} for e in PLAN], "interview_plan": PLAN})
        assert made.status == 201, made.text()
        campaign_id = made.json()["campaign_id"]
        ids = {}
        for name in ("Ada Applicant", "Bo Brief"):
            invited = page.request.post(f"{server.url}/hiring/api/campaigns/{campaign_id}/candidates",
                                        headers=headers, data={"name": name})
            assert invited.status == 201, invited.text()
            ids[name] = invited.json()["candidate_id"]

        # Ada: no transcript yet; paste one and upload it.
        page.goto(f"{server.url}/hiring/campaigns/{campaign_id}")
        row = page.locator("#people tr", has_text="Ada Applicant")
        row.get_by_role("button", name="Show Ada Applicant on the distributions").click()
        page.wait_for_selector("#interview:not([hidden]) #iv-transcript")
        assert page.locator("label[for=iv-transcript]").inner_text() == "Interview transcript"
        assert "No agreement yet" in page.inner_text("#agreement")
        page.fill("#iv-transcript", TRANSCRIPT)
        page.click("#iv-upload-button")
        first = page.locator("#interview article.competency").first
        first.locator("h3").wait_for()
        assert page.locator("#interview article.competency").count() == len(PLAN)

        # The anchored scale (1, 3, 5) and the suggestion quoting the transcript by seq.
        assert first.locator(".anchors dt").all_inner_texts() == ["1", "3", "5"]
        suggestion = first.locator(".suggestion").inner_text()
        assert "Suggested: 5" in suggestion and "seq 2" in suggestion and "dropped by 40 percent" in suggestion
        assert first.locator(".evidence .seq").all_inner_texts()[0] == "seq 2"
        problem = page.locator("#interview article.competency").nth(1)
        assert "Suggested: 1" in problem.locator(".suggestion").inner_text()
        assert "seq 6" in problem.locator(".suggestion").inner_text()
        leadership = page.locator("#interview article.competency").nth(2)
        assert "not found" in leadership.locator(".suggestion").inner_text()  # no evidence: the reason
        # A suggestion fills nothing in: no radio checked, no score.
        assert page.locator("#interview input[type=radio]:checked").count() == 0
        assert "Score: none" in first.locator(".score").inner_text()
        assert first.locator("fieldset legend").inner_text() == "Your rating of Customer focus"

        # Rate Customer focus with the keyboard only: 4, a note, Enter on the submit button.
        page.focus("#iv-0-title")
        _tab_to_name(page, "iv-0-rating")
        for _ in range(3):
            page.keyboard.press("ArrowDown")
        assert page.evaluate("() => document.querySelector('input[name=iv-0-rating]:checked')?.value") == "4"
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement?.id") == "iv-0-note"
        page.keyboard.type("Clear story; the 40 % needs checking.")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement?.id") == "iv-0-submit"
        page.keyboard.press("Enter")
        page.wait_for_selector("#interview article.competency >> nth=0 >> .score:has-text('your rating 4')")
        score = page.locator("#interview article.competency").first.locator(".score").inner_text()
        assert score.startswith("Score: 4 (your rating 4)"), score  # the rater's 4, not the suggested 5
        assert "the 40 % needs checking" in score

        # A second rater (a recruiter, through the API): both ratings, their mean, and agreement.
        invite = page.request.post(f"{server.url}/hiring/api/orgs/{org_id}/invites", headers=headers,
                                   data={"email": "rex@bright.example", "role": "recruiter"})
        assert invite.status == 201, invite.text()
        with httpx.Client(base_url=server.url) as rex:
            pre = rex.get("/hiring/api/csrf").json()["csrf_token"]
            joined = rex.post("/hiring/api/join", headers={"X-CSRF-Token": pre},
                              json={"token": link_token(invite.json()["invite_url"]), "password": PASSWORD})
            assert joined.status_code == 200, joined.text
            rated = rex.post(f"/hiring/api/candidates/{ids['Ada Applicant']}/interview/ratings",
                             headers={"X-CSRF-Token": joined.json()["csrf_token"]},
                             json={"competency": "Customer focus", "rating": 3})
            assert rated.status_code == 200, rated.text
        page.reload()
        page.wait_for_selector("#interview article.competency .score:has-text('rex@bright.example: 3')")
        assert page.locator("#interview article.competency").first.locator(".score").inner_text().startswith(
            "Score: 3.50 (your rating 4; rex@bright.example: 3)")
        page.wait_for_selector("#agreement-table")
        agreement = page.inner_text("#agreement-table")
        assert "2 raters" in agreement and "imprecise" in agreement, agreement  # one item rated by both
        page.locator("#interview").screenshot(path=str(ARTIFACTS / "interview.png"))
        page.screenshot(path=str(ARTIFACTS / "interview-dashboard.png"), full_page=True)

        # Bo, at 360 px: a transcript too thin to score, every reason shown, no rating control.
        thin = f"Interviewer: {PLAN[0]['question']}\nCandidate: [inaudible]\nCandidate: yes\nCandidate: I fixed it."
        upload = page.request.post(f"{server.url}/hiring/api/candidates/{ids['Bo Brief']}/interview",
                                   headers=headers, data={"text": thin})
        assert upload.status == 201 and not upload.json()["quality"]["ok"]
        reasons = upload.json()["quality"]["reasons"]
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(f"{server.url}/hiring/campaigns/{campaign_id}?candidate={ids['Bo Brief']}")
        page.wait_for_selector("#interview:not([hidden]) [data-gate=reasons]")
        assert "not scored" in page.inner_text("#interview")
        assert page.locator("[data-gate=reasons] li").all_inner_texts() == reasons and len(reasons) >= 2
        assert page.locator("#interview input[type=radio]").count() == 0
        assert page.locator("#iv-transcript").count() == 1  # a better transcript can be uploaded
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        page.locator("#interview").screenshot(path=str(ARTIFACTS / "interview-gate.png"))

        assert not errors.seen, errors.seen
    finally:
        browser.close()
