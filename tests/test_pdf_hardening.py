"""A hostile or broken PDF must not stall the server: uploads are read by a child process under
a wall-time, memory and page limit (answerer.pdf_worker), and every failure is a 4xx.

The hostile PDF is the probe's: 5 pages that all draw one shared Flate-compressed content
stream of 100 000 text operators (5.6 KB on disk, 20 s of pypdf in the request handler before).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstword.answerer import pdf_worker
from firstword.answerer.pdf_worker import PdfError, PdfLimits, extract_pdf_text
from firstword.answerer.profile import MAX_FIELD_CHARS, PdfTooLarge, ProfileError, read_pdf_text
from firstword.config import Settings
from firstword.server.app import create_app
from tests.conftest import InLoopServer
from tests.test_server import fake_engines, new_session

RESUME = Path(__file__).resolve().parents[1] / "bench" / "answers" / "profiles" / "sre" / "resume.pdf"
TIMEOUT_S = 1.5  # the hostile PDF needs > 4 s for its first page: the limit is what stops it


def build_pdf(content: bytes, pages: int, compress: bool = True) -> bytes:
    """A PDF written by hand: ``pages`` pages that all draw the same one content stream."""
    stream = zlib.compress(content, 9) if compress else content
    flate = b" /Filter /FlateDecode" if compress else b""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), flate) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"] * pages
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def hostile_pdf() -> bytes:
    return build_pdf(b"BT /F1 12 Tf 72 720 Td " + b"(text) Tj 0 -1 Td " * 100_000 + b"ET", pages=5)


SMALL = build_pdf(b"BT /F1 12 Tf 72 720 Td (Jordan Lee, staff engineer at Acme) Tj ET", pages=2, compress=False)
_ENTRY_64 = b"0000000015 00000 n \n0000000064 00000 n \n"
assert _ENTRY_64 in SMALL and b"xref\n0 7\n" in SMALL and b"trailer\n<< /Size 7 " in SMALL
# Each of these made pypdf raise what the old handler did not catch (a 500): two xref entries
# run together (TypeError), an xref of 750 billion entries (LimitReachedError), a trailer that
# is a number (AttributeError); and the plain broken ones.
BROKEN = {
    "truncated": SMALL[: len(SMALL) // 2],
    "garbage": b"%PDF-1.4\n" + bytes(range(256)) * 8,
    "xref_entries_run_together": SMALL.replace(_ENTRY_64, b"0000000015 00000 n 000 n \n"),
    "xref_too_large": SMALL.replace(b"xref\n0 7\n", b"xref\n0 750000000000\n"),
    "trailer_not_a_dictionary": SMALL.replace(b"trailer\n<< /Size 7 ", b"trailer\n7 << "),
}


def quick_limits() -> Settings:
    config = Settings()
    config.server.pdf_timeout_s = TIMEOUT_S
    return config


@pytest.fixture
async def server():
    async with InLoopServer(create_app(quick_limits(), fake_engines())) as srv:
        yield srv


def upload(name: str, data: bytes, kind: str = "application/pdf") -> dict[str, Any]:
    return {"file": (name, data, kind)}


def refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code, error
    return str(error["message"])


# --- over HTTP ------------------------------------------------------------------------------


async def test_a_hostile_pdf_is_refused_within_the_limit_and_the_server_keeps_answering(server):
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll_health(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            start = time.perf_counter()
            assert (await http.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(0.02)

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await http.get("/healthz")  # the connection is open before timing starts
        poller = asyncio.create_task(poll_health(http))
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as uploader:
            start = time.perf_counter()
            response = await uploader.post("/profile/extract", files=upload("cv.pdf", hostile_pdf()))
            took = time.perf_counter() - start
        done.set()
        await poller
    message = refused(response, 422, "invalid_request")
    assert f"longer than {TIMEOUT_S:g} s" in message and "paste" in message
    assert took < TIMEOUT_S + 1.5, took
    assert len(latencies) >= 10, latencies
    assert max(latencies) <= 0.1, f"/healthz took {max(latencies) * 1000:.0f} ms while the PDF was read"


async def test_the_pdf_reader_is_killed_at_the_time_limit(server, monkeypatch):
    started: list[asyncio.subprocess.Process] = []
    spawn = asyncio.create_subprocess_exec

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        proc = await spawn(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(pdf_worker.asyncio, "create_subprocess_exec", recording)
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.post(f"/sessions/{s['session_id']}/profile/resume", params={"token": s["owner_token"]},
                                   files=upload("cv.pdf", hostile_pdf()))
        refused(response, 422, "invalid_request")
        info = (await http.get(f"/sessions/{s['session_id']}", params={"token": s["owner_token"]})).json()
    assert "Alex Morgan" in info["profile"]["resume"]  # the sample profile is untouched
    assert len(started) == 1
    child = started[0]
    assert child.returncode == -signal.SIGKILL  # killed, not finished
    assert not Path(f"/proc/{child.pid}").exists()  # and reaped: no zombie
    assert not _pdf_children(), "a PDF reader outlived its request"


def _pdf_children() -> list[int]:
    """Processes of ours still running the PDF reader."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == os.getpid() and pdf_worker.MODULE.encode() in cmdline:
            found.append(int(entry.name))
    return found


