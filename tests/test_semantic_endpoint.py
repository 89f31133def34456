"""Semantic end of turn: the silence a transcript's ending asks for."""

from __future__ import annotations

import pytest

from firstword.config import EndpointingConfig
from firstword.endpointing.semantic import ending_of, required_silence_ms


@pytest.mark.parametrize(
    ("text", "ending"),
    [
        ("Why this job?", "sentence"),
        ('He said "go."', "sentence"),
        ("Tell me about yourself!", "sentence"),
        ("From fairest creatures we desire increase,", "open"),
        ("and then...", "open"),
        ("Tell me about a time when you", "unpunctuated"),  # "you" can end a sentence
        ("Walk me through the", "open"),
        ("What made you choose this role because", "open"),
        ("I think I", "open"),
        ("Um", "open"),
        ("ask what you can do for your country", "unpunctuated"),
        ("1 2 3", "unpunctuated"),
        ("", "unpunctuated"),
    ],
)
def test_endings(text: str, ending: str) -> None:
    assert ending_of(text) == ending


def test_each_ending_asks_for_its_configured_silence() -> None:
    config = EndpointingConfig(end_silence_ms=320, mid_sentence_silence_ms=800, unpunctuated_silence_ms=480)
    assert required_silence_ms("Why?", config) == 320
    assert required_silence_ms("and the", config) == 800
    assert required_silence_ms("for your country", config) == 480
