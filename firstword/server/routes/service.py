"""The service itself: /healthz (what runs on this node) and /api (a short guide to the API;
the overlay page is at /)."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from firstword import __version__
from firstword.engines import Engines
from firstword.server.dependencies import RegistryDep, SettingsDep, StoreDep
from firstword.server.errors import error_responses
from firstword.store.base import Store

router = APIRouter(tags=["service"])

INDEX_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>firstword</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}pre{padding:.6rem;overflow:auto}</style>
</head><body>
<h1>firstword is running</h1>
<p>The copilot overlay is at <a href="/">/</a>.</p>
<p>A streaming-first conversation server: audio in, the first word of an answer out, fast.</p>
<ol>
<li><code>POST /sessions</code> → <code>session_id</code>, <code>owner_token</code>, <code>ws_url</code>, <code>events_url</code></li>
<li>Open <code>ws_url?token=…</code>; send binary frames of PCM16 little-endian 16 kHz mono audio (20 ms = 640 bytes);
receive JSON events (<code>speech.*</code>, <code>transcript.*</code>, <code>answer.*</code>, <code>turn.latency</code>).</li>
<li>Or follow <code>events_url?token=…</code> as Server-Sent Events (<code>id:</code> is the sequence number; reconnect with
<code>Last-Event-ID</code>).</li>
</ol>
<p>Try it from a terminal: <code>firstword listen recording.wav</code>. Health: <a href="/healthz">/healthz</a>,
API schema: <a href="/docs">/docs</a>.</p>
</body></html>
"""


@router.get("/api", response_class=HTMLResponse, responses=error_responses(400))
async def api_help() -> str:
    return INDEX_HTML


@router.get("/healthz", responses=error_responses(400))
async def healthz(registry: RegistryDep, settings: SettingsDep, store: StoreDep) -> dict[str, Any]:
    engines: Engines = registry.engines
    return {
        "status": "ok",
        "version": __version__,
        "node": registry.hub.node_id,
        "hub": settings.hub.backend,
        "engines": engines.describe(),
        "sessions": len(registry),
        # What this node carries (firstword.capacity) and its process CPU seconds so far, from
        # which `firstword bench capacity` computes each stage's CPU per session-minute.
        "load": asdict(registry.admission.snapshot()),
        "cpu_s": round(time.process_time(), 3),
        "decoder": None if engines.decoder is None else engines.decoder.stats(),
        "store": None if store is None else _store_stats(store),
        "endpointing": settings.endpointing.model_dump(),
    }


def _store_stats(store: Store) -> dict[str, Any]:
    stats = store.stats()
    return {
        "buffered": stats.buffered,
        "written": stats.written,
        "dropped": stats.dropped,
        "failed_flushes": stats.failed_flushes,
        "last_error": stats.last_error,
    }
