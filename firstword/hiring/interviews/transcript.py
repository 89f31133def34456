"""An interview transcript as numbered utterances: ``(seq, speaker, text)``, with an optional ASR
confidence, the same shape a voice interview's turns would have.

Uploaded either as JSON (a list of ``{"seq"?, "speaker", "text", "confidence"?}``) or as plain
text, one utterance per ``Interviewer: ...`` / ``Candidate: ...`` line (a line without a speaker
continues the previous utterance). Sequence numbers, when not given, are 1, 2, 3, ...
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

Speaker = Literal["interviewer", "candidate"]

# Bounds on one upload: an hour's interview is about 9 000 words in a few hundred turns; the
# caps leave room for three hours and keep one row's JSON small.
MAX_UTTERANCES = 2_000
MAX_UTTERANCE_CHARS = 5_000
MAX_TOTAL_CHARS = 200_000

# Labels people and tools use for the two sides (lower-cased, without the colon).
_ALIASES: dict[str, Speaker] = {
    "interviewer": "interviewer", "i": "interviewer", "q": "interviewer", "recruiter": "interviewer",
    "candidate": "candidate", "c": "candidate", "a": "candidate", "applicant": "candidate",
}
_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s?(.*)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TranscriptError(ValueError):
    """The upload cannot be read as a transcript; the message says where and why."""


@dataclass(frozen=True)
class Utterance:
    seq: int
    speaker: Speaker
    text: str
    confidence: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.confidence is None:
            del out["confidence"]
        return out


def speaker_of(label: str) -> Speaker | None:
    return _ALIASES.get(label.strip().lower())


def _clean(text: str, where: str) -> str:
    if _CONTROL.search(text):
        raise TranscriptError(f"{where}: the text holds control characters")
    text = " ".join(text.split())
    if len(text) > MAX_UTTERANCE_CHARS:
        raise TranscriptError(f"{where}: an utterance has at most {MAX_UTTERANCE_CHARS} characters")
    return text


def _checked(utterances: list[Utterance]) -> list[Utterance]:
    if not utterances:
        raise TranscriptError("the transcript holds no utterance")
    if len(utterances) > MAX_UTTERANCES:
        raise TranscriptError(f"a transcript has at most {MAX_UTTERANCES} utterances")
    if sum(len(u.text) for u in utterances) > MAX_TOTAL_CHARS:
        raise TranscriptError(f"a transcript has at most {MAX_TOTAL_CHARS} characters")
    seqs = [u.seq for u in utterances]
    if any(b <= a for a, b in zip(seqs, seqs[1:], strict=False)):
        # Evidence cites sequence numbers: they must name one utterance each, in order.
        raise TranscriptError("sequence numbers must be unique and increasing")
    return utterances


def parse_text(text: str) -> list[Utterance]:
    """``Interviewer: ...`` / ``Candidate: ...`` lines (also ``Q:``/``A:``, ``I:``/``C:``)."""
    pending: list[tuple[Speaker, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        speaker = speaker_of(match.group(1)) if match else None
        if match and speaker is not None:
            pending.append((speaker, [match.group(2)]))
        elif not line.strip():
            continue
        elif pending:
            pending[-1][1].append(line)
        else:
            raise TranscriptError(f"line {number}: start with 'Interviewer:' or 'Candidate:'")
    return _checked([
        Utterance(seq, speaker, _clean(" ".join(parts), f"utterance {seq}"))
        for seq, (speaker, parts) in enumerate(pending, start=1)
    ])


def parse_json(entries: list[dict[str, Any]]) -> list[Utterance]:
    """A list of ``{"seq"?, "speaker", "text", "confidence"?}``: all with ``seq`` or none."""
    given = [e.get("seq") is not None for e in entries]
    if any(given) and not all(given):
        raise TranscriptError("give every utterance a seq, or none (they are then numbered from 1)")
    utterances: list[Utterance] = []
    for index, entry in enumerate(entries, start=1):
        where = f"utterance {index}"
        speaker = speaker_of(str(entry.get("speaker", "")))
        if speaker is None:
            raise TranscriptError(f"{where}: speaker must be 'interviewer' or 'candidate'")
        seq = entry.get("seq") if all(given) else index
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise TranscriptError(f"{where}: seq must be a non-negative integer")
        text = entry.get("text")
        if not isinstance(text, str):
            raise TranscriptError(f"{where}: text must be a string (empty for a line that was lost)")
        confidence = entry.get("confidence")
        if confidence is not None:
            if isinstance(confidence, bool) or not isinstance(confidence, int | float) \
                    or not math.isfinite(confidence) or not 0 <= confidence <= 1:
                raise TranscriptError(f"{where}: confidence must be a number from 0 to 1")
            confidence = float(confidence)
        utterances.append(Utterance(seq, speaker, _clean(text, where), confidence))
    return _checked(utterances)


def from_stored(rows: list[dict[str, Any]]) -> list[Utterance]:
    return [Utterance(int(r["seq"]), r["speaker"], str(r["text"]), r.get("confidence")) for r in rows]
