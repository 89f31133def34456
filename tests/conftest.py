from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speech"

# Admission by load (firstword.capacity) is sized for one machine's real speakers; a test makes
# many sessions at once on servers of its own (in this process or child processes, some of them
# shared by a whole module), so they take as many as a test makes unless the test sets a
# capacity itself (tests/test_capacity.py, tests/test_bench_capacity.py).
for _key, _value in (("FIRSTWORD_CAPACITY__MAX_ACTIVE_SESSIONS", "1000"),
                     ("FIRSTWORD_CAPACITY__MAX_CPU_SHARE", "1000"),
                     ("FIRSTWORD_CAPACITY__MAX_DECODE_BUSY", "2")):
    os.environ.setdefault(_key, _value)


@pytest.fixture(autouse=True)
def _hermetic_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Servers built in tests keep their embedded database in a temporary folder, never in the
    # user's data directory.
    monkeypatch.setenv("FIRSTWORD_DATA_DIR", str(tmp_path_factory.mktemp("data")))


def corpus_dir() -> Path:
    """The shared speech corpus, or a loud skip when it is absent."""
    if not (CORPUS / "manifest.jsonl").is_file():
        pytest.skip(f"speech corpus not found at {CORPUS} (../shared/corpus/speech): real-recording test skipped")
    return CORPUS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class InLoopServer:
    """uvicorn serving an app inside the test's event loop, on a loopback port."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        settings = getattr(app.state, "settings", None)
        max_frame = settings.server.ws_max_frame_bytes if settings is not None else 2**20
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", ws_max_size=max_frame)
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> InLoopServer:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self._task is not None:
            # A test that failed may leave streams open that would keep a graceful shutdown
            # waiting for ever: give it a few seconds, then force it.
            done, _ = await asyncio.wait({self._task}, timeout=5)
            if not done:
                self.server.force_exit = True
            await self._task


async def ask_the_bundled_server(script: Any, *, pause_s: float) -> list[dict[str, Any]]:
    """``script`` (a ``bench.prefetch.Script``) asked of a real server with the bundled engines,
    with prefetching on, as ``bench prefetch`` asks it: one record per question."""
    import httpx

    from firstword.bench.prefetch import run_session
    from firstword.config import Settings
    from firstword.engines import load_engines
    from firstword.server.app import create_app

    settings = Settings()
    async with InLoopServer(create_app(settings, load_engines(settings))) as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=60) as http:
            return await run_session(http, script, prefetch=True, pause_s=pause_s)
