"""Structured interviews scored on behaviourally anchored 1-5 scales.

``transcript`` (numbered utterances, parsed from JSON or "Speaker: text" lines), ``quality`` (the
gate an interview's transcript must pass to be scored), ``scales`` (default anchors for the
lexicon's competencies), ``suggest`` (rule-based suggested ratings, each with quoted evidence),
``agreement`` (inter-rater agreement) and ``service`` (storage). The human rater's rating is the
score; a suggestion is only ever shown beside it.
"""
