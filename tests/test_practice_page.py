"""The practice page (/practice) in a real browser: Debian's chromium, headless, driven by
Playwright against a real server with its default engines (Whisper tiny.en, Piper's voice or
espeak-ng), a corpus recording playing as the microphone (``--use-file-for-fake-audio-capture``).

- Nova's first question is played: the page's audio graph received her frames and scheduled
  them (``window.practiceAudio``) at the rate of ``voice.started``, and her question is on the
  page; the recorded answer is transcribed, a feedback card appears, and Nova asks again (a
  follow-up or the next question). An observer following the share link sees both sides and the
  feedback, and is sent no audio, not even when it asks for it.
- Barge-in: the microphone speaks while Nova is still asking; she stops (``voice.ended`` reason
  ``barge_in``), the page silences what it had scheduled and marks where she was cut off. This
  one runs at 360 px wide.
- Without Web Audio the page says so plainly, asks for no audio, and the interview goes on in
  text: a typed answer gets its feedback card; a dropped connection resumes with nothing shown
  twice.

Screenshots go to ``$FIRSTWORD_ARTIFACTS`` (default ``test-artifacts/browser``): practice.png,
practice-watch.png, practice-narrow.png, practice-text-only.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from firstword.audio.recording import load_recording
from firstword.bench.server_process import ServerProcess
from tests.test_browser import ARTIFACTS, CORPUS, _launch, _require_chromium, playwright_api  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

RATE = 16_000
ANSWER = "whisper_jfk.wav"  # 11 s: "And so my fellow Americans, ask not what your country can do for you…"
# The microphone opens when Nova listens (GATE_MICROPHONE); the answer starts a second later.
ANSWER_AFTER_S = 1.0
# The microphone opens as her second sentence starts (about 3.5 s long with the joe voice); the
# interruption comes 0.3 s later, into it.
BARGE_IN_AFTER_S = 0.0

# The microphone opens when the test says so: chromium's fake capture plays its file from the
# moment the device opens, and on two busy cores Nova's first sentence may take seconds to be
# synthesized, so "the answer starts N s after Start" would be a race. This is a candidate who
# grants the microphone a little late: the page calls getUserMedia at Start and waits for it.
GATE_MICROPHONE = """(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  window.releaseMicrophone = () => release();
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    window.microphoneAsked = constraints;
    await gate;
    return real(constraints);
  };
})();"""

# Collects, in the page, every event the view applied (the view's own listener interface).
COLLECT = """() => {
  window.seen = [];
  const view = window.firstword.view ?? window.firstword.practice;
  view.onChange((event) => window.seen.push(event));
}"""


def _recording(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"LOUD SKIP: {CORPUS} is absent (no recording for the fake microphone: ../shared/corpus/speech)")
    entries = [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text().splitlines() if line.strip()]
    assert any(entry.get("file") == name for entry in entries), f"{name} is not in the corpus manifest"
    return path


def _microphone(name: str, lead_s: float, tail_s: float, tag: str) -> tuple[Path, float]:
    """A 16-bit 16 kHz WAV for chromium's fake capture: ``lead_s`` of silence, the recording,
    ``tail_s`` of silence (then, with ``%noloop``, silence for ever). Returns it and the
    recording's length."""
    audio = load_recording(_recording(name))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / f"fake-mic-practice-{tag}.wav"
    lead = np.zeros(int(lead_s * RATE), dtype=np.float32)
    tail = np.zeros(int(tail_s * RATE), dtype=np.float32)
    soundfile.write(out, np.concatenate([lead, audio, tail]), RATE, subtype="PCM_16")
    return out, len(audio) / RATE


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:  # type: ignore[no-untyped-def]
    _require_chromium()
    data = tmp_path_factory.mktemp("practice-data")
    with ServerProcess({"FIRSTWORD_DATA_DIR": str(data)}) as process:
        yield process


