"""Practice mode end to end with the real engines (Silero VAD, Whisper tiny.en, Piper's joe voice or
espeak-ng) in a real server process, over the real WebSocket with ``voice=1``, fed corpus
recordings in real time: ``firstword bench practice`` on one recording (the command, its JSON,
every turn answered with Nova's audio), and one spoken answer whose transcript is checked against
the manifest's reference before Nova replies with audio. The fake-engine flow is in
tests/test_practice_session.py.

One server process serves both tests (``--url`` for the benchmark), so the engines load once.
Its chat model is the scripted one: practice mode never uses it (Nova's words come from rules),
yet every session warms the local model's prompt prefix first, about 18 s on two cores before
``session.ready``; with it the module takes well over the ~90 s it should.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from firstword.audio.recording import load_recording
from firstword.bench.practice import Link
from firstword.bench.server_process import ServerProcess
from firstword.client import FirstwordClient
from firstword.events import EventType
from firstword.stt.textnorm import wer
from tests.conftest import corpus_dir

pytestmark = [pytest.mark.e2e, pytest.mark.engine, pytest.mark.slow]

# Short, clean recordings (a few seconds each) that tiny.en transcribes well.
BENCH_FILE = "pocketsphinx_sense_and_sensibility_01_austen_64kb-0930.wav"
ANSWER_FILE = "mfa_61-70968-0000.wav"


def _manifest_entry(corpus: Path, name: str) -> dict[str, Any]:
    for line in (corpus / "manifest.jsonl").read_text().splitlines():
        if line.strip() and (entry := json.loads(line))["file"] == name:
            return entry
    pytest.skip(f"{name} is not in {corpus / 'manifest.jsonl'}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    corpus_dir()  # skip before paying for the engines when the corpus is absent
    data = tmp_path_factory.mktemp("practice-e2e-data")
    process = ServerProcess({"FIRSTWORD_DATA_DIR": str(data), "FIRSTWORD_LLM__ENGINE": "scripted"})
    with process:
        yield process


def test_bench_practice_writes_its_json_and_every_turn_gets_a_spoken_reply(
    server: ServerProcess, tmp_path: Path
) -> None:
    corpus = corpus_dir()
    entry = _manifest_entry(corpus, BENCH_FILE)
    # A one-line corpus: the manifest may name the recording by its absolute path.
    mini = tmp_path / "corpus"
    mini.mkdir()
    (mini / "manifest.jsonl").write_text(json.dumps({**entry, "file": str(corpus / BENCH_FILE)}) + "\n")
    out = tmp_path / "practice.json"
    done = subprocess.run(
        [sys.executable, "-m", "firstword", "bench", "practice", "--corpus", str(mini), "--json", str(out),
         "--url", server.url, "--limit", "1"],
        capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}\n{server.log_tail()}"
    assert "reply_first_audio_ms" in done.stdout  # the human summary

    result = json.loads(out.read_text())
    summary = result["summary"]
    assert summary["turns"] == 1 == len(result["turns"])
    for key in ("reply_first_audio_ms", "decision_to_first_audio_ms", "barge_in_stop_ms"):
        assert set(summary[key]) >= {"p50", "p95"}, key
    assert "p50" in summary["end_of_answer_wait_ms"]
    assert summary["tts_rtf"] is not None and 0 < summary["tts_rtf"] < 1.0  # faster than she speaks
    for turn in result["turns"]:
        assert turn["error"] is None, turn
        assert turn["reply_text"], "Nova replied with words"
        assert turn["reply_first_audio_ms"] is not None and turn["decision_to_first_audio_ms"] is not None
        # The end of the answer came after the candidate stopped, and the audio after the decision.
        assert 0 < turn["end_of_answer_wait_ms"] <= turn["reply_first_audio_ms"]
        assert turn["decision_to_first_audio_ms"] >= 0
        assert turn["by"] == "pause" and turn["transcript"]
        assert turn["barge_in_reason"] in ("barge_in", "done", "stopped")
        if turn["barge_in_reason"] == "barge_in":
            assert turn["barge_in_stop_ms"] is not None
        # The speech played over her voice was an answer too, and she replied to it with audio.
        assert turn["barge_answer"] is not None and turn["barge_answer"]["reply_first_audio_ms"] is not None


async def test_a_spoken_answer_is_transcribed_and_nova_replies_with_her_voice(server: ServerProcess) -> None:
    corpus = corpus_dir()
    entry = _manifest_entry(corpus, ANSWER_FILE)
    samples = load_recording(corpus / ANSWER_FILE)
    client = FirstwordClient(server.url)
    try:
        session = await client.create_session(persona="nova")
        url = f"{session.ws_url}?token={session.owner_token}&voice=1"
        async with websockets.connect(url, max_size=2**22, open_timeout=30) as ws:
            link = Link(ws)
            tasks = [asyncio.create_task(link.receive())]
            try:
                assert await link.wait_for(lambda: link.find(0, EventType.SESSION_READY), 60) is not None
                # The microphone streams from here on (a quiet floor, then the recording).
                tasks.append(asyncio.create_task(link.microphone()))
                await ws.send(json.dumps({"type": "practice.start"}))
                asked = await link.wait_for(lambda: link.find(0, EventType.VOICE_STARTED), 60)
                assert asked is not None, "Nova did not start asking"
                assert await link.wait_for(lambda: link.first_audio(asked), 30) is not None, "no audio of hers"
                # "Stop" skips the rest of her greeting: she listens at once.
                await ws.send(json.dumps({"type": "stop"}))
                listening = await link.wait_for(lambda: link.find(asked, EventType.PRACTICE_LISTENING), 30)
                assert listening is not None
                playback = link.play(samples)
                ended = await link.wait_for(
                    lambda: link.find(playback.started_item, EventType.PRACTICE_ANSWER_ENDED),
                    len(samples) / 16000 + 30)
                assert ended is not None, "the answer never ended"
                reply = await link.wait_for(lambda: link.find(ended, EventType.VOICE_STARTED), 30)
                assert reply is not None, "Nova did not reply"
                first = await link.wait_for(lambda: link.first_audio(reply), 30)
                assert first is not None, "her reply had no audio"
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                        await task
        await client.close_session(session)
    finally:
        await client.aclose()

    finals = [link.data(i) for i in range(playback.started_item, ended)
              if (e := link.items[i].event) is not None and e.get("type") == EventType.USER_TRANSCRIPT_FINAL]
    assert finals, "no user.transcript.final for the answer"
    assert all(f["speaker"] == "user" for f in finals)
    heard = " ".join(f["text"] for f in finals)
    assert wer(entry["reference"], heard) <= 0.3, (entry["reference"], heard)
    answer = link.data(ended)
    assert answer["by"] == "pause" and answer["text"] == heard
    assert link.data(reply)["text"] and link.data(reply)["sample_rate"] > 0
    assert not [e for e in link.errors if e.get("code") != "replaced"], link.errors
