"""Text of an uploaded PDF, read in a child process under a wall-time, memory and page limit.

pypdf is pure Python: one hostile PDF (5 pages sharing one Flate stream of 100 000 text
operators) kept it busy for 20 s, and run in a request handler that froze the event loop and
every live session with it. So the server never parses a PDF itself: each upload starts
``python -m firstword.answerer.pdf_worker``, which reads the PDF's bytes on stdin, limits its
own address space (RLIMIT_AS) and CPU time, and writes one JSON object on stdout:
``{"text": ...}`` or ``{"error": kind, "message": ...}``. The parent kills it at the wall-time
limit. A fresh process per PDF costs ~0.1 s and leaves nothing behind to clean up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import resource
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from firstword.answerer.profile import MAX_FIELD_CHARS, PdfNoText, PdfTooLarge, ProfileError, read_pdf_text

if TYPE_CHECKING:  # the child must not load pydantic: 0.3 s of start-up on every PDF
    from firstword.config import ServerConfig

MODULE = "firstword.answerer.pdf_worker"
# Exit status of a child that ran out of its address space (MemoryError under RLIMIT_AS).
EXIT_MEMORY = 3

# too_large: over the page or text limit (413); empty: no text, a scan (400); unreadable,
# memory, timeout: the PDF could not be read within the limits (422); busy: no free slot (503).
PdfErrorKind = Literal["too_large", "empty", "unreadable", "memory", "timeout", "busy"]


class PdfError(Exception):
    def __init__(self, kind: PdfErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: PdfErrorKind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class PdfLimits:
    """What one extraction may take; the reasons are beside the settings (ServerConfig.pdf_*)."""

    timeout_s: float
    memory_mb: int
    max_pages: int
    max_chars: int = MAX_FIELD_CHARS

    @classmethod
    def from_config(cls, server: ServerConfig) -> PdfLimits:
        return cls(server.pdf_timeout_s, server.pdf_memory_mb, server.pdf_max_pages)


async def extract_pdf_text(data: bytes, limits: PdfLimits) -> str:
    """The PDF's text, read by a child process that is killed once ``limits.timeout_s`` pass.

    Raises ``PdfError``. The child is always gone (killed and reaped) when this returns, also
    when the caller is cancelled (a client that hung up mid-upload)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE,
        str(limits.memory_mb), str(limits.max_pages), str(limits.max_chars), str(limits.timeout_s),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        # pypdf warns on stderr about every oddity of a malformed file; nobody reads it.
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(data), limits.timeout_s)
    except TimeoutError:
        raise PdfError("timeout", f"reading the PDF took longer than {limits.timeout_s:g} s") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()  # reaped: no zombie left behind
    return _parse_result(out, proc.returncode, limits)


def _parse_result(out: bytes, returncode: int | None, limits: PdfLimits) -> str:
    try:
        result = json.loads(out)
    except ValueError:
        result = None
    if isinstance(result, dict) and isinstance(result.get("text"), str):
        return result["text"]
    if isinstance(result, dict) and result.get("error") in ("too_large", "empty", "unreadable", "memory"):
        kind: PdfErrorKind = result["error"]
        message = str(result.get("message", ""))
    elif returncode == EXIT_MEMORY:
        kind, message = "memory", ""
    else:  # killed by its CPU limit (SIGXCPU) or crashed: either way the PDF was not read
        kind, message = "unreadable", f"cannot read the PDF: the reader stopped (status {returncode})"
    if kind == "memory":
        message = f"reading the PDF needed more than {limits.memory_mb} MB of memory"
    raise PdfError(kind, message)


class PdfExtractor:
    """At most ``workers`` children at once; a PDF that finds no free slot within ``wait_s``
    is refused (``busy``) rather than queued without bound."""

    def __init__(self, limits: PdfLimits, workers: int, wait_s: float) -> None:
        self.limits = limits
        self.wait_s = wait_s
        self._slots = asyncio.Semaphore(workers)

    @classmethod
    def from_config(cls, server: ServerConfig) -> PdfExtractor:
        return cls(PdfLimits.from_config(server), server.pdf_workers, server.pdf_queue_wait_s)

    async def extract(self, data: bytes) -> str:
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_s)
        except TimeoutError:
            raise PdfError("busy", "the server is reading other PDFs") from None
        try:
            return await extract_pdf_text(data, self.limits)
        finally:
            self._slots.release()


# --- the child ------------------------------------------------------------------------------


def _limit_self(memory_mb: int, timeout_s: float) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU time as a second bound, should the parent die before it can kill this process.
    cpu_s = math.ceil(timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    # Below the server's priority: on a 2-core node the event loop wins a contended core.
    os.nice(10)


def _child(argv: list[str]) -> int:
    memory_mb, max_pages, max_chars, timeout_s = int(argv[0]), int(argv[1]), int(argv[2]), float(argv[3])
    _limit_self(memory_mb, timeout_s)
    data = sys.stdin.buffer.read()
    result: dict[str, str]
    try:
        text = read_pdf_text(data, max_pages=max_pages, max_chars=max_chars)
        # A lone surrogate from a hostile ToUnicode map could not be written out as UTF-8
        # later (events, store): replace it here, where the text enters.
        result = {"text": text.encode("utf-8", "replace").decode("utf-8")}
    except MemoryError:
        result = {"error": "memory", "message": ""}
    except PdfTooLarge as exc:
        result = {"error": "too_large", "message": str(exc)}
    except PdfNoText as exc:
        result = {"error": "empty", "message": str(exc)}
    except ProfileError as exc:
        result = {"error": "unreadable", "message": str(exc)[:500]}
    try:
        sys.stdout.write(json.dumps(result))
        sys.stdout.flush()
    except MemoryError:
        return EXIT_MEMORY
    return EXIT_MEMORY if result.get("error") == "memory" else 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
