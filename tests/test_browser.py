"""The overlay and the observer page in a real browser: Debian's chromium, headless, driven by
Playwright, with a real recording playing as the microphone.

Run alone with ``pytest -m browser``. The recording is ``$FIRSTWORD_E2E_AUDIO`` when set (any
format soundfile reads), else a corpus recording. Screenshots go to ``$FIRSTWORD_ARTIFACTS``
(default ``test-artifacts/browser``); ``FIRSTWORD_UPDATE_SCREENSHOT=1`` also copies the
mid-answer overlay to ``docs/overlay.png`` for the README.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from firstword.audio.recording import load_recording
from firstword.bench.server_process import ServerProcess
from firstword.stt.textnorm import wer

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "speech"
DEFAULT_RECORDING = "whisper_jfk.wav"
CHROMIUM = os.environ.get("FIRSTWORD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("FIRSTWORD_ARTIFACTS", ROOT / "test-artifacts" / "browser"))

# Configured secrets: none of them may reach a page, whatever the page loads.
SECRETS = {
    "provider key": "sk-firstword-test-provider-key-9f3a1c",
    "admin token": "firstword-test-admin-token-77d2e0",
    "redis password": "firstword-test-redis-password-41b8",
}
SECRET_ENV = {
    "FIRSTWORD_LLM__OPENAI__API_KEY": SECRETS["provider key"],
    "FIRSTWORD_SERVER__ADMIN_TOKEN": SECRETS["admin token"],
    "FIRSTWORD_HUB__REDIS_URL": f"redis://:{SECRETS['redis password']}@127.0.0.1:6379/0",
}


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
        "`make test` and .ci/run do this themselves"
    )
    if os.environ.get("FIRSTWORD_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def _recording_and_reference() -> tuple[Path, str | None]:
    chosen = os.environ.get("FIRSTWORD_E2E_AUDIO")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            pytest.fail(f"FIRSTWORD_E2E_AUDIO={chosen} is not a file")
        return path, _reference_beside(path)
    path = CORPUS / DEFAULT_RECORDING
    if not path.is_file():
        pytest.skip(f"LOUD SKIP: {CORPUS} is absent (no recording for the fake microphone); set FIRSTWORD_E2E_AUDIO")
    return path, _reference_beside(path)


def _reference_beside(path: Path) -> str | None:
    manifest = path.parent / "manifest.jsonl"
    if not manifest.is_file():
        return None
    for line in manifest.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            if entry.get("file") == path.name:
                return entry.get("reference")
    return None


def _fake_microphone_wav(recording: Path) -> tuple[Path, float]:
    """The recording as 16-bit WAV (what chromium's fake capture reads), with silence after it so
    the end of the question is heard as an end."""
    audio = load_recording(recording)
    lead = np.zeros(8_000, dtype=np.float32)
    tail = np.zeros(16_000 * 5, dtype=np.float32)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"fake-mic-{recording.stem}.wav"
    soundfile.write(out, np.concatenate([lead, audio, tail]), 16_000, subtype="PCM_16")
    return out, (len(lead) + len(audio)) / 16_000


@pytest.fixture(scope="module")
def playwright_api() -> Iterator[object]:
    _require_chromium()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as api:
        yield api


def _launch(api: object, microphone: Path | None = None):  # type: ignore[no-untyped-def]
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]
    if microphone is not None:
        args.append(f"--use-file-for-fake-audio-capture={microphone}%noloop")
    return api.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)  # type: ignore[attr-defined]


class Recorder:
    """Everything a page received: HTTP bodies and WebSocket frames, to be searched for secrets."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.responses: list[object] = []
        self.frames: list[str] = []
        page.on("response", lambda response: self.responses.append(response))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: self.frames.append(str(payload))))

    def texts(self) -> list[tuple[str, str]]:
        found = []
        for response in self.responses:
            url = response.url  # type: ignore[attr-defined]
            if "/events" in url:
                continue  # an open event stream has no end to read; checked over HTTP below
            try:
                found.append((url, response.body().decode("utf-8", "replace")))  # type: ignore[attr-defined]
            except Exception:
                continue  # a response the page dropped (navigation): nothing reached it
            for name, value in response.all_headers().items():  # type: ignore[attr-defined]
                found.append((f"{url} header {name}", value))
        found.extend(("websocket frame", frame) for frame in self.frames)
        return found


