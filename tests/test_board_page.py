"""The board room page (/board) in a real browser: Debian's chromium, headless, driven by
Playwright against a real server, as in test_browser.py.

- Cipher reads a repository made here, on the bundled local model (the default engine): the
  tool's progress lines stream in, then its summary, then the answer; the Markdown export holds
  the question and the answer.
- The whole board answers in turn, each advisor in its own bubble, while an observer follows the
  share link live; the export holds it too. This one runs on the scripted engine: three answers
  of the 135M model take over a minute on two cores, and it may write an empty one.
- What the page makes of hostile or failing input: a model's HTML and javascript: links stay
  text, retractions are struck inside the Markdown, errors are shown and kept; Stop stops.

Screenshots go to ``$FIRSTWORD_ARTIFACTS`` (default ``test-artifacts/browser``): board-cipher.png,
board-all.png, board-watch.png, board-narrow.png, board-safe.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firstword.bench.server_process import ServerProcess
from tests.test_browser import ARTIFACTS, SECRET_ENV, _launch, _require_chromium, playwright_api  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# Records, in the order the page showed them, the first progress lines, the tool's outcome and the
# first words of each answer: "in turn" and "then" are read from this, not from timing.
WATCH_ORDER = """() => {
  window.shown = [];
  const seen = new Set();
  const note = (what) => { if (!seen.has(what)) { seen.add(what); window.shown.push(what); } };
  new MutationObserver(() => {
    document.querySelectorAll('.tool-progress li').forEach((li) => note('progress: ' + li.textContent));
    document.querySelectorAll('.tool-summary').forEach(() => note('summary'));
    document.querySelectorAll('.msg.answer').forEach((b) => {
      if (!seen.has(b)) {
        seen.add(b);
        window.shown.push('bubble: ' + b.dataset.persona + ' after ' + document.querySelectorAll('.msg.answer.done').length + ' done');
      }
      if (b.querySelector('.answer-md').textContent.replace('…', '').trim()) note('text: ' + b.dataset.persona);
    });
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def _make_repository(root: Path) -> Path:
    repo = root / "inventory"
    (repo / "inventory").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "inventory"\nversion = "0.3.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["fastapi>=0.110", "sqlalchemy>=2.0", "httpx>=0.27"]\n\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n\n'
        '[project.scripts]\ninventory = "inventory.cli:main"\n'
    )
    (repo / "inventory" / "__init__.py").write_text('"""Stock levels for a small shop."""\n')
    (repo / "inventory" / "models.py").write_text(
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Item:\n    sku: str\n    count: int = 0\n"
    )
    (repo / "inventory" / "api.py").write_text(
        "from fastapi import FastAPI\n\nfrom inventory.models import Item\n\napp = FastAPI()\n\n\n"
        '@app.get("/items/{sku}")\ndef item(sku: str) -> Item:\n    return Item(sku)\n'
    )
    (repo / "inventory" / "cli.py").write_text("def main() -> None:\n    print('inventory')\n")
    (repo / "tests" / "test_models.py").write_text(
        "from inventory.models import Item\n\n\ndef test_item_starts_empty():\n    assert Item('a').count == 0\n"
    )
    return repo


def _open_board(browser, url: str, width: int = 1280, height: int = 1500):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "/board")
    page.wait_for_selector("#status[data-state=live]", timeout=30_000)
    page.wait_for_selector(".advisor-card[data-persona=cipher]")
    return page, errors


def _export_markdown(page) -> str:  # type: ignore[no-untyped-def]
    with page.expect_download(timeout=15_000) as download:
        page.get_by_role("button", name="Export Markdown").click()
    assert download.value.suggested_filename.endswith(".md")
    return Path(download.value.path()).read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.replace("~~", "").split())


# ----- Cipher reads a repository, on the bundled model ------------------------------------------


@pytest.fixture
def repository_server(tmp_path) -> Iterator[tuple[ServerProcess, Path]]:  # type: ignore[no-untyped-def]
    repo = _make_repository(tmp_path)
    env = {
        "FIRSTWORD_TOOLS__ROOTS": str(tmp_path),
        # The analysis of a five-file tree is over in milliseconds; a pause between its stages
        # lets each progress message reach the page as its own line (not merged by the rate limit).
        "FIRSTWORD_TOOLS_STEP_DELAY_S": "0.08",
        "FIRSTWORD_DATA_DIR": str(tmp_path / "data"),
    }
    with ServerProcess(env) as server:
        yield server, repo


