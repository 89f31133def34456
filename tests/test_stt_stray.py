"""Stray symbols in a decode (firstword.stt.stray)."""

from __future__ import annotations

from firstword.stt.stray import drop_stray_symbols, is_stray


def test_a_token_of_symbols_alone_after_the_question_is_dropped() -> None:
    # Seen live: tiny.en wrote " //" after a reading's last sentence, and it was answered.
    assert drop_stray_symbols("because I care more about how you reason about the final answer. //") == (
        "because I care more about how you reason about the final answer."
    )
    assert drop_stray_symbols("// ♪ -") == ""
    assert drop_stray_symbols("well - I think so") == "well I think so"


def test_punctuation_alone_joins_the_word_before_it_so_a_cut_off_mark_still_counts() -> None:
    assert drop_stray_symbols("split it only when you have to ... //") == "split it only when you have to..."
    assert drop_stray_symbols("is that right ?") == "is that right?"
    assert drop_stray_symbols("... and then") == "and then"


def test_symbols_said_as_words_and_words_with_symbols_stay() -> None:
    assert drop_stray_symbols("R & D cut costs by 40 % in Q3") == "R & D cut costs by 40 % in Q3"
    assert drop_stray_symbols("C++ and C # at 9:30, $5k") == "C++ and C # at 9:30, $5k"
    assert drop_stray_symbols("café naïve — résumé") == "café naïve résumé"
    assert drop_stray_symbols("") == ""


def test_single_timed_words() -> None:
    assert is_stray(" //") and is_stray("-") and is_stray("...")
    assert not is_stray(" Americans,") and not is_stray("&") and not is_stray("2026")
