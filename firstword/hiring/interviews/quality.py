"""The gate a transcript must pass before its interview is scored (by a suggestion or a rater).

A transcript too thin or too damaged to hold the candidate's answers would make any rating a
guess about what was said, so it is refused with every reason that applies, and a better
transcript (a new upload) lifts the refusal. The thresholds:

* ``MIN_CANDIDATE_WORDS = 150``: conversational speech runs at about 130-150 words a minute,
  and one behavioural answer takes one to three minutes; under 150 words the whole transcript
  holds less than one full answer, nothing to rate several competencies on.
* ``MAX_SHORT_SHARE = 0.5`` with ``SHORT_WORDS = 3``: when most candidate utterances have fewer
  than 3 words, the transcript is fragments ("yes", "okay, so"), typically an ASR that split
  speech at every pause or a candidate who was not heard; quotes from it cannot carry a story.
* ``MAX_LOST_SHARE = 0.2``: more than one line in five empty or marked ``[inaudible]``
  (``[unintelligible]``, ``[crosstalk]``, ``[noise]``, ``???``) means a good part of the answers
  may be missing, and a rating would judge what is left rather than what was said.
* ``MIN_MEAN_CONFIDENCE = 0.6``: when an ASR confidence is given for at least half the candidate
  utterances, their mean must reach 0.6. Engines differ in calibration; below 0.6 words are
  commonly wrong often enough that a quote may not be what the candidate said. Without
  confidences this check does not apply (a typed transcript has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from firstword.hiring.interviews.transcript import Utterance

MIN_CANDIDATE_WORDS = 150
SHORT_WORDS = 3
MAX_SHORT_SHARE = 0.5
MAX_LOST_SHARE = 0.2
MIN_MEAN_CONFIDENCE = 0.6
CONFIDENCE_COVERAGE = 0.5

_LOST = re.compile(r"^\W*(\[(inaudible|unintelligible|crosstalk|noise|silence|unclear)[^\]]*\]\W*)+$|^\W*\?{3,}\W*$",
                   re.IGNORECASE)
_MARK = re.compile(r"\[[^\]]*\]")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> list[str]:
    """The words of a text, bracketed transcriber marks left out."""
    return _WORD.findall(_MARK.sub(" ", text))


def is_lost(text: str) -> bool:
    return not text.strip() or bool(_LOST.match(text))


@dataclass(frozen=True)
class Quality:
    ok: bool
    candidate_words: int
    candidate_utterances: int
    short_share: float
    lost_share: float
    mean_confidence: float | None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok, "candidate_words": self.candidate_words, "candidate_utterances": self.candidate_utterances,
            "short_share": round(self.short_share, 3), "lost_share": round(self.lost_share, 3),
            "mean_confidence": None if self.mean_confidence is None else round(self.mean_confidence, 3),
            "reasons": self.reasons,
            "thresholds": {
                "min_candidate_words": MIN_CANDIDATE_WORDS, "short_words": SHORT_WORDS,
                "max_short_share": MAX_SHORT_SHARE, "max_lost_share": MAX_LOST_SHARE,
                "min_mean_confidence": MIN_MEAN_CONFIDENCE,
            },
        }


def assess(utterances: list[Utterance]) -> Quality:
    said = [u for u in utterances if u.speaker == "candidate"]
    heard = [u for u in said if not is_lost(u.text)]
    counts = [len(words(u.text)) for u in heard]
    total = sum(counts)
    short_share = sum(1 for n in counts if n < SHORT_WORDS) / len(counts) if counts else 1.0
    lost_share = sum(1 for u in utterances if is_lost(u.text)) / len(utterances) if utterances else 1.0
    confidences = [u.confidence for u in said if u.confidence is not None]
    mean_conf = sum(confidences) / len(confidences) if said and len(confidences) >= CONFIDENCE_COVERAGE * len(said) \
        else None
    reasons: list[str] = []
    if total < MIN_CANDIDATE_WORDS:
        reasons.append(f"the candidate says {total} words; at least {MIN_CANDIDATE_WORDS} are needed "
                       "(less than one full answer)")
    if counts and short_share > MAX_SHORT_SHARE:
        reasons.append(f"{short_share:.0%} of the candidate's utterances have fewer than {SHORT_WORDS} words "
                       f"(at most {MAX_SHORT_SHARE:.0%}): the transcript is fragments")
    if lost_share > MAX_LOST_SHARE:
        reasons.append(f"{lost_share:.0%} of the lines are empty or inaudible (at most {MAX_LOST_SHARE:.0%})")
    if mean_conf is not None and mean_conf < MIN_MEAN_CONFIDENCE:
        reasons.append(f"the mean ASR confidence of the candidate's utterances is {mean_conf:.2f} "
                       f"(at least {MIN_MEAN_CONFIDENCE:.2f})")
    return Quality(not reasons, total, len(said), short_share, lost_share, mean_conf, reasons)
