"""Which common interview question a turn asks, by a small trained classifier: the matcher's
fallback when its rules find no prediction (``match.choose``).

The rules (``match.PHRASES``, ``similarity``) hold to no false hit, and so know only about half
the ways the common questions are put ("What's your Achilles heel?", "Any hols booked?"): the
README's "What bounds the hit rate" measured it on labelled held-out turns. A linear classifier
over a turn's word stems and stem pairs, trained on a few thousand labelled interviewer turns
(``bench/prefetch-intents``: phrasings of 26 common questions, their near misses, and whole
labelled interviews), reads the rest by the words it has learned to weigh. Its threshold is
chosen out of fold on its training data (``intents_train``), its precision measured on a check
split written blind, and ``match`` takes its reading only after the rules miss and only past the
rules' own guards (one ask, no scene, a compatible tense and question word, …).

Linear on purpose: reading a turn is a dictionary lookup per feature and a sum over ~27 rows
(~0.06 ms, on the way to the first word), where an embedding model costs ~8 ms a turn (README).
The weights are trained by ``firstword bench prefetch-intents --train`` (scikit-learn, the
``train`` extra) and shipped as ``data/intents.npz``; reading them needs only numpy.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from firstword.grounding.questions import names_in
from firstword.prefetch import match, patterns

# The interview table's rows the classifier knows (``patterns``: openers, common questions, the
# closing question).
COMMON: tuple[str, ...] = (
    "about-yourself", "current-role", "resume", "started", "why-role", "why-here", "leaving",
    "know-company", "weakness", "strength", "five-years", "next-role", "proud", "challenge",
    "described", "first-90", "why-hire", "manager-style", "motivates", "salary", "current-salary",
    "start", "notice", "other-interviews", "holidays", "questions-for-us",
)
# The table's story requests ("Tell me about a time you made a mistake."): one story of a kind
# the person has prepared. A setting narrows a story ("…a mistake you made on a filing"), and
# the story prepared from the row's form may be another, so one read here is shown only when it
# is the story the live answer would tell (``match.Choice.confirm``).
STORIES: tuple[str, ...] = tuple(patterns.STORY_KIND_WORDS)
INTENTS: tuple[str, ...] = (*COMMON, *STORIES)
NONE = "none"

_WORD = re.compile(r"[a-z0-9]+(?:_[a-z]+)?")


def model_path() -> Path:
    return Path(str(resources.files("firstword.prefetch") / "data" / "intents.npz"))


@lru_cache(maxsize=4096)
def features(text: str) -> tuple[str, ...]:
    """What the classifier reads of a turn: the stems of its words and each pair of neighbouring
    stems, over the whole turn and again (marked ``q:``) over its last sentence, where the ask
    usually is ("Thanks, that's helpful. So what are you on at the moment?")."""
    spelled = match.spell_out(text)
    whole = _stems(spelled)
    last = _stems(_last_sentence(spelled))
    out: list[str] = []
    for prefix, stems in (("", whole), ("q:", last)):
        out += [prefix + s for s in stems]
        out += [f"{prefix}{a} {b}" for a, b in zip(("^", *stems), (*stems, "$"), strict=True)]
    return tuple(out)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(match.stem(w) for w in _WORD.findall(text))


def _last_sentence(text: str) -> str:
    said = [s for s in match.sentences_of(text) if _WORD.search(s)]
    return said[-1] if said else text


@lru_cache(maxsize=4096)
def content(text: str, *, whole: bool = False) -> frozenset[str]:
    """The stems of the content words (``match.STOPWORDS`` left out) of the turn's last sentence,
    or of the whole turn: what a reading must know (``Model.known``)."""
    spelled = match.spell_out(text)
    said = spelled if whole else _last_sentence(spelled)
    return frozenset(match.stem(w) for w in _WORD.findall(said) if w not in match.STOPWORDS and len(w) > 1)


@lru_cache(maxsize=4096)
def _named(text: str) -> frozenset[str]:
    """The stems of the words ``text`` writes as names ("Tallyhub", "Eilidh", "Poland"): whom a
    question is put to or where, not what it asks."""
    return frozenset(match.stem(w) for name in names_in(text) for w in _WORD.findall(match.spell_out(name)))


def foreign_names(text: str, intent: str, dossier: str) -> frozenset[str]:
    """The names ``text`` says that neither the dossier (``dossier``: its employers, places,
    tools, as one string) nor any training turn of ``intent`` does: "What is your OTA share
    currently" had read as the current pay, "OTA" taken for a name of the person's own (set ac)."""
    known = shipped().known.get(intent, frozenset())
    # A name said as the person's own thing ("your OTA share") is what is asked about, wherever
    # the dossier says it; one said as a place or an employer ("your notice at Brantwood") is
    # where.
    owned = frozenset(match.stem(w) for w in _OWNED.findall(match.spell_out(text).lower())) & _named(text)
    return ((_named(text) - _stems_of(dossier)) | owned) - known


_OWNED = re.compile(r"\byour ([a-z0-9]+)")