async def test_a_normal_resume_pdf_still_extracts(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.post("/profile/extract", files=upload("resume.pdf", RESUME.read_bytes()))
    assert response.status_code == 200, response.text
    assert response.json()["text"] == read_pdf_text(RESUME)
    assert "TOMASZ NOWAK" in response.json()["text"]


@pytest.mark.parametrize("name", sorted(BROKEN))
async def test_a_broken_pdf_is_a_422_never_a_500(server, name):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        response = await http.post("/profile/extract", files=upload("cv.pdf", BROKEN[name]))
    assert "cannot read the PDF" in refused(response, 422, "invalid_request")


async def test_too_many_pages_and_too_much_text_are_413_on_both_endpoints(server):
    pages = Settings().server.pdf_max_pages + 1
    many_pages = build_pdf(b"BT /F1 12 Tf 72 720 Td (one line) Tj ET", pages=pages)
    # Two pages of 30 000 characters each: over the 50 000 a profile's resume may hold.
    long_pdf = build_pdf(b"BT /F1 12 Tf 72 720 Td (" + b"x" * 30_000 + b") Tj ET", pages=2)
    lines = "- Led the migration of 40 services to Kubernetes.\n" * 2_000
    long_text, at_limit = lines[:MAX_FIELD_CHARS] + "!", lines[: MAX_FIELD_CHARS - 1] + "!"
    s = await new_session(server)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for url, params in (("/profile/extract", {}),
                            (f"/sessions/{s['session_id']}/profile/resume", {"token": s["owner_token"]})):
            message = refused(await http.post(url, params=params, files=upload("cv.pdf", many_pages)),
                              413, "message_too_large")
            assert f"{pages} pages" in message and f"at most {pages - 1}" in message
            message = refused(await http.post(url, params=params, files=upload("cv.pdf", long_pdf)),
                              413, "message_too_large")
            assert f"longer than {MAX_FIELD_CHARS} characters" in message
            message = refused(await http.post(url, params=params, files=upload("cv.txt", long_text.encode(), "text/plain")),
                              413, "message_too_large")
            assert f"longer than {MAX_FIELD_CHARS} characters" in message
            # Just at the limit is accepted.
            ok = await http.post(url, params=params, files=upload("cv.txt", at_limit.encode(), "text/plain"))
            assert ok.status_code == 200, ok.text


async def test_text_uploads_keep_their_statuses(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        refused(await http.post("/profile/extract", files=upload("cv.txt", b"\xff\xfe", "text/plain")), 415, "bad_request")
        refused(await http.post("/profile/extract", files=upload("cv.txt", b"  \n", "text/plain")), 400, "bad_request")


async def test_when_every_reader_is_busy_the_next_pdf_gets_503():
    config = quick_limits()
    config.server.pdf_workers = 1
    config.server.pdf_queue_wait_s = 0.2
    async with InLoopServer(create_app(config, fake_engines())) as srv:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as http:
            first = asyncio.create_task(http.post("/profile/extract", files=upload("cv.pdf", hostile_pdf())))
            await asyncio.sleep(0.3)  # the hostile PDF holds the one slot for TIMEOUT_S
            second = await http.post("/profile/extract", files=upload("cv.pdf", SMALL))
            assert "try again" in refused(second, 503, "unavailable")
            assert second.headers["Retry-After"] == "2"
            refused(await first, 422, "invalid_request")
            # The slot is free again.
            assert (await http.post("/profile/extract", files=upload("cv.pdf", SMALL))).status_code == 200


# --- the reader itself ----------------------------------------------------------------------


async def test_the_child_process_runs_out_of_memory_as_a_422_kind():
    limits = PdfLimits(timeout_s=10, memory_mb=64, max_pages=20)
    with pytest.raises(PdfError) as refused_:
        await extract_pdf_text(hostile_pdf(), limits)
    assert refused_.value.kind == "memory" and "64 MB" in refused_.value.message


def test_read_pdf_text_applies_the_page_limit_and_names_every_pypdf_error():
    with pytest.raises(PdfTooLarge, match="3 pages; at most 2"):
        read_pdf_text(build_pdf(b"BT /F1 12 Tf (x) Tj ET", pages=3), max_pages=2)
    for data in BROKEN.values():
        with pytest.raises(ProfileError, match="cannot read the PDF"):
            read_pdf_text(data)


_MUTATION = st.tuples(
    st.integers(0, len(SMALL) - 1),
    st.sampled_from(["flip", "delete", "insert"]),
    st.sampled_from([b"<<", b">>", b"[", b"]", b" 0 R", b"-1", b"999999999999", b"(", b"null", b"/Kids", b"\x00"]),
)


def _mutate(data: bytes, mutations: list[tuple[int, str, bytes]]) -> bytes:
    out = bytearray(data)
    for position, op, token in mutations:
        position %= max(len(out), 1)
        if op == "flip":
            out[position] ^= 0xFF
        elif op == "delete":
            del out[position : position + len(token) * 3]
        else:
            out[position:position] = token
    return bytes(out)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MUTATION, min_size=1, max_size=4))
def test_a_mutated_pdf_is_read_or_refused_as_a_profile_error(mutations):
    # In process: what the child runs. Anything else pypdf raises would be a crash there.
    try:
        read_pdf_text(_mutate(SMALL, mutations))
    except ProfileError:
        pass


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MUTATION, min_size=1, max_size=4))
def test_a_mutated_pdf_through_the_child_is_text_or_a_known_refusal(mutations):
    try:
        text = asyncio.run(extract_pdf_text(_mutate(SMALL, mutations), PdfLimits(5, 512, 20)))
    except PdfError as exc:
        assert exc.kind in ("unreadable", "empty", "too_large"), exc.kind
    else:
        assert isinstance(text, str)