def _events(page, type_: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.evaluate("(t) => window.seen.filter((e) => e.type === t)", type_)


def _wait_event(page, type_: str, count: int = 1, timeout_s: float = 90, where: str = "true") -> list[dict]:  # type: ignore[no-untyped-def]
    try:
        page.wait_for_function(
            f"([t, n]) => window.seen.filter((e) => e.type === t && ({where.replace('data', 'e.data')})).length >= n",
            arg=[type_, count],
            timeout=timeout_s * 1000,
        )
    except PlaywrightTimeout:
        seen = page.evaluate("window.seen.map((e) => e.type + ' ' + JSON.stringify(e.data).slice(0, 160))")
        pytest.fail(f"no {count}x {type_} ({where}) within {timeout_s} s; the page saw:\n" + "\n".join(seen[-40:]))
    return _events(page, type_)


class Frames:
    """What a page's WebSockets received: text and binary frames, counted."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.text = 0
        self.binary = 0
        self.sockets = 0
        self.sent: list[str] = []  # the page's text frames up (its control messages)
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:  # type: ignore[no-untyped-def]
        self.sockets += 1
        ws.on("framereceived", self._frame)
        ws.on("framesent", lambda payload: self.sent.append(payload) if isinstance(payload, str) else None)

    def controls(self, type_: str) -> list[dict]:
        found = []
        for frame in self.sent:
            try:
                message = json.loads(frame)
            except ValueError:
                continue
            if message.get("type") == type_:
                found.append(message)
        return found

    def _frame(self, payload) -> None:  # type: ignore[no-untyped-def]
        if isinstance(payload, str):
            self.text += 1
        else:
            self.binary += 1


def _open_practice(browser, url: str, width: int, height: int):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": width, "height": height}, permissions=["microphone"], accept_downloads=True)
    context.add_init_script(GATE_MICROPHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The page's CSP allows no inline script or style: a violation is a bug of the page.
    page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
    frames = Frames(page)
    response = page.goto(url + "/practice")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("() => window.firstword?.view && window.practiceAudio")
    page.evaluate(COLLECT)
    return page, errors, frames


def _start_with_sample(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Use the sample profile").check()
    page.wait_for_function("() => document.getElementById('job').value.length > 50")
    page.get_by_role("button", name="Start the interview").click()
    page.wait_for_selector("#status[data-state=live]", timeout=30_000)


def _first_utterance(page) -> dict:  # type: ignore[no-untyped-def]
    started = _wait_event(page, "voice.started", timeout_s=60)[0]["data"]
    return started


def _dump(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """The events the page applied, for reading after a run (or a failure)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if page is None:
        return
    try:
        events = page.evaluate("window.seen ?? []")
    except Exception:  # the page is gone: nothing to keep
        return
    (ARTIFACTS / name).write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"the page scrolls sideways: {width[0]} px wide in a {width[1]} px window"


# ----- Nova asks out loud, hears a recorded answer, gives feedback, asks again; an observer follows


def test_nova_speaks_hears_the_answer_gives_feedback_and_asks_again_while_an_observer_follows(playwright_api, server):  # type: ignore[no-untyped-def]
    microphone, answer_s = _microphone(ANSWER, ANSWER_AFTER_S, 8.0, "answer")
    browser = _launch(playwright_api, microphone)
    page = None
    try:
        page, errors, owner_frames = _open_practice(browser, server.url, 1280, 1100)
        _start_with_sample(page)

        # Nova's first question: text on the page, her audio received and scheduled at the rate
        # voice.started gave.
        question = _wait_event(page, "practice.question", timeout_s=60)[0]["data"]
        first = _first_utterance(page)
        uid = str(first["utterance_id"])
        page.wait_for_function(
            "(id) => (window.practiceAudio.utterances[id]?.buffersScheduled ?? 0) >= 5", arg=uid, timeout=30_000
        )
        audio = page.evaluate("window.practiceAudio")
        played = audio["utterances"][uid]
        assert played["sampleRate"] == first["sample_rate"] and first["sample_rate"] >= 8000, (played, first)
        assert played["framesReceived"] >= played["buffersScheduled"] >= 5
        assert audio["framesReceived"] >= 5 and audio["samplesScheduled"] > first["sample_rate"] // 10
        assert owner_frames.binary >= 5, "the owner's WebSocket got Nova's audio as binary frames"
        assert page.inner_text("[data-testid=question]").strip() == question["text"].strip()
        assert page.locator(".plan-item").count() >= 3, "the plan is shown"

        # The owner shares a read-only link; an observer follows it while Nova is speaking.
        page.get_by_role("button", name="Share").click()
        page.wait_for_function("() => document.getElementById('watch-url').value !== ''")
        watch_url = page.input_value("#watch-url")
        session = page.evaluate("window.firstword.state.session")
        assert f"/watch/{session['session_id']}#token=" in watch_url
        watcher = browser.new_context(viewport={"width": 1000, "height": 1100})
        watch = watcher.new_page()
        watch_errors: list[str] = []
        watch.on("pageerror", lambda error: watch_errors.append(str(error)))
        watch.on("console", lambda m: watch_errors.append(m.text) if "Content Security Policy" in m.text else None)
        watch_frames = Frames(watch)
        watch.goto(watch_url)
        watch.wait_for_selector("#status[data-state=live]", timeout=15_000)
        watch.wait_for_selector("#practice:not([hidden])", timeout=15_000)
        # Even asking for audio on the observer's own WebSocket gets none.
        observer_token = watch_url.split("#token=")[1]
        watch.evaluate(
            """([url, token]) => {
              window.probe = { text: 0, binary: 0 };
              const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}&voice=1`);
              ws.binaryType = "arraybuffer";
              ws.onmessage = (m) => (typeof m.data === "string" ? window.probe.text++ : window.probe.binary++);
              window.probeSocket = ws;
            }""",
            [session["ws_url"], observer_token],
        )

        # She finishes her question, and the page reports what it played.
        ended = _wait_event(page, "voice.ended", timeout_s=90, where=f"data.utterance_id === {first['utterance_id']}")
        first_end = [e for e in ended if e["data"]["utterance_id"] == first["utterance_id"]][0]["data"]
        assert first_end["reason"] == "done", f"Nova was cut off: {first_end}"
        _wait_event(page, "practice.listening", timeout_s=30)
        asked = page.evaluate("window.microphoneAsked.audio")
        assert asked["echoCancellation"] and asked["noiseSuppression"] and asked["autoGainControl"], asked
        page.evaluate("window.releaseMicrophone()")  # the candidate answers now
        page.wait_for_selector("#mic-state[data-state=on]", timeout=15_000)
        page.wait_for_function(
            "(id) => window.practiceAudio.utterances[id].playedMs >= window.practiceAudio.utterances[id].scheduledMs - 50",
            arg=uid,
            timeout=15_000,
        )
        page.screenshot(path=str(ARTIFACTS / "practice-asking.png"))

        # The recorded answer: transcribed live, ended by the pause after it, feedback, and Nova asks again.
        finals = _wait_event(page, "user.transcript.final", timeout_s=ANSWER_AFTER_S + answer_s + 60)
        page.wait_for_selector("[data-testid=user-final]", timeout=10_000)
        # The whole answer, once it is over: a pause inside it ("and so my fellow Americans, …")
        # makes a final of its own, and the first may hold only its first words.
        ended_answer = _wait_event(page, "practice.answer_ended", timeout_s=60)[0]["data"]
        heard = ended_answer["text"].lower()
        # On failure, say how the answer ended and what was heard, piece by piece.
        assert "country" in heard or "americans" in heard, (
            ended_answer, [e["data"] for e in _events(page, "user.transcript.final")],
            [e["data"].get("text") for e in _events(page, "user.transcript.interim")][-6:],
        )
        feedback = _wait_event(page, "practice.feedback", timeout_s=30)[0]["data"]
        card = page.locator("[data-testid=feedback-card]").first
        card.wait_for(timeout=10_000)
        card_text = card.inner_text()
        assert "spoke for" in card_text.lower() and "wpm" in card_text and "/min" in card_text, card_text
        assert feedback["feedback"]["suggestion"]["text"] in card_text, card_text
        if feedback["feedback"]["kind"] in ("behavioural", "technical"):
            assert all(part in card_text.lower() for part in ("situation", "task", "action", "result")), card_text
        assert feedback["question_id"] == card.get_attribute("data-question-id")
        questions = _wait_event(page, "practice.question", count=2, timeout_s=60)
        second = questions[1]["data"]
        page.wait_for_function(
            "(text) => document.querySelector('[data-testid=question]').textContent.trim() === text.trim()",
            arg=second["text"],
            timeout=10_000,
        )
        second_voice = _wait_event(page, "voice.started", count=2, timeout_s=60)[1]["data"]
        page.wait_for_function(
            "(id) => (window.practiceAudio.utterances[id]?.buffersScheduled ?? 0) >= 3",
            arg=str(second_voice["utterance_id"]),
            timeout=30_000,
        )
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "practice.png"), full_page=True)

        # The observer: Nova's words, the candidate's, the feedback; never any audio.
        watch.wait_for_selector("[data-testid=feedback-card]", timeout=20_000)
        watch.wait_for_function(
            "(text) => document.querySelector('#practice [data-testid=question]').textContent.trim() === text.trim()",
            arg=second["text"],
            timeout=20_000,
        )
        nova_owner = page.locator(".msg.nova .nova-text").first.inner_text()
        nova_watch = watch.locator(".msg.nova .nova-text").first.inner_text()
        assert nova_watch.strip() and nova_watch.strip() == nova_owner.strip()
        assert watch.locator("[data-testid=user-final]").first.inner_text().strip() == finals[0]["data"]["text"].strip()
        probe = watch.evaluate("window.probe")
        assert probe["text"] > 5 and probe["binary"] == 0, f"an observer's WebSocket got audio: {probe}"
        assert watch_frames.binary == 0, "the observer page received binary frames"
        assert watch.locator("#done").count() == 0 and watch.locator("textarea").count() == 0, "an observer cannot answer"
        watch.screenshot(path=str(ARTIFACTS / "practice-watch.png"), full_page=True)

        # Finish: the report, rendered from its Markdown; the download is the same report.
        page.get_by_role("button", name="Finish").click()
        _wait_event(page, "practice.report", timeout_s=30)
        page.wait_for_selector("[data-testid=report] h3, [data-testid=report] p", timeout=10_000)
        with page.expect_download(timeout=15_000) as download:
            page.get_by_role("button", name="Download Markdown").click()
        assert download.value.suggested_filename.endswith(".md")
        report_md = Path(download.value.path()).read_text(encoding="utf-8")
        assert report_md.strip()
        watch.wait_for_selector("#practice [data-testid=report] :is(h3, p)", timeout=15_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(ARTIFACTS / "practice-report.png"), full_page=True)
        assert errors == [] and watch_errors == [], errors + watch_errors
    finally:
        _dump(page, "practice-events-answer.jsonl")
        browser.close()


