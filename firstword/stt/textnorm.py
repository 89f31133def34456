"""Text normalisation for word error rate: both sides of a comparison go through ``normalize``.

References come as written in their sources (upper case, "Mr." or "mister", "10" or "ten"),
hypotheses as Whisper writes them (punctuated, digits). Scoring those raw would count style as
errors, so both are mapped to one plain form: lower case, no punctuation, numbers and common
abbreviations spelled out, hesitation fillers dropped (as Whisper's own English normaliser does,
because references disagree on whether to transcribe them and the models mostly omit them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import jiwer

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

# Titles spoken as words; matched with their dot (or without, as "mr" in lower-cased references).
_ABBREVIATIONS = {
    "mr": "mister",
    "mrs": "missus",
    "ms": "miss",
    "dr": "doctor",
    "prof": "professor",
    "st": "saint",
    "jr": "junior",
    "sr": "senior",
    "vs": "versus",
    "etc": "et cetera",
}
_FILLERS = frozenset({"um", "uh", "hmm", "mm", "mhm", "mmm", "uhm", "er", "erm"})

_MONEY_RE = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)")
_PERCENT_RE = re.compile(r"(\d)\s*%")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")
_ORDINAL_RE = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_DECIMAL_RE = re.compile(r"\b(\d+)\.(\d+)\b")
_NUMBER_RE = re.compile(r"\d+")
_APOSTROPHE_RE = re.compile(r"[’‘`´]")
_NON_WORD_RE = re.compile(r"[^a-z0-9' ]+")
_SPACES_RE = re.compile(r"\s+")


def int_to_words(n: int) -> str:
    """Cardinal English words for a non-negative integer: 1961 → "one thousand nine hundred
    sixty one". Years are not special-cased: both sides of a WER comparison get the same form."""
    if n < 0:
        return "minus " + int_to_words(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + int_to_words(rest))
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            if head >= 1000 and scale == 10**9:
                # Beyond billions nobody speaks the number as one: read it digit by digit.
                return " ".join(_ONES[int(d)] for d in str(n))
            return int_to_words(head) + " " + name + ("" if rest == 0 else " " + int_to_words(rest))
    raise AssertionError("unreachable")  # pragma: no cover


def ordinal_words(n: int) -> str:
    words = int_to_words(n).split()
    last = words[-1]
    if last in _ORDINAL_WORDS:
        words[-1] = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _digits_words(digits: str) -> str:
    # Leading zeros and very long digit strings (codes, phone numbers) are read digit by digit.
    if (len(digits) > 1 and digits.startswith("0")) or len(digits) > 12:
        return " ".join(_ONES[int(d)] for d in digits)
    return int_to_words(int(digits))


def normalize(text: str) -> str:
    text = _APOSTROPHE_RE.sub("'", text.lower())
    text = text.replace("&", " and ")
    text = _THOUSANDS_RE.sub("", text)
    text = _MONEY_RE.sub(lambda m: m.group(1) + " dollars", text)
    text = _PERCENT_RE.sub(r"\1 percent", text)
    text = _ORDINAL_RE.sub(lambda m: " " + ordinal_words(int(m.group(1))) + " ", text)
    text = _DECIMAL_RE.sub(
        lambda m: " " + _digits_words(m.group(1)) + " point "
        + " ".join(_ONES[int(d)] for d in m.group(2)) + " ",
        text,
    )
    text = _NUMBER_RE.sub(lambda m: " " + _digits_words(m.group(0)) + " ", text)
    # Hyphens, slashes and other punctuation separate words; apostrophes join them ("i'm" → "im")
    # so that contractions compare equal whether or not a side kept the apostrophe.
    text = _NON_WORD_RE.sub(" ", text).replace("'", "")
    # Titles are expanded word by word once the text is plain, so that whatever stood next to
    # them ("0sr", "sr¹") the result is the same the first time and every time after.
    words = " ".join(_ABBREVIATIONS.get(w, w) for w in _SPACES_RE.split(text) if w).split()
    return " ".join(w for w in words if w not in _FILLERS)


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference word count) on normalised text."""
    ref = normalize(reference)
    hyp = normalize(hypothesis)
    ref_words = len(ref.split())
    if not ref:
        return len(hyp.split()), 0
    if not hyp:
        return ref_words, ref_words
    out = jiwer.process_words(ref, hyp)
    return out.substitutions + out.deletions + out.insertions, ref_words


def wer(reference: str, hypothesis: str) -> float:
    errors, words = word_errors(reference, hypothesis)
    if words == 0:
        return 0.0 if errors == 0 else float("inf")
    return errors / words


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Total errors over total reference words (long files weigh by their length)."""
    total_errors = 0
    total_words = 0
    for reference, hypothesis in pairs:
        errors, words = word_errors(reference, hypothesis)
        total_errors += errors
        total_words += words
    if total_words == 0:
        return 0.0 if total_errors == 0 else float("inf")
    return total_errors / total_words
