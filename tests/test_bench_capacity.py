"""`firstword bench capacity`: its fixed JSON shape, admission seen from outside, and its plot.

The end-to-end test runs the real server (bundled Whisper and VAD, the scripted model for speed)
on two short corpus recordings: a level of 1 and a level of 2 against a node that takes one.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from firstword.bench.capacity import _concatenate, run
from firstword.bench.committed_lag import TimedWord
from firstword.bench.plots import capacity_plot
from tests.conftest import corpus_dir

SHORT = ("pocketsphinx_goforward.wav", "speech_recognition_english.wav")


def test_a_sessions_recordings_play_back_to_back_with_their_words_moved() -> None:
    import numpy as np

    audio, words = _concatenate([np.ones(16000, np.float32), np.ones(8000, np.float32)],
                                [[TimedWord("one", 0.9)], [TimedWord("two", 0.4)]])
    assert len(audio) == 16000 + 40000 + 8000  # 2.5 s of silence between
    assert [(w.text, w.end_s) for w in words] == [("one", 0.9), ("two", 1.0 + 2.5 + 0.4)]


def _level(sessions: int, admitted: int, p50: float, p95: float) -> dict:
    return {"sessions": sessions, "admitted": admitted, "refused": sessions - admitted, "turns": admitted,
            "answered": admitted, "e2e_first_word_ms": {"p50": p50, "p95": p95},
            "committed_lag_ms": {"p50": 900.0, "p90": 2000.0}, "cpu_percent": 50.0}


def test_the_plot_draws_both_runs_and_says_who_was_refused(tmp_path: Path) -> None:
    path = tmp_path / "capacity.svg"
    capacity_plot([_level(1, 1, 330, 900), _level(8, 2, 331, 800)], path, title="two cores",
                  compare=[_level(1, 1, 332, 700), _level(8, 8, 2669, 4039)], compare_name="before")
    assert ET.parse(path).getroot().tag.endswith("svg")  # well-formed
    text = path.read_text()  # matplotlib keeps each label's text in a comment beside its glyphs
    assert "two cores" in text and "before: p95" in text and "6 refused" in text


@pytest.mark.e2e
@pytest.mark.slow
def test_bench_capacity_reports_the_fixed_shape_and_refuses_past_capacity(tmp_path: Path) -> None:
    corpus = corpus_dir()
    small = tmp_path / "corpus"
    small.mkdir()
    lines = []
    for line in (corpus / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["file"] in SHORT:
            (small / entry["file"]).symlink_to(corpus / entry["file"])
            lines.append(json.dumps(entry))
    (small / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "capacity.json"
    env = {"FIRSTWORD_CAPACITY__MAX_ACTIVE_SESSIONS": "1", "FIRSTWORD_LLM__ENGINE": "scripted",
           "FIRSTWORD_PREFETCH__ENABLED": "false"}
    result = run(small, [1, 2], out, env=env, per_session=1, plot=tmp_path / "capacity.svg")
    assert json.loads(out.read_text())["levels"] == result["levels"]
    one, two = result["levels"]
    for level in (one, two):
        assert {"sessions", "admitted", "refused", "turns", "answered", "e2e_first_word_ms", "cpu_percent"} <= set(level)
        assert {"p50", "p95"} <= set(level["e2e_first_word_ms"])
    assert (one["sessions"], one["admitted"], one["refused"]) == (1, 1, 0)
    assert (two["sessions"], two["admitted"], two["refused"]) == (2, 1, 1)
    assert "full" in two["refusals"][0] and two["refusals"][0].startswith("503")
    assert one["turns"] == one["answered"] == 1
    assert one["e2e_first_word_ms"]["p50"] is not None and one["cpu_percent"] > 0
    assert one["committed_lag_ms"]["n"] > 0
    assert (tmp_path / "capacity.svg").stat().st_size > 0
