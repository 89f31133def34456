"""Answers before the question: the questions likely to come next, and whether a new question is
one of them.

- ``predict``: the next questions from the dossier (profile, job description) and what has been
  said, by the readable tables of ``patterns``: deterministic, ranked, each with its source;
  ``own_work``: the person's stories and achievements and the job's conditions, which a question
  names rather than words the way a table could; ``notes``: the labelled lines of the person's
  notes, each answered by the note itself.
- ``match``: whether a typed question or a spoken interim asks one of the predictions; lexical,
  chosen and thresholded on the labelled set ``data/paraphrases.jsonl`` for no false hits.
- ``evaluate``: the matcher and its rivals (character n-grams, MiniLM) on that set.

Pre-generating the answers and showing them is the server's (it calls these).
"""

from firstword.prefetch.match import (
    AMBIGUITY_MARGIN,
    THRESHOLD,
    Decision,
    Match,
    decide,
    display_text,
    match_question,
    similarity,
)
from firstword.prefetch.predict import DEFAULT_LIMIT, DEFAULT_OWN_WORK, Prediction, jd_questions, predict_questions

__all__ = [
    "AMBIGUITY_MARGIN",
    "DEFAULT_LIMIT",
    "DEFAULT_OWN_WORK",
    "THRESHOLD",
    "Decision",
    "Match",
    "Prediction",
    "decide",
    "display_text",
    "jd_questions",
    "match_question",
    "predict_questions",
    "similarity",
]