# ----- barge-in, at 360 px -----------------------------------------------------------------------


def test_speaking_over_nova_cuts_her_off_and_the_page_marks_where(playwright_api, server):  # type: ignore[no-untyped-def]
    microphone, _ = _microphone(ANSWER, BARGE_IN_AFTER_S, 6.0, "barge-in")
    browser = _launch(playwright_api, microphone)
    page = None
    try:
        page, errors, frames = _open_practice(browser, server.url, 360, 780)
        _no_overflow(page)
        page.screenshot(path=str(ARTIFACTS / "practice-narrow-setup.png"), full_page=True)
        _start_with_sample(page)
        first = _first_utterance(page)
        # She is audibly speaking: the microphone opens, and the candidate talks over her. Her
        # second sentence is a long one (its text arrives with its first audio); on a busy machine
        # a sentence can take seconds to synthesize, and speech in such a gap is not over her.
        _wait_event(page, "answer.delta", count=2, timeout_s=60, where=f"data.answer_id === {first['answer_id']}")
        assert page.evaluate("(id) => window.practiceAudio.utterances[id].buffersScheduled", str(first["utterance_id"])) > 0
        page.evaluate("window.releaseMicrophone()")
        ended = _wait_event(page, "voice.ended", timeout_s=60, where=f"data.utterance_id === {first['utterance_id']}")
        end = [e for e in ended if e["data"]["utterance_id"] == first["utterance_id"]][0]["data"]
        assert end["reason"] == "barge_in", f"she was not interrupted: {end}"
        assert end["heard_ms"] is None or end["heard_ms"] <= end["audio_ms"] + 1, end
        cancelled = _events(page, "answer.cancelled")
        assert any(e["data"]["reason"] == "barge_in" for e in cancelled), cancelled

        # The page stopped what it had scheduled, and shows where she was cut off.
        uid = str(first["utterance_id"])
        state = page.evaluate(
            "(id) => { const u = window.firstword.player.utterance(Number(id)); return {sources: u.sources.size, heard: u.heardMs, scheduled: window.firstword.player.scheduledMs(u), cut: u.cut}; }",
            uid,
        )
        assert state["cut"] and state["sources"] == 0, state
        assert state["heard"] is not None and state["heard"] <= state["scheduled"] + 1, state
        assert page.evaluate("(id) => window.practiceAudio.utterances[id].reason", uid) == "barge_in"
        marked = page.locator(".msg.nova.cut-off").first
        marked.wait_for(timeout=10_000)
        assert "cut off" in marked.locator("[data-testid=cutoff-mark]").inner_text()
        said = marked.locator(".heard-part").inner_text().strip()
        unsaid = marked.locator("s.unheard").inner_text().strip() if marked.locator("s.unheard").count() else ""
        whole = " ".join(first["text"].split())
        assert " ".join(f"{said} {unsaid}".replace("not heard:", "").split()) == whole, (said, unsaid, whole)
        assert unsaid, "most of her greeting and question went unheard"

        # She listens: the interruption is the candidate's answer.
        _wait_event(page, "practice.listening", timeout_s=30)
        _wait_event(page, "user.transcript.final", timeout_s=60)
        page.wait_for_selector("[data-testid=user-final]", timeout=10_000)
        page.wait_for_timeout(500)
        _no_overflow(page)
        page.screenshot(path=str(ARTIFACTS / "practice-narrow.png"), full_page=True)
        # What the page heard was reported as it played, and once when she was cut off.
        played = [m for m in frames.controls("voice.played") if m["utterance_id"] == first["utterance_id"]]
        assert len(played) >= 2 and played[-1]["played_ms"] == max(m["played_ms"] for m in played), played
        assert abs(played[-1]["played_ms"] - state["heard"]) < 1, (played[-1], state)

        # Keyboard: the Done button is reachable by name; Enter (when not typing) sends done.
        page.get_by_role("button", name="Done answering").focus()
        assert page.evaluate("document.activeElement.id") == "done"
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("Enter")
        page.wait_for_function("() => true")
        deadline = 50
        while not frames.controls("practice.done") and deadline:
            page.wait_for_timeout(100)
            deadline -= 1
        assert frames.controls("practice.done"), "Enter did not send practice.done"
        assert errors == [], errors
    finally:
        _dump(page, "practice-events-barge-in.jsonl")
        browser.close()