def test_cipher_reads_a_repository_with_live_progress_then_answers_and_the_export_holds_it(playwright_api, repository_server):  # type: ignore[no-untyped-def]
    server, repo = repository_server
    assert httpx.get(f"{server.url}/healthz").json()  # the default (local) engine, as the overlay's own test
    browser = _launch(playwright_api)
    try:
        page, errors = _open_board(browser, server.url)
        page.get_by_role("radio", name=re.compile("^Cipher")).check()
        assert page.is_checked(".advisor-card[data-persona=cipher] input")
        assert page.inner_text("#compose-label") == "Ask Cipher"
        page.evaluate(WATCH_ORDER)
        question = f"What does the repository at {repo} depend on?"
        page.fill("#board-input", question)
        page.press("#board-input", "Enter")
        page.wait_for_selector("#stop:not([hidden])", timeout=10_000)  # Stop shows while answering

        bubble = page.locator(".msg.answer[data-persona=cipher]").first
        bubble.wait_for(timeout=60_000)
        assert bubble.locator(".advisor-name").inner_text() == "Cipher"
        assert bubble.locator(".advisor-title").inner_text() == "Technical advisor"
        tool = bubble.locator(".tool")
        tool.wait_for(timeout=60_000)
        assert tool.locator(".tool-name").inner_text() == "analyze_repository"
        assert str(repo) in tool.locator(".tool-args").inner_text()
        page.wait_for_selector(".msg.answer .tool[data-state=done] .tool-summary", timeout=60_000)
        summary = tool.locator(".tool-summary").inner_text()
        assert re.search(r"\d+ dependenc", summary), summary
        lines = tool.locator(".tool-progress li").all_inner_texts()
        assert len(set(lines)) >= 3, f"progress lines shown: {lines}"
        assert lines[0].startswith("Analyzing repository structure")

        # The answer, on the local model (slow on a busy two-core machine: up to a few minutes).
        page.wait_for_selector(".msg.answer[data-persona=cipher].done, .msg.answer[data-persona=cipher].failed", timeout=300_000)
        assert "done" in (bubble.get_attribute("class") or ""), bubble.inner_text()
        answer = bubble.locator(".answer-md").inner_text()
        assert answer.strip() and answer.strip() != "(no answer written)", "Cipher wrote an answer"
        page.wait_for_selector("#stop[hidden]", state="attached")
        shown = page.evaluate("window.shown")
        progress = [i for i, s in enumerate(shown) if s.startswith("progress: ")]
        assert len(progress) >= 3, shown
        assert progress[2] < shown.index("summary") < shown.index("text: cipher"), f"progress, then summary, then text: {shown}"

        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "board-cipher.png"))

        # The export: the question, Cipher's heading, the tool it used and its answer's words.
        exported = _export_markdown(page)
        raw = page.evaluate(
            "() => [...window.firstword.view.answers.values()].find(b => b.node.dataset.persona === 'cipher').text"
        )
        assert question in exported
        assert "### Cipher, Technical advisor" in exported
        assert "analyze_repository" in exported
        assert _flat(raw) in _flat(exported), "the answer's words, as written"
        assert not errors, errors
    finally:
        browser.close()


# ----- the whole board, an observer, the export (scripted engine) ---------------------------------


