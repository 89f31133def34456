"""`firstword listen`'s view of a session: finals in the order they were said."""

from __future__ import annotations

from firstword.cli import _ListenView
from firstword.events import Event, TranscriptFinal


def final(seq: int, text: str, replaces: list[int] | None = None) -> Event:
    payload = TranscriptFinal(text=text, audio_start_ms=0, audio_end_ms=0, compute_ms=0, replaces=replaces or [])
    return Event(type="transcript.final", data=payload.model_dump(mode="json"), turn=1, seq=seq, ts=0.0)


def test_a_final_that_replaces_earlier_ones_takes_the_place_of_the_first() -> None:
    view = _ListenView()
    view.update(final(1, "Tell me about yourself."))
    view.update(final(2, "And why us?"))  # the next segment's early final
    # The first segment's final, decoded again, arrives after the second segment's.
    view.update(final(3, "Tell me about yourself,", replaces=[1]))
    assert list(view.turns[1]["finals"].values()) == ["Tell me about yourself,", "And why us?"]
    view.update(final(4, "Tell me about yourself, and why us?", replaces=[3, 2]))
    assert list(view.turns[1]["finals"].values()) == ["Tell me about yourself, and why us?"]
