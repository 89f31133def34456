"""Training and measuring the intent classifier (``intents``) on the labelled interviewer turns
of ``bench/prefetch-intents``: ``firstword bench prefetch-intents [--train]``.

- ``train/*.jsonl``: what the weights are fitted on, and the threshold chosen on: out-of-fold
  readings (``FOLDS`` folds, each read by a model fitted on the others), the lowest probability
  at which no fold reads a turn as an intent it does not ask (a false hit is worse than none),
  never below ``MIN_THRESHOLD``.
- ``check/*.jsonl``: written blind by other writers and never fitted or tuned on: precision and
  recall there say how the classifier carries to phrasings it has not seen.

Each line: ``{"text", "intent" (an ``intents.INTENTS`` id or "none"), "kind" ("positive",
"near_miss", "other"), "note"}``.

Fitting needs scikit-learn (the ``train`` extra, which ``make`` installs); reading the shipped
model needs only numpy.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from firstword.prefetch import intents
from firstword.prefetch.intents import NONE, Model

DATA = Path("bench/prefetch-intents")
FOLDS = 5
SEED = 14
# A feature seen in one training turn only is that turn's, not a way of asking: left out.
MIN_COUNT = 2
# Inverse regularisation strengths tried; the one with the best out-of-fold recall at no false
# hit is kept.
C_GRID = (1.0, 3.0, 10.0, 30.0)
# Below this, the likeliest intent may be one of two: never an answer, whatever the folds say.
MIN_THRESHOLD = 0.6
# No threshold gives no false hit out of fold: the training near misses were written to keep a
# positive's words and change its ask by one or two. The operating point is the best recall at
# this precision there; on interviews (``bench prefetch --offline``) every hit is read.
PRECISION = 0.98
# How many content words of the ask its intent's training turns never said a reading may have.
# None: allowing one or two gained ~0.2 points of out-of-fold recall (2026-12-05), and let "What's
# the most dangerous situation you've been in at work?" (set u) read as the biggest challenge.
UNKNOWN_GRID = (0,)
# A story intent's reading is shown only where the live answer to the turn would tell the very
# story prepared (``match.Choice.confirm``): a wrong reading then shows what the live answer
# would have shown anyway. Its threshold is chosen apart, at this out-of-fold precision, never
# below ``STORY_MIN_THRESHOLD`` (below it the likeliest reading may be one of three).
STORY_PRECISION = 0.9
STORY_MIN_THRESHOLD = 0.5
SWEEP = tuple(round(0.5 + i / 200, 3) for i in range(100))  # 0.500 … 0.995


class DataError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    intent: str
    kind: str
    source: str  # file:line


def load_split(folder: Path) -> list[Turn]:
    turns: list[Turn] = []
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise DataError(f"no labelled turns (*.jsonl) in {folder}")
    known = {*intents.INTENTS, NONE}
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                turn = Turn(str(row["text"]).strip(), str(row["intent"]), str(row.get("kind", "")), f"{path.name}:{n}")
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{n}: not a labelled turn ({exc})") from None
            if turn.intent not in known:
                raise DataError(f"{path}:{n}: unknown intent {turn.intent!r}")
            if turn.text:
                turns.append(turn)
    return turns


def _said(text: str) -> str:
    return " ".join(text.lower().split())


def _digest(turns: Sequence[Turn]) -> str:
    h = hashlib.sha256()
    for t in turns:
        h.update(f"{t.intent}\t{t.text}\n".encode())
    return h.hexdigest()[:16]


def _vocabulary(turns: Sequence[Turn]) -> dict[str, int]:
    counts = Counter(f for t in turns for f in set(intents.features(t.text)))
    kept = sorted(f for f, c in counts.items() if c >= MIN_COUNT)
    return {f: i for i, f in enumerate(kept)}


def _matrix(turns: Sequence[Turn], index: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for r, t in enumerate(turns):
        for c in {index[f] for f in intents.features(t.text) if f in index}:
            rows.append(r)
            cols.append(c)
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(turns), len(index)))


def fit(turns: Sequence[Turn], c: float, threshold: float = 1.0, max_unknown: int = 0,
        meta: dict[str, object] | None = None, story_threshold: float = 1.0) -> Model:
    from sklearn.linear_model import LogisticRegression

    index = _vocabulary(turns)
    classes = (*intents.INTENTS, NONE)
    y = np.array([classes.index(t.intent) for t in turns])
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(_matrix(turns, index), y)
    # Columns for every class, in ``classes`` order, even one no training turn has.
    weights = np.full((len(index), len(classes)), 0.0, dtype=np.float32)
    bias = np.full(len(classes), -1e4, dtype=np.float32)
    for k, label in enumerate(clf.classes_):
        weights[:, label] = clf.coef_[k]
        bias[label] = clf.intercept_[k]
    known: dict[str, set[str]] = {name: set() for name in intents.INTENTS}
    for t in turns:
        if t.intent != NONE:
            known[t.intent] |= intents.content(t.text, whole=True)
    return Model(classes, index, weights, bias, threshold, {k: frozenset(v) for k, v in known.items()}, max_unknown,
                 meta or {}, story_threshold)


@dataclass(frozen=True, slots=True)
class Scored:
    turn: Turn
    intent: str  # the likeliest, NONE included
    probability: float
    unknown: int = 0  # content words of the ask the intent's training turns never said


def _out_of_fold(turns: Sequence[Turn], c: float) -> list[Scored]:
    from sklearn.model_selection import StratifiedKFold

    labels = [t.intent for t in turns]
    out: list[Scored | None] = [None] * len(turns)
    for fitted_on, held in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(turns)), labels):
        model = fit([turns[i] for i in fitted_on], c)
        for i in held:
            r = model.read(turns[i].text)
            out[i] = Scored(turns[i], r.intent, r.probability, len(r.unknown))
    return [s for s in out if s is not None]


def score(scored: Sequence[Scored], threshold: float, max_unknown: int | None = None) -> dict[str, Any]:
    """Hits (an intent read at or above ``threshold``, with at most ``max_unknown`` words its
    training turns never said, that the turn asks), false hits (one it does not ask), and
    recall over the turns that ask an intent."""
    answered = [s for s in scored if s.intent != NONE and s.probability >= threshold
                and (max_unknown is None or s.unknown <= max_unknown)]
    return {"turns": len(scored), **_tally([s for s in scored if s.turn.intent != NONE], answered)}


def score_stories(scored: Sequence[Scored], threshold: float) -> dict[str, Any]:
    """``score`` of the story intents alone, each read at ``threshold`` whatever its unknown
    words (``intents.Reading.story``): hits, false hits (a story read for a turn that asks
    another story or none), recall over the turns that ask a story."""
    answered = [s for s in scored if s.intent in intents.STORIES and s.probability >= threshold]
    return _tally([s for s in scored if s.turn.intent in intents.STORIES], answered)


def _tally(asked: Sequence[Scored], answered: Sequence[Scored]) -> dict[str, Any]:
    hits = [s for s in answered if s.intent == s.turn.intent]
    false = [s for s in answered if s.intent != s.turn.intent]
    return {
        "asking": len(asked), "hits": len(hits), "false_hits": len(false),
        "precision": round(len(hits) / len(answered), 4) if answered else 1.0,
        "recall": round(len(hits) / len(asked), 4) if asked else 0.0,
        "false": [{"text": s.turn.text, "label": s.turn.intent, "read": s.intent, "p": round(s.probability, 3),
                   "where": s.turn.source} for s in false],
    }


def _best_at(measure: Callable[[float], dict[str, Any]], lowest: float, precision: float) -> tuple[float, dict[str, Any]] | None:
    """The threshold of ``SWEEP`` (``lowest`` at least) with the best recall at ``precision`` or
    above, as ``measure`` scores it; None when none reaches it."""
    best: tuple[float, dict[str, Any]] | None = None
    for t in SWEEP:
        if t >= lowest and (at := measure(t))["precision"] >= precision and (best is None or at["recall"] > best[1]["recall"]):
            best = (t, at)
    return best


def _story_point(scored: Sequence[Scored]) -> tuple[float, dict[str, Any]]:
    """The story threshold with the best out-of-fold recall at ``STORY_PRECISION`` or above."""
    return (_best_at(lambda t: score_stories(scored, t), STORY_MIN_THRESHOLD, STORY_PRECISION)
            or (1.0, score_stories(scored, 1.0)))


def _best_point(scored: Sequence[Scored]) -> tuple[float, int, dict[str, Any]]:
    """The (threshold, max_unknown) with the best out-of-fold recall at ``PRECISION`` or above."""
    best: tuple[float, int, dict[str, Any]] | None = None
    for max_unknown in UNKNOWN_GRID:
        found = _best_at(lambda t, m=max_unknown: score(scored, t, m), MIN_THRESHOLD, PRECISION)
        if found is not None and (best is None or found[1]["recall"] > best[2]["recall"]):
            best = (found[0], max_unknown, found[1])
    return best or (1.0, 0, score(scored, 1.0, 0))


def train(data: Path = DATA, out: Path | None = None) -> tuple[Model, dict[str, Any]]:
    """Fit on ``data/train``, choose C, the threshold and the unknown words allowed out of fold,
    write the model to ``out``."""
    turns = load_split(data / "train")
    tried: dict[str, Any] = {}
    best: tuple[float, float, int, float] | None = None  # (recall, c, max_unknown, threshold)
    folded: dict[float, list[Scored]] = {}
    for c in C_GRID:
        folded[c] = _out_of_fold(turns, c)
        t, max_unknown, at = _best_point(folded[c])
        tried[str(c)] = {"threshold": t, "max_unknown": max_unknown, "recall": at["recall"],
                         "precision": at["precision"], "false_hits": at["false_hits"]}
        if best is None or at["recall"] > best[0]:
            best = (at["recall"], c, max_unknown, t)
    assert best is not None
    recall, c, max_unknown, threshold = best
    story_threshold, stories = _story_point(folded[c])
    meta = {"c": c, "threshold": threshold, "max_unknown": max_unknown, "out_of_fold_recall": recall,
            "story_threshold": story_threshold, "stories_out_of_fold": {k: v for k, v in stories.items() if k != "false"},
            "out_of_fold_precision": tried[str(c)]["precision"], "folds": FOLDS, "tried": tried,
            "train_turns": len(turns), "train_digest": _digest(turns), "min_count": MIN_COUNT,
            "per_intent": dict(sorted(Counter(t.intent for t in turns).items()))}
    model = fit(turns, c, threshold, max_unknown, meta, story_threshold)
    if out is not None:
        intents.save(out, model)
    return model, meta


def check(model: Model, data: Path = DATA) -> dict[str, Any]:
    """The model's readings of ``data/check`` at its threshold, overall and per intent, and of
    the story intents at theirs (``stories``; ``Model.story_threshold``)."""
    turns = load_split(data / "check")
    started = time.perf_counter()
    scored = []
    for t in turns:
        r = model.read(t.text)
        scored.append(Scored(t, r.intent, r.probability, len(r.unknown)))
    per_turn_ms = (time.perf_counter() - started) * 1000 / max(len(turns), 1)
    overall = score(scored, model.threshold, model.max_unknown)
    per_intent = {}
    for name in intents.INTENTS:
        asking = [s for s in scored if s.turn.intent == name]
        if name in intents.STORIES:
            read_as = [s for s in scored if s.intent == name and s.probability >= model.story_threshold]
        else:
            read_as = [s for s in scored if s.intent == name and s.probability >= model.threshold
                       and s.unknown <= model.max_unknown]
        per_intent[name] = {"asking": len(asking), "hits": sum(s.turn.intent == name for s in read_as),
                            "false_hits": sum(s.turn.intent != name for s in read_as)}
    by_kind = {k: sum(1 for s in scored if s.turn.kind == k) for k in ("positive", "near_miss", "other")}
    # Short common turns ("Notice?", "Why this role?") are written alike by writers who never
    # met: the check's turns that are not word for word a training turn, apart.
    trained = {_said(t.text) for t in load_split(data / "train")}
    unseen = score([s for s in scored if _said(s.turn.text) not in trained], model.threshold, model.max_unknown)
    return {"threshold": model.threshold, "max_unknown": model.max_unknown, "check": overall,
            "story_threshold": model.story_threshold, "stories": score_stories(scored, model.story_threshold),
            "check_unseen": {k: v for k, v in unseen.items() if k != "false"}, "per_intent": per_intent,
            "kinds": by_kind, "read_ms_per_turn": round(per_turn_ms, 4),
            "check_digest": _digest(turns)}
