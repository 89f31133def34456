"""API help at /api: what is running and how to talk to it (the overlay page is at /)."""

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