@pytest.fixture(scope="module")
def scripted_server(tmp_path_factory) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    """The scripted engine, writing advice rather than the copilot's first-person sample (an
    advisor saying "I led…" would read as nonsense in the screenshots)."""
    _require_chromium()
    env = {
        **SECRET_ENV,
        "FIRSTWORD_LLM__ENGINE": "scripted",
        "FIRSTWORD_LLM__SCRIPTED__TOKENS_PER_S": "12",
        "FIRSTWORD_LLM__SCRIPTED__TEXT": (
            "Weigh the **equity** against the salary cut, and ask what runway the startup has. "
            "Decide by the date you promised, and tell Sam the reason either way."
        ),
        "FIRSTWORD_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }
    with ServerProcess(env) as server:
        yield server


def test_the_board_answers_in_turn_while_an_observer_follows_live_and_the_export_holds_it(playwright_api, scripted_server):  # type: ignore[no-untyped-def]
    board = httpx.get(f"{scripted_server.url}/personas").json()
    names = {p["id"]: (p["name"], p["title"]) for p in board["personas"]}
    members = board["board"]
    assert len(members) >= 2
    browser = _launch(playwright_api)
    try:
        page, errors = _open_board(browser, scripted_server.url)
        page.get_by_role("radio", name=re.compile("The board")).check()
        assert page.inner_text("#compose-label") == "Ask the board"

        # The owner shares a read-only link; the observer opens it before the question.
        page.get_by_role("button", name="Share").click()
        page.wait_for_function("() => document.getElementById('watch-url').value !== ''")
        watch_url = page.input_value("#watch-url")
        session = page.evaluate("window.firstword.state.session")
        assert watch_url.startswith(f"{scripted_server.url}/watch/{session['session_id']}#token=obs_")
        watch = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
        watch_errors: list[str] = []
        watch.on("pageerror", lambda error: watch_errors.append(str(error)))
        watch.goto(watch_url)
        watch.wait_for_selector("#status[data-state=live]", timeout=15_000)
        watch.wait_for_selector("#board-view:not([hidden])")
        watch.evaluate(WATCH_ORDER)
        page.evaluate(WATCH_ORDER)

        question = "Should I take the offer from the startup? I will send my decision to Sam by Friday."
        page.fill("#board-input", question)
        page.keyboard.press("Shift+Enter")  # a new line, not a send
        assert page.input_value("#board-input") == question + "\n"
        page.press("#board-input", "Enter")
        page.wait_for_function(
            f"() => document.querySelectorAll('.msg.answer.done').length === {len(members)}"
            " && document.body.dataset.answering === 'false'",
            timeout=120_000,
        )
        assert page.input_value("#board-input") == "", "sent and cleared"
        assert page.locator(".msg.user .user-text").inner_text() == question
        assert "to the board" in page.locator(".msg.user .msg-to").inner_text()

        # Each advisor in its own bubble, named, with words, in the board's order, one after another.
        bubbles = page.locator(".msg.answer")
        assert bubbles.count() == len(members)
        for i, persona in enumerate(members):
            bubble = bubbles.nth(i)
            assert bubble.get_attribute("data-persona") == persona
            assert bubble.locator(".advisor-name").inner_text() == names[persona][0]
            assert bubble.locator(".advisor-title").inner_text() == names[persona][1]
            assert bubble.locator(".answer-md").inner_text().strip()
        shown = page.evaluate("window.shown")
        appeared = [s for s in shown if s.startswith("bubble: ")]
        assert appeared == [f"bubble: {p} after {i} done" for i, p in enumerate(members)], shown

        # The action item the question committed to, with its owner and due date.
        page.wait_for_selector(".action-item")
        item = page.locator(".action-item").first.inner_text()
        assert "send my decision to Sam" in item and "due:" in item and "said by You" in item

        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "board-all.png"))

        # The observer saw the same conversation appear, live, read-only.
        watch.wait_for_function(f"() => document.querySelectorAll('.msg.answer.done').length === {len(members)}", timeout=30_000)
        seen = [s for s in watch.evaluate("window.shown") if s.startswith("bubble: ")]
        assert seen == [f"bubble: {p} after {i} done" for i, p in enumerate(members)], seen
        for i, persona in enumerate(members):
            mine = page.locator(".msg.answer").nth(i)
            theirs = watch.locator(".msg.answer").nth(i)
            assert theirs.get_attribute("data-persona") == persona
            assert theirs.locator(".advisor-name").inner_text() == names[persona][0]
            assert theirs.locator(".answer-md").inner_text() == mine.locator(".answer-md").inner_text()
        assert watch.locator(".msg.user .user-text").inner_text() == question
        assert "send my decision to Sam" in watch.locator(".action-item").first.inner_text()
        assert watch.locator("#board-input, #ask-text, textarea, input[type=text]").count() == 0, "no way to write"
        assert "#token" not in watch.url
        watch.screenshot(path=str(ARTIFACTS / "board-watch.png"))

        # The export: the question and every advisor's answer.
        exported = _export_markdown(page)
        assert question in exported
        for persona in members:
            assert f"### {names[persona][0]}, {names[persona][1]}" in exported
        first = page.evaluate("() => [...window.firstword.view.answers.values()][0].text")
        assert _flat(first) in _flat(exported)

        # A narrow window: everything stacks, nothing scrolls sideways.
        page.set_viewport_size({"width": 360, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 360 px"
        page.locator(".msg.answer").nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "board-narrow.png"))  # the question box stays at the bottom
        assert not errors and not watch_errors, errors + watch_errors
    finally:
        browser.close()


