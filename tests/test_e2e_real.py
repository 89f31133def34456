"""End to end with the real bundled engines (Silero VAD, Whisper tiny.en, SmolLM2) over the real
WebSocket on loopback, fed a real recording in real time. Also checks that no audio reaches disk.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from firstword.audio.recording import load_recording
from firstword.client import FirstwordClient
from firstword.config import Settings
from firstword.engines import load_engines
from firstword.events import EventType, standing_finals
from firstword.server.app import create_app
from firstword.stt.textnorm import wer
from tests.conftest import InLoopServer, corpus_dir

pytestmark = [pytest.mark.e2e, pytest.mark.engine]

_WRITES: list[str] = []
_WATCHING = False


def _audit(event: str, args: tuple) -> None:
    # Every file this process opens for writing while the session runs (Python-level opens).
    if not _WATCHING or event != "open":
        return
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
    )
    name = str(path)
    if writing and not name.endswith(".pyc") and "__pycache__" not in name and not name.startswith("/dev/"):
        _WRITES.append(name)


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def engines():
    return load_engines(Settings())


def _files_under(root: Path) -> set[Path]:
    found: set[Path] = set()
    for dirpath, _, names in os.walk(root):
        found.update(Path(dirpath) / n for n in names)
    return found


async def test_real_recording_is_transcribed_and_answered_in_real_time_without_touching_disk(engines):
    global _WATCHING
    corpus = corpus_dir()
    audio = load_recording(corpus / "whisper_jfk.wav")
    tmp_before = _files_under(Path(tempfile.gettempdir()))
    cwd_before = _files_under(Path.cwd() / "firstword")
    async with InLoopServer(create_app(Settings(), engines)) as srv:
        client = FirstwordClient(srv.url)
        try:
            session = await client.create_session()
            _WATCHING = True
            try:
                record = await client.stream(session, audio, realtime=True, trailing_silence_ms=2500)
            finally:
                _WATCHING = False
        finally:
            await client.aclose()
    assert _WRITES == [], f"the server opened files for writing during a session: {_WRITES}"
    new_tmp = {p for p in _files_under(Path(tempfile.gettempdir())) - tmp_before if "pytest" not in str(p)}
    assert not {p for p in new_tmp if p.suffix.lower() in {".wav", ".pcm", ".raw", ".flac", ".ogg"}}
    assert _files_under(Path.cwd() / "firstword") - cwd_before == set()

    finals = " ".join(e.data["text"] for e in standing_finals(r.event for r in record.events)).lower()
    assert "fellow americans" in finals and "what you can do for your country" in finals
    reference = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    assert wer(reference, finals) <= 0.25
    interims = record.of_type(EventType.TRANSCRIPT_INTERIM)
    assert interims, "interim transcripts stream while the speaker talks"
    # Stable words never flicker: within a segment, each interim's stable text extends the last.
    by_segment: dict[float, list[str]] = {}
    for r in interims:
        by_segment.setdefault(r.event.data["audio_start_ms"], []).append(r.event.data["stable"])
    for stables in by_segment.values():
        for before, after in zip(stables, stables[1:]):
            assert after.startswith(before), (before, after)
    done = record.of_type(EventType.ANSWER_DONE)
    assert done and done[-1].event.data["text"].strip()
    latency = record.of_type(EventType.TURN_LATENCY)
    assert latency and latency[-1].event.data["e2e_first_word_ms"] is not None
    assert not record.errors and not record.timed_out