@lru_cache(maxsize=64)
def _stems_of(dossier: str) -> frozenset[str]:
    return frozenset(match.stem(w) for w in _WORD.findall(match.spell_out(dossier)))


@dataclass(frozen=True, slots=True)
class Reading:
    """The classifier's reading of a turn: its likeliest intent (``NONE`` included) and how sure."""

    intent: str
    probability: float
    # The threshold the shipped model was chosen at: a reading at or above it is an answer.
    threshold: float
    # Content words of the ask no training turn of ``intent`` says ("…weakness as a presenter?"),
    # and how many a reading may have and still answer (``Model.max_unknown``).
    unknown: frozenset[str] = frozenset()
    max_unknown: int = 0
    # The threshold for a story intent (``story``), chosen apart (``Model.story_threshold``).
    story_threshold: float = 1.0

    @property
    def story(self) -> str | None:
        """The story intent asked, or None: a story's request read surely enough, whatever words
        it says that its intent's training turns never did. Those are where or with whom the
        story took place ("…a mistake on a filing"), which only the live answer's reading of the
        turn can say the prepared story fits (``match.Choice.confirm``)."""
        return self.intent if self.intent in STORIES and self.probability >= self.story_threshold else None

    @property
    def doubted(self) -> str | None:
        """A common question read less surely than ``asks`` holds to, or with words its training
        never saw with it ("…your notice at the medical centre?"), at ``story_threshold`` or
        above: shown only where the live answer to the turn is the one prepared for the question
        (``match.Choice.confirm``), as a story's is."""
        return self.intent if self.intent in COMMON and self.probability >= self.story_threshold else None

    @property
    def asks(self) -> str | None:
        """The intent asked, or None when the classifier is not sure enough, reads none, or the
        ask says more than the intent's training turns ever did."""
        if self.intent == NONE or self.probability < self.threshold or len(self.unknown) > self.max_unknown:
            return None
        return self.intent


@dataclass(frozen=True, slots=True)
class Model:
    classes: tuple[str, ...]
    index: dict[str, int]  # feature -> column
    weights: np.ndarray  # (features, classes), float32
    bias: np.ndarray  # (classes,)
    threshold: float
    # Each intent's vocabulary: the content stems of its training turns (``content``). A linear
    # reading weighs the words it knows and ignores the rest, so "What's your biggest weakness
    # as a presenter?" reads as the weakness; the words it has never seen with an intent are
    # what narrows or changes the ask.
    known: dict[str, frozenset[str]]
    max_unknown: int
    meta: dict[str, object]
    # A story intent is answered at this probability: lower than ``threshold``, since a story
    # read is shown only where the live answer to the turn would tell the same story
    # (``match.Choice.confirm``), and chosen out of fold at a precision of its own
    # (``intents_train.STORY_PRECISION``).
    story_threshold: float = 1.0

    def read(self, text: str) -> Reading:
        columns = [self.index[f] for f in features(text) if f in self.index]
        logits = self.bias + (self.weights[columns].sum(axis=0) if columns else 0.0)
        logits = logits - logits.max()
        p = np.exp(logits)
        p /= p.sum()
        best = int(p.argmax())
        intent = self.classes[best]
        unknown = content(text) - self.known.get(intent, frozenset()) - _named(text) if intent != NONE else frozenset()
        return Reading(intent, float(p[best]), self.threshold, unknown, self.max_unknown, self.story_threshold)


def save(path: Path, model: Model) -> None:
    # Features as one newline-joined string: an object array would need pickle to load.
    np.savez_compressed(
        path,
        classes=np.array(model.classes), features=np.array("\n".join(sorted(model.index, key=model.index.get))),
        weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float32),
        threshold=np.float64(model.threshold), max_unknown=np.int64(model.max_unknown),
        story_threshold=np.float64(model.story_threshold),
        known=np.array(json.dumps({k: sorted(v) for k, v in sorted(model.known.items())})),
        meta=np.array(json.dumps(model.meta, sort_keys=True)),
    )


def load(path: Path | None = None) -> Model:
    with np.load(path or model_path(), allow_pickle=False) as data:
        names = str(data["features"]).split("\n")
        return Model(
            classes=tuple(str(c) for c in data["classes"]), index={f: i for i, f in enumerate(names)},
            weights=data["weights"], bias=data["bias"], threshold=float(data["threshold"]),
            known={k: frozenset(v) for k, v in json.loads(str(data["known"])).items()},
            max_unknown=int(data["max_unknown"]), meta=json.loads(str(data["meta"])),
            story_threshold=float(data["story_threshold"]),
        )


_LOCK = threading.Lock()
_MODEL: Model | None = None


def shipped() -> Model:
    """The shipped model, loaded once per process (~20 ms; the lookup worker loads it at start)."""
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            _MODEL = load()
        return _MODEL


@lru_cache(maxsize=4096)
def classify(text: str) -> Reading:
    # Cached: one lookup reads the same text more than once (the whole turn for a common
    # question and again for a story; each ask of a turn it cuts), about half of its ~2.3
    # readings a turn over sets x-ab; a Reading is frozen and the shipped model never changes.
    return shipped().read(text)