# ----- hostile text, errors, Stop ---------------------------------------------------------------------


HOSTILE = (
    "**Plan** for `deploy`:\n\n"
    "1. Run <img src=x onerror=\"window.__pwned = 'img'\"> now.\n"
    "2. Click [here](javascript:window.__pwned='link') or [docs](https://example.com/docs).\n\n"
    "<script>window.__pwned = 'script'</script>\n\n"
    "```sh\nmake test\n```\n"
    "I led 40 engineers."
)


def test_model_html_stays_text_retractions_strike_inside_markdown_and_errors_stay_on_screen(playwright_api, scripted_server):  # type: ignore[no-untyped-def]
    browser = _launch(playwright_api)
    try:
        page, errors = _open_board(browser, scripted_server.url, width=1000, height=1200)
        # Events rendered by the page's own BoardView, into a list of their own.
        struck = HOSTILE.index("I led 40")
        events = [
            {"seq": 1, "type": "message", "turn": 1, "data": {"text": "<b>How</b> do I deploy?"}},
            {"seq": 2, "type": "answer.started", "turn": 1, "data": {"answer_id": 1, "trigger": "message", "question": "q", "persona": "cipher"}},
            {"seq": 3, "type": "tool.started", "turn": 1, "data": {"call_id": "c1", "tool": "analyze_repository", "arguments": {"path": "/nope"}, "answer_id": 1}},
            {"seq": 4, "type": "tool.progress", "turn": 1, "data": {"call_id": "c1", "progress": 0, "total": 6, "message": "Analyzing repository structure…"}},
            {"seq": 5, "type": "tool.failed", "turn": 1, "data": {"call_id": "c1", "error": "/nope is outside the tools roots", "duration_ms": 3}},
            {"seq": 6, "type": "answer.delta", "turn": 1, "data": {"answer_id": 1, "text": HOSTILE[:40]}},
            {"seq": 7, "type": "answer.delta", "turn": 1, "data": {"answer_id": 1, "text": HOSTILE[40:]}},
            {"seq": 8, "type": "answer.done", "turn": 1, "data": {"answer_id": 1, "text": HOSTILE, "trigger": "message"}},
            {"seq": 9, "type": "answer.retracted", "turn": 1, "data": {"answer_id": 1, "start": struck, "end": len(HOSTILE), "reason": "unsupported", "evidence": "the number '40': not in the tool's result"}},
            {"seq": 10, "type": "answer.started", "turn": 1, "data": {"answer_id": 2, "trigger": "message", "question": "q", "persona": "atlas"}},
            {"seq": 11, "type": "error", "turn": 1, "data": {"code": "llm_error", "message": "the model server is not reachable", "answer_id": 2, "retryable": True}},
            {"seq": 12, "type": "answer.cancelled", "turn": 1, "data": {"answer_id": 2, "reason": "error", "text": ""}},
        ]
        page.evaluate(
            """async (events) => {
                const { BoardView } = await import('/static/board.js');
                const box = document.createElement('div');
                box.id = 'injected';
                const transcript = document.createElement('ol');
                transcript.className = 'board-transcript';
                const actions = document.createElement('ol');
                box.append(transcript, actions);
                document.querySelector('.conversation').append(box);
                const { personas } = await (await fetch('/personas')).json();
                const view = new BoardView({ transcript, actions, personas });
                for (const event of events) view.apply(event);
            }""",
            events,
        )
        box = page.locator("#injected")
        cipher = box.locator(".msg.answer[data-persona=cipher]")
        md = cipher.locator(".answer-md")
        page.wait_for_timeout(300)  # an image's onerror would have run by now
        assert page.evaluate("window.__pwned") is None
        assert box.locator("img, script, iframe").count() == 0
        assert box.locator("a[href^='javascript']").count() == 0
        assert md.locator("a").count() == 1 and md.locator("a").get_attribute("href") == "https://example.com/docs"
        assert md.locator("a").get_attribute("rel") == "noopener noreferrer"
        text = md.inner_text()
        assert "<img src=x onerror=" in text and "[here](javascript:window.__pwned='link')" in text and "<script>" in text
        assert md.locator("strong").first.inner_text() == "Plan" and md.locator("ol > li").count() == 2
        assert md.locator("pre code").inner_text() == "make test"
        assert md.locator("del.retracted").inner_text() == "I led 40 engineers."
        assert "not in the tool's result" in (md.locator("del.retracted").get_attribute("title") or "")
        assert "not in the tool's result" in md.locator(".why").inner_text()
        assert "outside the tools roots" in cipher.locator(".tool-error").inner_text()
        assert box.locator(".msg.user .user-text").inner_text() == "<b>How</b> do I deploy?"
        atlas = box.locator(".msg.answer[data-persona=atlas]")
        assert "not reachable" in atlas.locator(".msg-error").inner_text()
        assert atlas.locator(".msg-state").inner_text() == "failed"
        box.screenshot(path=str(ARTIFACTS / "board-safe.png"))
        page.evaluate("document.getElementById('injected').remove()")

        # An HTTP error is shown with the server's reason, and the question is kept to edit.
        too_long = "x" * 4001
        page.get_by_role("radio", name=re.compile("^Atlas")).check()
        page.evaluate("(text) => { document.getElementById('board-input').value = text; }", too_long)
        page.focus("#board-input")
        page.press("#board-input", "Enter")
        notice = page.locator("#board-transcript .notice.error")
        notice.wait_for()
        assert "Could not ask Atlas" in notice.inner_text() and "4000" in notice.inner_text() and "HTTP 413" in notice.inner_text()
        assert page.input_value("#board-input") == too_long

        # Stop: visible while the board answers; the answer being written stops, the rest never start.
        page.get_by_role("radio", name=re.compile("The board")).check()
        page.fill("#board-input", "What should I do first this week?")
        page.press("#board-input", "Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#board-transcript .msg.answer.streaming .answer-md')]"
            ".some((e) => e.textContent.trim().split(' ').length >= 3)",
            timeout=30_000,
        )
        page.get_by_role("button", name="Stop").click()
        page.wait_for_selector("#board-transcript .msg.answer.cancelled", timeout=10_000)
        page.wait_for_selector("#stop[hidden]", state="attached", timeout=10_000)
        assert page.locator("#board-transcript .msg.answer.cancelled .msg-state").inner_text() == "stopped"
        page.wait_for_timeout(1000)
        assert page.locator("#board-transcript .msg.answer").count() == 1, "the advisors still waiting never started"
        assert notice.is_visible(), "what was shown stays"
        assert not errors, errors
    finally:
        browser.close()


