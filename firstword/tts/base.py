"""The TTS stage's interface: the audio of one sentence, streamed as PCM16 chunks, cancellable.

The answer streams as text; ``firstword.tts.sentences.sentences_of_stream`` cuts it into
sentences as each one completes, and each sentence goes to ``TtsEngine.synthesize`` while the
model is still writing the next. An engine yields little-endian signed 16-bit mono PCM at its
own ``sample_rate`` (Piper's joe: 22 050 Hz; espeak-ng: 22 050 Hz), in chunks of at most
``TtsConfig.chunk_ms`` of audio, the first as soon as it exists.

Cancellation is by closing the iterator: ``aclose()``, best as ``contextlib.aclosing`` around
the ``async for``, so that a ``break`` or a cancelled task closes it at once (an iterator merely
left is closed only when the garbage collector gets to it). The engine then stops its work
promptly (kills its process, drops the pieces not yet rendered) rather than let it run on. Heavy work never runs on the event
loop: Piper renders in a worker thread, espeak-ng is a separate process.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Protocol

BYTES_PER_SAMPLE = 2  # PCM16


class TtsError(RuntimeError):
    """The engine cannot speak (not installed, voice missing, process failed); the message names
    the engine and the fix."""


class TtsEngine(Protocol):
    name: str
    # Rate of the PCM that ``synthesize`` yields, in Hz; known before ``load()``.
    sample_rate: int

    async def load(self) -> None:
        """Load the voice and warm it up (the first synthesis of a fresh voice is the slowest);
        idempotent, and safe to call from several tasks at once. ``synthesize`` calls it too."""
        ...

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """PCM16 little-endian mono chunks of ``text`` (one sentence), each as soon as it is
        ready; nothing for text with nothing to say. Raises ``TtsError``."""
        ...

    async def aclose(self) -> None:
        """Release what the engine holds (worker thread, voice); idempotent."""
        ...


def chunk_bytes(sample_rate: int, chunk_ms: int) -> int:
    """Bytes of PCM16 in ``chunk_ms`` of audio: a whole number of samples, at least one."""
    return max(1, sample_rate * chunk_ms // 1000) * BYTES_PER_SAMPLE


def split_pcm(pcm: bytes, size: int) -> list[bytes]:
    """``pcm`` cut into pieces of ``size`` bytes (the last may be shorter)."""
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


# Markdown the advisors write ("**Situation**", "`kubectl`", "[link](url)", "## Heading") that a
# voice would otherwise read out or stumble on; espeak-ng says "asterisk" for "*".
# Only the marks themselves go: "C#", "x > 3" and snake_case keep their characters.
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}|>+)[ \t]+", re.MULTILINE)
_MARKUP = re.compile(r"\*+|`+|~~|__+|\|")
_SPACES = re.compile(r"\s+")


def speakable(text: str) -> str:
    """``text`` as it should be said: markdown marks and links' targets removed, one line."""
    text = _LINK.sub(r"\1", text)
    text = _LINE_MARK.sub("", text)
    text = _MARKUP.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    # Nothing but punctuation left ("—", "...") has nothing to say.
    return text if any(ch.isalnum() for ch in text) else ""
