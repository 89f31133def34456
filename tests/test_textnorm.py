from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firstword.stt.textnorm import (
    corpus_wer,
    int_to_words,
    normalize,
    ordinal_words,
    wer,
    word_errors,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("And so, my fellow Americans — ask not!", "and so my fellow americans ask not"),
        ("IF THE READER WILL EXCUSE ME", "if the reader will excuse me"),
        ("Mr. Quilter and Mrs Smith met Dr. Who", "mister quilter and missus smith met doctor who"),
        ("mister john dashwood", "mister john dashwood"),
        ("self-substantial fuel", "self substantial fuel"),
        ("go forward 10 meters.", "go forward ten meters"),
        ("I'm there’s", "im theres"),
        ("Feed'st thy light's flame", "feedst thy lights flame"),
        ("uh so this is um the corpus", "so this is the corpus"),
        ("the 1st and 22nd", "the first and twenty second"),
        ("3.5% of $1,000", "three point five percent of one thousand dollars"),
        ("  spaced   out  ", "spaced out"),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (10, "ten"),
        (21, "twenty one"),
        (100, "one hundred"),
        (1961, "one thousand nine hundred sixty one"),
        (2_000_005, "two million five"),
    ],
)
def test_int_to_words(n: int, words: str) -> None:
    assert int_to_words(n) == words


def test_ordinals() -> None:
    assert [ordinal_words(n) for n in (1, 2, 3, 5, 12, 20, 21)] == [
        "first", "second", "third", "fifth", "twelfth", "twentieth", "twenty first",
    ]


def test_digits_and_words_compare_equal() -> None:
    assert wer("one two three", "1, 2, 3.") == 0.0
    assert wer("go forward ten meters", "Go forward 10 meters.") == 0.0


def test_wer_counts_errors_over_reference_words() -> None:
    assert wer("a b c d", "a x c") == pytest.approx(0.5)  # one substitution, one deletion
    assert wer("no", "No. No.") == 1.0  # one insertion over one word
    assert wer("a b", "") == 1.0
    assert wer("", "") == 0.0


def test_corpus_wer_weighs_by_length_not_mean_of_ratios() -> None:
    pairs = [("a b c d e f g h i j", "a b c d e f g h i j"), ("x", "y")]
    # One error in eleven words, where a mean of the two ratios would say 50 %.
    assert corpus_wer(pairs) == pytest.approx(1 / 11)
    assert word_errors("x", "y") == (1, 1)


@given(st.text(max_size=80))
def test_normalize_is_idempotent_and_plain(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert all(c == " " or "a" <= c <= "z" for c in once)


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_integers_become_words(n: int) -> None:
    words = int_to_words(n)
    assert words and all(c == " " or "a" <= c <= "z" for c in words)
    assert normalize(str(n)) == words