def test_a_follow_up_prepared_in_idle_time_is_shown_at_once_and_marked(playwright_api, scripted_server):  # type: ignore[no-untyped-def]
    """Atlas answers; while the founder reads, his likely follow-ups are written at background
    priority; asking one shows its answer at once, marked "ready before you asked"."""
    browser = _launch(playwright_api)
    try:
        page, errors = _open_board(browser, scripted_server.url)
        page.check("input[name=to][value=atlas]")
        # A question the scripted engine's one answer (about a job offer) answers, so that the
        # screenshot reads as a conversation.
        page.fill("#board-input", "Should I leave my job for the startup's offer?")
        page.press("#board-input", "Enter")
        page.wait_for_function("() => document.querySelectorAll('.msg.answer.done').length === 1", timeout=60_000)
        session = page.evaluate("window.firstword.state.session")
        info_url = f"{scripted_server.url}/sessions/{session['session_id']}"
        headers = {"Authorization": f"Bearer {session['owner_token']}"}
        prepared: list[str] = []
        for _ in range(120):  # the scripted engine writes ~12 words a second, after 1 s of quiet
            prepared = httpx.get(info_url, headers=headers).json()["prefetch"]["prepared"]
            if prepared:
                break
            page.wait_for_timeout(250)
        assert prepared, "nothing was prepared in 30 s of quiet"
        page.fill("#board-input", prepared[0])
        page.press("#board-input", "Enter")
        page.wait_for_function("() => document.querySelectorAll('.msg.answer.done').length === 2", timeout=15_000)
        second = page.locator(".msg.answer").nth(1)
        mark = second.locator("[data-testid=prefetched]")
        assert mark.inner_text() == "ready before you asked"
        assert mark.get_attribute("title") == f"prepared for: {prepared[0]}"
        assert "equity" in second.locator("[data-testid=answer-text]").inner_text()
        assert page.locator(".msg.answer").nth(0).locator("[data-testid=prefetched]").count() == 0
        page.screenshot(path=str(ARTIFACTS / "board-prefetched.png"), full_page=True)
        assert errors == []
    finally:
        browser.close()
