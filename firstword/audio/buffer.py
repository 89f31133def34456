"""A bounded in-memory buffer of a session's audio, addressed by absolute sample index.

Audio never touches disk; the buffer keeps only the most recent ``capacity_s`` seconds, enough for
the longest segment the STT decodes in one piece plus its pre-roll.
"""

from __future__ import annotations

import numpy as np

from firstword.audio.format import SAMPLE_RATE


class AudioBuffer:
    def __init__(self, capacity_s: float = 40.0) -> None:
        self._capacity = int(capacity_s * SAMPLE_RATE)
        self._data = np.zeros(self._capacity, dtype=np.float32)
        self._end = 0  # absolute index one past the newest sample

    @property
    def end(self) -> int:
        return self._end

    @property
    def start(self) -> int:
        """Oldest absolute sample index still held."""
        return max(0, self._end - self._capacity)

    def append(self, samples: np.ndarray) -> None:
        n = len(samples)
        if n >= self._capacity:
            self._data[:] = samples[-self._capacity :]
        else:
            pos = self._end % self._capacity
            first = min(n, self._capacity - pos)
            self._data[pos : pos + first] = samples[:first]
            if first < n:
                self._data[: n - first] = samples[first:]
        self._end += n

    def slice(self, start: int, end: int) -> np.ndarray:
        """Samples [start, end) as a new array; the part already dropped is not returned."""
        start = max(start, self.start)
        end = min(end, self._end)
        if end <= start:
            return np.zeros(0, dtype=np.float32)
        a, b = start % self._capacity, end % self._capacity
        if a < b or (b == 0 and end - start == self._capacity - a):
            return self._data[a : a + (end - start)].copy()
        return np.concatenate([self._data[a:], self._data[:b]])