def _assert_no_secrets(recorder: Recorder, forbidden: dict[str, str]) -> int:
    texts = recorder.texts()
    assert texts, "the page loaded nothing?"
    for where, text in texts:
        for name, value in forbidden.items():
            assert value not in text, f"{name} leaked into {where}"
    return len(texts)


def _sse_until(url: str, session_id: str, token: str, event_type: str) -> str:
    """An SSE stream's raw text, replayed from the start, up to the first event of a type."""
    lines: list[str] = []
    with httpx.stream("GET", f"{url}/sessions/{session_id}/events", params={"token": token}, timeout=20) as stream:
        assert stream.status_code == 200
        wanted = False
        for line in stream.iter_lines():
            lines.append(line)
            if wanted and line.startswith("data: "):
                break
            wanted = wanted or line == f"event: {event_type}"
    return "\n".join(lines)


def _wer(reference: str, hypothesis: str) -> float:
    return wer(reference, hypothesis)


# ----- the real thing: a recording as the microphone, the bundled models ----------------------


def test_overlay_hears_a_recording_and_streams_an_answer_that_an_observer_sees_live(playwright_api, tmp_path):  # type: ignore[no-untyped-def]
    recording, reference = _recording_and_reference()
    microphone, duration_s = _fake_microphone_wav(recording)
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir()
    env = {**SECRET_ENV, "FIRSTWORD_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(server_tmp)}
    with ServerProcess(env) as server:
        other = httpx.post(f"{server.url}/sessions", json={}).json()  # someone else's session
        browser = _launch(playwright_api, microphone)
        try:
            owner_context = browser.new_context(viewport={"width": 900, "height": 1000}, permissions=["microphone"])
            page = owner_context.new_page()
            owner_seen = Recorder(page)
            page.goto(server.url + "/")
            page.get_by_role("button", name="Load the sample profile").click()
            page.wait_for_function("() => document.getElementById('resume').value.length > 50")
            page.get_by_role("button", name="Start session and listen").click()
            started = time.monotonic()
            page.wait_for_selector("#status[data-state=live]", timeout=30_000)
            session = page.evaluate("window.firstword.state.session")

            # The owner shares a read-only link; a second browser follows it while the question is asked.
            page.get_by_role("button", name="Share").click()
            page.wait_for_function("() => document.getElementById('watch-url').value !== ''")
            watch_url = page.input_value("#watch-url")
            assert watch_url.startswith(f"{server.url}/watch/{session['session_id']}#token=obs_")
            watcher_context = browser.new_context(viewport={"width": 420, "height": 900})
            watch = watcher_context.new_page()
            watcher_seen = Recorder(watch)
            watch.goto(watch_url)
            watch.wait_for_selector("#status[data-state=live]", timeout=15_000)
            assert "#token" not in watch.url, "the token stays in the address bar"

            # Mid-answer: the screenshot the README shows (if the answers are too short to catch
            # one mid-way, the first finished one is shown instead).
            budget_ms = int((duration_s + 90) * 1000)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            try:
                # Either a long answer mid-stream, or (answers written at once, such as the
                # profile's own words) the first finished one: waiting out the budget for a
                # mid-stream one that never comes cost 90 s a run.
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.answer.streaming .answer-text')]"
                    ".some(e => e.textContent.split(' ').length >= 14)"
                    " || document.querySelector('.answer.done') !== null",
                    timeout=budget_ms,
                )
            except PlaywrightTimeout:
                pass
            page.screenshot(path=str(ARTIFACTS / "overlay-mid-answer.png"))
            if os.environ.get("FIRSTWORD_UPDATE_SCREENSHOT"):
                shutil.copy(ARTIFACTS / "overlay-mid-answer.png", ROOT / "docs" / "overlay.png")

            answered = ".answer.done:has(.latency .e2e)"
            page.wait_for_selector(answered, timeout=budget_ms)
            answer_id = page.get_attribute(answered, "data-answer-id")
            card = f".answer[data-answer-id='{answer_id}']"
            answer = page.inner_text(f"{card} .answer-text")
            latency = page.inner_text(f"{card} .latency")
            assert answer.strip(), "an answer streamed in"
            assert re.search(r"\d+ ms to first word", latency), latency

            # Once the whole recording has played and its last final is in, the transcript
            # shows what it says.
            played = duration_s + 6 - (time.monotonic() - started)
            if played > 0:
                page.wait_for_timeout(played * 1000)
            page.wait_for_function("() => document.getElementById('interim').hidden", timeout=30_000)
            heard = page.inner_text("#transcript")
            if reference:
                words = re.sub(r"(?m)^(INTERVIEWER|YOU)\s*", "", heard, flags=re.I)
                assert _wer(reference, words) <= 0.35, f"heard {heard!r} for {reference!r}"
            else:
                assert heard.strip(), "the transcript shows what was heard"

            # The observer saw the same answer, live, read-only.
            answer_id = page.get_attribute(".answer.done", "data-answer-id")
            watch.wait_for_selector(f".answer.done[data-answer-id='{answer_id}']", timeout=30_000)
            assert watch.inner_text(f"{card} .answer-text") == answer
            assert watch.inner_text("#transcript").strip()
            assert watch.locator("#ask-text").count() == 0, "the observer page has no way to speak"
            watch.screenshot(path=str(ARTIFACTS / "observer.png"))
            page.screenshot(path=str(ARTIFACTS / "overlay-answered.png"), full_page=True)

            # No configured secret, no other session's owner token, reached either page; the
            # observer never learns the owner's token either.
            forbidden = {**SECRETS, "another session's owner token": other["owner_token"]}
            checked = _assert_no_secrets(owner_seen, forbidden)
            checked += _assert_no_secrets(watcher_seen, {**forbidden, "the owner token": session["owner_token"]})
            observer_token = watch_url.split("#token=")[1]
            stream = _sse_until(server.url, session["session_id"], observer_token, "answer.done")
            assert "answer.done" in stream
            for name, value in {**forbidden, "the owner token": session["owner_token"]}.items():
                assert value not in stream, f"{name} leaked into the event stream"
            assert checked > 10
        finally:
            browser.close()
        # Audio stays in memory: the server wrote no file but its database.
        written = [p for p in server_tmp.rglob("*") if p.is_file()]
        assert written == [], f"the server wrote {written}"
        stored = sorted(p.name for p in (tmp_path / "data").rglob("*") if p.is_file())
        assert all(name.startswith("firstword.sqlite3") for name in stored), stored


