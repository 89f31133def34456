"""espeak-ng as the voice: a separate program per sentence, its WAV read from its stdout as it comes.

Run as a program, not linked, so that firstword stays Apache-2.0 without the GPL-3.0 Piper extra
(README, "Voice"). A formant synthesizer: robotic, but it starts in milliseconds and needs no
model. The text goes in on stdin (never as an argument, which a text starting with "-" would turn
into an option); espeak-ng writes a WAV header whose sizes say "streaming" (0x7ffff000), then PCM
as it renders. Closing the iterator kills the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import struct
from collections.abc import AsyncIterator

from firstword.config import TtsConfig
from firstword.tts.base import BYTES_PER_SAMPLE, TtsError, chunk_bytes, speakable

# espeak-ng's own output rate (all its voices, 1.49-1.51); load() reads the real one from a WAV.
ESPEAK_RATE = 22_050
_PCM = 1
_MAX_HEADER_CHUNK = 1 << 16  # a "fmt " or "LIST" chunk larger than this is not espeak-ng's


class EspeakTts:
    """espeak-ng via ``espeak-ng --stdout --stdin``, one process per sentence."""

    name = "espeak"

    def __init__(self, config: TtsConfig, *, binary: str = "espeak-ng") -> None:
        self.sample_rate = ESPEAK_RATE
        self._voice = config.espeak_voice
        self._wpm = min(450, max(80, round(config.espeak_wpm * config.speed)))  # what espeak-ng takes
        self._chunk_ms = config.chunk_ms
        self._binary = binary
        self._path: str | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        async with self._lock:
            if self._path is not None:
                return
            path = shutil.which(self._binary)
            if path is None:
                raise TtsError(
                    f"tts.engine = 'espeak': the program {self._binary!r} is not on PATH. Install "
                    "Debian's espeak-ng (apt-get install espeak-ng, or `make espeak`), or set "
                    "tts.engine = 'none' for text only"
                )
            self._path = path
            # One word through the real path: a bad voice name fails here, at start-up, and
            # sample_rate becomes espeak-ng's own rather than assumed.
            try:
                async with contextlib.aclosing(self._run("ready")) as chunks:
                    async for _ in chunks:
                        pass
            except BaseException:
                self._path = None  # not loaded: the next load() tries again
                raise

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        return self._synthesize(text)

    async def _synthesize(self, text: str) -> AsyncIterator[bytes]:
        said = speakable(text)
        if not said:
            return
        await self.load()
        # aclosing: when this generator is closed, the process is killed now, not whenever the
        # inner generator is collected.
        async with contextlib.aclosing(self._run(said)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def _run(self, text: str) -> AsyncIterator[bytes]:
        assert self._path is not None
        proc = await asyncio.create_subprocess_exec(
            self._path, "--stdout", "--stdin", "-b", "1", "-v", self._voice, "-s", str(self._wpm),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        # Written beside the reading, so a long text can never fill both pipes at once.
        writer = asyncio.create_task(_feed(proc.stdin, text.encode("utf-8")))
        try:
            rate = await _read_header(proc.stdout)
            if rate is None:
                await proc.wait()
                err = (await proc.stderr.read()).decode("utf-8", "replace").strip()
                raise TtsError(
                    f"tts.engine = 'espeak': espeak-ng wrote no WAV (exit {proc.returncode}"
                    f"{': ' + err if err else ''}); check tts.espeak_voice = {self._voice!r} "
                    "against `espeak-ng --voices`"
                )
            self.sample_rate = rate
            size = chunk_bytes(rate, self._chunk_ms)
            carry = b""
            while True:
                try:
                    block = await proc.stdout.readexactly(size)
                except asyncio.IncompleteReadError as exc:
                    block = exc.partial
                block = carry + block
                # A pipe may split a sample; keep its first byte for the next chunk.
                cut = len(block) - len(block) % BYTES_PER_SAMPLE
                carry = block[cut:]
                if cut:
                    yield block[:cut]
                if len(block) < size:
                    break
            if await proc.wait() != 0:
                err = (await proc.stderr.read()).decode("utf-8", "replace").strip()
                raise TtsError(f"tts.engine = 'espeak': espeak-ng failed (exit {proc.returncode}): {err}")
        finally:
            writer.cancel()
            if proc.returncode is None:
                # Stopped mid-sentence (closed iterator or cancelled task): the rest is not wanted.
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                # wait() returns only once stdout has reached its end, and a reader whose buffer
                # filled while nobody read it has stopped reading: drain what is left (at most
                # a pipe's and a buffer's worth) or wait() never returns.
                while await proc.stdout.read(1 << 16):
                    pass
                await proc.wait()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await writer

    async def aclose(self) -> None:
        """Nothing is held between sentences."""


async def _feed(stdin: asyncio.StreamWriter, data: bytes) -> None:
    try:
        stdin.write(data)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the process ended (killed, or failed; its exit status says which)
    finally:
        stdin.close()


async def _read_header(stdout: asyncio.StreamReader) -> int | None:
    """Reads a WAV header up to the start of its PCM; the sample rate, or None when espeak-ng
    wrote nothing. ``TtsError`` for a WAV that is not PCM16 mono."""
    try:
        riff = await stdout.readexactly(12)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise TtsError(f"espeak-ng's output ended inside its WAV header ({len(exc.partial)} bytes)") from None
    if riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise TtsError(f"espeak-ng's output is not a WAV (starts {riff[:12]!r})")
    rate: int | None = None
    try:
        while True:
            chunk_id, length = struct.unpack("<4sI", await stdout.readexactly(8))
            if chunk_id == b"data":
                if rate is None:
                    raise TtsError("espeak-ng's WAV has its data before its format")
                return rate
            if length > _MAX_HEADER_CHUNK:
                raise TtsError(f"espeak-ng's WAV has a {length}-byte {chunk_id!r} chunk before its data")
            body = await stdout.readexactly(length + (length & 1))
            if chunk_id == b"fmt ":
                fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
                if (fmt, channels, bits) != (_PCM, 1, 8 * BYTES_PER_SAMPLE):
                    raise TtsError(
                        f"espeak-ng wrote format {fmt}, {channels} channel(s), {bits} bits; "
                        "expected PCM16 mono"
                    )
    except asyncio.IncompleteReadError:
        raise TtsError("espeak-ng's output ended inside its WAV header") from None