# ----- no audio: said plainly, text only; typing; a reconnect repeats nothing -----------------------


def test_without_web_audio_the_page_says_so_and_the_interview_goes_on_in_text(playwright_api, server):  # type: ignore[no-untyped-def]
    browser = _launch(playwright_api)
    page = None
    try:
        context = browser.new_context(viewport={"width": 1000, "height": 1100})
        context.add_init_script("delete window.AudioContext; delete window.webkitAudioContext;")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None)
        frames = Frames(page)
        page.goto(server.url + "/practice")
        page.wait_for_function("() => window.firstword?.view")
        page.evaluate(COLLECT)
        page.get_by_label("Job description", exact=True).fill(
            "Backend engineer. Requirements: Python and PostgreSQL; you own services end to end; "
            "you work with product managers and designers."
        )
        page.get_by_role("button", name="Start the interview").click()
        warning = page.locator("#audio-warning")
        warning.wait_for(timeout=10_000)
        assert "Audio can't play in this browser: Nova's questions are shown as text." in warning.inner_text()
        question = _wait_event(page, "practice.question", timeout_s=60)[0]["data"]
        page.wait_for_function(
            "(text) => document.querySelector('[data-testid=question]').textContent.trim() === text.trim()", arg=question["text"]
        )
        assert frames.controls("practice.start"), frames.sent
        page.wait_for_function("() => document.querySelector('.msg.nova.done, .msg.nova.speaking')")

        # A typed answer: ended as typed, feedback, and the next question.
        page.get_by_label("Or type your answer").fill(
            "At my last job I owned the billing service. The invoices were late every month, so I "
            "rewrote the batch job in Python and added PostgreSQL indexes. As a result invoices went "
            "out two days earlier and support tickets fell by 30 percent."
        )
        page.get_by_label("Or type your answer").press("Enter")
        ended = _wait_event(page, "practice.answer_ended", timeout_s=30)[0]["data"]
        assert ended["by"] == "typed"
        page.wait_for_selector("[data-testid=feedback-card]", timeout=30_000)
        _wait_event(page, "practice.question", count=2, timeout_s=30)

        # A dropped connection resumes after the last event shown: nothing twice, nothing lost.
        # (the status reads "live" until the old socket's close arrives: wait for the new socket)
        page.evaluate("window.droppedSocket = window.firstword.stream.ws; window.firstword.stream.drop()")
        page.wait_for_function(
            "() => window.firstword.stream.ws !== window.droppedSocket && window.firstword.stream.ws?.readyState === 1",
            timeout=15_000,
        )
        page.wait_for_selector("#status[data-state=live]", timeout=15_000)
        page.get_by_label("Or type your answer").fill("I would start by reading the code and the runbooks, then ask the team.")
        page.get_by_label("Or type your answer").press("Enter")
        _wait_event(page, "practice.feedback", count=2, timeout_s=30)
        _wait_event(page, "practice.question", count=3, timeout_s=30)
        page.wait_for_timeout(500)
        seqs = page.evaluate("window.seen.map((e) => e.seq).filter((s) => s !== null)")
        assert seqs == sorted(set(seqs)) and seqs == list(range(seqs[0], seqs[0] + len(seqs))), "events repeated or lost"
        started = len(_events(page, "answer.started"))
        assert page.locator(".msg.nova").count() == started
        assert page.locator("[data-testid=feedback-card]").count() == 2
        assert page.locator("[data-testid=user-typed]").count() == 2, "each typed answer is shown once"
        assert frames.binary == 0, "audio was sent to a page that said it cannot play it"
        unavailable = frames.controls("voice.unavailable")
        assert unavailable and "Web Audio" in unavailable[0]["reason"], frames.sent
        assert "voice=1" not in page.evaluate("window.firstword.stream.url"), "a page that cannot play asks for no audio"
        page.screenshot(path=str(ARTIFACTS / "practice-text-only.png"), full_page=True)
        assert errors == [], errors
    finally:
        _dump(page, "practice-events-text-only.jsonl")
        browser.close()