# ----- transport and interaction, with the scripted model (timing under the test's control) ----


class TcpProxy:
    """A loopback TCP relay the test can cut, as a dropped network would: both sides see their
    connections die; new connections are relayed again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> int:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        return len(pairs)

    def close(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture(scope="module")
def scripted_server(tmp_path_factory) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    _require_chromium()
    env = {
        **SECRET_ENV,
        "FIRSTWORD_LLM__ENGINE": "scripted",
        "FIRSTWORD_LLM__SCRIPTED__TOKENS_PER_S": "12",
        "FIRSTWORD_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }
    with ServerProcess(env) as server:
        yield server


def _answer_done_text(url: str, session_id: str, token: str) -> str:
    raw = _sse_until(url, session_id, token, "answer.done")
    data = [line for line in raw.splitlines() if line.startswith("data: ")][-1]
    return str(json.loads(data[6:])["data"]["text"])


def _start_session_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    def tab_to(selector: str) -> None:
        for _ in range(60):
            if page.evaluate(f"document.activeElement === document.querySelector({selector!r})"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{selector} cannot be reached with the Tab key")

    tab_to("#load-sample")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('resume').value.length > 50")
    tab_to("#add-story")
    page.keyboard.press("Enter")
    page.keyboard.type("Cut checkout latency")  # the new story's title has the focus
    for part in ("Checkout took 900 ms.", "Bring it under 200 ms.", "Moved pricing to a cache.", "p95 fell to 140 ms."):
        page.keyboard.press("Tab")
        page.keyboard.type(part)
    tab_to("#start")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status[data-state=live]", timeout=30_000)


def test_the_overlay_works_by_keyboard_alone_in_a_narrow_window(playwright_api, scripted_server, tmp_path):  # type: ignore[no-untyped-def]
    browser = _launch(playwright_api)
    try:
        page = browser.new_context(viewport={"width": 360, "height": 740}, permissions=["microphone"]).new_page()
        page.goto(scripted_server.url + "/")
        resume = tmp_path / "resume.txt"
        resume.write_text("Jordan Lee — staff engineer. Built a payments ledger handling 4k writes per second.")
        page.set_input_files("#resume-file", str(resume))
        page.wait_for_function("() => document.getElementById('resume').value.includes('payments ledger')")
        _start_session_by_keyboard(page)
        session = page.evaluate("window.firstword.state.session")
        info = httpx.get(f"{scripted_server.url}/sessions/{session['session_id']}", params={"token": session["owner_token"]}).json()
        assert "payments ledger" in info["profile"]["resume"]
        assert any("Cut checkout latency" in s and "Result: p95 fell to 140 ms." in s for s in info["profile"]["stories"])

        # A typed question, by keyboard.
        page.focus("#ask-text")
        page.keyboard.type("What is your biggest strength?")
        page.keyboard.press("Enter")
        page.wait_for_selector(".answer.done", timeout=30_000)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 360 px"

        page.keyboard.press("Alt+KeyP")  # pin the latest answer (Alt: the focus is in the text box)
        page.wait_for_selector("#pinned .answer.pinned")
        page.focus("#answers")
        page.keyboard.press("KeyC")  # clear: pinned answers stay
        assert page.locator("#answers .answer").count() == 0
        assert page.locator("#pinned .answer").count() == 1
        page.keyboard.press("KeyL")  # pause listening
        page.wait_for_selector("#status[data-state=paused]")
        assert page.inner_text("#listen") == "Resume listening"
        page.keyboard.press("KeyL")
        page.wait_for_selector("#status[data-state=live]")
        page.screenshot(path=str(ARTIFACTS / "overlay-narrow.png"), full_page=True)
    finally:
        browser.close()


def test_the_overlay_reconnects_after_a_network_drop_and_loses_or_doubles_no_word(playwright_api, scripted_server):  # type: ignore[no-untyped-def]
    proxy = TcpProxy(scripted_server.port)
    browser = _launch(playwright_api)
    try:
        page = browser.new_context(permissions=["microphone"]).new_page()
        page.goto(proxy.url + "/")
        # With a profile the grounded opening is followed by the model's sentences, streamed
        # word by word at 12 tokens/s: long enough to cut the link in the middle of them.
        page.click("#load-sample")
        page.wait_for_function("() => document.getElementById('resume').value.length > 50")
        page.get_by_role("button", name="Start session and listen").click()
        page.wait_for_selector("#status[data-state=live]", timeout=30_000)
        session = page.evaluate("window.firstword.state.session")
        page.fill("#ask-text", "Tell me about a project you led.")
        page.press("#ask-text", "Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.answer.streaming .answer-text')].some(e => e.textContent.split(' ').length >= 5)"
        )
        # Every state the status passes through, however briefly: a reconnect on loopback can be
        # over before a selector wait would look.
        page.evaluate(
            """() => {
                const status = document.getElementById('status');
                window.statesSeen = [];
                new MutationObserver(() => window.statesSeen.push(status.dataset.state))
                    .observe(status, { attributes: true, attributeFilter: ['data-state'] });
            }"""
        )
        assert proxy.cut() >= 1  # the network drops mid-answer
        page.wait_for_function("() => window.statesSeen.includes('reconnecting')", timeout=10_000)
        page.wait_for_selector("#status[data-state=live]", timeout=15_000)
        page.wait_for_selector(".answer.done", timeout=30_000)
        # The answer's own words, without the critic's notes beside a struck sentence.
        shown = page.evaluate(
            """() => {
                const text = document.querySelector('.answer.done .answer-text').cloneNode(true);
                text.querySelectorAll('.why').forEach((note) => note.remove());
                return text.textContent;
            }"""
        )
        done = _answer_done_text(scripted_server.url, session["session_id"], session["owner_token"])
        assert shown.strip() == done.strip(), "every word once, in order"
        assert page.locator(".answer").count() == 1
        struck = page.locator(".answer.done del.retracted").count()
        assert page.locator(".answer.done .why").count() == struck, "each retraction shown once"
    finally:
        browser.close()
        proxy.close()


def test_a_restarted_answer_replaces_its_draft_in_place_and_a_retraction_is_struck_through(playwright_api, scripted_server):  # type: ignore[no-untyped-def]
    """Events rendered by the pages' own code: one card per question; the restart replaces the
    early text where it stood (the draft one click away, not a red card); a retracted sentence is
    struck through in place with its reason reachable by keyboard, and the correction after it."""
    browser = _launch(playwright_api)
    try:
        page = browser.new_context().new_page()
        page.goto(scripted_server.url + "/watch/none#token=none")
        answer = "Startups move fast. I led 40 engineers."
        events = [
            {"seq": 1, "type": "transcript.final", "turn": 1, "data": {"text": "Why do you want this role", "replaces": []}},
            {"seq": 2, "type": "answer.started", "turn": 1, "data": {"answer_id": 1, "trigger": "speculative", "question": "Why do you want this role"}},
            {"seq": 3, "type": "answer.delta", "turn": 1, "data": {"answer_id": 1, "text": " Because"}},
            {"seq": 4, "type": "answer.cancelled", "turn": 1, "data": {"answer_id": 1, "reason": "transcript_changed", "text": "Because"}},
            {"seq": 5, "type": "answer.started", "turn": 1, "data": {"answer_id": 2, "trigger": "final", "question": "Why do you want this role at a startup"}},
            {"seq": 6, "type": "answer.delta", "turn": 1, "data": {"answer_id": 2, "text": " Startups move fast."}},
            {"seq": 6, "type": "answer.delta", "turn": 1, "data": {"answer_id": 2, "text": " Startups move fast."}},
            {"seq": 7, "type": "answer.delta", "turn": 1, "data": {"answer_id": 2, "text": " I led 40 engineers."}},
            {"seq": 8, "type": "answer.done", "turn": 1, "data": {"answer_id": 2, "text": answer, "trigger": "final"}},
            {"seq": 9, "type": "answer.retracted", "turn": 1, "data": {"answer_id": 2, "start": 20, "end": 39, "reason": "unsupported", "evidence": "the number '40': not in your profile or the question"}},
            {"seq": 10, "type": "answer.corrected", "turn": 1, "data": {"answer_id": 2, "text": "I led a team of four.", "start": 20, "end": 39}},
            {"seq": 11, "type": "turn.latency", "turn": 1, "data": {"e2e_first_word_ms": 412.4, "endpoint_delay_ms": 320, "llm_ttft_ms": 81}},
        ]
        page.evaluate(
            """async (events) => {
                const { SessionView } = await import('/static/common.js');
                const ids = ['transcript', 'interim', 'answers', 'pinned'];
                const view = new SessionView(Object.fromEntries(ids.map(id => [id, document.getElementById(id)])));
                document.getElementById('answers').replaceChildren();
                for (const event of events) view.apply(event);
            }""",
            events,
        )
        cards = page.locator("#answers .answer")
        assert cards.count() == 1, "one card per question"
        card = page.locator(".answer[data-answer-id='2']")
        assert "cancelled" not in (card.get_attribute("class") or ""), "no red label for a restart"
        text = card.locator(".answer-text")
        assert text.locator("del.retracted").inner_text() == "I led 40 engineers."
        assert text.locator("ins.correction").inner_text().strip() == "I led a team of four."
        assert "not in your profile" in text.locator(".why").inner_text()
        assert text.inner_text().startswith("Startups move fast."), "a repeated event is shown once"
        # The draft it replaced is one click away, not on screen.
        drafts = card.locator("details.drafts")
        assert drafts.locator("summary").inner_text() == "1 earlier draft"
        assert not drafts.locator(".draft").is_visible()
        drafts.locator("summary").click()
        assert "Because" in drafts.locator(".draft").inner_text()
        assert "final transcript changed the question" in drafts.locator(".draft").inner_text()
        # The retraction's reason is reachable by keyboard: the struck sentence takes the focus.
        text.locator("del.retracted").focus()
        assert page.evaluate("document.activeElement.matches('del.retracted')")
        assert "412 ms to first word" in card.inner_text() and "endpoint 320 ms" in card.inner_text()
        # The page was opened on no session only to borrow its layout (the events are applied by
        # hand), so it says it cannot watch one: the picture is of the card alone.
        card.screenshot(path=str(ARTIFACTS / "restarted-answer.png"))
    finally:
        browser.close()
